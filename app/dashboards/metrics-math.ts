// Pure dashboard arithmetic over rollup counters (no mongoose: safe in the browser and in tests).
// The formulas are written out on the dashboard pages and in docs/dashboards.md ("Formulas").

export type Counts = Record<string, number>;

const DAYS_PER_MONTH = 365.25 / 12;

/** num / den, or null when there is nothing to divide by (never NaN or Infinity on a page). */
export function ratio(num: number, den: number): number | null {
  return den > 0 && Number.isFinite(num) ? num / den : null;
}

/** Adds counters of several rollup rows into one. */
export function sumCounts(rows: readonly { counts: Counts }[]): Counts {
  const out: Counts = {};
  for (const row of rows) for (const [name, n] of Object.entries(row.counts)) out[name] = (out[name] ?? 0) + (Number.isFinite(n) ? n : 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Value delivered and promise kept (survey.answer / survey.promise / survey.funnel counters)

/**
 * Value delivered % = answers whose overall verdict is "yes" / answered surveys (docs/product-rules.md).
 * `score` gives partial credit (yes = 1, partly = 0.5, no = 0) for the same answers.
 * No answers: both are null ("no data"), never 0 %.
 */
export function valueDelivered(c: Counts) {
  const answered = c.answered ?? 0;
  const yes = c.valueYes ?? 0;
  const partly = c.valuePartly ?? 0;
  return { answered, yes, partly, no: c.valueNo ?? 0, share: ratio(yes, answered), score: ratio(yes + 0.5 * partly, answered) };
}

/** Response rate = answered / invited (surveys whose first invitation went out). */
export function responseRate(c: Counts) {
  return ratio(c.answered ?? 0, c.invited ?? 0);
}

/**
 * Promise-kept rate = (delivered + 0.5 x partly + 0 x not yet) / promises judged.
 * No judged promise: null.
 */
export function promiseKept(c: Counts) {
  const promises = c.promises ?? 0;
  const delivered = c.delivered ?? 0;
  const partly = c.partly ?? 0;
  return { promises, delivered, partly, notYet: c.notYet ?? 0, rate: ratio(delivered + 0.5 * partly, promises) };
}

export type TargetStatus = 'no-data' | 'below-floor' | 'below-target' | 'on-target';

/** Where a share stands against the floor (default 80 %) and the target (default 85 %), both as fractions. */
export function targetStatus(share: number | null, floor: number, target: number): TargetStatus {
  if (share === null) return 'no-data';
  if (share < floor) return 'below-floor';
  if (share < target) return 'below-target';
  return 'on-target';
}

// ---------------------------------------------------------------------------------------------
// Medians and p90 from histogram counters

/** The counter names of a histogram with these upper edges: le<e1>, ..., le<en>, gt<en>. */
export function bucketNames(edges: readonly number[]) {
  return [...edges.map((e) => `le${e}`), `gt${edges[edges.length - 1]}`];
}

/**
 * The q-quantile (0 < q < 1) of values counted in histogram buckets (`le<edge>` counts values in
 * (previous edge, edge], the first bucket starts at 0, `gt<last>` is open-ended).
 *
 * Precision: the true quantile lies in the bucket this returns a value from, so the error is at
 * most that bucket's width (with DAY_BUCKETS: under a day up to 2 days, 2-7 days between a week
 * and a month, 15-90 days beyond two months). Inside the bucket the values are assumed evenly
 * spread (linear interpolation). A quantile in the open last bucket is reported as its lower edge
 * with `open: true` (shown as "> 365 d").
 */
export function histogramQuantile(counts: Counts, edges: readonly number[], q: number): { value: number; open: boolean } | null {
  const names = bucketNames(edges);
  const sizes = names.map((n) => Math.max(0, counts[n] ?? 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let before = 0;
  for (let i = 0; i < names.length; i++) {
    const size = sizes[i];
    if (size <= 0) continue;
    if (before + size >= rank || i === names.length - 1) {
      if (i === edges.length) return { value: edges[edges.length - 1], open: true };
      const lo = i === 0 ? 0 : edges[i - 1];
      const hi = edges[i];
      const within = Math.min(Math.max((rank - before) / size, 0), 1);
      return { value: lo + (hi - lo) * within, open: false };
    }
    before += size;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Profitability by closed-won cohort (deal.won / deal.churned counters)

export type CohortMoneyCounts = {
  /** Closed-won deals in the cohort (each counts as one customer won). */
  deals: number;
  arr: number;
  /** Sum of arr x grossMarginPct / 100 over deals with a known margin, and the ARR of those deals. */
  marginArr: number;
  arrWithMargin: number;
  /** Sum of per-deal CAC over the deals that have one, and how many have one. */
  cacSum: number;
  cacKnown: number;
  /** Sum over deals of the closed-won instant in days since 1970 (for exposure without raw rows). */
  wonDays: number;
  churned: number;
  /** The same sums over churned deals only: closed-won days, churn days. */
  churnedWonDays: number;
  churnDays: number;
};

/** The money counters of merged deal.won and deal.churned rows. */
export function cohortMoneyCounts(won: Counts, churned: Counts): CohortMoneyCounts {
  return {
    deals: won.n ?? 0,
    arr: won.arr ?? 0,
    marginArr: won.marginArr ?? 0,
    arrWithMargin: won.arrWithMargin ?? 0,
    cacSum: won.cacSum ?? 0,
    cacKnown: won.cacKnown ?? 0,
    wonDays: won.wonDays ?? 0,
    churned: churned.n ?? 0,
    churnedWonDays: churned.wonDays ?? 0,
    churnDays: churned.churnDays ?? 0,
  };
}

/**
 * Observed monthly churn = churned customers / customer-months of exposure, where a customer is
 * exposed from closed-won to churn (churned) or to `nowDays` (still active). Exposure comes from
 * the summed day numbers, so no raw rows are needed:
 * (active x now - sum of their closed-won days) + (sum of churn days - sum of their closed-won days).
 */
export function observedMonthlyChurn(c: Pick<CohortMoneyCounts, 'deals' | 'churned' | 'wonDays' | 'churnedWonDays' | 'churnDays'>, nowDays: number) {
  const active = c.deals - c.churned;
  const exposureDays = Math.max(0, active * nowDays - (c.wonDays - c.churnedWonDays)) + Math.max(0, c.churnDays - c.churnedWonDays);
  const exposureMonths = exposureDays / DAYS_PER_MONTH;
  return { exposureMonths, rate: exposureMonths > 0 ? c.churned / exposureMonths : null };
}

/** ARR-weighted gross margin of the deals that have one (fraction); else the default; else null. */
export function grossMargin(c: Pick<CohortMoneyCounts, 'marginArr' | 'arrWithMargin'>, defaultPct: number | null) {
  if (c.arrWithMargin > 0) return { value: c.marginArr / c.arrWithMargin, source: 'deals' as const };
  if (defaultPct !== null) return { value: defaultPct / 100, source: 'default' as const };
  return { value: null, source: 'missing' as const };
}

export type CacSource = 'per-deal' | 'per-deal+spend' | 'spend' | 'partial' | 'missing';

/**
 * Average CAC per customer of a cohort. Per-deal CAC where the deal has one; a deal without one
 * gets the cohort's sales-and-marketing spend divided by all customers won in that quarter.
 * Without spend, the average of the known per-deal CACs stands for the cohort (`partial`); with
 * neither, CAC is missing (null) and so are LTV:CAC and payback.
 */
export function cohortCac(
  c: Pick<CohortMoneyCounts, 'deals' | 'cacSum' | 'cacKnown'>,
  spendPerCustomer: number | null,
): { value: number | null; source: CacSource; known: number } {
  const known = Math.min(c.cacKnown, c.deals);
  if (c.deals <= 0) return { value: null, source: 'missing', known };
  const missing = c.deals - known;
  if (missing === 0) return { value: c.cacSum / c.deals, source: 'per-deal', known };
  if (spendPerCustomer !== null && spendPerCustomer >= 0) {
    return { value: (c.cacSum + missing * spendPerCustomer) / c.deals, source: known > 0 ? 'per-deal+spend' : 'spend', known };
  }
  if (known > 0) return { value: c.cacSum / known, source: 'partial', known };
  return { value: null, source: 'missing', known };
}

/**
 * LTV per customer = ARR per customer x gross margin x expected lifetime in years, with lifetime =
 * 1 / monthly churn months, capped at `capMonths`. Zero observed churn gives the cap (an infinite
 * lifetime is never shown), flagged `capped`.
 */
export function lifetimeValue(input: { arrPerCustomer: number; grossMargin: number | null; monthlyChurn: number | null; capMonths: number }) {
  const { arrPerCustomer, grossMargin: gm, monthlyChurn, capMonths } = input;
  if (gm === null || monthlyChurn === null || !Number.isFinite(arrPerCustomer)) return { value: null, lifetimeMonths: null, capped: false };
  const uncapped = monthlyChurn > 0 ? 1 / monthlyChurn : Infinity;
  const lifetimeMonths = Math.min(uncapped, capMonths);
  return { value: (arrPerCustomer * gm * lifetimeMonths) / 12, lifetimeMonths, capped: uncapped > capMonths };
}

/** CAC payback months = CAC / (monthly gross-margin revenue per customer) = CAC / (ARR / 12 x margin). */
export function paybackMonths(input: { cac: number | null; arrPerCustomer: number; grossMargin: number | null }) {
  if (input.cac === null || input.grossMargin === null) return null;
  return ratio(input.cac, (input.arrPerCustomer / 12) * input.grossMargin);
}

/** LTV:CAC; null when either is missing or CAC is zero. */
export function ltvToCac(ltv: number | null, cac: number | null) {
  if (ltv === null || cac === null) return null;
  return ratio(ltv, cac);
}

export type ProfitabilitySettings = { defaultGrossMarginPct: number | null; lifetimeCapMonths: number };

/** Every profitability figure of one cohort (or any merged set of deals). */
export function cohortProfitability(c: CohortMoneyCounts, input: { nowDays: number; spendPerCustomer: number | null; settings: ProfitabilitySettings }) {
  const arrPerCustomer = c.deals > 0 ? c.arr / c.deals : 0;
  const gm = grossMargin(c, input.settings.defaultGrossMarginPct);
  const churn = observedMonthlyChurn(c, input.nowDays);
  const cac = cohortCac(c, input.spendPerCustomer);
  const ltv = lifetimeValue({ arrPerCustomer, grossMargin: gm.value, monthlyChurn: churn.rate, capMonths: input.settings.lifetimeCapMonths });
  return {
    customers: c.deals,
    arr: c.arr,
    arrPerCustomer: c.deals > 0 ? arrPerCustomer : null,
    grossMargin: gm.value,
    grossMarginSource: gm.source,
    churned: c.churned,
    monthlyChurn: churn.rate,
    exposureMonths: churn.exposureMonths,
    lifetimeMonths: ltv.lifetimeMonths,
    lifetimeCapped: ltv.capped,
    ltv: ltv.value,
    cac: cac.value,
    cacSource: cac.source,
    cacKnown: cac.known,
    ltvToCac: ltvToCac(ltv.value, cac.value),
    paybackMonths: paybackMonths({ cac: cac.value, arrPerCustomer, grossMargin: gm.value }),
  };
}

// ---------------------------------------------------------------------------------------------
// Cohorts and dates

/** Calendar quarter (UTC) of a date: the closed-won cohort, e.g. 2026Q1. */
export function quarterOf(date: Date) {
  return `${date.getUTCFullYear()}Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}

/** Whole days since 1970-01-01 (UTC), fractional. */
export const epochDays = (date: Date) => date.getTime() / 86_400_000;

/** True when cohort `c` (YYYYQn) lies within [from, to] (either bound optional, same format). */
export function cohortInRange(c: string, from?: string | null, to?: string | null) {
  if (from && c < from) return false;
  if (to && c > to) return false;
  return true;
}
