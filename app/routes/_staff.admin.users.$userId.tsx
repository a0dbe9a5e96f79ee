import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ROLES, ROLE_LABELS } from '#app/auth/roles';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { SelectField } from '#app/components/forms';
import { emailResetLink, inviteUser } from '#app/users/passwords.server';
import { INVITATION_DAYS, RESET_MINUTES } from '#app/auth/password-links';
import { ChangeRoleSchema, changeUserRole, getUserById, setUserActive } from '#app/users/users.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { NoFields, dispatchIntent, formValues, intent, notFound, readFormData } from '#app/utils/forms.server';
import { LocalTime } from '#app/components/local-time';

// One user, for admins: role, invitation or password reset link, access. Each form's answer shows
// next to its own button (app/components/form-feedback.tsx).
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.user.name ?? 'User'} · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requireUser(request, { may: 'users.manage' });
  const user = await getUserById(params.userId ?? '');
  if (!user) notFound('That user');
  return { user, isSelf: user.id === admin.id };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'users.manage' });
  const user = await getUserById(params.userId ?? '');
  if (!user) notFound('That user');
  const formData = await readFormData(request);
  const values = formValues(formData);
  const form = formIdOf(values);
  const reply = (result: FormResult, status = 200) => data<FormResult>({ ...result, form }, { status });
  const refuse = (message: string, status = 400) => reply({ ok: false, errors: { '': [message] }, values: {} }, status);
  const setActive = async (active: boolean) => {
    if (user.id === admin.id) return refuse('You cannot deactivate yourself.');
    await setUserActive({ userId: user.id, active, actorId: admin.id });
    return reply({ ok: true, message: active ? 'User reactivated.' : 'User deactivated; their sessions ended at once.' });
  };
  return dispatchIntent(
    formData,
    {
      role: intent(ChangeRoleSchema, async ({ role }) => {
        if (user.id === admin.id && role !== 'admin') return reply({ ok: false, errors: { role: ['You cannot remove your own admin role.'] }, values: { role } }, 400);
        await changeUserRole({ userId: user.id, role, actorId: admin.id });
        return reply({ ok: true, message: `Role changed to ${ROLE_LABELS[role]}. Their sessions were ended.` });
      }),
      deactivate: intent(NoFields, () => setActive(false)),
      reactivate: intent(NoFields, () => setActive(true)),
      'resend-invitation': intent(NoFields, async () => {
        if (!user.active) return refuse('Reactivate the user before inviting them again.');
        if (!user.invited) return refuse(`${user.name} has chosen a password already: email a reset link instead.`);
        const sent = await inviteUser({ userId: user.id, actorId: admin.id, actorName: admin.name });
        if (sent === 'not-eligible') return refuse(`${user.name} was deactivated or chose a password meanwhile: reload the page.`, 409);
        if (sent === 'not-queued') return refuse('The invitation could not be queued. Try again in a minute.', 503);
        return reply({ ok: true, message: `A new invitation is on its way to ${user.email}; the earlier link no longer works.` });
      }),
      'reset-link': intent(NoFields, async () => {
        if (!user.active) return refuse('Reactivate the user before sending them a reset link.');
        const sent = await emailResetLink({ userId: user.id, actorId: admin.id });
        if (sent === 'not-eligible') return refuse(`${user.name} was deactivated meanwhile: reactivate them first.`, 409);
        if (sent === 'not-queued') return refuse('The email could not be queued. Try again in a minute.', 503);
        return reply({ ok: true, message: `A reset link is on its way to ${user.email}; it works once, for ${RESET_MINUTES} minutes.` });
      }),
    },
    { form },
  );
}

export default function UserPage() {
  const { user, isSelf } = useLoaderData<typeof loader>();
  const role = useFormFeedback('role', { reset: false });
  const access = useFormFeedback('access');
  const invitation = useFormFeedback('invitation');
  const reset = useFormFeedback('reset-link');
  const status = !user.active ? 'deactivated' : user.invited ? 'invited, has not chosen a password yet' : 'active';
  return (
    <>
      <p>
        <Link to="/admin/users">← Users</Link>
      </p>
      <h1>{user.name}</h1>
      <p className="muted">
        {user.email} · {status}
      </p>
      <section className="panel" aria-labelledby="role-h">
        <h2 id="role-h">Role</h2>
        <FeedbackForm feedback={role} className="stack">
          <input type="hidden" name="intent" value="role" />
          <SelectField label="Role" {...role.field('role', user.role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
          <div>
            <button type="submit" disabled={role.busy}>
              Change role
            </button>
          </div>
        </FeedbackForm>
      </section>
      {user.active ? (
        <section className="panel" aria-labelledby="password-h">
          <h2 id="password-h">{user.invited ? 'Invitation' : 'Password'}</h2>
          {user.invited ? (
            <FeedbackForm feedback={invitation} className="stack">
              <p>
                Invitation pending
                {user.invitedAt ? (
                  <>
                    : last sent <LocalTime iso={user.invitedAt} />
                  </>
                ) : (
                  ''
                )}
                . {user.name} cannot sign in until they choose a password from the link in the email (it works once, for {INVITATION_DAYS} days). Resending ends the earlier link.
              </p>
              <input type="hidden" name="intent" value="resend-invitation" />
              <div>
                <button type="submit" disabled={invitation.busy}>
                  Resend invitation
                </button>
              </div>
            </FeedbackForm>
          ) : (
            <FeedbackForm feedback={reset} className="stack">
              <p>
                Kept never shows or sets passwords for people. If {user.name} cannot sign in, email them a link to choose a new password (it works once, for {RESET_MINUTES}{' '}
                minutes).
              </p>
              <input type="hidden" name="intent" value="reset-link" />
              <div>
                <button type="submit" className="secondary" disabled={reset.busy}>
                  Email a reset link
                </button>
              </div>
            </FeedbackForm>
          )}
        </section>
      ) : null}
      {!isSelf ? (
        <section className="panel" aria-labelledby="access-h">
          <h2 id="access-h">Access</h2>
          {user.active ? (
            <FeedbackForm
              feedback={access}
              className="stack"
              onSubmit={(event) => {
                if (!confirm(`Deactivate ${user.name}? They are signed out everywhere at once.`)) event.preventDefault();
              }}
            >
              <p>Deactivating signs {user.name} out everywhere at once and blocks sign-in. Their records stay.</p>
              <div>
                <button type="submit" name="intent" value="deactivate" className="danger" disabled={access.busy}>
                  Deactivate user
                </button>
              </div>
            </FeedbackForm>
          ) : (
            <FeedbackForm feedback={access} className="stack">
              <div>
                <button type="submit" name="intent" value="reactivate" disabled={access.busy}>
                  Reactivate user
                </button>
              </div>
            </FeedbackForm>
          )}
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
