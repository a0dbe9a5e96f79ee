import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cohortCac,
  cohortProfitability,
  histogramQuantile,
  lifetimeValue,
  observedMonthlyChurn,
  paybackMonths,
  promiseKept,
  responseRate,
  targetStatus,
  valueDelivered,
  type CohortMoneyCounts,
} from '#app/dashboards/metrics-math';

const RUNS = { numRuns: 500 };
const DAY_EDGES = [1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365] as const;
const verdicts = fc.array(fc.constantFrom('yes', 'partly', 'no'), { maxLength: 200 });

/** The counters answerMetricRows (surveys.server.ts) writes, summed over answers. */
const answerCounts = (answers: string[]) => ({
  answered: answers.length,
  valueYes: answers.filter((a) => a === 'yes').length,
  valuePartly: answers.filter((a) => a === 'partly').length,
  valueNo: answers.filter((a) => a === 'no').length,
});

describe('value delivered', () => {
  it('is the share of "yes" among answers, in [0, 1], and partial credit never lowers it', () => {
    fc.assert(
      fc.property(
        verdicts.filter((a) => a.length > 0),
        (answers) => {
          const v = valueDelivered(answerCounts(answers));
          expect(v.share).toBeCloseTo(answers.filter((a) => a === 'yes').length / answers.length, 12);
          expect(v.share!).toBeGreaterThanOrEqual(0);
          expect(v.share!).toBeLessThanOrEqual(1);
          expect(v.score!).toBeGreaterThanOrEqual(v.share! - 1e-12);
          expect(v.score!).toBeLessThanOrEqual(1 + 1e-12);
        },
      ),
      RUNS,
    );
  });

  it('with no answers is "no data" (null), never 0 %', () => {
    expect(valueDelivered({})).toMatchObject({ answered: 0, share: null, score: null });
    expect(targetStatus(valueDelivered({}).share, 0.8, 0.85)).toBe('no-data');
    expect(responseRate({ answered: 0, invited: 0 })).toBeNull();
  });

  it('adding one more "yes" never lowers it; one more "no" never raises it', () => {
    fc.assert(
      fc.property(verdicts, (answers) => {
        const before = valueDelivered(answerCounts(answers)).share ?? 0;
        expect(valueDelivered(answerCounts([...answers, 'yes'])).share!).toBeGreaterThanOrEqual(before - 1e-12);
        if (answers.length) expect(valueDelivered(answerCounts([...answers, 'no'])).share!).toBeLessThanOrEqual(before + 1e-12);
      }),
      RUNS,
    );
  });

  it('sits against the floor and target as leadership reads them', () => {
    expect(targetStatus(0.79, 0.8, 0.85)).toBe('below-floor');
    expect(targetStatus(0.8, 0.8, 0.85)).toBe('below-target');
    expect(targetStatus(0.85, 0.8, 0.85)).toBe('on-target');
  });
});

