import type { LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getUser } from '#app/auth/session.server';
import { AppShell, shellUser } from '#app/components/app-shell';
import { CenteredErrorBoundary } from '#app/components/error-boundary';

// Catch-all: any unknown URL is a 404. A signed-in user keeps the app's navigation (they only
// mistyped or followed an old link); everyone else gets the bare error page.
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  if (!user) throw new Response('There is no page at this address.', { status: 404 });
  return data({ user: shellUser(user) }, { status: 404 });
}

export async function action() {
  throw new Response('There is no page at this address.', { status: 404 });
}

export default function NotFound() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user}>
      <section className="error-page" role="alert">
        <p className="error-code">404</p>
        <h1>Page not found</h1>
        <p>There is no page at this address.</p>
        <Link to="/home">Go to your home page</Link>
      </section>
    </AppShell>
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
