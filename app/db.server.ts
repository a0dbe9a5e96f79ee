import mongoose from 'mongoose';
import { getEnv } from '#app/env.server';
import { indexesSettled, syncIndexes } from '#models/_indexes';
import { recordAttemptedInserts } from '#models/change';
import { log, logError } from '#app/utils/log.server';

// Security: user input must never become an operator. sanitizeFilter wraps any `$`-keyed object
// in $eq unless the code marks it with mongoose.trusted(); strictQuery rejects unknown paths.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

let connecting: Promise<typeof mongoose> | undefined;
let indexed = false;
let watchdog: ReturnType<typeof setInterval> | undefined;
const OPTIONS = { serverSelectionTimeoutMS: 5000, autoIndex: false };
const connected = () => mongoose.connection.readyState === 1;

/**
 * Connects once per process to MONGODB_URI (FerretDB locally, MongoDB in production), then makes
 * the models' indexes (all of them on MongoDB, the enforcing ones on FerretDB: models/_indexes.ts).
 */
export function connectDb(uri = getEnv().MONGODB_URI) {
  if (indexed && connected()) return Promise.resolve(mongoose);
  connecting ??= mongoose
    .connect(uri, OPTIONS)
    .then(async (opened) => {
      await syncIndexes({ onError: (error, where) => logError(error, { where: 'index', ...where }) });
      indexed = true;
      watchdog ??= setInterval(() => void reviveIfWedged(uri), WATCH_EVERY_MS).unref();
      return opened;
    })
    .catch((error) => {
      connecting = undefined;
      throw error;
    });
  return connecting;
}

export async function disconnectDb() {
  await indexesSettled();
  clearInterval(watchdog);
  watchdog = undefined;
  connecting = undefined;
  indexed = false;
  await mongoose.disconnect();
}

// The driver can lose a server for good: mongodb 7.8-7.9 start a heartbeat on a connection the
// server is closing at that instant, the write waits for a 'drain' that never comes, and the
// monitor never checks again, so every operation fails server selection although the database is
// back (seen in about one of five database restarts under load: test/e2e/faults.test.ts). The
// watchdog asks the database with a client of its own while ours is down; when that has answered
// for longer than the driver's own heartbeat (10 s) would take to notice, it opens the shared
// connection again (models stay bound to it; requests in flight meet a 503 and are retried).
const WATCH_EVERY_MS = 4_000;
const WEDGED_AFTER_MS = 12_000;
let answeredSince: number | undefined;
let reviving = false;

async function reviveIfWedged(uri: string) {
  if (connected()) answeredSince = undefined;
  if (connected() || reviving || !indexed) return;
  reviving = true;
  try {
    const now = Date.now();
    if (!(await answersAfresh(uri))) {
      answeredSince = undefined;
      return;
    }
    if (connected() || !watchdog) return;
    answeredSince ??= now;
    if (now - answeredSince < WEDGED_AFTER_MS) return;
    log('warn', 'The database has answered new connections for a while but not ours; reconnecting', { forMs: now - answeredSince });
    await mongoose.connection.close(); // not forced: mongoose refuses every later operation on a force-closed connection
    await mongoose.connect(uri, OPTIONS);
    answeredSince = undefined;
  } catch (error) {
    logError(error, { where: 'db-watchdog' });
  } finally {
    reviving = false;
  }
}

/** True when a client of its own answers a ping within two seconds (raced: the same bug could hold its write). */
async function answersAfresh(uri: string) {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3_000)));
  const ping = client
    .db('admin')
    .command({ ping: 1 })
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
    void client.close().catch(() => undefined);
  }
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

// Socket errors the driver can pass on unwrapped: a command written just as the database closes the
// connection (EPIPE, "This socket has been ended by the other party"), or a reset mid-read.
const DROPPED = new Set(['EPIPE', 'ECONNRESET']);

/** True when `error` (or its cause) says the database is unreachable: a 503 to retry, not a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message, code } = e as { name?: string; message?: string; code?: unknown };
    if (name && UNAVAILABLE.has(name)) return true;
    if (typeof code === 'string' && DROPPED.has(code)) return true;
    if (name === 'MongooseError' && /buffering timed out|Connection was force closed/.test(message ?? '')) return true;
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