describe('promise kept', () => {
  const promise = fc.array(fc.constantFrom('delivered', 'partly', 'not_yet'), { maxLength: 200 });
  it('scores delivered 1, partly 0.5, not yet 0, over the promises judged', () => {
    fc.assert(
      fc.property(promise, (list) => {
        const counts = {
          promises: list.length,
          delivered: list.filter((v) => v === 'delivered').length,
          partly: list.filter((v) => v === 'partly').length,
          notYet: list.filter((v) => v === 'not_yet').length,
        };
        const rate = promiseKept(counts).rate;
        if (list.length === 0) {
          expect(rate).toBeNull();
          return;
        }
        const expected = list.reduce((a, v) => a + (v === 'delivered' ? 1 : v === 'partly' ? 0.5 : 0), 0) / list.length;
        expect(rate).toBeCloseTo(expected, 12);
        expect(rate!).toBeGreaterThanOrEqual(0);
        expect(rate!).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it('is the same whether counted per category and summed, or all at once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('delivered', 'partly', 'not_yet')), { minLength: 1, maxLength: 100 }), (list) => {
        const count = (l: typeof list) => ({ promises: l.length, delivered: l.filter(([, v]) => v === 'delivered').length, partly: l.filter(([, v]) => v === 'partly').length });
        const parts = ['a', 'b', 'c'].map((c) => count(list.filter(([k]) => k === c)));
        const summed = parts.reduce((a, p) => ({ promises: a.promises + p.promises, delivered: a.delivered + p.delivered, partly: a.partly + p.partly }), {
          promises: 0,
          delivered: 0,
          partly: 0,
        });
        expect(promiseKept(summed).rate).toBeCloseTo(promiseKept(count(list)).rate!, 12);
      }),
      RUNS,
    );
  });
});

describe('medians and p90 from histogram buckets', () => {
  const bucketOf = (v: number) => {
    for (const e of DAY_EDGES) if (v <= e) return `le${e}`;
    return 'gt365';
  };
  it('the estimate lies in the bucket of the true quantile (error at most the bucket width)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 400, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.9), (values, q) => {
        const counts: Record<string, number> = {};
        for (const v of values) counts[bucketOf(v)] = (counts[bucketOf(v)] ?? 0) + 1;
        const sorted = [...values].sort((a, b) => a - b);
        const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
        const est = histogramQuantile(counts, DAY_EDGES, q)!;
        const i = DAY_EDGES.findIndex((e) => truth <= e);
        if (i === -1) {
          expect(est).toEqual({ value: 365, open: true });
          return;
        }
        const lo = i === 0 ? 0 : DAY_EDGES[i - 1];
        expect(est.value).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(est.value).toBeLessThanOrEqual(DAY_EDGES[i] + 1e-9);
      }),
      RUNS,
    );
  });

  it('no values: no quantile', () => {
    expect(histogramQuantile({}, DAY_EDGES, 0.5)).toBeNull();
  });
});

const money = fc.record({
  deals: fc.integer({ min: 1, max: 500 }),
  arrPer: fc.integer({ min: 1_000, max: 500_000 }),
  margin: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  churnedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  ageDays: fc.integer({ min: 30, max: 1500 }),
  lifeShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
});

function counts(m: { deals: number; arrPer: number; margin: number; churnedShare: number; ageDays: number; lifeShare: number }, nowDays: number): CohortMoneyCounts {
  const churned = Math.floor(m.deals * m.churnedShare);
  const won = nowDays - m.ageDays;
  return {
    deals: m.deals,
    arr: m.deals * m.arrPer,
    marginArr: m.deals * m.arrPer * m.margin,
    arrWithMargin: m.deals * m.arrPer,
    cacSum: 0,
    cacKnown: 0,
    wonDays: m.deals * won,
    churned,
    churnedWonDays: churned * won,
    churnDays: churned * (won + m.ageDays * m.lifeShare),
  };
}

