import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastRows } from '#app/dashboards/forecast.server';
import { fitSurvival, goLiveProbabilities, kaplanMeier, openStateAt, survivalAt, type JourneyHistory } from '#app/dashboards/forecast-math';

const DAY = 86_400_000;
const NOW = new Date('2026-07-01T00:00:00Z');
const PATH = ['handoff', 'implementation'];
const at = (daysBeforeNow: number) => new Date(NOW.getTime() - daysBeforeNow * DAY);
const dims = { cohort: '2026Q1', segment: 'smb', rep: 'r', csm: 'c', playbook: 'default' };

/** A finished journey: handoff for h days, implementation for i days, then live; started `ago` days before NOW. */
function finished(ago: number, h: number, i: number) {
  const start = at(ago);
  const impl = new Date(start.getTime() + h * DAY);
  const live = new Date(impl.getTime() + i * DAY);
  return {
    dims,
    path: PATH,
    liveAt: live,
    stages: [
      { key: 'handoff', enteredAt: start, exitedAt: impl },
      { key: 'implementation', enteredAt: impl, exitedAt: live },
      { key: 'live', enteredAt: live },
    ],
  };
}
/** An open journey in handoff for `age` days. */
const inHandoff = (age: number) => ({ dims, path: PATH, liveAt: null, stages: [{ key: 'handoff', enteredAt: at(age) }] });
/** An open journey: handoff took h days, in implementation for `age` days. */
function inImplementation(h: number, age: number) {
  const impl = at(age);
  return {
    dims,
    path: PATH,
    liveAt: null,
    stages: [
      { key: 'handoff', enteredAt: new Date(impl.getTime() - h * DAY), exitedAt: impl },
      { key: 'implementation', enteredAt: impl },
    ],
  };
}

describe('Kaplan-Meier', () => {
  it('without censoring is the empirical survival', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 100 }), (ts, t) => {
        const km = kaplanMeier(ts.map((x) => ({ t: x, event: true })));
        expect(survivalAt(km, t)).toBeCloseTo(ts.filter((x) => x > t).length / ts.length, 12);
      }),
      { numRuns: 300 },
    );
  });

  it('journeys still in a stage lower the exit rate instead of being ignored', () => {
    const km = kaplanMeier([
      { t: 10, event: true },
      { t: 50, event: false },
    ]);
    expect(survivalAt(km, 10)).toBe(0.5); // one of two left by day 10; the other is still there
    expect(survivalAt(km, 1000)).toBe(0.5);
  });
});

describe('go-live forecast on a synthetic history with a known answer', () => {
  // Every past journey: exactly 10 days in handoff, 20 in implementation (30 to live).
  const history = Array.from({ length: 20 }, (_, k) => finished(200 + k, 10, 20));

  it('deterministic durations give certain answers', () => {
    const survival = fitSurvival(history, NOW);
    const p = (stages: string[], age: number) => goLiveProbabilities({ stages, age, survival, horizons: [30, 60, 90] });
    expect(p(PATH, 0)).toEqual([1, 1, 1]); // 30 days to go: inside 30
    expect(p(['implementation'], 15)).toEqual([1, 1, 1]); // 5 days left
    expect(p(PATH, 5)).toEqual([1, 1, 1]); // 25 days left
    // Older than every journey ever in handoff: the history says nothing about when it leaves.
    expect(p(PATH, 11)).toEqual([0, 0, 0]);
  });

  it('a two-speed history gives the expected share of go-lives per horizon', () => {
    // Handoff: half the journeys take 10 days, half 50; implementation always 20.
    const mixed = [...Array.from({ length: 10 }, (_, k) => finished(300 + k, 10, 20)), ...Array.from({ length: 10 }, (_, k) => finished(300 + k, 50, 20))];
    const survival = fitSurvival(mixed, NOW);
    const p = (age: number) => goLiveProbabilities({ stages: PATH, age, survival, horizons: [30, 60, 90] });
    expect(p(0)).toEqual([0.5, 0.5, 1]); // live at day 30 (half) or day 70 (half)
    expect(p(20)).toEqual([0, 1, 1]); // past day 10 still in handoff: a slow one, live in 50 days
  });

  it('the stored snapshot sums expected go-lives over open journeys', () => {
    const journeys = [...history, inHandoff(0), inHandoff(5), inImplementation(10, 15)];
    const rows = forecastRows(journeys, NOW, 0);
    const open = rows.filter((r) => r.kind === 'forecast.open');
    const total = open.reduce((a, r) => ({ open: a.open + r.counts.open, p30: a.p30 + (r.counts.p30 ?? 0), p90: a.p90 + (r.counts.p90 ?? 0) }), { open: 0, p30: 0, p90: 0 });
    expect(total).toEqual({ open: 3, p30: 3, p90: 3 });
    expect(open.find((r) => r.dims.stage === 'implementation')!.counts).toEqual({ open: 1, p30: 1, p60: 1, p90: 1 });
  });

  it('the backtest replays the method month by month and counts what happened', () => {
    // Journeys start every 5 days over the last year, each 10 + 20 days: always 30 days to live.
    const steady = Array.from({ length: 73 }, (_, k) => finished(365 - 5 * k, 10, 20)).filter((j) => j.stages[0].enteredAt < NOW);
    const open = steady.map((j) => ({
      ...j,
      liveAt: j.liveAt! > NOW ? null : j.liveAt,
      stages: j.stages.filter((s) => s.enteredAt <= NOW).map((s) => ({ ...s, exitedAt: s.exitedAt && s.exitedAt <= NOW ? s.exitedAt : undefined })),
    }));
    const rows = forecastRows(open, NOW, 6).filter((r) => r.kind === 'forecast.backtest');
    const months = [...new Set(rows.map((r) => r.dims.month))].sort();
    expect(months).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']); // June's 30 days end at NOW
    for (const m of months) {
      const c = rows.filter((r) => r.dims.month === m).reduce((a, r) => ({ f: a.f + (r.counts.f30 ?? 0), a: a.a + (r.counts.a30 ?? 0) }), { f: 0, a: 0 });
      // With a perfectly regular history the forecast is exact.
      expect(c.f).toBeCloseTo(c.a, 6);
      expect(c.a).toBeGreaterThan(0);
    }
  });

  it('reconstructs where a journey stood on a past date', () => {
    const j: JourneyHistory = finished(100, 10, 20);
    expect(openStateAt(j, at(95))).toMatchObject({ stage: 'handoff', ahead: PATH });
    expect(openStateAt(j, at(85))).toMatchObject({ stage: 'implementation', ahead: ['implementation'] });
    expect(openStateAt(j, at(50))).toBeNull(); // live by then
    expect(openStateAt(j, at(150))).toBeNull(); // not closed yet
  });
});
