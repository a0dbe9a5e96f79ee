import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';

import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, SelectField, fieldState } from '#app/components/forms';
import { CreateUserSchema, DuplicateEmailError, createUser, listUsers } from '#app/services/users.server';
import { ROLES, ROLE_LABELS } from '#app/utils/roles';
import { badRequest, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Users · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { roles: ['admin'] });
  return { users: await listUsers() };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { roles: ['admin'] });
  const result = parseForm(CreateUserSchema, await readFormData(request));
  if (!result.ok) return badRequest(result);
  try {
    const user = await createUser({ ...result.data, actorId: admin.id, actorName: admin.name });
    return data({ ok: true as const, created: user.email, errors: {} as Record<string, string[]>, values: {} as Record<string, string> });
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      const { password: _p, ...values } = { ...result.data } as Record<string, string>;
      return badRequest({ errors: { email: [error.message] }, values });
    }
    throw error;
  }
}

export default function Users() {
  const { users } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const created = actionData && 'created' in actionData ? actionData.created : null;
  const name = fieldState(actionData, 'name');
  const email = fieldState(actionData, 'email');
  const role = fieldState(actionData, 'role');
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
                <td>{u.active ? <span className="badge ok">active</span> : <span className="badge muted">deactivated</span>}</td>
                <td>{formatDate(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section className="panel" aria-labelledby="new-user" style={{ marginTop: '1.5rem' }}>
        <h2 id="new-user">Add a user</h2>
        {created ? (
          <p className="notice" role="status">
            {created} can now sign in.
          </p>
        ) : null}
        <Form method="post" className="stack" noValidate key={created ?? 'form'}>
          <FormError errors={actionData?.errors?.['']} />
          <Field label="Name" name="name" required defaultValue={name.value} errors={name.errors} />
          <Field label="Email" name="email" type="email" required defaultValue={email.value} errors={email.errors} />
          <SelectField label="Role" name="role" defaultValue={role.value ?? 'cs'} errors={role.errors}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
          <Field label="Initial password" name="password" type="password" autoComplete="new-password" required errors={actionData?.errors?.password} hint="At least 12 characters; share it with the person securely." />
          <div>
            <button type="submit" disabled={navigation.state === 'submitting'}>
              Add user
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
