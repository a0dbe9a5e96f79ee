// Reading a unique-index refusal from the driver's answers. Its own module, importing nothing:
// claims, the change feed and db.server.ts all use it, and db.server.ts imports those (no cycle).
//
// Promise: a write refused by a unique index is recognised as such, whether it was one write
// (`create`, an upsert: the error's `code` is 11000) or a batch (`insertMany`, `bulkWrite`: the
// error lists `writeErrors`, each with its position and code, and the rest of the batch is stored).
// Both engines answer in these shapes: FerretDB returns MongoDB's E11000 code for its unique
// indexes (docs/mongodb.md, docs/decisions/0002-exactly-once-by-unique-inserts.md).

type WriteError = { index?: number; code?: number; err?: { index?: number; code?: number } };
const DUPLICATE_KEY = 11000;
const writeErrorsOf = (error: unknown): WriteError[] => {
  const listed = (error as { writeErrors?: unknown } | null)?.writeErrors;
  return Array.isArray(listed) ? (listed as WriteError[]) : [];
};
const refusedAsDuplicate = (w: WriteError) => (w.code ?? w.err?.code) === DUPLICATE_KEY;

/**
 * Whether a write was refused by a unique index (E11000): how an insert learns it was not first.
 * For a batch: true when every refused document was refused as a duplicate.
 */
export function isDuplicateKey(error: unknown): boolean {
  const writeErrors = writeErrorsOf(error);
  if (writeErrors.length > 0) return writeErrors.every(refusedAsDuplicate);
  return (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/**
 * The positions of a batch (`insertMany` / `bulkWrite` with `ordered: false`) that a unique index
 * refused, when that is all that went wrong; undefined when the error is anything else (rethrow it).
 * The other documents of the batch were written.
 */
export function duplicateKeyIndexes(error: unknown): number[] | undefined {
  const writeErrors = writeErrorsOf(error);
  if (writeErrors.length === 0 || !writeErrors.every(refusedAsDuplicate)) return undefined;
  return writeErrors.map((w) => w.index ?? w.err?.index ?? -1);
}
