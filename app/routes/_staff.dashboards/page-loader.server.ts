// The loader of a filtered dashboard page: its own permission, the filters from the URL, its figures
// and the filter menus, and the query string that keeps the filters on its links and CSV downloads.
import type { Permission } from '#app/auth/permissions';
import { requireUser, type SessionUser } from '#app/auth/session.server';
import { listFilterOptions, parseDashboardQuery, queryString, type DashboardQuery } from '#app/dashboards/dashboards.server';

/** Loads one dashboard page for a holder of `permission` (anyone else gets 403). */
export async function loadDashboardPage<T extends { query: DashboardQuery }>(
  request: Request,
  permission: Permission,
  load: (args: { user: SessionUser; query: DashboardQuery }) => Promise<T>,
) {
  const user = await requireUser(request, { may: permission });
  const query = await parseDashboardQuery(new URL(request.url));
  const [figures, options] = await Promise.all([load({ user, query }), listFilterOptions(user)]);
  // A playbook the URL asks for (the tabs keep it) that this page's figures cannot be filtered by: the page says so.
  const playbookNotApplied = query.playbook && !figures.query.playbook ? (options.playbooks.find((p) => p.id === query.playbook)?.name ?? query.playbook) : null;
  return { ...figures, options, role: user.role, search: queryString(figures.query), playbookNotApplied };
}
