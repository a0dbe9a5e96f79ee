// Inserts that may meet their own earlier attempt, or a concurrent one, and say what they stored.
//
// Promise: a document whose key a unique index already holds is not stored again and is not an
// error: `insertOnce` says whether this call stored it, `insertIgnoringDuplicates` which positions
// of a batch it stored (the rest of the batch is written). Both engines refuse a duplicate with
// E11000 and write the other documents of an unordered batch (docs/mongodb.md#what-the-app-relies-on-from-the-engine).
import { recordAttemptedInserts } from '#app/platform/change-feed.server';
import { duplicateKeyIndexes, isDuplicateKey } from '#app/platform/duplicate-key';

/**
 * insertMany that ignores duplicates (already there) and returns the positions actually inserted.
 * `lean` (the default): no hydration, validation or defaults (several times faster for big
 * batches): callers build complete documents (ObjectIds, timestamps) from input they validated.
 */
export async function insertIgnoringDuplicates(
  model: { insertMany: (docs: unknown[], options: Record<string, unknown>) => Promise<unknown> },
  docs: unknown[],
  { lean = true }: { lean?: boolean } = {},
) {
  if (docs.length === 0) return new Set<number>();
  const inserted = new Set(docs.map((_, i) => i));
  try {
    await model.insertMany(docs, { ordered: false, lean });
  } catch (error) {
    // Part of the batch is stored even when it throws: tell the read indexes about every attempted id.
    await recordAttemptedInserts(model as never, docs);
    const refused = duplicateKeyIndexes(error);
    if (!refused) throw error;
    for (const index of refused) inserted.delete(index);
  }
  return inserted;
}

/**
 * Inserts `doc` unless a unique index already holds its key: true when this call stored it, false
 * when it was there already (an earlier attempt, a concurrent caller). Hooks and validation run as
 * for `create`.
 */
export async function insertOnce<M extends { create: (doc: never) => Promise<unknown> }>(model: M, doc: Parameters<M['create']>[0]) {
  try {
    await model.create(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
