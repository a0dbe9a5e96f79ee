import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { NotByPlaybook, Stat, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getDashboardOverview, listFilterOptions, parseDashboardQuery, queryString } from '#app/dashboards/dashboards.server';
import { formatCell } from '#app/dashboards/dashboard-table';
import { LocalTime } from '#app/components/local-time';
import { plural } from '#app/utils/format';
import { may } from '#app/auth/permissions';
import type { Role } from '#app/auth/roles';

export const meta: MetaFunction = () => [{ title: 'Dashboards · Kept' }];

const TITLES: Partial<Record<Role, string>> = {
  admin: 'Dashboards',
  leadership: 'Are we keeping our promises?',
  sales: 'Your promises and customers',
  cs: 'Your book: time to live',
  marketing: 'Dashboards',
};

export const handle = { dashboard: { tab: '/dashboards', heading: (role) => TITLES[role] ?? 'Dashboards' } } satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const query = await parseDashboardQuery(new URL(request.url));
  const overview = await getDashboardOverview({ user, query });
  // The overview is not filtered by playbook (getDashboardOverview): one asked for in the URL is named in a notice.
  const playbookNotApplied = query.playbook ? ((await listFilterOptions(user)).playbooks.find((p) => p.id === query.playbook)?.name ?? query.playbook) : null;
  return { ...overview, search: queryString(overview.query), advocacy: may(user.role, 'advocacy.view'), playbookNotApplied };
}

type Headline = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['value']>['headline'];
type Measure = Headline['value'];

const STATUS_TEXT: Record<Measure['status'], string> = { 'no-data': 'No answers yet', 'below-floor': 'Below floor', 'below-target': 'Below goal', 'on-target': 'On goal' };
const TONE: Record<Measure['status'], string> = { 'no-data': '', 'below-floor': 'bad', 'below-target': 'warn', 'on-target': 'ok' };

/** "+2.5 pts" / "−8.8 pts" (a real minus sign, so it reads as one). */
const pts = (gap: number) => `${gap > 0 ? '+' : gap < 0 ? '−' : '±'}${Math.abs(gap).toFixed(1)} pts`;
const quarterLabel = (q: string) => `${q.slice(4)} ${q.slice(0, 4)}`;
/** A quarter's share against the lines, coloured as the headline is (the text carries the number). */
const cellStatus = (share: number | null, floorPct: number, targetPct: number) =>
  share === null ? 'no-data' : share * 100 < floorPct ? 'below-floor' : share * 100 < targetPct ? 'below-target' : 'on-target';

