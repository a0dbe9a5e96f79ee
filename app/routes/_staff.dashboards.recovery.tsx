import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { BarFigure, ChartSection, DashboardFilters, Formulas, Stat, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getRecoveryDashboard } from '#app/dashboards/recovery-dashboard.server';
import { formatCell } from '#app/dashboards/dashboard-table';
import { plural } from '#app/utils/format';
import { loadDashboardPage } from '#app/routes/_staff.dashboards/page-loader.server';

export const meta: MetaFunction = () => [{ title: 'Recovery · Dashboards · Kept' }];

export const handle = {
  dashboard: { tab: '/dashboards/recovery', heading: () => 'Recovery of broken promises' },
} satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  return loadDashboardPage(request, 'dashboards.recovery', getRecoveryDashboard);
}

const SERIES = [
  { key: 'rate', label: 'Recovery rate' },
  { key: 'recovered', label: 'Promises recovered' },
];

export default function RecoveryDashboard() {
  const { summary, kept, tables, query, options, search, empty, playbookNotApplied } = useLoaderData<typeof loader>();
  const noCases = 'No recovery case under these filters.';
  return (
    <>
      <DashboardFilters
        query={query}
        options={options}
        show={{ rep: true, csm: true, wave: true }}
        clearTo="/dashboards/recovery"
        notByPlaybook={{ page: 'recovery', asked: playbookNotApplied }}
      />
      {empty ? (
        <p className="notice" role="status">
          No recovery case yet. A case opens when a buyer says a promise was not kept (or answers “No” on value, or a low NPS); its CSM works it from their work queue.
        </p>
      ) : null}
      <div className="cards" aria-label="Headline figures">
        <Stat
          testId="stat-recovery-rate"
          label="Recovery rate"
          value={formatCell(summary.recoveryRate, 'pct')}
          detail={`${summary.delivered.toLocaleString('en-US')} delivered of ${plural(summary.closed, 'closed case')} · ${(summary.opened - summary.closed).toLocaleString('en-US')} open`}
        />
        <Stat
          testId="stat-recovery-median"
          label="Time to recovery, median"
          value={summary.medianOpen ? `> ${formatCell(summary.medianDays, 'days')}` : formatCell(summary.medianDays, 'days')}
          detail={`mean ${formatCell(summary.meanDays, 'days')}`}
        />
        <Stat
          testId="stat-promises-recovered"
          label="Broken promises recovered"
          value={formatCell(summary.recoveredShare, 'pct')}
          detail={`${summary.promisesRecovered.toLocaleString('en-US')} of ${plural(summary.promisesBroken, 'broken promise')}`}
        />
        <Stat
          testId="stat-kept-after-recovery"
          label="Promises kept: as answered → after recovery"
          value={
            <>
              {formatCell(kept.original, 'pct')} → {formatCell(kept.afterRecovery, 'pct')}
            </>
          }
          detail={`${plural(kept.promises, 'promise')} judged${kept.csmIgnored ? ' · all CSMs (answers know no CSM)' : ''}`}
        />
      </div>
      <ChartSection table={tables['recovery-by-rep']} search={search} empty={noCases} note="The rep who made the promise. Recovery rate: delivered ÷ closed cases.">
        <BarFigure id="chart-recovery-by-rep" table={tables['recovery-by-rep']} series={SERIES} kind="pct" />
      </ChartSection>
      <ChartSection table={tables['recovery-by-category']} search={search} empty="No promise case under these filters.">
        <BarFigure id="chart-recovery-by-category" table={tables['recovery-by-category']} series={SERIES} kind="pct" />
      </ChartSection>
      <ChartSection table={tables['recovery-by-csm']} search={search} empty={noCases}>
        <BarFigure id="chart-recovery-by-csm" table={tables['recovery-by-csm']} series={SERIES} kind="pct" />
      </ChartSection>
      <ChartSection table={tables['recovery-by-cohort']} search={search} empty={noCases} note="Cohort = the quarter the deal closed.">
        <BarFigure id="chart-recovery-by-cohort" table={tables['recovery-by-cohort']} series={SERIES} kind="pct" />
      </ChartSection>
      <Formulas>
        <li>
          <strong>Recovery rate</strong> = cases delivered ÷ cases closed (delivered or won’t deliver); open cases are left out until they close.
        </li>
        <li>
          <strong>Time to recovery</strong>: from the case’s opening to its recovery, delivered cases only. The median is read from day buckets (1, 2, 3, 5, 7, 10, 14, 21, 30, 45,
          60, 90, 120, 180, 270, 365) kept with the rollups, interpolated inside the bucket: exact to within that bucket’s width. The mean is exact.
        </li>
        <li>
          <strong>Broken promises recovered</strong> = promise cases delivered ÷ promise cases opened (one case per promise judged “Not yet”, or “Partly” where the account asks for
          it).
        </li>
        <li>
          <strong>Promises kept after recovery</strong> = (the promise-kept score as answered + 1 for each recovered “Not yet” + 0.5 for each recovered “Partly”) ÷ promises judged:
          a recovered promise counts as delivered. The first figure is the value page’s promise-kept share, unchanged.
        </li>
      </Formulas>
    </>
  );
}

export { GeneralErrorBoundary as ErrorBoundary };
