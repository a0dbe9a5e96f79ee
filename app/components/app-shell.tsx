import { Form, NavLink } from '@remix-run/react';
import { ROLE_LABELS, type Role } from '#app/auth/roles';
import { navFor } from '#app/utils/nav';

export type ShellUser = { name: string; email: string; role: Role; roleLabel: string };

/** What the shell shows of the signed-in user (loaders return exactly this). */
export const shellUser = (user: { name: string; email: string; role: Role }): ShellUser => ({
  name: user.name,
  email: user.email,
  role: user.role,
  roleLabel: ROLE_LABELS[user.role],
});

/** The signed-in app's frame: navigation, who is signed in, sign out. Used by the staff layout and the top-level 404. */
export function AppShell({ user, children }: { user: ShellUser | null | undefined; children: React.ReactNode }) {
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
            <NavLink to="/account" className="account-link">
              Your account
            </NavLink>
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
