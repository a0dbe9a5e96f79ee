import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { CenteredErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { ForgotPasswordSchema, RESET_REQUESTED, requestPasswordReset } from '#app/users/passwords.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';
import { passwordsAllowed } from '#app/sso/sso.server';

// "Forgot your password?": the same answer whether the email belongs to anyone or not (and in the
// same time); the email, when there is one, carries a 15-minute single-use link. Rate limited per
// address (429) and per email (silently: no more emails, the same answer). No login.
export const meta: MetaFunction = () => [{ title: 'Forgot your password? · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

export async function action({ request, context }: ActionFunctionArgs) {
  const ip = clientIp(context as { clientIp?: string });
  await rateLimit('resetIp', ip);
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const result = parseForm(ForgotPasswordSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400 });
  // "SSO only": no reset email but for the break-glass admin; the same answer either way.
  if (await passwordsAllowed({ email: result.data.email })) await requestPasswordReset({ email: result.data.email, ip });
  return data<FormResult>({ ok: true, form, message: RESET_REQUESTED, values: { email: result.data.email } });
}

export default function ForgotPassword() {
  const f = useFormFeedback('forgot', { reset: false });
  return (
    <main className="centered">
      <div className="panel">
        <h1>Forgot your password?</h1>
        <p>Enter the email you sign in with. If it belongs to a Kept account, we email you a link to choose a new password.</p>
        <FeedbackForm feedback={f} className="stack" noValidate>
          <Field label="Email" type="email" autoComplete="username" required autoFocus {...f.field('email')} />
          <div>
            <button type="submit" disabled={f.busy}>
              {f.busy ? 'Sending…' : 'Email me a link'}
            </button>
          </div>
        </FeedbackForm>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </div>
    </main>
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
