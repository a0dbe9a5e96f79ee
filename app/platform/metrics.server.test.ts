import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { Metric } from '#models/metric';
import { bumpMetric, bumpMetricRows, cohortOf, foldLegacyMetrics, metricKey, readMetrics, withBulkMetrics } from '#app/platform/metrics.server';

const all = <T>(count: number, run: (i: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, i) => run(i)));

describe('metrics read model', () => {
  it('keys are independent of dimension order and ignore empty dimensions', () => {
    expect(metricKey('x', { b: 1, a: 'z', c: undefined })).toBe(metricKey('x', { a: 'z', b: 1 }));
  });

  it('bumps counters atomically, concurrently, into one document per key, stored under the key', async () => {
    await all(20, () => bumpMetric('test.kind', { wave: 6, cohort: '2026Q1' }, { answered: 1, delivered: 0.5 }));
    const rows = await readMetrics('test.kind');
    expect(rows).toHaveLength(1);
    expect(rows[0].counts).toEqual({ answered: 20, delivered: 10 });
    expect(rows[0].dims).toEqual({ wave: '6', cohort: '2026Q1' });
    const stored = await Metric.find({ kind: 'test.kind' }).select('_id counts').lean();
    expect(stored).toEqual([{ _id: metricKey('test.kind', { wave: 6, cohort: '2026Q1' }), counts: { answered: 20, delivered: 10 } }]);
  });

  it('cohorts are UTC calendar quarters', () => {
    expect(cohortOf(new Date('2026-03-31T23:59:59Z'))).toBe('2026Q1');
    expect(cohortOf(new Date('2026-04-01T00:00:00Z'))).toBe('2026Q2');
  });
});

describe('metrics under concurrency', () => {
  it('loses no increment when many requests bump the same counters at once', async () => {
    await all(100, (i) => bumpMetric('test.race', { rep: i % 2 ? 'a' : 'b' }, { n: 1 }));
    const rows = await readMetrics('test.race');
    expect(rows.map((r) => [r.dims.rep, r.counts.n]).sort()).toEqual([
      ['a', 50],
      ['b', 50],
    ]);
  });

  it('50 concurrent bumps of one new key from two connections (two processes) count 50 in one document', async () => {
    const other = await mongoose.createConnection(process.env.MONGODB_URI!).asPromise();
    try {
      const OtherMetric = other.model('Metric', Metric.schema);
      const key = metricKey('test.two', { rep: 'x' });
      // The other process's bumpMetric: the same upsert + $inc by key.
      const otherBump = () => OtherMetric.updateOne({ _id: key }, { $inc: { 'counts.n': 1 }, $setOnInsert: { key, kind: 'test.two', dims: { rep: 'x' } } }, { upsert: true });
      await all(50, (i) => (i % 2 ? bumpMetric('test.two', { rep: 'x' }, { n: 1 }) : otherBump()));
      expect(await Metric.find({ kind: 'test.two' }).select('_id counts').lean()).toEqual([{ _id: key, counts: { n: 50 } }]);
      expect((await readMetrics('test.two'))[0].counts.n).toBe(50);
    } finally {
      await other.close();
    }
  });
});

describe('bulk writes', () => {
  it('a named batch counts once, however often it is redone, even at the same time; other batches add to it', async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'test.batch', dims: { rep: `r${i % 3}` }, counts: { n: 1, arr: 1000.5 } }));
    await all(4, () => bumpMetricRows(rows(9), { once: 'import-1-row-1' }));
    await bumpMetricRows(rows(9), { once: 'import-1-row-1' });
    await bumpMetricRows(rows(3), { once: 'import-1-row-10' });
    await bumpMetricRows(rows(3));
    const byRep = Object.fromEntries((await readMetrics('test.batch')).map((r) => [r.dims.rep, r.counts]));
    expect(byRep).toEqual({ r0: { n: 5, arr: 5002.5 }, r1: { n: 5, arr: 5002.5 }, r2: { n: 5, arr: 5002.5 } });
  });

  it('withBulkMetrics writes the bumps made inside it at the end, added to what is stored', async () => {
    await bumpMetric('test.bulk', { stage: 'a' }, { n: 2 });
    const many = 1_200; // more than one bulkWrite command
    const result = await withBulkMetrics(async () => {
      for (let i = 0; i < many; i++) await bumpMetric('test.bulk', { stage: i % 2 ? 'a' : `s${i}` }, { n: 1 });
      // Nothing is written before the task ends.
      expect((await readMetrics('test.bulk')).map((r) => r.counts.n)).toEqual([2]);
      return 'done';
    });
    expect(result).toBe('done');
    const rows = await readMetrics('test.bulk');
    expect(rows).toHaveLength(1 + many / 2);
    expect(rows.find((r) => r.dims.stage === 'a')!.counts.n).toBe(2 + many / 2);
    expect(await Metric.countDocuments({ kind: 'test.bulk' })).toBe(1 + many / 2);
  });
});

describe('rollup documents of older versions', () => {
  it('per-process slots and ObjectId documents fold into one document per key, counted once by concurrent folds', async () => {
    const key = metricKey('test.old', { rep: 'a' });
    const now = new Date();
    const old = (id: unknown, storedKey: string, counts: Record<string, number>) => ({
      _id: id,
      key: storedKey,
      kind: 'test.old',
      dims: { rep: 'a' },
      counts,
      createdAt: now,
      updatedAt: now,
    });
    await Metric.collection.insertMany([
      old(`${key}|w=1a2b3c4d`, `${key}|w=1a2b3c4d`, { n: 3, days: 1.25 }),
      old(`${key}|w=batch-0a1b2c3d4e5f`, `${key}|w=batch-0a1b2c3d4e5f`, { n: 4 }),
      old(new mongoose.Types.ObjectId(), key, { n: 5, days: 2 }),
      { ...old(`${metricKey('test.old', { rep: 'b' })}|w=99999999`, `${metricKey('test.old', { rep: 'b' })}|w=99999999`, { n: 1 }), dims: { rep: 'b' } },
    ] as never[]);
    const folds = await Promise.all([foldLegacyMetrics(), foldLegacyMetrics()]);
    expect(folds.map((f) => f.folded)).toEqual([4, 4]);
    // A bump after the fold adds to the folded document.
    await bumpMetric('test.old', { rep: 'a' }, { n: 1 });
    expect(await Metric.find({ kind: 'test.old' }).select('_id counts').sort({ _id: 1 }).lean()).toEqual([
      { _id: key, counts: { n: 13, days: 3.25 } },
      { _id: metricKey('test.old', { rep: 'b' }), counts: { n: 1 } },
    ]);
    expect(await foldLegacyMetrics()).toEqual({ folded: 0 });
    // A fold that stopped between adding an old document and deleting it adds it no second time.
    await Metric.collection.insertOne(old(`${key}|w=1a2b3c4d`, `${key}|w=1a2b3c4d`, { n: 3, days: 1.25 }) as never);
    expect(await foldLegacyMetrics()).toEqual({ folded: 1 });
    expect((await Metric.findById(key).select('counts').lean())!.counts).toEqual({ n: 13, days: 3.25 });
  });
});
