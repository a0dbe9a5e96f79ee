import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { createUserSession } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import type { FormResult } from '#app/components/form-feedback';
import { LinkNotWorking, SetPasswordPage } from '#app/components/set-password';
import { SetPasswordSchema, findPasswordLink, setPasswordWithLink } from '#app/services/passwords.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';

// The link in an invitation email: the new user chooses their password (once, within 7 days) and
// is signed in. An admin's "Resend invitation" replaces the link.
export const meta: MetaFunction = () => [{ title: 'Welcome to Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
const GONE = 'This invitation link no longer works: it was used, replaced by a newer one or is older than 7 days. Ask your admin to resend it.';

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const link = await findPasswordLink({ token: params.token ?? '', purpose: 'invitation' });
  if (!link) return data({ valid: false as const }, { status: 404, headers: NO_STORE });
  return data({ valid: true as const, name: link.name, email: link.email }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const token = params.token ?? '';
  const gone = () => data<FormResult>({ ok: false, form, errors: { '': [GONE] } }, { status: 404, headers: NO_STORE });
  if (!(await findPasswordLink({ token, purpose: 'invitation' }))) return gone();
  const result = parseForm(SetPasswordSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400, headers: NO_STORE });
  const userId = await setPasswordWithLink({ token, purpose: 'invitation', password: result.data.password });
  if (!userId) return gone();
  const cookie = await createUserSession({ userId, userAgent: request.headers.get('user-agent') });
  throw redirect('/home', { headers: { 'Set-Cookie': cookie } });
}

export default function AcceptInvitation() {
  const loaded = useLoaderData<typeof loader>();
  if (!loaded.valid) return <LinkNotWorking what="invitation" />;
  return (
    <SetPasswordPage
      title={`Welcome to Kept, ${loaded.name}`}
      email={loaded.email}
      intro={`Choose the password you will sign in with as ${loaded.email}.`}
      button="Save password and sign in"
    />
  );
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <GeneralErrorBoundary />
    </main>
  );
}
