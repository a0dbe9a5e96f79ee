import { Claim } from '#models/claim';
import { trusted } from '#app/db.server';

const isDuplicate = (error: unknown) => (error as { code?: number }).code === 11000;

/**
 * Records that `key` happened, once: true for the single caller that got there first, false for
 * everyone else (concurrent or later). Use it to guard effects: a consumed token, a stage move,
 * a sent batch. `data` is stored for inspection.
 */
export async function claimOnce({ key, owner, now = new Date(), data }: { key: string; owner: string; now?: Date; data?: Record<string, unknown> }) {
  try {
    await Claim.create({ _id: key, owner, at: now, data });
    return true;
  } catch (error) {
    if (isDuplicate(error)) return false;
    throw error;
  }
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

export type Lease = { resource: string; gen: number; owner: string; expiresAt: Date };

/**
 * Takes the lease on `resource` for `ttlMs` unless another owner holds an unexpired one. Each take
 * inserts generation n+1; two takers of the same generation collide on the unique _id, so exactly
 * one wins. Returns null when the lease is held or lost to a concurrent taker.
 */
export async function acquireLease({ resource, owner, now, ttlMs }: { resource: string; owner: string; now: Date; ttlMs: number }): Promise<Lease | null> {
  const latest = await Claim.findOne({ resource }).sort({ gen: -1 }).select('gen owner expiresAt').lean();
  if (latest && latest.expiresAt && latest.expiresAt > now && latest.owner !== owner) return null;
  const gen = (latest?.gen ?? 0) + 1;
  const expiresAt = new Date(now.getTime() + ttlMs);
  try {
    await Claim.create({ _id: `${resource}#${gen}`, resource, gen, owner, at: now, expiresAt });
  } catch (error) {
    if (isDuplicate(error)) return null;
    throw error;
  }
  // Older generations are history; keep the table small.
  if (gen > 2) await Claim.deleteMany({ resource, gen: trusted({ $lt: gen - 1 }) });
  return { resource, gen, owner, expiresAt };
}

/**
 * True while `lease` is the newest generation and unexpired at `now`. A worker checks this right
 * before it marks work done: one whose lease expired and was taken over cannot complete.
 */
export async function holdsLease(lease: Lease, now: Date) {
  if (lease.expiresAt <= now) return false;
  const latest = await Claim.findOne({ resource: lease.resource }).sort({ gen: -1 }).select('gen owner').lean();
  return latest?.gen === lease.gen && latest.owner === lease.owner;
}

/** Gives a lease up early (work finished) so another owner can take the resource at once. */
export async function releaseLease(lease: Lease, now: Date) {
  await Claim.updateOne({ _id: `${lease.resource}#${lease.gen}`, owner: lease.owner }, { $set: { expiresAt: now } });
}
