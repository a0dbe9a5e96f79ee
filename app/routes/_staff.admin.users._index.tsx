import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';

import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField } from '#app/components/forms';
import { NEW_PASSWORD_HINT } from '#app/components/set-password';
import { CreateUserSchema, DuplicateEmailError, createUser, listUsers } from '#app/users/users.server';
import { ROLES, ROLE_LABELS } from '#app/auth/roles';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/utils/format';
import { INVITATION_DAYS } from '#app/auth/password-links';

export const meta: MetaFunction = () => [{ title: 'Users · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'users.manage' });
  return { users: await listUsers() };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'users.manage' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const result = parseForm(CreateUserSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400 });
  try {
    const user = await createUser({ ...result.data, actorId: admin.id, actorName: admin.name });
    const message = user.invited
      ? `${user.email} is invited: they choose their password from the link in the email (valid ${INVITATION_DAYS} days).`
      : `${user.email} can now sign in.`;
    return data<FormResult>({ ok: true, form, message });
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      const { password: _p, ...values } = { ...result.data } as Record<string, string>;
      return data<FormResult>({ ok: false, form, errors: { email: [error.message] }, values }, { status: 400 });
    }
    throw error;
  }
}

export default function Users() {
  const { users } = useLoaderData<typeof loader>();
  const f = useFormFeedback('new-user');
  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th>Added</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/admin/users/${u.id}`}>{u.name}</Link>
                </td>
                <td>{u.email}</td>
                <td>{ROLE_LABELS[u.role]}</td>
                <td>
                  {!u.active ? (
                    <span className="badge muted">deactivated</span>
                  ) : u.invited ? (
                    <span className="badge warn">invited</span>
                  ) : (
                    <span className="badge ok">active</span>
                  )}
                </td>
                <td>{formatDate(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section className="panel" aria-labelledby="new-user-h" style={{ marginTop: '1.5rem' }}>
        <h2 id="new-user-h">Add a user</h2>
        <FeedbackForm feedback={f} className="stack" noValidate>
          <Field label="Name" required {...f.field('name')} />
          <Field label="Email" type="email" required {...f.field('email')} />
          <SelectField label="Role" {...f.field('role', 'cs')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
          <Field
            label="Initial password (optional)"
            type="password"
            autoComplete="new-password"
            hint={`Leave it empty and Kept emails an invitation link (valid ${INVITATION_DAYS} days) so they choose their own. ${NEW_PASSWORD_HINT}`}
            {...f.field('password')}
          />
          <div>
            <button type="submit" disabled={f.busy}>
              Add user
            </button>
          </div>
        </FeedbackForm>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
