import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { passwordChangeGate, recordPasswordChangeFailure } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { NEW_PASSWORD_HINT } from '#app/components/set-password';
import { ChangePasswordSchema, changeOwnPassword, lastPasswordChange } from '#app/users/passwords.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';
import { LocalTime } from '#app/components/local-time';
import { ROLE_LABELS } from '#app/auth/roles';

// Every signed-in user's own account: who they are and a password change. The change needs the
// current password; it signs out every other session of the user and keeps this one.
export const meta: MetaFunction = () => [{ title: 'Your account · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const changedAt = await lastPasswordChange(user.id);
  return { name: user.name, email: user.email, role: ROLE_LABELS[user.role], passwordChangedAt: changedAt?.toISOString() ?? null };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const result = parseForm(ChangePasswordSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400 });
  // Guesses at the current password through a stolen session stop here (429 after 8 wrong ones).
  await passwordChangeGate(user.id);
  const changed = await changeOwnPassword({ request, userId: user.id, currentPassword: result.data.currentPassword, password: result.data.password });
  if (!changed.ok) await recordPasswordChangeFailure(user.id);
  if (!changed.ok) return data<FormResult>({ ok: false, form, errors: { currentPassword: ['That is not your current password.'] }, values: {} }, { status: 400 });
  return data<FormResult>({ ok: true, form, message: 'Password changed. Every other session of yours was signed out; this one stays signed in.' });
}

export default function Account() {
  const { name, email, role, passwordChangedAt } = useLoaderData<typeof loader>();
  const f = useFormFeedback('password');
  return (
    <>
      <h1>Your account</h1>
      <p className="muted">
        {name} · {email} · {role}
      </p>
      <section className="panel narrow-form" aria-labelledby="password-h">
        <h2 id="password-h">Change your password</h2>
        <p className="muted">
          {passwordChangedAt ? (
            <>
              Last changed <LocalTime iso={passwordChangedAt} />.
            </>
          ) : (
            'Set by your admin or the demo data; change it to one only you know.'
          )}
        </p>
        <FeedbackForm feedback={f} className="stack" noValidate>
          <input type="hidden" name="username" value={email} autoComplete="username" />
          <Field label="Current password" type="password" autoComplete="current-password" required {...f.field('currentPassword')} />
          <Field label="New password" type="password" autoComplete="new-password" required hint={NEW_PASSWORD_HINT} {...f.field('password')} />
          <div>
            <button type="submit" disabled={f.busy}>
              {f.busy ? 'Changing…' : 'Change password'}
            </button>
          </div>
        </FeedbackForm>
      </section>
      <section className="panel narrow-form" aria-labelledby="tokens-h">
        <h2 id="tokens-h">API tokens</h2>
        <p className="muted">Personal tokens let scripts and other tools use Kept’s API as you.</p>
        <p>
          <Link to="/account/tokens">Manage your API tokens</Link>
        </p>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
