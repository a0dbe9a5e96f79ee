import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import type { FormResult } from '#app/components/form-feedback';
import { LinkNotWorking, SetPasswordPage } from '#app/components/set-password';
import { SetPasswordSchema, findPasswordLink, setPasswordWithLink } from '#app/services/passwords.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';

// The link from a "Forgot your password?" email (or an admin's "Email a reset link"): works once,
// for 15 minutes; the new password ends every session of the user, who then signs in with it.
export const meta: MetaFunction = () => [{ title: 'Choose a new password · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
const GONE = 'This link no longer works: it was used, replaced by a newer one or is older than 15 minutes. Ask for a new link.';

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const link = await findPasswordLink({ token: params.token ?? '', purpose: 'reset' });
  if (!link) return data({ valid: false as const }, { status: 404, headers: NO_STORE });
  return data({ valid: true as const, name: link.name, email: link.email }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const token = params.token ?? '';
  const gone = () => data<FormResult>({ ok: false, form, errors: { '': [GONE] } }, { status: 404, headers: NO_STORE });
  if (!(await findPasswordLink({ token, purpose: 'reset' }))) return gone();
  const result = parseForm(SetPasswordSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400, headers: NO_STORE });
  const userId = await setPasswordWithLink({ token, purpose: 'reset', password: result.data.password });
  if (!userId) return gone();
  throw redirect('/login?password=reset');
}

export default function ResetPassword() {
  const loaded = useLoaderData<typeof loader>();
  if (!loaded.valid) return <LinkNotWorking what="reset" />;
  return (
    <SetPasswordPage
      title="Choose a new password"
      email={loaded.email}
      intro={`For ${loaded.email}. Saving it signs you out everywhere; then sign in with the new password.`}
      button="Save new password"
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
