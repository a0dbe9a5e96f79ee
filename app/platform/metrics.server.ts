import { AsyncLocalStorage } from 'node:async_hooks';
import mongoose from 'mongoose';
import { recordChange } from '#app/platform/change-feed.server';
import { Metric } from '#models/metric';
import { claimOnce, getClaim } from '#app/platform/claims.server';
import { ReadIndex } from '#app/platform/read-index.server';
import { duplicateKeyIndexes } from '#app/platform/duplicate-key';

// Rollup storage for the dashboards: one document per (kind, dims), `_id` = the key.
//
// Promise: every bump counts exactly once, whatever the concurrency and however many processes:
// counters are added with upsert + `$inc` by `_id`, one atomic write on MongoDB and on Kept's
// FerretDB build (docs/ferretdb-patches.md, 0002); a batch contribution named `once` counts once
// even when redone after a crash. Readers get every rollup of a kind from memory (a read index
// over the `metrics` change feed) or, while it loads, from the database: on FerretDB a query by
// `kind` scans the collection, so memory is the normal path (docs/metrics.md).

export type MetricDims = Record<string, string | number | undefined | null>;
type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };

/** Stable key for a (kind, dims) pair: dimensions sorted, empty ones dropped. */
export function metricKey(kind: string, dims: MetricDims) {
  const parts = Object.entries(dims)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [kind, ...parts].join('|');
}

function cleanDims(dims: MetricDims) {
  return Object.fromEntries(
    Object.entries(dims)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [k, String(v)]),
  );
}

const incOf = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([name, n]) => [`counts.${name}`, n]));

/** Adds `row` into `totals` by key (float sums rounded: the same figures whatever the order). */
function addInto(totals: Map<string, MetricRow>, kind: string, dims: MetricDims, counts: Record<string, number>) {
  const key = metricKey(kind, dims);
  const into = totals.get(key) ?? { kind, dims: cleanDims(dims), counts: {} };
  for (const [name, n] of Object.entries(counts)) if (n !== 0) into.counts[name] = Math.round(((into.counts[name] ?? 0) + n) * 1e6) / 1e6;
  totals.set(key, into);
}

/** Adds to the counters of one rollup document. Counter names must not contain dots or start with `$`. */
export async function bumpMetric(kind: string, dims: MetricDims, inc: Record<string, number>) {
  const sink = bulkSink.getStore();
  if (sink) return void addInto(sink, kind, dims, inc);
  const $inc = incOf(Object.fromEntries(Object.entries(inc).filter(([, n]) => n !== 0)));
  if (Object.keys($inc).length === 0) return;
  const key = metricKey(kind, dims);
  await Metric.updateOne({ _id: key }, { $inc, $setOnInsert: { key, kind, dims: cleanDims(dims) } }, { upsert: true });
}

type Contribution = { key: string; row: MetricRow; once?: string };

/**
 * Writes contributions, 500 per command: new keys inserted, the others upsert + $inc by `_id` in a
 * bulkWrite. One with `once` is added only if its document does not list that name in `applied`
 * yet, and lists it after: a batch redone after a crash, or two processes folding the same
 * document, count it once.
 */
async function writeContributions(all: Contribution[]) {
  const op = ({ key, row, once }: Contribution) => {
    const update: Record<string, unknown> = { $setOnInsert: { key, kind: row.kind, dims: row.dims } };
    if (Object.keys(row.counts).length) update.$inc = incOf(row.counts);
    if (once) update.$push = { applied: once };
    return { updateOne: { filter: once ? { _id: key, applied: mongoose.trusted({ $ne: once }) } : { _id: key }, update, upsert: true } };
  };
  for (let i = 0; i < all.length; i += 500) {
    let chunk = all.slice(i, i + 500);
    // Keys are mostly new in the batch paths (a rebuild writes right after clearing its kinds):
    // inserting them is cheaper than upserting; those that exist get the upsert below.
    const plain = chunk.filter((c) => !c.once);
    if (plain.length) {
      const now = new Date();
      try {
        await Metric.insertMany(
          plain.map(({ key, row }) => ({ _id: key, key, ...row, createdAt: now, updatedAt: now })),
          { ordered: false, lean: true },
        );
        chunk = chunk.filter((c) => c.once);
      } catch (error) {
        const refused = duplicateKeyIndexes(error);
        if (!refused) throw error;
        chunk = [...chunk.filter((c) => c.once), ...refused.map((i) => plain[i])];
      }
    }
    // A `once` upsert that met a document listing its name fails as a duplicate key; so does one
    // that lost a race to create the document (MongoDB): tried again, only the first kind fails.
    for (let attempt = 1; chunk.length > 0; attempt++) {
      try {
        await Metric.bulkWrite(chunk.map(op), { ordered: false });
        chunk = [];
      } catch (error) {
        const refused = duplicateKeyIndexes(error);
        if (!refused || refused.some((i) => !chunk[i]?.once)) throw error;
        chunk = attempt === 1 ? refused.map((i) => chunk[i]) : [];
      }
    }
    // bulkWrite has no per-document hooks: tell the read indexes which rollups changed.
    await recordChange('metrics', [...new Set(all.slice(i, i + 500).map((c) => c.key))]);
  }
}

/**
 * Adds many rows at once, summed per key first (batch paths: import, seed, rebuild; inside
 * withBulkMetrics, to its sums). `once` names the batch: a key that counted it already is left
 * alone (the name stays in the document's `applied` list until a rebuild clears its kind).
 */
