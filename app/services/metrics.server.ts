import crypto from 'node:crypto';
import { Metric } from '#models/metric';

// FerretDB 1.24 on SQLite applies updates as read-modify-write outside a transaction, so two
// concurrent $inc on one document can lose one (README, decision 2). Counters are therefore
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
  await serialized(key, () => Metric.updateOne({ key }, { $inc, $setOnInsert: { kind, dims: cleanDims(dims) } }, { upsert: true }));
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

/** Every rollup document of a kind, as plain objects (dashboards aggregate these in code). */
export async function readMetrics(kind: string) {
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
