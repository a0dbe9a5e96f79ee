import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BarFigure, ChartSection, DashboardFilters, Stat, Formulas, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getValueDashboard } from '#app/dashboards/dashboards.server';
import { FEW_ANSWERS } from '#app/dashboards/dashboard-pages';
import { formatCell } from '#app/dashboards/dashboard-table';
import { may } from '#app/auth/permissions';
import { loadDashboardPage } from '#app/routes/_staff.dashboards/page-loader.server';

export const meta: MetaFunction = () => [{ title: 'Value delivered · Dashboards · Kept' }];

export const handle = {
  dashboard: { tab: '/dashboards/value', heading: (role) => (role === 'sales' ? 'Your promises: value delivered' : 'Value delivered') },
} satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  return loadDashboardPage(request, 'dashboards.value', getValueDashboard);
}

const TONE = { 'on-target': 'ok', 'below-target': 'warn', 'below-floor': 'bad', 'no-data': undefined } as const;

export default function ValueDashboard() {
  const { summary, settings, tables, query, options, role, search, empty, playbookNotApplied } = useLoaderData<typeof loader>();
  const floor = settings.valueFloorPct / 100;
  const target = settings.valueTargetPct / 100;
  const refLines = [
    { y: target, label: `Target ${settings.valueTargetPct} %` },
    { y: floor, label: `Floor ${settings.valueFloorPct} %` },
  ];
  const valueSeries = [{ key: 'share', label: 'Value delivered %' }];
  const noAnswers = 'No survey answers match these filters yet. Surveys go to each customer 6, 9 and 12 months after closed-won; answers appear here as buyers reply.';
  return (
    <>
      <DashboardFilters query={query} options={options} show={{ rep: true, wave: true }} clearTo="/dashboards/value" notByPlaybook={{ page: 'value', asked: playbookNotApplied }} />
      {empty ? (
        <p className="notice" role="status">
          No survey has been sent or answered yet, so there is nothing to chart. The first wave goes out six months after a deal closes; if answers exist but this page is empty, an
          admin can run <code>npm run metrics:rebuild</code>.
        </p>
      ) : null}
      <div className="cards" aria-label="Headline figures">
        <Stat
          testId="stat-value-delivered"
          label={`Value delivered (target ${settings.valueTargetPct} %, floor ${settings.valueFloorPct} %)`}
          value={formatCell(summary.share, 'pct')}
          tone={TONE[summary.status]}
          detail={`${summary.answered.toLocaleString('en-US')} answers${summary.answered > 0 && summary.answered < FEW_ANSWERS ? ': few answers, read with care' : ''}`}
        />
        <Stat
          label="Response rate"
          value={formatCell(summary.responseRate, 'pct')}
          detail={`${summary.answered.toLocaleString('en-US')} of ${summary.invited.toLocaleString('en-US')} invited`}
        />
        <Stat label="Promise kept" value={formatCell(summary.promiseKept, 'pct')} detail={`${summary.promisesJudged.toLocaleString('en-US')} promises judged`} />
        <Stat label="With partial credit" value={formatCell(summary.score, 'pct')} detail="yes = 1, partly = 0.5, no = 0" />
      </div>

      <ChartSection table={tables['value-by-wave']} search={search} empty={noAnswers}>
        <BarFigure id="chart-value-by-wave" table={tables['value-by-wave']} series={valueSeries} kind="pct" refLines={refLines} />
      </ChartSection>
      <ChartSection table={tables['value-by-cohort']} search={search} empty={noAnswers} note="Over time: each closed-won quarter's answers, oldest first.">
        <BarFigure id="chart-value-by-cohort" table={tables['value-by-cohort']} series={valueSeries} kind="pct" refLines={refLines} />
      </ChartSection>
      {role !== 'sales' ? (
        <ChartSection table={tables['value-by-rep']} search={search} empty={noAnswers}>
          <BarFigure id="chart-value-by-rep" table={tables['value-by-rep']} series={valueSeries} kind="pct" refLines={refLines} />
        </ChartSection>
      ) : null}
      <ChartSection table={tables['value-by-segment']} search={search} empty={noAnswers}>
        <BarFigure id="chart-value-by-segment" table={tables['value-by-segment']} series={valueSeries} kind="pct" refLines={refLines} />
      </ChartSection>
      <ChartSection
        table={tables['promise-by-category']}
        search={search}
        empty="No promise has been judged by a buyer yet under these filters."
        note="Open a category to read the answers behind it."
      >
        <BarFigure id="chart-promise-by-category" table={tables['promise-by-category']} series={[{ key: 'rate', label: 'Promise kept %' }]} kind="pct" />
      </ChartSection>
      <ChartSection
        table={tables['promise-by-rep']}
        search={search}
        empty="No promise has been judged by a buyer yet under these filters."
        note="Open a rep to read the answers behind their figure."
      >
        <BarFigure id="chart-promise-by-rep" table={tables['promise-by-rep']} series={[{ key: 'rate', label: 'Promise kept %' }]} kind="pct" />
      </ChartSection>

      <Formulas>
        <li>
          <strong>Value delivered %</strong> = answers whose overall verdict to “Have we delivered the value we promised?” is <em>yes</em> ÷ answered surveys. No answers: shown as
          “—”, never 0 %.
        </li>
        <li>
          <strong>With partial credit</strong> = (yes + 0.5 × partly) ÷ answered.
        </li>
        <li>
          <strong>Response rate</strong> = answered ÷ surveys whose invitation went out. A high share on few answers is flagged (fewer than {FEW_ANSWERS}).
        </li>
        <li>
          <strong>Promise kept %</strong> = (delivered × 1 + partly × 0.5 + not yet × 0) ÷ promises judged, per promise category and per rep.
        </li>
        <li>
          Floor {settings.valueFloorPct} % and target {settings.valueTargetPct} % are set by an admin
          {may(role, 'spend.view') ? (
            <>
              {' '}
              on <Link to="/dashboards/settings">Spend &amp; targets</Link>
            </>
          ) : null}
          . The date range selects closed-won quarters (cohorts).
        </li>
      </Formulas>
    </>
  );
}

export { GeneralErrorBoundary as ErrorBoundary };
