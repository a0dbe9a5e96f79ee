import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { z } from 'zod';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { readFormData } from '#app/utils/forms.server';
import { startSignIn } from '#app/sso/sso.server';

// "Sign in with <company> SSO" on /login posts here: Kept remembers the sign-in's state, nonce and
// PKCE verifier in a short-lived signed cookie and sends the browser to the identity provider.
// A POST, like every step that writes (GET only goes back to /login). See docs/sso.md.
const StartSchema = z.object({ redirectTo: z.string().max(2000).optional().catch(undefined) });

export async function loader() {
  throw redirect('/login');
}

export async function action({ request, context }: ActionFunctionArgs) {
  await rateLimit('loginIp', clientIp(context as { clientIp?: string }));
  const input = StartSchema.parse(Object.fromEntries(await readFormData(request)));
  const started = await startSignIn({ redirectTo: input.redirectTo });
  if (!started.ok) throw redirect(`/login?sso=${started.reason}`);
  throw redirect(started.url, { headers: { 'Set-Cookie': started.cookie, 'Cache-Control': 'no-store' } });
}
