import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { DashboardTabs, Stat } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getDashboardOverview, parseDashboardQuery, queryString } from '#app/services/dashboards.server';
import { ADVOCACY_VIEWERS, dashboardTabs } from '#app/utils/dashboards';
import { formatCell } from '#app/utils/dashboard-table';
import { formatDateTime, plural } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Dashboards · Kept' }];

const TITLES: Record<string, string> = {
  admin: 'Dashboards',
  leadership: 'Are we keeping our promises?',
  sales: 'Your promises and customers',
  cs: 'Your book: time to live',
  marketing: 'Dashboards',
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const query = parseDashboardQuery(new URL(request.url));
  const overview = await getDashboardOverview({ user, query });
  return { ...overview, tabs: dashboardTabs(user.role), search: queryString(overview.query), advocacy: (ADVOCACY_VIEWERS as readonly string[]).includes(user.role) };
}

export default function DashboardOverview() {
  const { role, value, ttl, forecast, profitability, tabs, search, advocacy } = useLoaderData<typeof loader>();
  const valueTone = value?.share === null || value?.share === undefined ? undefined : value.share >= value.settings.valueTargetPct / 100 ? 'ok' : value.share >= value.settings.valueFloorPct / 100 ? 'warn' : 'bad';
  return (
    <>
      <div className="page-header">
        <h1>{TITLES[role] ?? 'Dashboards'}</h1>
      </div>
      <DashboardTabs pages={tabs} current="/dashboards" search={search} />
      {value ? (
        <section className="panel" aria-labelledby="o-value">
          <h2 id="o-value">
            <Link to={`/dashboards/value${search}`}>{role === 'sales' ? 'Your value delivered and promises kept' : 'Value delivered'}</Link>
          </h2>
          <div className="cards">
            <Stat testId="overview-value" label={`Value delivered (target ${value.settings.valueTargetPct} %, floor ${value.settings.valueFloorPct} %)`} value={formatCell(value.share, 'pct')} tone={valueTone} detail={plural(value.answered, 'answer')} />
            <Stat label="Response rate" value={formatCell(value.responseRate, 'pct')} detail={`of ${value.invited.toLocaleString('en-US')} invited`} />
            <Stat label="Promise kept" value={formatCell(value.promiseKept, 'pct')} detail={`${plural(value.promisesJudged, 'promise')} judged`} />
          </div>
          {value.empty ? <p className="muted">No survey answered yet: the first wave goes out six months after closed-won.</p> : null}
        </section>
      ) : null}
      {ttl ? (
        <section className="panel" aria-labelledby="o-ttl">
          <h2 id="o-ttl">
            <Link to={`/dashboards/time-to-live${search}`}>Time to live</Link>
          </h2>
          <div className="cards">
            <Stat label="Closed-won → live, median" value={formatCell(ttl.medianDays, 'days')} detail={`p90 ${ttl.p90Open ? '> ' : ''}${formatCell(ttl.p90Days, 'days')}`} />
            <Stat label="CS reaction, median" value={formatCell(ttl.reactionMedianHours, 'hours')} />
            <Stat label="Stalled now" value={ttl.stalled.toLocaleString('en-US')} tone={ttl.stalled > 0 ? 'bad' : 'ok'} />
            <Stat label="Stage overrides" value={ttl.overrides.toLocaleString('en-US')} />
          </div>
        </section>
      ) : null}
      {forecast ? (
        <section className="panel" aria-labelledby="o-forecast">
          <h2 id="o-forecast">
            <Link to={`/dashboards/forecast${search}`}>Go-live forecast</Link>
          </h2>
          <div className="cards">
            {forecast.expected.map((e) => (
              <Stat key={e.days} label={`Expected go-lives, next ${e.days} days`} value={forecast.asOf ? formatCell(e.value, 'num') : '—'} detail={`of ${forecast.open.toLocaleString('en-US')} open`} />
            ))}
            <Stat label="Backtest, 30-day error" value={forecast.meanAbsoluteError === null ? '—' : `± ${forecast.meanAbsoluteError}`} detail={forecast.asOf ? `forecast of ${formatDateTime(forecast.asOf)}` : 'no forecast yet (nightly)'} />
          </div>
        </section>
      ) : null}
      {profitability ? (
        <section className="panel" aria-labelledby="o-profit">
          <h2 id="o-profit">
            <Link to={`/dashboards/profitability${search}`}>{role === 'sales' ? 'Your customers' : 'Profitability'}</Link>
          </h2>
          <div className="cards">
            <Stat label="Customers won" value={profitability.customers.toLocaleString('en-US')} detail={`${profitability.churned.toLocaleString('en-US')} churned`} />
            <Stat label="ARR won" value={formatCell(profitability.arr, 'money', profitability.currency)} />
            <Stat label="LTV:CAC" value={formatCell(profitability.ltvToCac, 'ratio')} tone={profitability.ltvToCac === null ? undefined : profitability.ltvToCac >= 3 ? 'ok' : 'bad'} detail="reference 3" />
            <Stat label="CAC payback" value={formatCell(profitability.paybackMonths, 'months')} tone={profitability.paybackMonths === null ? undefined : profitability.paybackMonths <= 12 ? 'ok' : 'bad'} detail="reference 12 months" />
          </div>
        </section>
      ) : null}
      {advocacy ? (
        <section className="panel" aria-labelledby="o-advocacy">
          <h2 id="o-advocacy">Advocacy</h2>
          <p>
            Candidates, asks by type and status, reviews and referred revenue are on the <Link to="/advocacy">advocacy page</Link>.
          </p>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