describe('churn, LTV and payback', () => {
  const NOW = 20_000;
  it('observed monthly churn = churned / customer-months, from summed day numbers', () => {
    fc.assert(
      fc.property(money, (m) => {
        const c = counts(m, NOW);
        const { rate, exposureMonths } = observedMonthlyChurn(c, NOW);
        const expectedMonths = ((m.deals - c.churned) * m.ageDays + c.churned * m.ageDays * m.lifeShare) / (365.25 / 12);
        expect(exposureMonths).toBeCloseTo(expectedMonths, 6);
        expect(rate).toBeCloseTo(c.churned / expectedMonths, 9);
      }),
      RUNS,
    );
  });

  it('LTV = ARR x margin x lifetime, lifetime = 1 / churn capped; never infinite, monotone in churn', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 240 }),
        (arr, gm, churn, cap) => {
          const l = lifetimeValue({ arrPerCustomer: arr, grossMargin: gm, monthlyChurn: churn, capMonths: cap });
          expect(Number.isFinite(l.value!)).toBe(true);
          expect(l.lifetimeMonths!).toBeLessThanOrEqual(cap);
          expect(l.value!).toBeCloseTo((arr * gm * l.lifetimeMonths!) / 12, 6);
          const higherChurn = lifetimeValue({ arrPerCustomer: arr, grossMargin: gm, monthlyChurn: churn + 0.01, capMonths: cap });
          expect(higherChurn.value!).toBeLessThanOrEqual(l.value! + 1e-9);
        },
      ),
      RUNS,
    );
  });

  it('zero churn: lifetime is the cap and flagged, not infinite', () => {
    expect(lifetimeValue({ arrPerCustomer: 12_000, grossMargin: 0.75, monthlyChurn: 0, capMonths: 60 })).toEqual({ value: 45_000, lifetimeMonths: 60, capped: true });
    const c = counts({ deals: 10, arrPer: 12_000, margin: 0.75, churnedShare: 0, ageDays: 400, lifeShare: 1 }, NOW);
    const f = cohortProfitability(c, { nowDays: NOW, spendPerCustomer: 9_000, settings: { defaultGrossMarginPct: null, lifetimeCapMonths: 60 } });
    expect(f).toMatchObject({ monthlyChurn: 0, lifetimeMonths: 60, lifetimeCapped: true, cac: 9_000, cacSource: 'spend' });
    expect(f.ltv).toBeCloseTo(45_000, 6);
    expect(f.ltvToCac).toBeCloseTo(5, 9);
    expect(f.paybackMonths).toBeCloseTo(12, 9); // 9000 / (1000 x 0.75)
  });

  it('payback = CAC / monthly gross-margin revenue; LTV:CAC x payback = lifetime', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 1_000_000 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        (arr, gm, cac, churn) => {
          const payback = paybackMonths({ cac, arrPerCustomer: arr, grossMargin: gm })!;
          expect(payback).toBeCloseTo(cac / ((arr / 12) * gm), 6);
          const l = lifetimeValue({ arrPerCustomer: arr, grossMargin: gm, monthlyChurn: churn, capMonths: 1_000 });
          expect((l.value! / cac) * payback).toBeCloseTo(l.lifetimeMonths!, 6);
        },
      ),
      RUNS,
    );
  });

  it('no CAC and no spend: CAC, LTV:CAC and payback are missing (null), LTV still shown', () => {
    const c = counts({ deals: 4, arrPer: 24_000, margin: 0.8, churnedShare: 0.25, ageDays: 365, lifeShare: 0.5 }, NOW);
    const f = cohortProfitability(c, { nowDays: NOW, spendPerCustomer: null, settings: { defaultGrossMarginPct: null, lifetimeCapMonths: 60 } });
    expect(f).toMatchObject({ cac: null, cacSource: 'missing', ltvToCac: null, paybackMonths: null });
    expect(f.ltv).toBeGreaterThan(0);
  });

  it('CAC: per deal when known, spend per customer for the rest, known average without spend', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
        (deals, knownRaw, avgKnown, spc) => {
          const known = Math.min(knownRaw, deals);
          const r = cohortCac({ deals, cacKnown: known, cacSum: known * avgKnown }, spc);
          if (known === deals) {
            expect(r).toMatchObject({ value: avgKnown, source: 'per-deal' });
            return;
          }
          if (spc !== null) {
            expect(r.value).toBeCloseTo((known * avgKnown + (deals - known) * spc) / deals, 9);
            return;
          }
          if (known > 0) {
            expect(r).toMatchObject({ value: avgKnown, source: 'partial' });
            return;
          }
          expect(r).toEqual({ value: null, source: 'missing', known: 0 });
        },
      ),
      RUNS,
    );
  });

  it('no margin recorded: the configured default, else no LTV', () => {
    const c = { ...counts({ deals: 2, arrPer: 10_000, margin: 0.5, churnedShare: 0.5, ageDays: 300, lifeShare: 0.5 }, NOW), marginArr: 0, arrWithMargin: 0 };
    expect(cohortProfitability(c, { nowDays: NOW, spendPerCustomer: 1, settings: { defaultGrossMarginPct: 70, lifetimeCapMonths: 60 } })).toMatchObject({
      grossMargin: 0.7,
      grossMarginSource: 'default',
    });
    expect(cohortProfitability(c, { nowDays: NOW, spendPerCustomer: 1, settings: { defaultGrossMarginPct: null, lifetimeCapMonths: 60 } })).toMatchObject({
      grossMargin: null,
      ltv: null,
      paybackMonths: null,
    });
  });
});
