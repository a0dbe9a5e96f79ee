import crypto from 'node:crypto';
import os from 'node:os';
import type { Model } from 'mongoose';
import { trusted } from '#app/db.server';
import { LeaseToken } from '#models/lease-token';

// Leases let any number of workers share one queue without transactions.
//
// Portability: FerretDB 1.24 executes findOneAndUpdate/updateOne as "query, then write the whole
// document by _id", so a filter such as { leaseExpiresAt: { $lte: now } } is NOT a compare-and-set
// there (two concurrent claimers both got the same document in our tests). The only atomic
// primitive on every backend is an insert guarded by a unique key. So each document carries a
// generation counter (`leaseGen`), and every lease step (claim, renew, complete, release) first
// inserts the LeaseToken `<collection>:<id>:<leaseGen + 1>`; only the worker whose insert wins may
// write that step into the document. A worker that lost its lease therefore cannot mark work done.
//
// A model used with these helpers needs: leaseOwner: String, leaseExpiresAt: Date,
// leaseGen: { type: Number, default: 0 }.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any>;
type Filter = Record<string, unknown>;
/** An update document limited to the portable operators. */
export type LeaseUpdate = {
  $set?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $addToSet?: Record<string, unknown>;
  $min?: Record<string, unknown>;
  $max?: Record<string, unknown>;
};
type LeaseFields = { _id: unknown; leaseGen?: number | null; leaseOwner?: string | null; leaseExpiresAt?: Date | null };

const MAX_CLAIM_CANDIDATES = 8;
const MAX_GENERATION_SKIPS = 4;
// A complete/release token is written a few ms before the document; if its writer dies in
// between, the document becomes claimable again after this long.
const STEP_GRACE_MS = 60_000;

