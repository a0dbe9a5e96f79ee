import mongoose from 'mongoose';
import { getEnv } from '#app/env.server';
import { syncIndexes } from '#models/_indexes';
import { recordAttemptedInserts } from '#models/change';
import { logError } from '#app/utils/log.server';

// Security: user input must never become an operator. sanitizeFilter wraps any `$`-keyed object
// in $eq unless the code marks it with mongoose.trusted(); strictQuery rejects unknown paths.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

let connecting: Promise<typeof mongoose> | undefined;
let indexed = false;

/**
 * Connects once per process to MONGODB_URI (FerretDB locally, MongoDB in production), then makes
 * the models' indexes (all of them on MongoDB, the enforcing ones on FerretDB: models/_indexes.ts).
 */
export function connectDb(uri = getEnv().MONGODB_URI) {
  if (indexed && mongoose.connection.readyState === 1) return Promise.resolve(mongoose);
  connecting ??= mongoose
    .connect(uri, { serverSelectionTimeoutMS: 5000, autoIndex: false })
    .then(async (connected) => {
      await syncIndexes({ onError: (error, where) => logError(error, { where: 'index', ...where }) });
      indexed = true;
      return connected;
    })
    .catch((error) => {
      connecting = undefined;
      throw error;
    });
  return connecting;
}

export async function disconnectDb() {
  connecting = undefined;
  indexed = false;
  await mongoose.disconnect();
}

// Driver errors that mean "the database did not answer", as opposed to a refused or bad query.
const UNAVAILABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True when `error` (or its cause) says the database is unreachable: a 503 to retry, not a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message } = e as { name?: string; message?: string };
    if (name && UNAVAILABLE.has(name)) return true;
    if (name === 'MongooseError' && /buffering timed out/.test(message ?? '')) return true;
  }
  return false;
}

/** Marks a filter fragment that the code (never the user) built with operators. */
export const trusted = <T>(filter: T): T => mongoose.trusted(filter) as T;

type WriteError = { index?: number; code?: number; err?: { index?: number; code?: number } };
/** insertMany that ignores duplicates (already there) and returns the positions actually inserted. */
export async function insertIgnoringDuplicates(model: { insertMany: (docs: unknown[], options: Record<string, unknown>) => Promise<unknown> }, docs: unknown[]) {
  if (docs.length === 0) return new Set<number>();
  const inserted = new Set(docs.map((_, i) => i));
  try {
    // lean: no hydration, validation or defaults (several times faster for big batches): callers
    // build complete documents (ObjectIds, timestamps) from input they validated.
    await model.insertMany(docs, { ordered: false, lean: true });
  } catch (error) {
    // Part of the batch is stored even when it throws: tell the read indexes about every attempted id.
    await recordAttemptedInserts(model as never, docs);
    const writeErrors = ((error as { writeErrors?: WriteError[] }).writeErrors ?? []) as WriteError[];
    if (writeErrors.length === 0) throw error;
    for (const w of writeErrors) {
      const code = w.code ?? w.err?.code;
      if (code !== 11000) throw error;
      inserted.delete(w.index ?? w.err?.index ?? -1);
    }
  }
  return inserted;
}
