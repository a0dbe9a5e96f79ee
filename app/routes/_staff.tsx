import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { ROLE_LABELS } from '#app/utils/roles';
import { navFor } from '#app/utils/nav';

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { user: { name: user.name, email: user.email, role: user.role, roleLabel: ROLE_LABELS[user.role] } };
}

function Shell({ children }: { children: React.ReactNode }) {
  const data = useLoaderData<typeof loader>() as ReturnType<typeof useLoaderData<typeof loader>> | undefined;
  const user = data?.user;
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <aside className="sidebar">
        <a href="/home" className="logo">
          Kept
        </a>
        {user ? (
          <nav aria-label="Main">
            <ul>
              {navFor(user.role).map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === '/home'}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        {user ? (
          <div className="who">
            <div>{user.name}</div>
            <div>{user.roleLabel}</div>
            <Form method="post" action="/logout">
              <button type="submit" className="secondary">
                Sign out
              </button>
            </Form>
          </div>
        ) : null}
      </aside>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}

export default function StaffLayout() {
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <GeneralErrorBoundary />
    </main>
  );
}