/** A random owner token for one worker process, e.g. `worker:host:1234:9f2c...`. */
export function createLeaseOwner(prefix = 'worker') {
  return `${prefix}:${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
}

/** Matches documents nobody holds: never leased, released, or whose lease has expired. */
export function leaseIsFree(now: Date): Filter {
  return { $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: trusted({ $lte: now }) }] };
}

const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;

const tokenId = (model: AnyModel, id: unknown, gen: number) => `${model.collection.collectionName}:${String(id)}:${gen}`;

/**
 * Inserts the token for the generation after `fromGen`; returns the generation won, or null when
 * another worker holds it. `skipStale` lets a claimer step over a generation whose winner never
 * finished (its token expired), so a crash cannot block a document forever.
 */
async function takeGeneration(input: {
  model: AnyModel;
  id: unknown;
  fromGen: number;
  owner: string;
  kind: 'claim' | 'renew' | 'complete' | 'release';
  now: Date;
  expiresAt: Date;
  skipStale: boolean;
}): Promise<number | null> {
  const { model, id, fromGen, owner, kind, now, expiresAt, skipStale } = input;
  for (let gen = fromGen + 1; gen <= fromGen + 1 + MAX_GENERATION_SKIPS; gen++) {
    const _id = tokenId(model, id, gen);
    try {
      await LeaseToken.create({ _id, owner, kind, at: now, expiresAt });
      return gen;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      if (!skipStale) return null;
      const existing = await LeaseToken.findById(_id).select('expiresAt').lean();
      if (existing && existing.expiresAt > now) return null;
    }
  }
  return null;
}

/**
 * Claims one document matching `filter` whose lease is free or expired. Returns the claimed
 * document (lean, after the update) or null when there is nothing to claim.
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
}): Promise<(T & LeaseFields) | null> {
  const { model, filter, now, owner, leaseMs, sort, update = {} } = input;
  const leaseExpiresAt = new Date(now.getTime() + leaseMs);
  const lost: unknown[] = [];
  for (let i = 0; i < MAX_CLAIM_CANDIDATES; i++) {
    const conditions: Filter[] = [filter, leaseIsFree(now)];
    if (lost.length) conditions.push({ _id: trusted({ $nin: lost }) });
    const candidate = (await model
      .findOne({ $and: conditions })
      .sort(sort ?? { _id: 1 })
      .select('_id leaseGen')
      .lean()) as LeaseFields | null;
    if (!candidate) return null;
    const fromGen = candidate.leaseGen ?? 0;
    const gen = await takeGeneration({
      model, id: candidate._id, fromGen, owner, kind: 'claim', now, expiresAt: leaseExpiresAt, skipStale: true,
    });
    if (gen !== null) {
      // We own generation `gen`; the write re-checks the filter and the generation we saw.
      const doc = await model
        .findOneAndUpdate(
          { $and: [filter, { _id: candidate._id, leaseGen: candidate.leaseGen ?? null }] },
          { ...update, $set: { ...update.$set, leaseGen: gen, leaseOwner: owner, leaseExpiresAt } },
          { returnDocument: 'after' },
        )
        .lean();
      if (doc) return doc as T & LeaseFields;
    }
    lost.push(candidate._id);
  }
  return null;
}

/** Reads the lease as stored and takes the next generation if `owner` still holds it. */
async function stepAsOwner(input: {
  model: AnyModel;
  id: unknown;
  owner: string;
  now: Date;
  kind: 'renew' | 'complete' | 'release';
  requireLive: boolean;
  expiresAt: Date;
}) {
  const { model, id, owner, now, kind, requireLive, expiresAt } = input;
  const doc = (await model.findById(id).select('leaseGen leaseOwner leaseExpiresAt').lean()) as LeaseFields | null;
  if (!doc || doc.leaseOwner !== owner) return null;
  if (requireLive && (!doc.leaseExpiresAt || doc.leaseExpiresAt <= now)) return null;
  const fromGen = doc.leaseGen ?? 0;
  const gen = await takeGeneration({ model, id, fromGen, owner, kind, now, expiresAt, skipStale: false });
  return gen === null ? null : { fromGen, gen };
}

/**
 * Marks leased work done: applies `update` and clears the lease, only if `owner` still holds an
 * unexpired lease. Returns false when the lease was lost (expired or taken by another worker).
 */
export async function complete(input: {
  model: AnyModel;
  id: unknown;
  owner: string;
  now: Date;
  update?: LeaseUpdate;
}): Promise<boolean> {
  const { model, id, owner, now, update = {} } = input;
  const step = await stepAsOwner({
    model, id, owner, now, kind: 'complete', requireLive: true, expiresAt: new Date(now.getTime() + STEP_GRACE_MS),
  });
  if (!step) return false;
  const result = await model.updateOne(
    { _id: id, leaseGen: step.fromGen },
    { ...update, $set: { ...update.$set, leaseGen: step.gen, leaseOwner: null, leaseExpiresAt: null } },
  );
  return result.matchedCount === 1;
}

/** Extends a live lease (long tasks); false when the lease was already lost. */
export async function renew(input: {
  model: AnyModel;
  id: unknown;
  owner: string;
  now: Date;
  leaseMs: number;
}): Promise<boolean> {
  const { model, id, owner, now, leaseMs } = input;
  const leaseExpiresAt = new Date(now.getTime() + leaseMs);
  const step = await stepAsOwner({ model, id, owner, now, kind: 'renew', requireLive: true, expiresAt: leaseExpiresAt });
  if (!step) return false;
  const result = await model.updateOne(
    { _id: id, leaseGen: step.fromGen },
    { $set: { leaseGen: step.gen, leaseExpiresAt } },
  );
  return result.matchedCount === 1;
}

/**
 * Gives work back unfinished (shutdown, pause) so another worker can claim it at once.
 * Only the current owner can release, unless someone took the (expired) lease over meanwhile;
 * `update` can restore the document's state.
 */
export async function release(input: {
  model: AnyModel;
  id: unknown;
  owner: string;
  now: Date;
  update?: LeaseUpdate;
}): Promise<boolean> {
  const { model, id, owner, now, update = {} } = input;
  const step = await stepAsOwner({
    model, id, owner, now, kind: 'release', requireLive: false, expiresAt: new Date(now.getTime() + STEP_GRACE_MS),
  });
  if (!step) return false;
  const result = await model.updateOne(
    { _id: id, leaseGen: step.fromGen },
    { ...update, $set: { ...update.$set, leaseGen: step.gen, leaseOwner: null, leaseExpiresAt: null } },
  );
  return result.matchedCount === 1;
}

/** Deletes lease tokens older than `before` (a worker task runs this; a day of history is plenty). */
export async function pruneLeaseTokens({ before }: { before: Date }) {
  const result = await LeaseToken.deleteMany({ at: trusted({ $lt: before }) });
  return result.deletedCount;
}
