import type { Model } from 'mongoose';
import { getEnv } from '#app/env.server';
import { log, logError } from '#app/utils/log.server';
import { feedHead, localWriteCount, readChanges } from '#app/platform/change-feed.server';

// In-memory read indexes for the list pages (CS board, account search, advocacy candidates).
//
// Promise: a list page answers exactly as its database query would (tests compare both), and a
// write shows in every process within about 250 ms (at once in the process that wrote it).
//
// Why: FerretDB 1.24 on SQLite serves only `_id` equality lookups from an index; every other
// filter, sort or count scans the whole collection (seconds at 100,000 journeys). So each web
// process keeps the few fields a list page filters and sorts on in memory, and keeps them fresh
// from a change feed that is read by `_id` lookups only: every write to a tracked collection
// appends `<feed>:<seq>` (a unique insert, atomic on both engines) naming the changed ids; a
// process polls for the next seq and re-reads just those documents by `_id`. On MongoDB the
// indexed queries serve the same pages: READ_INDEX=off turns the indexes off (see docs/scale.md, "Read indexes").
//
// A caller reads through `index.answer({ fromMemory, fromDatabase })`: both paths give the same
// answer, the index picks one (memory when loaded and fresh, else the database), the caller never
// branches on which.

// ---------------------------------------------------------------------------------------------
// Readers

export type ReadIndexOptions<Row> = {
  feed: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: Model<any>;
  /** The fields toRow reads. */
  select: string;
  /** A row for a document, or null to leave it out of the index. */
  toRow: (doc: Record<string, unknown>) => Row | null;
  /** Derived structures kept up to date row by row (after a full load, onReset rebuilds them). */
  onRow?: (id: string, before: Row | undefined, after: Row | undefined) => void;
  onReset?: (rows: Map<string, Row>) => void;
  /** How often a read looks for new changes. */
  pollMs?: number;
  /** A full reload this often, whatever the feed says (repairs a change lost to a crash between write and record). */
  reloadMs?: number;
};

const registry: ReadIndex<unknown>[] = [];

/** Loads every index, one after the other (the web server calls it at start, not the first visitor). */
export async function warmReadIndexes() {
  if (!enabled()) return;
  for (const index of registry) await index.warm();
}

/** How many indexes have loaded (READ_INDEX=off: all of them, trivially). */
export function readIndexStatus() {
  return { ready: enabled() ? registry.filter((i) => i.ready).length : registry.length, total: registry.length };
}

export class ReadIndex<Row> {
  readonly rows = new Map<string, Row>();
  /** Bumps on every applied change: derived views (sorted lists) are cached per version. */
  version = 0;
  private seq = 0;
  private state: 'empty' | 'loading' | 'ready' = 'empty';
  private loadedAt = 0;
  private polledAt = 0;
  private seenLocalWrites = 0;
  private reloadRequested = false;
  private polling: Promise<void> | undefined;
  private loading: Promise<void> | undefined;

  constructor(readonly options: ReadIndexOptions<Row>) {
    registry.push(this as ReadIndex<unknown>);
  }

  get ready() {
    return this.state === 'ready';
  }

  /** Starts loading in the background (serve.ts warms every index at start). */
  warm() {
    if (this.state === 'empty') void this.load();
    return this.loading ?? Promise.resolve();
  }

  /**
   * One answer, from the rows in memory when the index is loaded (fresh to within pollMs), else
   * from the database (while it loads, or READ_INDEX=off). Both functions must give the same answer.
   */
  async answer<T>({ fromMemory, fromDatabase }: { fromMemory: (rows: Map<string, Row>) => T | Promise<T>; fromDatabase: () => Promise<T> }): Promise<T> {
    const rows = await this.current();
    return rows ? fromMemory(rows) : fromDatabase();
  }

