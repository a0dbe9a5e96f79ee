import { Claim } from '#models/claim';
import { isDuplicateKey } from '#app/platform/duplicate-key';

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
    if (isDuplicateKey(error)) return false;
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
