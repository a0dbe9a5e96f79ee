import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { AppShell, shellUser } from '#app/components/app-shell';
import { CenteredErrorBoundary } from '#app/components/error-boundary';

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { user: shellUser(user) };
}

function Shell({ children }: { children: React.ReactNode }) {
  const data = useLoaderData<typeof loader>() as ReturnType<typeof useLoaderData<typeof loader>> | undefined;
  return <AppShell user={data?.user}>{children}</AppShell>;
}

export default function StaffLayout() {
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
