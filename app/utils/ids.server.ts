import crypto from 'node:crypto';
import { Types } from 'mongoose';

/**
 * An ObjectId derived from a key: the same key always gives the same id, so two writers creating
 * "the same" document (a deal's journey, a company's account) collide on _id and one insert wins,
 * on any engine, without a unique index on optional fields.
 */
export function objectIdFrom(key: string) {
  return new Types.ObjectId(crypto.createHash('sha256').update(key).digest('hex').slice(0, 24));
}

/** True for a 24-hex-digit id as routes receive it (anything else is no document's _id). */
export const isObjectId = (id: unknown): id is string => typeof id === 'string' && /^[a-f0-9]{24}$/i.test(id);

/** A stored reference as a string id, or null when unset. */
export const idOf = (v: unknown) => (v ? String(v) : null);
