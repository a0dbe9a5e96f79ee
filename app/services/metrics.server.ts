import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { Metric } from '#models/metric';
import { ReadIndex } from '#app/services/read-index.server';

// FerretDB 1.24 on SQLite applies updates as read-modify-write outside a transaction, so two
// concurrent $inc on one document can lose one (docs/decisions/0002-exactly-once-by-unique-inserts.md). Counters are therefore
// written (1) into a document per writing process (`w` = this process's slot) so processes never
// share a document, and (2) one at a time per key inside the process. Readers sum over slots.
const WRITER = crypto.randomBytes(4).toString('hex');
const queues = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

export type MetricDims = Record<string, string | number | undefined | null>;

/** Stable key for a (kind, dims) pair: dimensions sorted, empty ones dropped. */
export function metricKey(kind: string, dims: MetricDims) {
  const parts = Object.entries(dims)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [kind, ...parts].join('|');
}

function cleanDims(dims: MetricDims) {
  return Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, String(v)]));
}

/**
 * Adds to counters of one rollup document (upsert + $inc: a single atomic write, portable to
 * FerretDB). Counter names must not contain dots or start with `$`.
 */
export async function bumpMetric(kind: string, dims: MetricDims, inc: Record<string, number>) {
  const $inc = Object.fromEntries(Object.entries(inc).filter(([, n]) => n !== 0).map(([name, n]) => [`counts.${name}`, n]));
  if (Object.keys($inc).length === 0) return;
  const key = `${metricKey(kind, dims)}|w=${WRITER}`;
  const sink = bulkSink.getStore();
  if (sink) {
    const into = sink.get(key) ?? { kind, dims: cleanDims(dims), counts: {} as Record<string, number> };
    for (const [name, n] of Object.entries(inc)) if (n !== 0) into.counts[name] = (into.counts[name] ?? 0) + n;
    sink.set(key, into);
    return;
  }
  await serialized(key, () => upsertMetric(key, { $inc, $setOnInsert: { key, kind, dims: cleanDims(dims) } }));
}

/** Upsert by `_id` = key; a database from before keyed ids holds the key under an ObjectId: update that one. */
async function upsertMetric(key: string, update: Record<string, unknown>) {
  try {
    await Metric.updateOne({ _id: key }, update, { upsert: true });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
    await Metric.updateOne({ key }, { $inc: update.$inc as Record<string, number> });
  }
}

// withBulkMetrics: bumps made inside it are summed in memory and written at the end with bulk
// inserts. One upsert per row scans the whole collection on FerretDB/SQLite (only _id lookups use
// an index), so a rebuild of a 100,000-account data set would take many minutes that way.
const bulkSink = new AsyncLocalStorage<Map<string, { kind: string; dims: Record<string, string>; counts: Record<string, number> }>>();

/**
 * Runs `task` with every bumpMetric of its async context collected in memory, then inserts the
 * sums (chunks of 99). For rebuilds (the task clears its kinds first); a key that exists anyway
 * falls back to the usual upsert + $inc, so nothing is lost.
 */
export async function withBulkMetrics<T>(task: () => Promise<T>): Promise<T> {
  const sink = new Map<string, { kind: string; dims: Record<string, string>; counts: Record<string, number> }>();
  const result = await bulkSink.run(sink, task);
  const now = new Date();
  const rows = [...sink.entries()].map(([key, row]) => ({ _id: key, key, kind: row.kind, dims: row.dims, counts: Object.fromEntries(Object.entries(row.counts).map(([k, n]) => [k, Math.round(n * 1e6) / 1e6])), createdAt: now, updatedAt: now, __v: 0 }));
  for (let i = 0; i < rows.length; i += 99) {
    const chunk = rows.slice(i, i + 99);
    try {
      await Metric.insertMany(chunk, { ordered: false, lean: true });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index?: number; code?: number; err?: { index?: number; code?: number } }[] }).writeErrors;
      if (!writeErrors?.length || writeErrors.some((w) => (w.code ?? w.err?.code) !== 11000)) throw error;
      for (const w of writeErrors) {
        const row = chunk[w.index ?? w.err?.index ?? -1];
        if (row) await upsertMetric(row.key, { $inc: Object.fromEntries(Object.entries(row.counts).map(([k, n]) => [`counts.${k}`, n])), $setOnInsert: { key: row.key, kind: row.kind, dims: row.dims } });
      }
    }
  }
  return result;
}

/** Sums counters of rows with equal dimensions (one row per writer slot in storage). */
function mergeSlots(rows: { dims: Record<string, string>; counts: Record<string, number> }[]) {
  const merged = new Map<string, { dims: Record<string, string>; counts: Record<string, number> }>();
  for (const row of rows) {
    const k = metricKey('', row.dims);
    const into = merged.get(k) ?? { dims: row.dims, counts: {} };
    for (const [name, n] of Object.entries(row.counts)) into.counts[name] = (into.counts[name] ?? 0) + n;
    merged.set(k, into);
  }
  return [...merged.values()];
}

type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };
// The rollups in memory (see read-index.server.ts), grouped by kind; a kind's merged rows are
// recomputed only after one of its documents changed.
const byKind = new Map<string, Map<string, MetricRow>>();
const mergedByKind = new Map<string, ReturnType<typeof mergeSlots>>();
const addRow = (id: string, row: MetricRow) => {
  let rows = byKind.get(row.kind);
  if (!rows) byKind.set(row.kind, (rows = new Map()));
  rows.set(id, row);
  mergedByKind.delete(row.kind);
};
export const metricIndex = new ReadIndex<MetricRow>({
  feed: 'metrics',
  model: Metric,
  select: 'kind dims counts',
  toRow: (d) => ({ kind: String(d.kind), dims: (d.dims ?? {}) as Record<string, string>, counts: (d.counts ?? {}) as Record<string, number> }),
  onReset: (rows) => {
    byKind.clear();
    mergedByKind.clear();
    for (const [id, row] of rows) addRow(id, row);
  },
  onRow: (id, before, after) => {
    if (before) {
      byKind.get(before.kind)?.delete(id);
      mergedByKind.delete(before.kind);
    }
    if (after) addRow(id, after);
  },
});

/** Every rollup document of a kind, as plain objects (dashboards aggregate these in code). */
export async function readMetrics(kind: string) {
  if (await metricIndex.current()) {
    let merged = mergedByKind.get(kind);
    if (!merged) mergedByKind.set(kind, (merged = mergeSlots([...(byKind.get(kind)?.values() ?? [])])));
    return merged.map((r) => ({ dims: r.dims, counts: { ...r.counts } }));
  }
  const docs = await Metric.find({ kind }).select('dims counts').lean();
  return mergeSlots(docs.map((d) => ({ dims: (d.dims ?? {}) as Record<string, string>, counts: (d.counts ?? {}) as Record<string, number> })));
}

/** Removes a kind before a rebuild recomputes it from the source documents. */
export async function clearMetrics(kind: string) {
  await Metric.deleteMany({ kind });
}

/** Calendar quarter of a date in UTC, e.g. 2026Q1: the closed-won cohort. */
export function cohortOf(date: Date) {
  return `${date.getUTCFullYear()}Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}
