// Claims: "this happened once" markers, one document per key in the `claims` collection.
//
// Promise: of any number of callers claiming one key, at once or later, in one process or many,
// exactly one gets `true`. On MongoDB the unique `_id` refuses every insert after the first
// (E11000); FerretDB 1.24 enforces `_id` uniqueness the same way, and an `_id` lookup is the one
// read it serves from an index, so claims are read and written by `_id` only (a group's members
// are read by `resource`, a scan on FerretDB: keep groups for small admin pages).
// docs/decisions/0002-exactly-once-by-unique-inserts.md; state that lives on a document is guarded
// by its update's filter instead (docs/decisions/0017-conditional-writes-are-atomic-on-both-engines.md).
import mongoose from 'mongoose';
import { Claim } from '#models/claim';
import { insertIgnoringDuplicates, insertOnce } from '#app/platform/inserts.server';

type ClaimInput = {
  key: string;
  owner: string;
  now?: Date;
  data?: Record<string, unknown>;
  /** A group of claims and the member's place in it, e.g. the members of one review round. */
  group?: { resource: string; gen: number };
};

/**
 * Records that `key` happened, once: true for the single caller that got there first, false for
 * everyone else (concurrent or later). Use it to guard effects: a consumed token, a stage move,
 * a sent batch. `data` is stored for inspection.
 */
export async function claimOnce({ key, owner, now = new Date(), data, group }: ClaimInput) {
  return insertOnce(Claim, { _id: key, owner, at: now, data, ...group });
}

/** Who claimed `key`, if anyone. */
export async function getClaim(key: string) {
  const c = await Claim.findById(key).select('owner at data').lean();
  return c ? { owner: c.owner, at: c.at, data: (c.data ?? {}) as Record<string, unknown> } : null;
}

/** Undoes a claim whose effect failed before it happened, so the work can be retried. */
export async function releaseClaim({ key, owner }: { key: string; owner: string }) {
  await Claim.deleteOne({ _id: key, owner });
}

/** Frees keys whoever holds them (an undone link frees both of its sides), one `_id` delete each. */
export async function releaseClaims(keys: string[]) {
  if (keys.length) await Claim.bulkWrite(keys.map((key) => ({ deleteOne: { filter: { _id: key } } })));
}

/** Records many claims at once (a seed writing what the app would have claimed); keys held already stay as they are. */
export async function recordClaims(claims: Array<{ key: string; owner: string; at: Date; data?: Record<string, unknown> }>) {
  await insertIgnoringDuplicates(
    Claim,
    claims.map(({ key, ...rest }) => ({ _id: key, ...rest })),
  );
}

/** The claims of one or more groups (`resource`): each member's place (`gen`) and data. */
export async function listGroupClaims(resources: string | string[]) {
  const filter = typeof resources === 'string' ? { resource: resources } : { resource: mongoose.trusted({ $in: resources }) };
  const claims = await Claim.find(filter).select('resource gen data').lean();
  return claims.map((c) => ({ resource: c.resource ?? '', gen: c.gen ?? null, data: (c.data ?? {}) as Record<string, unknown> }));
}

/** How many members of a group are claimed. */
export async function countGroupClaims(resource: string) {
  return Claim.countDocuments({ resource });
}

/**
 * The next number of a counter shared by every process (1, 2, 3, ...: round-robin turns): one
 * upsert + `$inc` by `_id`, atomic on both engines (docs/mongodb.md), so no two callers get the same.
 */
export async function nextTurn({ key, owner, now }: { key: string; owner: string; now: Date }) {
  const counter = await Claim.findOneAndUpdate({ _id: key }, { $inc: { gen: 1 }, $setOnInsert: { owner, at: now } }, { upsert: true, returnDocument: 'after' }).lean();
  if (typeof counter?.gen !== 'number') throw new Error(`the counter ${key} was not written`);
  return counter.gen;
}
