const SELF = 'http://kept.invalid';
// C0 controls, DEL and C1 controls: browsers strip tabs and newlines from URLs ("/\t/evil" becomes
// "//evil", another host), and a CR or LF in a Location header makes Node throw.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The path to send a user to after signing in: `to` resolved against Kept's own origin, kept only
 * when it stays on that origin and has no control characters or backslashes (which browsers read as
 * slashes). Anything else is `fallback`, so a phishing link cannot bounce through the sign-in page.
 */
export function safeRedirect(to: unknown, fallback = '/home'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || CONTROL.test(to) || to.includes('\\')) return fallback;
  let url: URL;
  try {
    url = new URL(to, SELF);
  } catch {
    return fallback;
  }
  if (url.origin !== SELF) return fallback;
  const target = url.pathname + url.search + url.hash;
  // The WHATWG parser can still produce "//host" paths from "/.//host"-like input; refuse them too.
  return target.startsWith('//') ? fallback : target;
}
