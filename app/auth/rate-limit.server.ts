import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

// rate-limiter-flexible: a well-kept library with the same API for memory and shared stores.
// Memory store per web process; with N web processes the effective limit is N times higher
// (documented in README "Running at scale").
const limiters = {
  loginIp: new RateLimiterMemory({ keyPrefix: 'login-ip', points: 30, duration: 15 * 60 }),
  loginEmail: new RateLimiterMemory({ keyPrefix: 'login-email', points: 8, duration: 15 * 60 }),
  publicSubmit: new RateLimiterMemory({ keyPrefix: 'public-submit', points: 30, duration: 60 }),
  publicView: new RateLimiterMemory({ keyPrefix: 'public-view', points: 120, duration: 60 }),
  emailAction: new RateLimiterMemory({ keyPrefix: 'email-action', points: 60, duration: 60 }),
  import: new RateLimiterMemory({ keyPrefix: 'import', points: 10, duration: 60 }),
};
export type LimiterName = keyof typeof limiters;

/** Spends one point; throws a 429 Response with Retry-After when the key is over its limit. */
export async function rateLimit(name: LimiterName, key: string) {
  try {
    await limiters[name].consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new Response(`Too many attempts. Try again in ${seconds} seconds.`, {
        status: 429,
        headers: { 'Retry-After': String(seconds) },
      });
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