export async function bumpMetricRows(rows: Iterable<MetricRow>, { once }: { once?: string } = {}) {
  const sink = once ? undefined : bulkSink.getStore();
  const totals = sink ?? new Map<string, MetricRow>();
  for (const row of rows) addInto(totals, row.kind, row.dims, row.counts);
  if (sink) return;
  await writeContributions([...totals].filter(([, row]) => Object.keys(row.counts).length > 0).map(([key, row]) => ({ key, row, once })));
}

// Bumps made inside withBulkMetrics are summed in memory and written once at the end.
const bulkSink = new AsyncLocalStorage<Map<string, MetricRow>>();

/** Runs `task` with every bumpMetric of its async context summed in memory, then writes the sums in bulk (rebuilds, the scale seed). */
export async function withBulkMetrics<T>(task: () => Promise<T>): Promise<T> {
  const sink = new Map<string, MetricRow>();
  const result = await bulkSink.run(sink, task);
  await writeContributions([...sink].filter(([, row]) => Object.keys(row.counts).length > 0).map(([key, row]) => ({ key, row })));
  return result;
}

/**
 * Folds the rollup documents of older versions into the one document per key: per writing process
 * or import batch (`<key>|w=<slot>`), or under an ObjectId. Each is added once (`once` = its id),
 * then deleted; a fold redone after a crash or run by two processes at once counts it once.
 * connectDb runs it; on a database without such documents it is one read of the collection.
 */
const FOLDED = 'migration:metrics-one-document-per-key';

/**
 * foldLegacyMetrics once per database, for process start: after the first fold a claim records it,
 * so later starts cost one `_id` lookup instead of reading every rollup document. (Slot rows an
 * older process writes after that are removed by the nightly rebuild, which recomputes every kind:
 * stop the old processes before starting new ones.)
 */
export async function foldLegacyMetricsOnce() {
  if (await getClaim(FOLDED)) return { folded: 0 };
  const result = await foldLegacyMetrics();
  await claimOnce({ key: FOLDED, owner: 'migration', data: result });
  return result;
}

export async function foldLegacyMetrics() {
  const docs = await Metric.find({}).select('key kind dims counts').lean();
  const legacy = docs.filter((d) => typeof d._id !== 'string' || d._id !== d.key || d.key.includes('|w='));
  if (legacy.length === 0) return { folded: 0 };
  // An ObjectId document holds the bare key, which the folded document needs (`key` is unique).
  for (const d of legacy) if (typeof d._id !== 'string') await Metric.updateOne({ _id: d._id }, { $set: { key: `${d.key}|w=${String(d._id)}` } });
  const rows = legacy.map((d) => ({ kind: String(d.kind), dims: (d.dims ?? {}) as Record<string, string>, counts: (d.counts ?? {}) as Record<string, number> }));
  await writeContributions(rows.map((row, i) => ({ key: metricKey(row.kind, row.dims), row, once: `fold:${String(legacy[i]._id)}` })));
  // A deleteOne by _id each: a deleteMany by `_id: $in` scans the collection per command on FerretDB
  // (14,582 old documents: 162 s; the whole fold takes 50 s this way).
  for (let i = 0; i < legacy.length; i += 500) await Metric.bulkWrite(legacy.slice(i, i + 500).map((d) => ({ deleteOne: { filter: { _id: d._id } } })));
  await recordChange('metrics', null);
  return { folded: legacy.length };
}

// The rollups in memory (see read-index.server.ts), grouped by kind.
const byKind = new Map<string, Map<string, MetricRow>>();
const addRow = (id: string, row: MetricRow) => {
  let rows = byKind.get(row.kind);
  if (!rows) byKind.set(row.kind, (rows = new Map()));
  rows.set(id, row);
};
export const metricIndex = new ReadIndex<MetricRow>({
  feed: 'metrics',
  model: Metric,
  select: 'kind dims counts',
  toRow: (d) => ({ kind: String(d.kind), dims: (d.dims ?? {}) as Record<string, string>, counts: (d.counts ?? {}) as Record<string, number> }),
  onReset: (rows) => {
    byKind.clear();
    for (const [id, row] of rows) addRow(id, row);
  },
  onRow: (id, before, after) => {
    if (before) byKind.get(before.kind)?.delete(id);
    if (after) addRow(id, after);
  },
});

/** Every rollup document of a kind, as plain objects (dashboards aggregate these in code). */
export async function readMetrics(kind: string) {
  const plain = (rows: Iterable<{ dims?: unknown; counts?: unknown }>) =>
    [...rows].map((r) => ({ dims: (r.dims ?? {}) as Record<string, string>, counts: { ...(r.counts ?? {}) } as Record<string, number> }));
  return metricIndex.answer({
    fromMemory: () => plain(byKind.get(kind)?.values() ?? []),
    fromDatabase: async () => plain(await Metric.find({ kind }).select('dims counts').lean()),
  });
}

/** Whether any rollup document of a kind exists (one read, not the read index: e.g. "is there a forecast snapshot yet"). */
export async function hasMetrics(kind: string) {
  return (await Metric.exists({ kind })) !== null;
}

/** Removes a kind before a rebuild recomputes it from the source documents. */
export async function clearMetrics(kind: string) {
  await Metric.deleteMany({ kind });
}

/** Calendar quarter of a date in UTC, e.g. 2026Q1: the closed-won cohort. */
export function cohortOf(date: Date) {
  return `${date.getUTCFullYear()}Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}
