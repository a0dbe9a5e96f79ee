import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { BarFigure, ChartSection, DashboardFilters, LineFigure, Stat, Formulas, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getForecastDashboard } from '#app/dashboards/dashboards.server';
import { formatCell } from '#app/dashboards/dashboard-table';
import { LocalTime } from '#app/components/local-time';
import { plural } from '#app/utils/format';
import { loadDashboardPage } from '#app/routes/_staff.dashboards/page-loader.server';

export const meta: MetaFunction = () => [{ title: 'Conversion and forecast · Dashboards · Kept' }];

export const handle = {
  dashboard: { tab: '/dashboards/forecast', heading: (role) => (role === 'cs' ? 'Conversion and go-live forecast: your book' : 'Conversion and go-live forecast') },
} satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  return loadDashboardPage(request, 'dashboards.forecast', getForecastDashboard);
}

export default function ForecastDashboard() {
  const { summary, tables, stages, query, options, search, empty, asOf, backtestWindow, conversionPlaybook } = useLoaderData<typeof loader>();
  // Without a playbook filter and with several playbooks, conversion follows the default playbook's stages only.
  const conversionOf = conversionPlaybook.alone ? '' : ` (${conversionPlaybook.name}'s journeys; choose a playbook above for another's)`;
  const reachedSeries = stages.slice(1).map((s) => ({ key: `reached_${s.key}`, label: `Reached ${s.name} %` }));
  return (
    <>
      <DashboardFilters query={query} options={options} show={{ rep: true, csm: true, playbook: true }} clearTo="/dashboards/forecast" />
      {empty ? (
        <p className="notice" role="status">
          No closed-won deal has started a journey yet: record or import closed-won deals first.
        </p>
      ) : null}
      <p className="lead" data-testid="forecast-plain">
        <strong>{summary.plain}</strong>{' '}
        {asOf ? (
          <span className="muted">
            Forecast of <LocalTime iso={asOf} />; remade when a journey moves and every night.
          </span>
        ) : null}
      </p>
      {conversionOf ? (
        <p className="muted" data-testid="conversion-playbook">
          Each playbook has its own stages: without a playbook filter, the “Reached” figures count the journeys of {conversionPlaybook.name} (the default playbook) only. The
          forecast counts every playbook’s journeys.
        </p>
      ) : null}
      <div className="cards" aria-label="Headline figures">
        {summary.reached.slice(1).map((r) => (
          <Stat key={r.key} label={`Reached ${r.name}`} value={formatCell(r.share, 'pct')} detail={`${r.count.toLocaleString('en-US')} of ${plural(summary.deals, 'deal')}`} />
        ))}
        {summary.expected.map((e) => (
          <Stat
            key={e.days}
            testId={`stat-forecast-${e.days}`}
            label={`Expected go-lives, next ${e.days} days`}
            value={asOf ? formatCell(e.value, 'num') : '—'}
            detail={`of ${plural(summary.open, 'open journey')}`}
          />
        ))}
      </div>

      <ChartSection
        table={tables['conversion-by-cohort']}
        search={search}
        empty="No closed-won deal matches these filters."
        note={`Share of each cohort's deals that reached each stage so far${conversionOf}.`}
      >
        <BarFigure id="chart-conversion-by-cohort" table={tables['conversion-by-cohort']} series={reachedSeries} kind="pct" />
      </ChartSection>
      <ChartSection
        table={tables['forecast-by-stage']}
        search={search}
        empty={
          asOf
            ? 'No journey is open under these filters: nothing left to go live.'
            : 'No forecast has been made yet. The worker makes one every night; an admin can make one now with npm run metrics:rebuild.'
        }
        note={
          asOf ? (
            <>
              Forecast made <LocalTime iso={asOf} /> (remade within minutes when a journey moves, and every night).
            </>
          ) : undefined
        }
      >
        <BarFigure
          id="chart-forecast-by-stage"
          table={tables['forecast-by-stage']}
          series={[
            { key: 'p30', label: 'Next 30 days' },
            { key: 'p60', label: 'Next 60 days' },
            { key: 'p90', label: 'Next 90 days' },
          ]}
          kind="num"
        />
      </ChartSection>
      <ChartSection
        table={tables.backtest}
        search={search}
        empty={asOf ? 'No month of history to test the forecast against yet.' : 'The backtest is computed with the nightly forecast; none has been made yet.'}
        note={
          summary.meanAbsoluteError !== null
            ? `Over the last ${summary.backtestMonths} months (of ${backtestWindow} looked at), the 30-day forecast was off by ${summary.meanAbsoluteError} go-lives a month on average (bias ${summary.bias! > 0 ? '+' : ''}${summary.bias}: ${summary.bias! > 0 ? 'too optimistic' : summary.bias! < 0 ? 'too cautious' : 'balanced'}), against ${summary.actual30} actual go-lives.`
            : undefined
        }
      >
        <LineFigure
          id="chart-backtest"
          table={tables.backtest}
          series={[
            { key: 'f30', label: 'Forecast, next 30 days' },
            { key: 'a30', label: 'Went live within 30 days' },
          ]}
          kind="num"
        />
      </ChartSection>

      <Formulas>
        <li>
          <strong>Reached a stage %</strong> = deals that entered the stage ÷ closed-won deals of the cohort (a deal enters a stage when its journey leaves the previous one).
        </li>
        <li>
          <strong>Expected go-lives in the next N days</strong> = the sum, over open journeys, of the probability that the journey is live within N days. For each stage, the time
          journeys spent in it is estimated from history (Kaplan–Meier: journeys still in the stage count as “at least this long”); a journey already D days in its stage uses only
          the history of journeys that were still there after D days, then the full distribution of every later stage. Journeys older in a stage than anyone before them count as
          not going live within the horizon.
        </li>
        <li>
          <strong>Backtest</strong>: on the 1st of each past month, the same method is run with only what was known that day, and compared with the go-lives that followed among the
          journeys open that day.
        </li>
      </Formulas>
    </>
  );
}

export { GeneralErrorBoundary as ErrorBoundary };
