// Guarded revisions. Every write to an Advocate, Ask or Referral goes through revise(), an update
// conditioned on the revision read (`rev`); only its winner bumps the rollups, a loser rereads
// (docs/journey-and-advocacy-writes.md).
import { Types } from 'mongoose';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Referral } from '#models/referral';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = typeof Advocate | typeof Ask | typeof Referral | any;
type Update = { $set?: Record<string, unknown>; $push?: Record<string, unknown>; $inc?: Record<string, number> };

/**
 * One change to one document, exactly once (optimistic concurrency): reads it, asks `change(doc)`
 * for the update (null = refuse), and writes it only if `rev` is still the one read, bumping it.
 * A writer that lost to another rereads and tries again, so `change` always sees the state it
 * replaces, and the rollups move once per change.
 */
export async function revise<D extends { _id: unknown; rev?: number | null }>(input: {
  model: AnyModel;
  id: unknown;
  change: (doc: D) => Update | null;
  attempts?: number;
}): Promise<{ ok: true; before: D; update: Update } | { ok: false; reason: 'missing' | 'refused' | 'busy'; doc?: D }> {
  const { model, id, change, attempts = 12 } = input;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const doc = (await model.findById(id).lean()) as D | null;
    if (!doc) return { ok: false, reason: 'missing' };
    const update = change(doc);
    if (!update) return { ok: false, reason: 'refused', doc };
    // `rev: null` also matches a document written before `rev` existed.
    const written = await model.updateOne({ _id: doc._id, rev: doc.rev ?? null }, { ...update, $set: { ...(update.$set ?? {}), rev: (doc.rev ?? 0) + 1 } });
    if (written.matchedCount === 1) return { ok: true, before: doc, update };
    await sleep(Math.floor(Math.random() * 5 * (attempt + 1)));
  }
  return { ok: false, reason: 'busy' };
}

/** True when `update.$set` would change nothing on `doc` (no write, no revision). */
export function unchanged(doc: Record<string, unknown>, set: Record<string, unknown>) {
  const same = (a: unknown, b: unknown): boolean => {
    if (a instanceof Date || b instanceof Date) return (a ? new Date(a as Date).getTime() : null) === (b ? new Date(b as Date).getTime() : null);
    if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
    if (a instanceof Types.ObjectId || b instanceof Types.ObjectId) return String(a ?? '') === String(b ?? '');
    return (a ?? null) === (b ?? null);
  };
  return Object.entries(set).every(([k, v]) => same(doc[k], v));
}
