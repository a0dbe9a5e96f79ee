import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BarFigure, ChartSection, DashboardFilters, Stat, Formulas, type DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getProfitabilityDashboard } from '#app/dashboards/dashboards.server';
import { formatCell } from '#app/dashboards/dashboard-table';
import { plural } from '#app/utils/format';
import { may } from '#app/auth/permissions';
import { loadDashboardPage } from '#app/routes/_staff.dashboards/page-loader.server';

export const meta: MetaFunction = () => [{ title: 'Profitability by cohort · Dashboards · Kept' }];

export const handle = {
  dashboard: { tab: '/dashboards/profitability', heading: (role) => (role === 'sales' ? 'Your customers: profitability by cohort' : 'Profitability by cohort') },
} satisfies DashboardPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  return loadDashboardPage(request, 'dashboards.profitability', getProfitabilityDashboard);
}

export default function ProfitabilityDashboard() {
  const { overall, tables, query, options, role, search, empty, currencies, missingCac, partialCac, lifetimeCap, settings, playbookNotApplied } = useLoaderData<typeof loader>();
  const table = tables['profitability-by-cohort'];
  const currency = query.currency ?? 'USD';
  const canEditSpend = may(role, 'spend.edit');
  return (
    <>
      <DashboardFilters
        query={query}
        options={options}
        show={{ rep: true, currency: true }}
        currencies={currencies}
        clearTo="/dashboards/profitability"
        notByPlaybook={{ page: 'profitability', asked: playbookNotApplied }}
      />
      {empty ? (
        <p className="notice" role="status">
          No closed-won deal yet: record or import closed-won deals (with ARR, gross margin and, when known, CAC) to see profitability by cohort.
        </p>
      ) : null}
      {missingCac.length ? (
        <p className="notice warn" role="status">
          No CAC for {missingCac.join(', ')}: no deal there has a per-deal CAC and no sales-and-marketing spend is entered for the quarter, so LTV:CAC and payback show “—”.{' '}
          {canEditSpend ? <Link to="/dashboards/settings">Enter the quarter’s spend</Link> : 'An admin can enter the quarter’s spend on Spend & targets.'}
        </p>
      ) : null}
      {partialCac.length ? (
        <p className="notice" role="status" data-testid="partial-cac">
          CAC estimated for {partialCac.map((p) => `${p.cohort} (from ${p.known} of ${plural(p.customers, 'deal')})`).join(', ')}: the other deals have no per-deal CAC and no spend
          is entered for the quarter, so the average of the known CACs stands for them. {canEditSpend ? <Link to="/dashboards/settings">Enter the quarter’s spend</Link> : null}
        </p>
      ) : null}
      {lifetimeCap.everyCohort ? (
        <p className="notice" role="status" data-testid="lifetime-capped">
          Every cohort’s lifetime is the {lifetimeCap.months}-month cap{' '}
          {lifetimeCap.noChurn
            ? 'because no customer has churned yet: LTV assumes customers stay that long.'
            : 'because churn so far is too low to estimate a shorter one (see Notes).'}
        </p>
      ) : null}
      <div className="cards" aria-label="Headline figures">
        <Stat
          testId="stat-customers"
          label={role === 'sales' ? 'Your customers' : 'Customers'}
          value={overall.customers.toLocaleString('en-US')}
          detail={`${overall.churned.toLocaleString('en-US')} churned`}
        />
        <Stat label="ARR won" value={formatCell(overall.arr, 'money', currency)} />
        <Stat
          testId="stat-ltv-cac"
          label="LTV:CAC (reference 3)"
          value={formatCell(overall.ltvToCac, 'ratio')}
          tone={overall.ltvToCac === null ? undefined : overall.ltvToCac >= 3 ? 'ok' : 'bad'}
          detail={`LTV ${formatCell(overall.ltv, 'money', currency)} · CAC ${formatCell(overall.cac, 'money', currency)}`}
        />
        <Stat
          label="CAC payback (reference 12 months)"
          value={formatCell(overall.paybackMonths, 'months')}
          tone={overall.paybackMonths === null ? undefined : overall.paybackMonths <= 12 ? 'ok' : 'bad'}
        />
      </div>

      <ChartSection table={table} search={search} empty="No closed-won deal matches these filters." note={`Amounts in ${currency}. The last row merges all cohorts.`} />
      <ChartSection table={tables['ltv-cac-by-cohort']} search={search} empty="No cohort has both an LTV and a CAC yet.">
        <BarFigure
          id="chart-ltv-cac"
          table={tables['ltv-cac-by-cohort']}
          series={[{ key: 'ltvToCac', label: 'LTV:CAC' }]}
          kind="ratio"
          refLines={[{ y: 3, label: 'Reference 3' }]}
        />
      </ChartSection>
      <ChartSection table={tables['payback-by-cohort']} search={search} empty="No cohort has a CAC yet.">
        <BarFigure
          id="chart-payback"
          table={tables['payback-by-cohort']}
          series={[{ key: 'paybackMonths', label: 'Payback months' }]}
          kind="months"
          refLines={[{ y: 12, label: '12 months' }]}
        />
      </ChartSection>

      <Formulas>
        <li>
          <strong>Cohort</strong>: the quarter a deal closed. Each closed-won deal counts as one customer won (an expansion deal counts in its own quarter, with its own CAC).
        </li>
        <li>
          <strong>Gross margin</strong> = Σ(ARR × margin) ÷ Σ ARR over deals that record a margin
          {settings.defaultGrossMarginPct !== null
            ? `; cohorts with none use the default ${settings.defaultGrossMarginPct} %`
            : '; a cohort with none has no LTV (an admin can set a default margin)'}
          .
        </li>
        <li>
          <strong>Observed monthly churn</strong> = churned customers ÷ customer-months observed (from closed-won to churn, or to today for customers still active).
        </li>
        <li>
          <strong>LTV</strong> = ARR per customer × gross margin × lifetime in years, lifetime = 1 ÷ monthly churn months, capped at {settings.lifetimeCapMonths} months. With{' '}
          <strong>zero churn</strong> the lifetime is the cap (flagged in the table), never infinite.
        </li>
        <li>
          <strong>CAC</strong> = the deal’s own CAC when recorded; a deal without one takes its quarter’s sales-and-marketing spend ÷ customers won that quarter. With{' '}
          <strong>neither</strong>, the average of the deals that have one stands for the cohort (flagged); with no CAC at all, CAC, LTV:CAC and payback show “—”.
        </li>
        <li>
          <strong>LTV:CAC</strong> = LTV ÷ CAC (reference line at 3). <strong>CAC payback</strong> = CAC ÷ (ARR per customer ÷ 12 × gross margin) months (reference line at 12).
        </li>
      </Formulas>
    </>
  );
}

export { GeneralErrorBoundary as ErrorBoundary };
