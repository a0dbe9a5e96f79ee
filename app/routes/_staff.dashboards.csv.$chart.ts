// CSV download of one dashboard chart's numbers, with the same filters and role scoping as its page.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { getDashboardTable, parseDashboardQuery } from '#app/dashboards/dashboards.server';
import { CHART_IDS, tableCsv, type ChartId } from '#app/dashboards/dashboard-table';
import { notFound } from '#app/utils/forms.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const chart = params.chart ?? '';
  if (!(CHART_IDS as readonly string[]).includes(chart)) notFound('That chart');
  const table = await getDashboardTable({ user, chart: chart as ChartId, query: parseDashboardQuery(new URL(request.url)) });
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
