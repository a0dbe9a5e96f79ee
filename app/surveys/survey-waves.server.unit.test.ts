import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WAVES, planWaves, waveDueAt } from '#app/surveys/survey-waves.server';

const d = (iso: string) => new Date(iso);

describe('wave dates', () => {
  it('clamps to the end of shorter months, leap years included', () => {
    expect(waveDueAt(d('2025-08-31T15:00:00Z'), 6).toISOString()).toBe('2026-02-28T15:00:00.000Z');
    expect(waveDueAt(d('2027-08-31T00:00:00Z'), 6).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(waveDueAt(d('2026-05-31T00:00:00Z'), 9).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(waveDueAt(d('2026-01-15T09:30:00Z'), 12).toISOString()).toBe('2027-01-15T09:30:00.000Z');
  });

  it('for any close date: right month, day clamped, time of day kept, waves in order', () => {
    fc.assert(
      fc.property(fc.date({ min: d('2000-01-01T00:00:00Z'), max: d('2100-12-31T23:59:59Z'), noInvalidDate: true }), (closed) => {
        let previous = closed.getTime();
        for (const wave of WAVES) {
          const due = waveDueAt(closed, wave);
          const months = (due.getUTCFullYear() - closed.getUTCFullYear()) * 12 + due.getUTCMonth() - closed.getUTCMonth();
          expect(months).toBe(wave);
          const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, 0)).getUTCDate();
          expect(due.getUTCDate()).toBe(Math.min(closed.getUTCDate(), lastDay));
          expect(due.getTime() % 86_400_000).toBe(closed.getTime() % 86_400_000);
          expect(due.getTime()).toBeGreaterThan(previous);
          previous = due.getTime();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an old close date gets only the waves still ahead; passed waves are skipped', () => {
    const plan = planWaves(d('2026-01-10T00:00:00Z'), d('2026-09-01T00:00:00Z'));
    expect(plan.map((p) => [p.wave, p.state])).toEqual([
      [6, 'skipped'],
      [9, 'scheduled'],
      [12, 'scheduled'],
    ]);
  });
});
