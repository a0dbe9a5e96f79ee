// CSV download of one dashboard chart's numbers, with the same filters and role scoping as its page.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { getDashboardTable, parseDashboardQuery } from '#app/dashboards/dashboards.server';
import { CHART_IDS, tableCsv, type ChartId } from '#app/dashboards/dashboard-table';
import { notFound } from '#app/utils/forms.server';
import { getRecoveryDashboard, RECOVERY_CHARTS } from '#app/dashboards/recovery-dashboard.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const chart = params.chart ?? '';
  if (!(CHART_IDS as readonly string[]).includes(chart)) notFound('That chart');
  const query = await parseDashboardQuery(new URL(request.url));
  const recovery = RECOVERY_CHARTS.find((c) => c === chart);
  const table = recovery ? (await getRecoveryDashboard({ user, query })).tables[recovery] : await getDashboardTable({ user, chart: chart as ChartId, query });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(`\uFEFF${tableCsv(table)}`, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="kept-${chart}-${day}.csv"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
