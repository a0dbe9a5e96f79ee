import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

// rate-limiter-flexible: a well-kept library with the same API for memory and shared stores.
// Memory store per web process; with N web processes the effective limit is N times higher
// (documented in docs/scale.md, "Rate limits are per web process").
/** Wrong current passwords per user within 15 minutes before the Account page answers 429. */
export const PASSWORD_CHANGE_FAILURES = 8;

/** Requests one API token may make per minute (per web process) before the API answers 429. */
export const API_REQUESTS_PER_MINUTE = 120;

const limiters = {
  loginIp: new RateLimiterMemory({ keyPrefix: 'login-ip', points: 30, duration: 15 * 60 }),
  // Sign-in (OWASP): per address, all attempts; per email and address, failures; per email from
  // every address, a slower back-off (see loginGate) that an attacker cannot turn into a lockout.
  loginPair: new RateLimiterMemory({ keyPrefix: 'login-pair', points: 8, duration: 15 * 60 }),
  loginEmail: new RateLimiterMemory({ keyPrefix: 'login-email', points: 40, duration: 60 * 60 }),
  publicSubmit: new RateLimiterMemory({ keyPrefix: 'public-submit', points: 30, duration: 60 }),
  publicView: new RateLimiterMemory({ keyPrefix: 'public-view', points: 120, duration: 60 }),
  emailAction: new RateLimiterMemory({ keyPrefix: 'email-action', points: 60, duration: 60 }),
  import: new RateLimiterMemory({ keyPrefix: 'import', points: 10, duration: 60 }),
  // "Forgot your password?": per address, all requests (429 past it); reset emails per email and
  // address and per email from every address (past them no email is sent, the answer is the same).
  resetIp: new RateLimiterMemory({ keyPrefix: 'reset-ip', points: 20, duration: 15 * 60 }),
  resetPair: new RateLimiterMemory({ keyPrefix: 'reset-pair', points: 3, duration: 15 * 60 }),
  resetEmail: new RateLimiterMemory({ keyPrefix: 'reset-email', points: 5, duration: 60 * 60 }),
  // Own password change: wrong current passwords per user (a stolen session cannot guess it).
  passwordChange: new RateLimiterMemory({ keyPrefix: 'password-change', points: PASSWORD_CHANGE_FAILURES, duration: 15 * 60 }),
  // The JSON API (docs/api.md): requests per personal token, and unknown or revoked tokens per address.
  apiToken: new RateLimiterMemory({ keyPrefix: 'api-token', points: API_REQUESTS_PER_MINUTE, duration: 60 }),
  apiRefused: new RateLimiterMemory({ keyPrefix: 'api-refused', points: 30, duration: 60 }),
};
export type LimiterName = keyof typeof limiters;

/** Failures per email from all addresses within an hour before the per-email back-off starts. */
export const LOGIN_EMAIL_FAILURES = 40;

const tooMany = (ms: number) => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new Response(`Too many attempts. Try again in ${seconds} seconds.`, { status: 429, headers: { 'Retry-After': String(seconds) } });
};
const pairKey = (email: string, ip: string) => `${email}\n${ip}`;

/**
 * Before checking a password: 429 when this address has failed 8 times for this email within
 * 15 minutes, or when the email has failed LOGIN_EMAIL_FAILURES times from all addresses within
 * an hour and this address is one of them. So guesses from one address stop at 8, guesses spread
 * over many addresses get one try each, and the real user, from an address that has not failed,
 * can still sign in.
 */
export async function loginGate({ email, ip }: { email: string; ip: string }) {
  const [pair, global] = await Promise.all([limiters.loginPair.get(pairKey(email, ip)), limiters.loginEmail.get(email)]);
  if (pair && pair.consumedPoints >= 8) throw tooMany(pair.msBeforeNext);
  if (global && global.consumedPoints >= LOGIN_EMAIL_FAILURES && pair && pair.consumedPoints > 0) throw tooMany(global.msBeforeNext);
}

/** Counts a wrong password against the email and address pair and against the email. */
export async function recordLoginFailure({ email, ip }: { email: string; ip: string }) {
  await Promise.all([limiters.loginPair.penalty(pairKey(email, ip)), limiters.loginEmail.penalty(email)]);
}

/** A right password clears this address's failures for the email (not the email's back-off). */
export async function recordLoginSuccess({ email, ip }: { email: string; ip: string }) {
  await limiters.loginPair.delete(pairKey(email, ip));
}

/**
 * May a reset email go to `email` now (asked from `ip`)? Spends a point per email and address and
 * per email; false once either is spent, so the form cannot be used to flood someone's inbox.
 */
export async function mayEmailReset({ email, ip }: { email: string; ip: string }) {
  try {
    await limiters.resetPair.consume(pairKey(email, ip));
    await limiters.resetEmail.consume(email);
    return true;
  } catch (error) {
    if (error instanceof RateLimiterRes) return false;
    throw error;
  }
}

/**
 * Before checking the current password on the Account page: 429 once the user has given a wrong
 * one PASSWORD_CHANGE_FAILURES times within 15 minutes. Only wrong passwords count (a form with a
 * field error does not), so a session thief cannot guess on and the owner is not locked out by typos.
 */
export async function passwordChangeGate(userId: string) {
  const spent = await limiters.passwordChange.get(userId);
  if (spent && spent.consumedPoints >= PASSWORD_CHANGE_FAILURES) throw tooMany(spent.msBeforeNext);
}

export async function recordPasswordChangeFailure(userId: string) {
  await limiters.passwordChange.penalty(userId);
}

/** Spends one point; throws a 429 Response with Retry-After when the key is over its limit. */
export async function rateLimit(name: LimiterName, key: string) {
  try {
    await limiters[name].consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      throw tooMany(error.msBeforeNext);
    }
    throw error;
  }
}

/** Clears a key, e.g. the per-email login counter after a successful login. */
export async function resetRateLimit(name: LimiterName, key: string) {
  await limiters[name].delete(key);
}

/** The client address from the server's load context (socket address unless a proxy is trusted). */
export function clientIp(context: { clientIp?: string } | undefined) {
  return context?.clientIp || 'unknown';
}
