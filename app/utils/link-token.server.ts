import crypto from 'node:crypto';
import { getEnv } from '#app/env.server';

// Tokens in buyer links (/s/<token>, /u/<token>): 256 random bits, URL-safe; only the SHA-256 is
// stored, so a database leak reveals no working link.

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