  /** The rows, fresh to within pollMs, or null while the index is still loading (callers then query the database). */
  private async current(): Promise<Map<string, Row> | null> {
    if (!enabled()) return null;
    if (this.state === 'empty') this.warm();
    if (this.state !== 'ready') return null;
    const now = Date.now();
    if (now - this.loadedAt > (this.options.reloadMs ?? 30 * 60_000)) void this.load();
    const local = localWriteCount(this.options.feed);
    if (!this.polling && (local !== this.seenLocalWrites || now - this.polledAt >= (this.options.pollMs ?? 250))) {
      this.seenLocalWrites = local;
      this.polling = this.poll().finally(() => (this.polling = undefined));
    }
    // Everyone waits for a poll in flight: it may be applying this process's own last write.
    if (this.polling) await this.polling;
    return this.state === 'ready' ? this.rows : null;
  }

  /** Forgets everything (tests that drop the database). */
  reset() {
    this.rows.clear();
    this.state = 'empty';
    this.seq = 0;
    this.version++;
  }

  private async load() {
    if (this.loading) return this.loading;
    const started = Date.now();
    this.loading = (async () => {
      if (this.state === 'empty') this.state = 'loading';
      this.reloadRequested = false;
      const localBefore = localWriteCount(this.options.feed);
      const { feed, model, select, toRow } = this.options;
      // The head before the scan: anything written during the scan is re-read from the feed after it.
      const head = await feedHead(feed);
      const rows = new Map<string, Row>();
      for await (const doc of model.find({}).select(select).lean().cursor({ batchSize: 1000 })) {
        const row = toRow(doc as Record<string, unknown>);
        if (row) rows.set(String((doc as { _id: unknown })._id), row);
      }
      this.rows.clear();
      for (const [id, row] of rows) this.rows.set(id, row);
      this.options.onReset?.(this.rows);
      this.seq = head;
      this.loadedAt = Date.now();
      this.seenLocalWrites = localBefore;
      this.version++;
      // Catch up with what was written during the scan before anyone reads the rows.
      await this.catchUp();
      if (this.reloadRequested) return;
      this.state = 'ready';
      log('info', 'Read index loaded', { feed, rows: this.rows.size, ms: Date.now() - started });
    })()
      .catch((error) => {
        if (this.state === 'loading') this.state = 'empty';
        logError(error, { where: 'ReadIndex.load', feed: this.options.feed });
      })
      .finally(() => {
        this.loading = undefined;
        if (this.reloadRequested) void this.load();
      });
    return this.loading;
  }

  /**
   * One round: the entries after ours (at most 100), applied. Never loops until the feed is quiet:
   * under a steady stream of writes that would keep every waiting reader waiting. A full round
   * leaves the next read to poll again at once.
   */
  private async poll() {
    this.polledAt = Date.now();
    const { feed, model, select, toRow } = this.options;
    const changes = await readChanges(feed, this.seq, 100);
    if (changes.length === 0) return;
    if (changes.some((c) => c.ids === null)) {
      // Something changed that the feed cannot name (a bulk write, a pruned gap, a reset
      // database): reload; until then, readers query the database.
      this.state = 'loading';
      this.reloadRequested = true;
      if (!this.loading) void this.load();
      return;
    }
    const ids = [...new Set(changes.flatMap((c) => c.ids ?? []))];
    for (let i = 0; i < ids.length; i += 50) {
      const docs = await Promise.all(ids.slice(i, i + 50).map((id) => model.findById(id).select(select).lean()));
      docs.forEach((doc, j) => {
        const id = ids[i + j];
        const before = this.rows.get(id);
        const row = doc ? toRow(doc as Record<string, unknown>) : null;
        if (row) this.rows.set(id, row);
        else this.rows.delete(id);
        this.options.onRow?.(id, before, row ?? undefined);
      });
    }
    this.seq = changes[changes.length - 1].seq;
    this.version++;
    if (changes.length === 100) this.polledAt = 0;
  }

  /** Catches up to the feed's head as it is now (bounded, unlike "until quiet"). */
  private async catchUp() {
    const target = await feedHead(this.options.feed);
    while (this.seq < target && !this.reloadRequested) {
      const before = this.seq;
      await this.poll();
      if (this.seq === before) break;
    }
  }
}