/** One headline figure: what it measures, the share, where it stands against the lines, its last four quarters. */
function HeadlineMeasure({
  id,
  title,
  what,
  measure,
  unit,
  floorPct,
  targetPct,
  children,
}: {
  id: string;
  title: string;
  what: string;
  measure: Measure;
  unit: [string, string];
  floorPct: number;
  targetPct: number;
  children?: React.ReactNode;
}) {
  const last = measure.trend[measure.trend.length - 1];
  const before = measure.trend[measure.trend.length - 2];
  const change = last.share !== null && before.share !== null ? Math.round((last.share - before.share) * 1000) / 10 : null;
  return (
    <div className={`headline card${TONE[measure.status] ? ` tone-${TONE[measure.status]}` : ''}`} data-testid={id} aria-labelledby={`${id}-title`} role="group">
      <h3 id={`${id}-title`}>{title}</h3>
      <p className="headline-value">
        <span className="big">{formatCell(measure.share, 'pct')}</span> <span className={`status status-${measure.status}`}>{STATUS_TEXT[measure.status]}</span>
      </p>
      {measure.gapToFloor !== null && measure.gapToTarget !== null ? (
        <p className="headline-gaps" data-testid={`${id}-gaps`}>
          <strong>{pts(measure.gapToFloor)}</strong> vs the {floorPct} % floor · <strong>{pts(measure.gapToTarget)}</strong> vs the {targetPct} % goal
        </p>
      ) : null}
      <p className="muted small">
        {what} ({plural(measure.n, ...unit)})
      </p>
      <table className="headline-trend" data-testid={`${id}-trend`}>
        <caption className="small">By quarter answered{change !== null ? <>: {pts(change)} vs the quarter before</> : null}</caption>
        <thead>
          <tr>
            {measure.trend.map((t) => (
              <th key={t.quarter} scope="col">
                {quarterLabel(t.quarter)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {measure.trend.map((t) => (
              <td key={t.quarter} title={plural(t.n, ...unit)} className={`status-${cellStatus(t.n > 0 ? t.share : null, floorPct, targetPct)}`}>
                {t.n > 0 ? formatCell(t.share, 'pct') : '—'}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {children}
    </div>
  );
}

export default function DashboardOverview() {
  const { role, value, ttl, forecast, profitability, search, advocacy, playbookNotApplied } = useLoaderData<typeof loader>();
  const headline = value?.headline;
  return (
    <>
      {playbookNotApplied ? <NotByPlaybook page="overview" asked={playbookNotApplied} /> : null}
      {value ? (
        <section className="panel" aria-labelledby="o-value">
          <h2 id="o-value">
            <Link to={`/dashboards/value${search}`}>{role === 'sales' ? 'Your customers: value and promises kept' : 'Value and promises kept'}</Link>
          </h2>
          {headline ? (
            <div className="headline-pair">
              <HeadlineMeasure
                id="overview-value"
                title="Customers who say they got the value promised"
                what="answers saying “yes” to “Have we delivered the value we promised?”, of all answers"
                measure={headline.value}
                unit={['answer', 'answers']}
                floorPct={headline.floorPct}
                targetPct={headline.targetPct}
              >
                <p className="small" data-testid="overview-value-arr">
                  {headline.arrWeighted ? (
                    <>
                      Weighted by ARR: <strong>{formatCell(headline.arrWeighted.share, 'pct')}</strong> (
                      {formatCell(headline.arrWeighted.arrYes, 'money', headline.arrWeighted.currency)} of{' '}
                      {formatCell(headline.arrWeighted.arrAnswered, 'money', headline.arrWeighted.currency)} ARR answered
                      {headline.arrWeighted.otherCurrencies.length ? `; ${headline.arrWeighted.currency} deals only` : ''})
                    </>
                  ) : (
                    'Weighted by ARR: — (no answers yet)'
                  )}
                </p>
              </HeadlineMeasure>
              <HeadlineMeasure
                id="overview-promises"
                title="Promises kept"
                what="the customer's verdict on each promise: delivered counts 1, partly ½, not yet 0"
                measure={headline.promises}
                unit={['promise judged', 'promises judged']}
                floorPct={headline.floorPct}
                targetPct={headline.targetPct}
              />
            </div>
          ) : null}
          <p className="muted small">
            Response rate {formatCell(value.responseRate, 'pct')} of {value.invited.toLocaleString('en-US')} invited. Floor and goal are set on the settings page.
          </p>
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
          <p className="lead" data-testid="overview-forecast-plain">
            <strong>{forecast.plain}</strong>
          </p>
          <div className="cards">
            {forecast.expected.map((e) => (
              <Stat
                key={e.days}
                label={`Expected go-lives, next ${e.days} days`}
                value={forecast.asOf ? formatCell(e.value, 'num') : '—'}
                detail={`of ${forecast.open.toLocaleString('en-US')} open`}
              />
            ))}
            <Stat
              label="Backtest, 30-day error"
              value={forecast.meanAbsoluteError === null ? '—' : `± ${forecast.meanAbsoluteError}`}
              detail={
                forecast.asOf ? (
                  <>
                    forecast of <LocalTime iso={forecast.asOf} />
                  </>
                ) : (
                  'no forecast yet'
                )
              }
            />
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
            <Stat
              label="LTV:CAC"
              value={formatCell(profitability.ltvToCac, 'ratio')}
              tone={profitability.ltvToCac === null ? undefined : profitability.ltvToCac >= 3 ? 'ok' : 'bad'}
              detail="reference 3"
            />
            <Stat
              label="CAC payback"
              value={formatCell(profitability.paybackMonths, 'months')}
              tone={profitability.paybackMonths === null ? undefined : profitability.paybackMonths <= 12 ? 'ok' : 'bad'}
              detail="reference 12 months"
            />
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
