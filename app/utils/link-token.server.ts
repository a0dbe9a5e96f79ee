import crypto from 'node:crypto';
import { getEnv } from '#app/env.server';

// Tokens in buyer links (/s/<token>, /r/<token>, /u/<token>, /plan/<token>): 256 random bits, URL-safe; only
// the SHA-256 is stored, so a database leak reveals no working link. The outbox keeps an email's
// links only until it is sent (maskLinkTokens).

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new random token and the hash to store. */
export function newLinkToken() {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export const hashLinkToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** True for strings shaped like a token from newLinkToken (anything else is refused without a query). */
export const isLinkToken = (token: string) => TOKEN_PATTERN.test(token);

/** An absolute URL on this Kept (APP_URL), for emails. */
export const appUrl = (path: string) => `${getEnv().APP_URL.replace(/\/+$/, '')}${path}`;

// A token in a buyer link, anywhere in an email's html, text or headers.
const TOKEN_IN_LINK = /\/(s|r|u|plan)\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g;

/**
 * The same text with every buyer-link token masked to its last four characters (`/s/…Ab3d`):
 * enough to tell two links apart, no longer a working link.
 */
export const maskLinkTokens = (text: string) => text.replace(TOKEN_IN_LINK, (_link, kind: string, token: string) => `/${kind}/…${token.slice(-4)}`);
