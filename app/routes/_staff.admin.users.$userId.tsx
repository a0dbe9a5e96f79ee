import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { ROLES, ROLE_LABELS } from '#app/utils/roles';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FormError, SelectField } from '#app/components/forms';
import { ChangeRoleSchema, changeUserRole, getUserById, setUserActive } from '#app/services/users.server';
import { badRequest, formValues, notFound, parseForm, readFormData } from '#app/utils/forms.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.user.name ?? 'User'} · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requireUser(request, { roles: ['admin'] });
  const user = await getUserById(params.userId ?? '');
  if (!user) notFound('That user');
  return { user, isSelf: user.id === admin.id };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireUser(request, { roles: ['admin'] });
  const user = await getUserById(params.userId ?? '');
  if (!user) notFound('That user');
  const formData = await readFormData(request);
  const intent = formValues(formData).intent;
  if (intent === 'role') {
    const result = parseForm(ChangeRoleSchema, formData);
    if (!result.ok) return badRequest(result);
    if (user.id === admin.id && result.data.role !== 'admin') {
      return badRequest({ errors: { role: ['You cannot remove your own admin role.'] }, values: { role: result.data.role } });
    }
    await changeUserRole({ userId: user.id, role: result.data.role, actorId: admin.id });
    return data({ ok: true as const, message: `Role changed to ${ROLE_LABELS[result.data.role]}. Their sessions were ended.`, errors: {} as Record<string, string[]> });
  }
  if (intent === 'deactivate' || intent === 'reactivate') {
    if (user.id === admin.id) return badRequest({ errors: { '': ['You cannot deactivate yourself.'] }, values: {} });
    await setUserActive({ userId: user.id, active: intent === 'reactivate', actorId: admin.id });
    return data({ ok: true as const, message: intent === 'deactivate' ? 'User deactivated; their sessions ended at once.' : 'User reactivated.', errors: {} as Record<string, string[]> });
  }
  return badRequest({ errors: { '': ['Unknown action.'] }, values: {} });
}

export default function UserPage() {
  const { user, isSelf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const message = actionData && 'message' in actionData ? actionData.message : null;
  return (
    <>
      <p>
        <Link to="/admin/users">← Users</Link>
      </p>
      <h1>{user.name}</h1>
      <p className="muted">
        {user.email} · {user.active ? 'active' : 'deactivated'}
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError errors={actionData?.errors?.['']} />
      <section className="panel" aria-labelledby="role-h">
        <h2 id="role-h">Role</h2>
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="role" />
          <SelectField label="Role" name="role" defaultValue={user.role} errors={actionData?.errors?.role}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
          <div>
            <button type="submit">Change role</button>
          </div>
        </Form>
      </section>
      {!isSelf ? (
        <section className="panel" aria-labelledby="access-h">
          <h2 id="access-h">Access</h2>
          {user.active ? (
            <Form
              method="post"
              onSubmit={(event) => {
                if (!confirm(`Deactivate ${user.name}? They are signed out everywhere at once.`)) event.preventDefault();
              }}
            >
              <p>Deactivating signs {user.name} out everywhere at once and blocks sign-in. Their records stay.</p>
              <button type="submit" name="intent" value="deactivate" className="danger">
                Deactivate user
              </button>
            </Form>
          ) : (
            <Form method="post">
              <button type="submit" name="intent" value="reactivate">
                Reactivate user
              </button>
            </Form>
          )}
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
