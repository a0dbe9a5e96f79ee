// The pure rules of single sign-on (docs/sso.md): which issuer URLs Kept accepts, what the admin
// form takes, how a secret is shown back, which identity an ID token's claims name, and the words a
// refused sign-in shows on /login. No database, no network.
import { z } from 'zod';

/** Why Kept refuses `value` as an issuer URL, or null. http only outside production (local test IdPs). */
export function issuerProblem(value: string, { production }: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter the issuer URL, e.g. https://login.example.com/oauth2/default.';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) return 'The issuer must be an https:// URL.';
  if (url.username || url.password) return 'The issuer URL must not carry a user name or password.';
  if (url.search || url.hash) return 'The issuer URL has no query or fragment: copy it without ? or #.';
  return null;
}

/** The issuer as Kept stores and compares it: no trailing slash unless the IdP's issuer is a bare origin. */
export const normalizeIssuer = (value: string) => value.trim().replace(/\/+$/, '');

const text = (max: number, message: string) => z.string().trim().min(1, message).max(max, `At most ${max} characters.`);

/** The connection form. An empty secret keeps the saved one (the page never shows it back). */
export const SsoConnectionSchema = z.object({
  intent: z.literal('save'),
  companyName: text(60, 'Enter the name people know their company sign-in by, e.g. Acme.'),
  issuer: text(500, 'Enter the issuer URL.'),
  clientId: text(300, 'Enter the client id from your identity provider.'),
  clientSecret: z.string().trim().max(1000, 'At most 1000 characters.').default(''),
});

/** The "SSO only" switch: on needs the break-glass admin who keeps a password. */
export const SsoModeSchema = z
  .object({
    intent: z.literal('mode'),
    ssoOnly: z.enum(['on', 'off'], { error: 'Choose whether passwords stay on.' }),
    breakGlassUserId: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^[a-f0-9]{24}$/i, 'Choose an admin from the list.')
        .optional(),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.ssoOnly === 'on' && !v.breakGlassUserId) ctx.addIssue({ code: 'custom', path: ['breakGlassUserId'], message: 'Choose the break-glass admin who keeps a password.' });
  });

/** A saved secret as the admin page shows it: its length hidden, its last four characters kept. */
export const maskSecret = (secret: string) => (secret.length <= 8 ? '••••••••' : `••••••••${secret.slice(-4)}`);

/** What Kept takes from the verified claims: the subject and a verified, lower-cased email. */
export function identityFromClaims(claims: Record<string, unknown>): { ok: true; subject: string; email: string } | { ok: false; reason: 'no-email' | 'unverified-email' } {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!subject || !email) return { ok: false, reason: 'no-email' };
  // Only an address the IdP vouches for: an unverified one could be anybody's.
  if (claims.email_verified !== true && claims.email_verified !== 'true') return { ok: false, reason: 'unverified-email' };
  return { ok: true, subject, email };
}

/** Why a sign-in through SSO ended back on /login (the `sso` query parameter there). */
export const SSO_REFUSALS = {
  'not-configured': 'Single sign-on is not set up. Sign in with your password, or ask your admin.',
  'flow-expired': 'That sign-in took too long or was started in another browser. Start again with the SSO button.',
  state: 'That answer from your identity provider does not belong to the sign-in this browser started. Start again with the SSO button.',
  issuer: 'The identity provider’s answer did not come from the configured issuer. Kept did not sign you in; tell your admin.',
  'token-expired': 'The identity provider’s ID token had already expired. Start again; if it keeps happening, tell your admin (clock skew).',
  denied: 'Your identity provider did not sign you in. Start again, or ask your admin whether Kept is assigned to you.',
  failed: 'The sign-in answer from your identity provider did not pass Kept’s checks. Start again; if it keeps happening, tell your admin.',
  'no-email': 'Your identity provider did not send your email address. Ask your admin to release the email claim to Kept.',
  'unverified-email': 'Your identity provider did not confirm your email address is verified, so Kept cannot match it to an account.',
  'unknown-user': 'There is no Kept account for that email. Ask an admin to invite you: Kept does not create accounts on first sign-in.',
  deactivated: 'Your Kept account is deactivated. Ask an admin to reactivate it.',
  'linked-elsewhere': 'This Kept account is linked to another identity of your company sign-in. Ask an admin.',
} as const;

export type SsoRefusal = keyof typeof SSO_REFUSALS;
export const SSO_REFUSAL_CODES = Object.keys(SSO_REFUSALS) as [SsoRefusal, ...SsoRefusal[]];

/** The one answer of the password form in SSO-only mode, whatever the email and password. */
export const PASSWORDS_OFF = (company: string) => `Passwords are turned off: sign in with ${company} SSO. Only the break-glass admin signs in with a password.`;
