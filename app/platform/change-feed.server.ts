// The change feed: which documents of a tracked collection changed, in order, for every process.
//
// Promise: every write to a tracked collection (models that add the `changeFeed` plugin) appends
// an entry naming the changed ids, with a dense sequence per feed; a reader that asks for the
// entries after the last one it applied gets each change once and in order, or one "reload
// everything" entry when it fell behind a prune or the database was reset. (An entry lost to a
// crash between a write and its record is repaired by the readers' periodic reload.)
// On MongoDB and FerretDB alike it uses no change streams (FerretDB 1.24 has none): appending is a
// unique insert of `<feed>:<seq>` and reading is an `_id` lookup per entry, the one read FerretDB
// 1.24 serves from an index (docs/architecture.md#read-indexes-and-the-change-feed,
// docs/decisions/0005-list-pages-read-in-memory-indexes.md).
import mongoose, { type Query, type Schema } from 'mongoose';
import { Change } from '#models/change';
import { logError } from '#app/utils/log.server';
import { isDuplicateKey } from '#app/platform/duplicate-key';

const SEQ_DIGITS = 12;
const entryId = (feed: string, seq: number) => `${feed}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
const headId = (feed: string) => `head:${feed}`;
const HEAD = '_head';
const lastSeq = new Map<string, number>();
const localWrites = new Map<string, number>();

/** How many changes this process has recorded in a feed: a reader polls at once after its own process wrote (read-your-writes). */
export const localWriteCount = (feed: string) => localWrites.get(feed) ?? 0;

async function exists(feed: string, seq: number) {
  return seq <= 0 || Boolean(await Change.exists({ _id: entryId(feed, seq) }));
}

/** The newest seq of a feed: from the stored hint, then forward by `_id` lookups (gallop + bisect). */
export async function feedHead(feed: string) {
  const hint = await Change.findById(headId(feed)).select('seq').lean();
  let low = Math.max(hint?.seq ?? 0, lastSeq.get(feed) ?? 0);
  if (!(await exists(feed, low))) low = hint?.seq ?? 0; // our own memory may be from a dropped database (tests)
  let step = 1;
  while (await exists(feed, low + step)) {
    low += step;
    step *= 2;
  }
  let high = low + step; // missing
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(feed, mid)) low = mid;
    else high = mid;
  }
  return low;
}

// A process appends to a feed one entry at a time: concurrent appends all race for the same seq
// and retry (100 at once from one process took 13-22 s on the embedded database; in turn, 0.5-1.2 s).
const appending = new Map<string, Promise<void>>();

/** Appends a change (ids, or null for "reload everything") to a feed. Never throws: a lost entry is repaired by the periodic reload. */
export function recordChange(feed: string, ids: string[] | null, now = new Date()) {
  const next = (appending.get(feed) ?? Promise.resolve()).then(() => append(feed, ids, now));
  appending.set(feed, next);
  void next.then(() => appending.get(feed) === next && appending.delete(feed));
  return next;
}

async function append(feed: string, ids: string[] | null, now: Date) {
  try {
    let seq = (lastSeq.get(feed) ?? (await feedHead(feed))) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await Change.create({ _id: entryId(feed, seq), feed, seq, ids, at: now });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another process appended first: move on (after a few misses, look the head up).
        seq = attempt < 3 ? seq + 1 : (await feedHead(feed)) + 1;
      }
    }
    lastSeq.set(feed, seq);
    localWrites.set(feed, (localWrites.get(feed) ?? 0) + 1);
    // The hint only ever names a stored entry; a lost $max under concurrency leaves it lower, which the readers walk past.
    await Change.updateOne({ _id: headId(feed) }, { $max: { seq }, $set: { at: now }, $setOnInsert: { feed: HEAD } }, { upsert: true }).catch((error) => {
      if (!isDuplicateKey(error)) throw error;
    });
  } catch (error) {
    logError(error, { where: 'recordChange', feed });
  }
}

/** Entries after `seq`, in order; a pruned gap (the head is ahead but the next entry is gone) reads as one "reload" entry. */
export async function readChanges(feed: string, after: number, limit = 500) {
  // The last entry we applied is gone: pruned while we were idle, or the database was reset. Reload.
  if (after > 0 && !(await exists(feed, after))) return [{ seq: 0, ids: null }];
  const out: { seq: number; ids: string[] | null }[] = [];
  let seq = after;
  while (out.length < limit) {
    const next = await Change.findById(entryId(feed, seq + 1))
      .select('seq ids')
      .lean();
    if (!next) break;
    out.push({ seq: next.seq, ids: next.ids ?? null });
    seq = next.seq;
  }
  if (out.length === 0) {
    const head = await Change.findById(headId(feed)).select('seq').lean();
    // Ahead but the next entry is gone: pruned. Behind us: the database was reset. Either way, reload.
    if ((head && head.seq !== after) || (!head && after > 0)) return [{ seq: head ? await feedHead(feed) : 0, ids: null }];
  }
  return out;
}

/** Drops feed entries older than `before` (the worker runs it); readers that fall behind reload. */
export async function pruneChanges({ before }: { before: Date }) {
  const { deletedCount } = await Change.deleteMany({ at: mongoose.trusted({ $lt: before }), feed: mongoose.trusted({ $ne: HEAD }) });
  return { deleted: deletedCount };
}

// ---------------------------------------------------------------------------------------------
// Writers: a mongoose plugin records every write to a tracked collection.

type Filter = Record<string, unknown>;
const idsOfFilter = (filter: Filter): string[] | null => {
  const id = filter?._id as unknown;
  if (id === undefined || id === null) return null;
  if (typeof id === 'object' && !('_bsontype' in (id as object))) {
    const $in = (id as { $in?: unknown[]; $eq?: unknown }).$in ?? ((id as { $eq?: unknown }).$eq !== undefined ? [(id as { $eq?: unknown }).$eq] : null);
    return Array.isArray($in) ? $in.map(String) : null;
  }
  return [String(id)];
};

/** Tracks writes to a collection in feed `feed` (add to the schema before the model is compiled). */
export function changeFeed(feed: string) {
  return (schema: Schema) => {
    schema.set('changeFeed' as never, feed as never);
    schema.post('save', async function (doc: { _id: unknown }) {
      await recordChange(feed, [String(doc._id)]);
    });
    schema.post('insertMany', async function (docs: unknown) {
      await recordChange(
        feed,
        (docs as { _id: unknown }[]).map((d) => String(d._id)),
      );
    });
    for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndDelete', 'findOneAndReplace'] as const) {
      schema.post(op, async function (this: Query<unknown, unknown>) {
        await recordChange(feed, idsOfFilter(this.getFilter()));
      });
    }
  };
}

/**
 * For writes the plugin cannot see: `bulkWrite` (mongoose's hook does not tell which documents) and
 * insertMany calls that fail part-way (duplicates ignored). Records the ids a tracked model's batch
 * touched, after the batch; does nothing for an untracked model.
 */
export async function recordBatchWrite(model: { schema?: Schema }, ids: unknown[]) {
  const feed = model.schema?.get('changeFeed' as never) as string | undefined;
  if (feed && ids.length)
    await recordChange(
      feed,
      ids.map((id) => String(id)),
    );
}

/** insertMany that failed part-way: every attempted document's id (see recordBatchWrite). */
export const recordAttemptedInserts = (model: { schema?: Schema }, docs: unknown[]) =>
  recordBatchWrite(
    model,
    docs.map((d) => (d as { _id: unknown })._id),
  );
