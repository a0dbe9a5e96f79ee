import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { clientIp, loginGate, rateLimit, recordLoginFailure, recordLoginSuccess } from '#app/auth/rate-limit.server';
import { safeRedirect } from '#app/auth/redirect.server';
import { createUserSession, getUser } from '#app/auth/session.server';
import { CenteredErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, fieldState } from '#app/components/forms';
import { badRequest, parseForm, readFormData } from '#app/utils/forms.server';
import { LoginSchema, verifyLogin } from '#app/users/users.server';
import { PASSWORDS_OFF, passwordsAllowed, signInOptions } from '#app/sso/sso.server';
// Pure (the browser bundle evaluates this module's top level too): never from a .server module.
import { SSO_REFUSALS, SSO_REFUSAL_CODES } from '#app/sso/sso-rules';

export const meta: MetaFunction = () => [{ title: 'Sign in · Kept' }];

// `?password=reset`: the reset page sends people here once their new password is saved.
// `?sso=<reason>`: a single sign-on that did not sign the person in says why (app/sso).
const LoginQuerySchema = z.object({
  password: z.enum(['reset']).optional().catch(undefined),
  sso: z.enum(SSO_REFUSAL_CODES).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect('/home');
  const query = LoginQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return {
    notice: query.password === 'reset' ? 'Your new password is saved and every session was signed out. Sign in with the new password.' : null,
    ssoError: query.sso ? SSO_REFUSALS[query.sso] : null,
    sso: await signInOptions(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ip = clientIp(context);
  await rateLimit('loginIp', ip);
  const result = parseForm(LoginSchema, await readFormData(request));
  if (!result.ok) return badRequest(result);
  const { email, password, redirectTo } = result.data;
  await loginGate({ email, ip });
  const userId = await verifyLogin({ email, password });
  // "SSO only": one answer for every refusal, so the form does not tell who the break-glass admin is.
  const sso = await signInOptions();
  if (sso?.ssoOnly && !(userId && (await passwordsAllowed({ userId })))) {
    await recordLoginFailure({ email, ip });
    return data({ ok: false as const, errors: { '': [PASSWORDS_OFF(sso.companyName)] } as Record<string, string[]>, values: { email } as Record<string, string> }, { status: 403 });
  }
  if (!userId) {
    await recordLoginFailure({ email, ip });
    return data({ ok: false as const, errors: { '': ['Wrong email or password.'] } as Record<string, string[]>, values: { email } as Record<string, string> }, { status: 400 });
  }
  await recordLoginSuccess({ email, ip });
  // Decided before the session exists: a Location header that cannot be sent must not leave a session behind.
  const target = safeRedirect(redirectTo);
  const cookie = await createUserSession({ userId, userAgent: request.headers.get('user-agent') });
  throw redirect(target, { headers: { 'Set-Cookie': cookie } });
}

export default function Login() {
  const { notice, ssoError, sso } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const email = fieldState(actionData, 'email');
  const redirectTo = params.get('redirectTo') ?? '';
  const passwordForm = (
    <Form method="post" className="stack" noValidate>
      <FormError errors={actionData?.errors?.['']} />
      <input type="hidden" name="redirectTo" value={redirectTo} />
      <Field label="Email" name="email" type="email" autoComplete="username" required defaultValue={email.value} errors={email.errors} autoFocus={!sso} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={actionData?.errors?.password} />
      <button type="submit" className={sso ? 'secondary' : undefined} disabled={navigation.state === 'submitting'}>
        {navigation.state === 'submitting' ? 'Signing in…' : 'Sign in'}
      </button>
    </Form>
  );
  return (
    <main className="centered">
      <div className="panel">
        <h1>Sign in to Kept</h1>
        {notice && !actionData ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        {ssoError && !actionData ? (
          <div className="form-error" role="alert">
            {ssoError}
          </div>
        ) : null}
        {sso ? (
          <form method="post" action="/sso/login" className="stack">
            <input type="hidden" name="redirectTo" value={redirectTo} />
            <button type="submit" autoFocus>
              Sign in with {sso.companyName} SSO
            </button>
          </form>
        ) : null}
        {sso?.ssoOnly ? (
          <details className="break-glass" open={Boolean(actionData)}>
            <summary>Break-glass admin: sign in with a password</summary>
            {passwordForm}
          </details>
        ) : sso ? (
          <>
            <p className="muted or-divider">or with your Kept password</p>
            {passwordForm}
          </>
        ) : (
          passwordForm
        )}
        {sso?.ssoOnly ? null : (
          <p>
            <Link to="/forgot-password">Forgot your password?</Link>
          </p>
        )}
      </div>
    </main>
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
