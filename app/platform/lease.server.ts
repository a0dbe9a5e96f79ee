import crypto from 'node:crypto';
import os from 'node:os';
import type { Model } from 'mongoose';
import { recordBatchWrite } from '#app/platform/change-feed.server';
import { trusted } from '#app/platform/db.server';

// Leases let any number of workers share one queue without transactions (docs/leases.md).
//
// Promise: of any number of workers, one at a time holds a document, and a worker whose lease ran
// out can no longer write it (fencing), on MongoDB and FerretDB alike, with conditional writes only.
//
// A leased document carries `leaseOwner` (who holds it), `leaseExpiresAt` (until when) and
// `leaseGen`, a fencing generation that every claim increments. A claim is one conditional write
// that matches only a free or expired lease, so of concurrent claimers exactly one wins (MongoDB;
// Kept's FerretDB build too, docs/ferretdb-patches.md 0002). Every later step matches
// `{ _id, leaseOwner, leaseGen }` as claimed: a worker whose lease ran out and was claimed by
// another (even by its own process again) holds an older generation and can no longer write.
//
// A model used with these helpers needs: leaseOwner: String, leaseExpiresAt: Date,
// leaseGen: { type: Number, default: 0 }.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any>;
type Filter = Record<string, unknown>;
/** An update document: what a lease step writes together with the lease fields. */
export type LeaseUpdate = {
  $set?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $addToSet?: Record<string, unknown>;
  $min?: Record<string, unknown>;
  $max?: Record<string, unknown>;
};
/** What a claim returns and every later step takes: the document as claimed. */
export type Lease = { _id: unknown; leaseOwner: string; leaseGen: number; leaseExpiresAt: Date };
type Unclaimed = { _id: unknown; leaseGen?: number | null };

