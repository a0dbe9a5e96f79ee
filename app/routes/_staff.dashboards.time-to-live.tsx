import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { BarFigure, ChartSection, DashboardFilters, Stat, Formulas, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getTimeToLiveDashboard } from '#app/dashboards/dashboards.server';
import { formatCell } from '#app/dashboards/dashboard-table';
import { plural } from '#app/utils/format';
import { loadDashboardPage } from '#app/routes/_staff.dashboards/page-loader.server';

export const meta: MetaFunction = () => [{ title: 'Time to live · Dashboards · Kept' }];

export const handle = {
  dashboard: { tab: '/dashboards/time-to-live', heading: (role) => (role === 'cs' ? 'Time to live: your book' : 'Time to live') },
} satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  return loadDashboardPage(request, 'dashboards.time-to-live', getTimeToLiveDashboard);
}

export default function TimeToLiveDashboard() {
  const { summary, tables, query, options, search, empty } = useLoaderData<typeof loader>();
  const noJourneys = 'No journey has reached this point under these filters.';
  return (
    <>
      <DashboardFilters query={query} options={options} show={{ rep: true, csm: true, playbook: true }} clearTo="/dashboards/time-to-live" />
      {empty ? (
        <p className="notice" role="status">
          No closed-won deal has started a journey yet. Record or import closed-won deals (Deals → New deal or Import); each starts its journey at handoff.
        </p>
      ) : null}
      <div className="cards" aria-label="Headline figures">
        <Stat
          testId="stat-ttl-median"
          label="Closed-won → live, median"
          value={formatCell(summary.medianDays, 'days')}
          detail={`${summary.live.toLocaleString('en-US')} of ${plural(summary.started, 'journey')} live`}
        />
        <Stat
          testId="stat-ttl-net-median"
          label="Closed-won → live excl. buyer-confirmed delays, median"
          value={formatCell(summary.netMedianDays, 'days')}
          detail={`mean ${formatCell(summary.netMeanDays, 'days')} vs ${formatCell(summary.meanDays, 'days')} in total: ${formatCell(summary.delayDays, 'days')} the customers confirmed were on them`}
        />
        <Stat
          label="Closed-won → live, p90"
          value={summary.p90Open ? `> ${formatCell(summary.p90Days, 'days')}` : formatCell(summary.p90Days, 'days')}
          detail="9 in 10 customers were live within this"
        />
        <Stat
          label="CS reaction time, median"
          value={formatCell(summary.reactionMedianHours, 'hours')}
          detail={`p90 ${formatCell(summary.reactionP90Hours, 'hours')} · ${plural(summary.accepted, 'handoff')} accepted`}
        />
        <Stat label="Stalled now" value={summary.stalled.toLocaleString('en-US')} tone={summary.stalled > 0 ? 'bad' : 'ok'} detail="past the stage SLA" />
        <Stat
          label="Stage overrides"
          value={summary.overrides.toLocaleString('en-US')}
          tone={summary.overrides > 0 ? 'warn' : undefined}
          detail="stages left without evidence, by an admin"
        />
      </div>

      <ChartSection table={tables['ttl-by-cohort']} search={search} empty={noJourneys} note="Cohort = the quarter the deal closed. Younger cohorts have fewer live customers yet.">
        <BarFigure
          id="chart-ttl-by-cohort"
          table={tables['ttl-by-cohort']}
          series={[
            { key: 'median', label: 'Median days' },
            { key: 'p90', label: 'p90 days' },
          ]}
          kind="days"
        />
      </ChartSection>
      <ChartSection
        table={tables['stage-time']}
        search={search}
        empty="No journey has left a stage yet under these filters."
        note="Counted when a journey leaves the stage. Overrides: moves an admin forced without the required evidence."
      >
        <BarFigure
          id="chart-stage-time"
          table={tables['stage-time']}
          series={[
            { key: 'median', label: 'Median days' },
            { key: 'p90', label: 'p90 days' },
          ]}
          kind="days"
        />
      </ChartSection>
      <ChartSection table={tables['reaction-by-cohort']} search={search} empty="No handoff has been accepted yet under these filters.">
        <BarFigure
          id="chart-reaction-by-cohort"
          table={tables['reaction-by-cohort']}
          series={[
            { key: 'median', label: 'Median hours' },
            { key: 'p90', label: 'p90 hours' },
          ]}
          kind="hours"
        />
      </ChartSection>
      <ChartSection table={tables['stalled-age']} search={search} empty="No journey is stalled.">
        <BarFigure id="chart-stalled-age" table={tables['stalled-age']} series={[{ key: 'count', label: 'Journeys' }]} kind="int" />
      </ChartSection>
      <ChartSection table={tables['stalled-longest']} search={search} empty="No journey is stalled." />

      <Formulas>
        <li>
          <strong>Time to live</strong>: closed-won date → the journey reached the live stage. <strong>CS reaction time</strong>: closed-won → CS accepted the handoff.{' '}
          <strong>Time in a stage</strong>: entered → left.
        </li>
        <li>
          <strong>Excluding buyer-confirmed delays</strong>: the same time to live without the days a journey was “waiting on the customer” and the buyer confirmed it on the shared
          plan page (from their confirmation to the delay’s end). A delay CS marked but the buyer never confirmed counts in both figures. The stage SLA clock pauses for the same
          days.
        </li>
        <li>
          <strong>Median and p90</strong> are read from histograms kept with the rollups (day buckets 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365; hour buckets 1,
          4, 8, 24, 48, 72, 120, 168, 336), interpolated inside the bucket: exact to within that bucket’s width (a day or two for short stages, two weeks around a month, up to
          three months beyond 90 days). Means are exact.
        </li>
        <li>
          <strong>Stalled</strong>: still in a stage past its SLA days (read live); the longest ones are listed with how far past the SLA they are.
        </li>
      </Formulas>
    </>
  );
}

export { GeneralErrorBoundary as ErrorBoundary };
