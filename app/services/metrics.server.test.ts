import { describe, expect, it } from 'vitest';
import { bumpMetric, cohortOf, metricKey, readMetrics } from './metrics.server';

describe('metrics read model', () => {
  it('keys are independent of dimension order and ignore empty dimensions', () => {
    expect(metricKey('x', { b: 1, a: 'z', c: undefined })).toBe(metricKey('x', { a: 'z', b: 1 }));
  });

  it('bumps counters atomically, concurrently, into one document per key', async () => {
    await Promise.all(Array.from({ length: 20 }, () => bumpMetric('test.kind', { wave: 6, cohort: '2026Q1' }, { answered: 1, delivered: 0.5 })));
    const rows = await readMetrics('test.kind');
    expect(rows).toHaveLength(1);
    expect(rows[0].counts).toEqual({ answered: 20, delivered: 10 });
    expect(rows[0].dims).toEqual({ wave: '6', cohort: '2026Q1' });
  });

  it('cohorts are UTC calendar quarters', () => {
    expect(cohortOf(new Date('2026-03-31T23:59:59Z'))).toBe('2026Q1');
    expect(cohortOf(new Date('2026-04-01T00:00:00Z'))).toBe('2026Q2');
  });
});

describe('metrics under concurrency on the embedded database', () => {
  it('loses no increment when many requests bump the same counters at once', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => bumpMetric('test.race', { rep: i % 2 ? 'a' : 'b' }, { n: 1 })));
    const rows = await readMetrics('test.race');
    expect(rows.map((r) => [r.dims.rep, r.counts.n]).sort()).toEqual([['a', 50], ['b', 50]]);
  });
});