/** A random owner token for one worker process, e.g. `worker:host:1234:9f2c...`. */
export function createLeaseOwner(prefix = 'worker') {
  return `${prefix}:${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
}

/** Matches documents nobody holds: never leased, released, or whose lease has expired. */
function leaseIsFree(now: Date): Filter {
  return { $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: trusted({ $lte: now }) }] };
}

/** `filter` and a free lease, flat when it can be (FerretDB finds a top-level `_id` by its index; one inside `$and` is a scan). */
const andFree = (filter: Filter, now: Date) => ('$or' in filter ? { $and: [filter, leaseIsFree(now)] } : { ...filter, ...leaseIsFree(now) });
const heldBy = (lease: Pick<Lease, '_id' | 'leaseOwner' | 'leaseGen'>) => ({ _id: lease._id, leaseOwner: lease.leaseOwner, leaseGen: lease.leaseGen });
const live = (now: Date) => ({ leaseExpiresAt: trusted({ $gt: now }) });
const taking = (owner: string, leaseExpiresAt: Date, update: LeaseUpdate = {}) => ({
  ...update,
  $set: { ...update.$set, leaseOwner: owner, leaseExpiresAt },
  $inc: { ...update.$inc, leaseGen: 1 },
});
const ending = (update: LeaseUpdate = {}) => ({ ...update, $set: { ...update.$set, leaseOwner: null, leaseExpiresAt: null } });

/**
 * Claims the first document (by `sort`) matching `filter` whose lease is free or expired, with one
 * findOneAndUpdate. Returns it (lean, after the update) or null when there is nothing to claim.
 * Operator values inside `filter` must be wrapped in `trusted()` (sanitizeFilter is on).
 */
export async function claim<T = Record<string, unknown>>(input: {
  model: AnyModel;
  filter: Filter;
  now: Date;
  owner: string;
  leaseMs: number;
  sort?: Record<string, 1 | -1>;
  /** Applied together with the lease, e.g. { $set: { state: 'sending' } }. */
  update?: LeaseUpdate;
}): Promise<(T & Lease) | null> {
  const { model, filter, now, owner, leaseMs, sort = { _id: 1 }, update } = input;
  const doc = await model.findOneAndUpdate(andFree(filter, now), taking(owner, new Date(now.getTime() + leaseMs), update), { sort, returnDocument: 'after' }).lean();
  return doc as (T & Lease) | null;
}

/**
 * Claims documents as just read (a worker's page of candidates) with one bulkWrite: each only if
 * its lease is free and it is unchanged since the read (same `leaseGen`), so the copies returned
 * are the documents as they now stand. Those another worker claimed or wrote meanwhile are left
 * out (read back by `_id` only when some were). `owner` must be this claimer's own (two concurrent
 * claims under one owner could not tell their documents apart).
 */
export async function claimMany<T extends Unclaimed>(input: {
  model: AnyModel;
  docs: T[];
  now: Date;
  owner: string;
  leaseMs: number;
  /**
   * What makes a document worth claiming (the query the docs were read with), checked again in
   * each claim. A completion does not move the generation, so without it a copy read before another
   * worker claimed and finished the document could claim it again and redo finished work.
   */
  filter?: Filter;
}): Promise<Array<T & Lease>> {
  const { model, docs, now, owner, leaseMs, filter = {} } = input;
  if (docs.length === 0) return [];
  const leaseExpiresAt = new Date(now.getTime() + leaseMs);
  const { matchedCount } = await model.bulkWrite(
    docs.map((d) => ({ updateOne: { filter: andFree({ ...filter, _id: d._id, leaseGen: d.leaseGen ?? null }, now), update: taking(owner, leaseExpiresAt) } })),
    { ordered: false },
  );
  await recordBatchWrite(
    model,
    docs.map((d) => d._id),
  );
  const claimed = (d: T) => ({ ...d, leaseOwner: owner, leaseExpiresAt, leaseGen: (d.leaseGen ?? 0) + 1 });
  if (matchedCount === docs.length) return docs.map(claimed);
  const after = await Promise.all(docs.map((d) => model.findById(d._id).select('leaseOwner leaseGen').lean() as Promise<Partial<Lease> | null>));
  return docs.flatMap((d, i) => (after[i]?.leaseOwner === owner && after[i]?.leaseGen === (d.leaseGen ?? 0) + 1 ? [claimed(d)] : []));
}

/**
 * Marks leased work done: applies `update` and clears the lease, only while `lease` (as claimed)
 * is still held and unexpired. Returns false when the lease was lost (expired or taken over).
 */
export async function complete(input: { model: AnyModel; lease: Lease; now: Date; update?: LeaseUpdate }): Promise<boolean> {
  const { model, lease, now, update } = input;
  const { matchedCount } = await model.updateOne({ ...heldBy(lease), ...live(now) }, ending(update));
  return matchedCount === 1;
}

/**
 * complete for many leases with one bulkWrite; per lease in order, whether it was written. When
 * some were not, the documents are read back: one still at the generation held and held by nobody
 * was completed here (any later claim or write moves the generation on, so a write by someone
 * else in the few ms between the two reads the completion as lost: false, never a wrong true).
 */
export async function completeMany(input: { model: AnyModel; items: Array<{ lease: Lease; update?: LeaseUpdate }>; now: Date }): Promise<boolean[]> {
  const { model, items, now } = input;
  if (items.length === 0) return [];
  const { matchedCount } = await model.bulkWrite(
    items.map(({ lease, update }) => ({ updateOne: { filter: { ...heldBy(lease), ...live(now) }, update: ending(update) } })),
    { ordered: false },
  );
  await recordBatchWrite(
    model,
    items.map(({ lease }) => lease._id),
  );
  if (matchedCount === items.length) return items.map(() => true);
  const after = await Promise.all(items.map(({ lease }) => model.findById(lease._id).select('leaseOwner leaseGen').lean() as Promise<Partial<Lease> | null>));
  return items.map(({ lease }, i) => after[i]?.leaseGen === lease.leaseGen && after[i]?.leaseOwner == null);
}

/** Extends a live lease (long tasks); false when the lease was already lost. */
export async function renew(input: { model: AnyModel; lease: Lease; now: Date; leaseMs: number }): Promise<boolean> {
  const { model, lease, now, leaseMs } = input;
  const { matchedCount } = await model.updateOne({ ...heldBy(lease), ...live(now) }, { $set: { leaseExpiresAt: new Date(now.getTime() + leaseMs) } });
  return matchedCount === 1;
}

/**
 * Gives work back unfinished (shutdown, pause) so another worker can claim it at once; `update`
 * can restore the document's state. False when someone took the (expired) lease over meanwhile.
 */
export async function release(input: { model: AnyModel; lease: Lease; update?: LeaseUpdate }): Promise<boolean> {
  const { model, lease, update } = input;
  const { matchedCount } = await model.updateOne(heldBy(lease), ending(update));
  return matchedCount === 1;
}

/**
 * The filter and update of a one-step write that claims nothing (a CS action, a webhook): it
 * applies only while nobody holds the document, and moves its generation on, so a holder or a
 * writer that read it before can no longer write over it. Put `leaseGen: <as read>` in `filter`
 * to write only if the document is unchanged since it was read.
 */
export function writeUnheld({ filter, update, now }: { filter: Filter; update: LeaseUpdate; now: Date }) {
  return { filter: andFree(filter, now), update: { ...update, $inc: { ...update.$inc, leaseGen: 1 } } };
}

/**
 * Runs `attempt` (read a document, decide, write it only if it is unchanged since the read) until
 * it returns an answer; `null` means it lost the race to another writer, and it is tried again
 * after a growing pause (25 ms doubling, at most 400 ms), until `waitMs` has passed: then `null`
 * (busy). A conditional write is atomic on both engines (docs/decisions/0017-conditional-writes-are-atomic-on-both-engines.md).
 */
export async function retryLostRaces<T>(attempt: () => Promise<T | null>, { waitMs }: { waitMs: number }): Promise<T | null> {
  const deadline = Date.now() + waitMs;
  for (let n = 0; ; n++) {
    const answer = await attempt();
    if (answer !== null) return answer;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, Math.min(400, 25 * 2 ** n)));
  }
}
