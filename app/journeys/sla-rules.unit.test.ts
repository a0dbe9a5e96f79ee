import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#app/journeys/journey-rules';
import { healthOf, PAUSED_UNTIL_RESUMED, pausedMs, slaDaysUsed, stageWindow, timeToLiveDays } from '#app/journeys/sla-rules';

const T0 = new Date('2026-03-01T00:00:00.000Z');
const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);
const KICKOFF = { key: 'kickoff', slaDays: 10, terminal: false };

describe('the stage SLA clock and buyer-confirmed delays', () => {
  it('without delays: at risk at 75 % of the SLA, stalled at the SLA', () => {
    expect(stageWindow(T0, KICKOFF)).toEqual({ atRiskAt: day(7.5), stalledAt: day(10) });
    expect(stageWindow(T0, { key: 'live', slaDays: null, terminal: true })).toEqual({ atRiskAt: null, stalledAt: null });
  });

  it('a delay only claimed by the vendor pauses nothing', () => {
    const claimed = [{ stage: 'kickoff', confirmedAt: null, endedAt: null }];
    expect(stageWindow(T0, KICKOFF, claimed)).toEqual({ atRiskAt: day(7.5), stalledAt: day(10) });
    expect(healthOf({ ...stageWindow(T0, KICKOFF, claimed), liveAt: null }, day(11))).toBe('stalled');
  });

  it('while a confirmed delay is open the stage never turns at risk or stalled', () => {
    const w = stageWindow(T0, KICKOFF, [{ stage: 'kickoff', confirmedAt: day(3), endedAt: null }]);
    expect(w).toEqual({ atRiskAt: PAUSED_UNTIL_RESUMED, stalledAt: PAUSED_UNTIL_RESUMED });
    expect(healthOf({ ...w, liveAt: null }, day(400))).toBe('on_track');
  });

  it('confirmed after the stage was at risk: stays at risk, never stalls while paused', () => {
    const w = stageWindow(T0, KICKOFF, [{ stage: 'kickoff', confirmedAt: day(8), endedAt: null }]);
    expect(w).toEqual({ atRiskAt: day(7.5), stalledAt: PAUSED_UNTIL_RESUMED });
    expect(healthOf({ ...w, liveAt: null }, day(30))).toBe('at_risk');
  });

  it('an ended delay moves both instants later by its confirmed span only', () => {
    // Marked on day 2, confirmed on day 3, ended on day 7: 4 days paused.
    const w = stageWindow(T0, KICKOFF, [{ stage: 'kickoff', confirmedAt: day(3), endedAt: day(7) }]);
    expect(w).toEqual({ atRiskAt: day(11.5), stalledAt: day(14) });
    expect(slaDaysUsed(T0, KICKOFF, [{ stage: 'kickoff', confirmedAt: day(3), endedAt: day(7) }], day(9))).toBe(5);
  });

  it('delays of another stage, or of an earlier visit of this stage, do not pause it', () => {
    const other = [
      { stage: 'onboarding', confirmedAt: day(1), endedAt: null },
      { stage: 'kickoff', confirmedAt: day(-20), endedAt: day(-15) },
    ];
    expect(stageWindow(T0, KICKOFF, other)).toEqual({ atRiskAt: day(7.5), stalledAt: day(10) });
  });

  it('time to live excluding delays subtracts only the confirmed spans inside closed-won → live', () => {
    const delays = [
      { stage: 'kickoff', confirmedAt: day(2), endedAt: day(5) },
      { stage: 'onboarding', confirmedAt: null, endedAt: day(20) },
      { stage: 'onboarding', confirmedAt: day(30), endedAt: day(40) },
    ];
    expect(timeToLiveDays({ closedWonAt: T0, liveAt: day(50), delays })).toEqual({ total: 50, excludingDelays: 37 });
    expect(timeToLiveDays({ closedWonAt: T0, liveAt: day(50), delays: [] })).toEqual({ total: 50, excludingDelays: 50 });
  });

  it('paused time never exceeds the span it is measured in, and overlapping spans count once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -10, max: 60 }), fc.integer({ min: 0, max: 30 })), { maxLength: 6 }), fc.integer({ min: 1, max: 60 }), (spans, end) => {
        const delays = spans.map(([a, len]) => ({ stage: 's', confirmedAt: day(a), endedAt: day(a + len) }));
        const ms = pausedMs(delays, T0, day(end));
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(end * DAY_MS);
        expect(pausedMs([...delays, ...delays], T0, day(end))).toBe(ms);
      }),
    );
  });
});
