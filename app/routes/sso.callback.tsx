import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { createUserSession } from '#app/auth/session.server';
import { clearFlowCookie, finishSignIn } from '#app/sso/sso.server';

// Where the identity provider sends the browser back (a GET: OpenID Connect's redirect). The answer
// must match the flow this browser started (state, PKCE), its ID token must pass every check, and
// the verified email must belong to an active Kept user; otherwise /login says why. See docs/sso.md.
export async function loader({ request, context }: LoaderFunctionArgs) {
  await rateLimit('loginIp', clientIp(context as { clientIp?: string }));
  const result = await finishSignIn(request);
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  headers.append('Set-Cookie', await clearFlowCookie());
  if (!result.ok) throw redirect(`/login?sso=${result.reason}`, { headers });
  headers.append('Set-Cookie', await createUserSession({ userId: result.userId, userAgent: request.headers.get('user-agent') }));
  throw redirect(result.redirectTo, { headers });
}
