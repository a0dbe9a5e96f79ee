// The dashboards section: the page's heading and the tabs of the pages this role may open, above
// each dashboard page. A page opts in with a `dashboard` handle (the answers list and the churn form
// have their own heading). Each page's loader still checks its own permission: this loader's check
// does not protect a child's data.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData, useMatches } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { DashboardTabs, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { dashboardTabs } from '#app/dashboards/dashboard-pages';
import { parseDashboardQuery, queryString, scopeQuery } from '#app/dashboards/dashboards.server';

export async function loader({ request }: LoaderFunctionArgs) {
  // Every signed-in role may open the overview; the tabs list what the permission table lets it open.
  const user = await requireUser(request);
  const query = scopeQuery(user, await parseDashboardQuery(new URL(request.url)));
  return { role: user.role, tabs: dashboardTabs(user.role), search: queryString(query) };
}

export default function DashboardsLayout() {
  const { role, tabs, search } = useLoaderData<typeof loader>();
  const leaf = useMatches().at(-1);
  // No heading over an error: a page whose loader did not run has no data (null), and its boundary says why.
  const page = leaf?.data == null ? undefined : (leaf.handle as DashboardPageHandle | undefined)?.dashboard;
  return (
    <>
      {page ? (
        <>
          <div className="page-header">
            <h1>{page.heading(role)}</h1>
          </div>
          <DashboardTabs pages={tabs} current={page.tab} search={page.keepsFilters === false ? '' : search} />
        </>
      ) : null}
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