/** READ_INDEX=off makes every list page query the database (MongoDB with its indexes). */
export function enabled() {
  return getEnv().READ_INDEX !== 'off';
}

/** A value derived from an index's rows, recomputed only when the index changed. */
export function derived<Row, T>(index: ReadIndex<Row>, compute: (rows: Map<string, Row>) => T) {
  let cached: { version: number; value: T } | undefined;
  return (rows: Map<string, Row>) => {
    if (!cached || cached.version !== index.version) cached = { version: index.version, value: compute(rows) };
    return cached.value;
  };
}

/**
 * Ids of child documents by parent (contacts of an account, audit events of a journey), newest
 * first, kept in memory so a detail page reads its children by `_id` instead of scanning.
 */
export function childIndex<Doc, V = undefined>(options: {
  feed: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: Model<any>;
  select: string;
  /** The parent's id, or null to leave the document out. */
  parentOf: (doc: Doc) => string | null;
  /** Larger first. */
  orderOf: (doc: Doc) => number;
  /** A small value kept per child (e.g. a contact's email status), read with `valuesOf`. */
  keep?: (doc: Doc) => V;
}) {
  type Child = { parent: string; order: number; value?: V };
  const byParent = new Map<string, Map<string, number>>();
  const add = (id: string, row: Child) => {
    let set = byParent.get(row.parent);
    if (!set) byParent.set(row.parent, (set = new Map()));
    set.set(id, row.order);
  };
  const index = new ReadIndex<Child>({
    feed: options.feed,
    model: options.model,
    select: options.select,
    toRow: (doc) => {
      const parent = options.parentOf(doc as Doc);
      return parent === null ? null : { parent, order: options.orderOf(doc as Doc), value: options.keep?.(doc as Doc) };
    },
    onReset: (rows) => {
      byParent.clear();
      for (const [id, row] of rows) add(id, row);
    },
    onRow: (id, before, after) => {
      if (before) byParent.get(before.parent)?.delete(id);
      if (after) add(id, after);
    },
  });
  const newest = (parent: string, limit = Infinity) =>
    [...(byParent.get(parent)?.entries() ?? [])]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
      .slice(0, limit)
      .map(([id]) => id);
  type Children = {
    /** The newest `limit` child ids of `parent`. */
    idsOf: (parent: string, limit?: number) => string[];
    /** The kept value of each of `ids` that exists. */
    valuesOf: (ids: string[]) => Map<string, V>;
  };
  return {
    index,
    /** One answer, from the children in memory when the index is loaded, else from the database (see ReadIndex.answer). */
    answer<T>({ fromMemory, fromDatabase }: { fromMemory: (children: Children) => T | Promise<T>; fromDatabase: () => Promise<T> }) {
      return index.answer({
        fromMemory: (rows) => fromMemory({ idsOf: newest, valuesOf: (ids) => new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id)!.value as V] as const] : []))) }),
        fromDatabase,
      });
    },
  };
}

/** Answers computed from an index, kept while the index's version stays the same (a few hundred at most). */
export class VersionedCache<T> {
  private version = -1;
  private entries = new Map<string, T>();
  get(version: number, key: string) {
    return version === this.version ? this.entries.get(key) : undefined;
  }
  set(version: number, key: string, value: T) {
    if (version !== this.version || this.entries.size >= 500) {
      this.entries.clear();
      this.version = version;
    }
    this.entries.set(key, value);
  }
  /** The answer kept for `key` at `version` while `fresh` accepts it, else `compute()`'s, kept: the one cache-then-compute path. */
  keep(version: number, key: string, compute: () => T, fresh: (kept: T) => boolean = () => true): T {
    const kept = this.get(version, key);
    if (kept !== undefined && fresh(kept)) return kept;
    const value = compute();
    this.set(version, key, value);
    return value;
  }
}
