// The connection to the database, and what its failures mean for a request.
//
// Promise: one connection per process with the models' indexes made; a database that stops
// answering turns into a fast 503 (`unlessDatabaseFrozen`, `isDatabaseUnavailable`) instead of a
// hanging request, and a driver that lost the server for good is reopened by a watchdog; user
// input never becomes a query operator (sanitizeFilter, `trusted`).
// On FerretDB: only the indexes that enforce something are made (app/platform/indexes.server.ts), since it
// reads only `_id` from an index; everything else is the same code on both engines
// (docs/mongodb.md, docs/reliability.md).
import mongoose from 'mongoose';
import { getEnv } from '#app/env.server';
import { indexesSettled, syncIndexes } from '#app/platform/indexes.server';
import { log, logError } from '#app/utils/log.server';
import { foldLegacyMetricsOnce } from '#app/platform/metrics.server';

export { isDuplicateKey, duplicateKeyIndexes } from '#app/platform/duplicate-key';
export { insertIgnoringDuplicates, insertOnce } from '#app/platform/inserts.server';

// Security: user input must never become an operator. sanitizeFilter wraps any `$`-keyed object
// in $eq unless the code marks it with mongoose.trusted(); strictQuery rejects unknown paths.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

let connecting: Promise<typeof mongoose> | undefined;
let indexed = false;
let watchdog: ReturnType<typeof setInterval> | undefined;
// A database that stops answering without closing its sockets (a frozen process, a paused VM, a
// network partition) leaves a command waiting for a reply that never comes: the driver's default
// socket timeout is none. No reply within a minute ends the command with a network timeout (the
// 503 path); a minute is far above any single legit command (an import chunk, a rollup), which
// may still ask for more through `socketTimeoutMs`. Web requests do not wait that long: see
// `unlessDatabaseFrozen`. (mongodb 7 dropped `timeoutMS`, the per-operation limit: it is ignored.)
const SOCKET_TIMEOUT_MS = 60_000;
let options = { serverSelectionTimeoutMS: 5000, socketTimeoutMS: SOCKET_TIMEOUT_MS, autoIndex: false };
const connected = () => mongoose.connection.readyState === 1;

/**
 * Connects once per process to MONGODB_URI (FerretDB locally, MongoDB in production), then makes
 * the models' indexes (all of them on MongoDB, the enforcing ones on FerretDB: app/platform/indexes.server.ts).
 * `socketTimeoutMs`: how long one command may wait for the database's reply (0: for ever).
 */
export function connectDb(uri = getEnv().MONGODB_URI, { socketTimeoutMs = SOCKET_TIMEOUT_MS }: { socketTimeoutMs?: number } = {}) {
  if (indexed && connected()) return Promise.resolve(mongoose);
  options = { ...options, socketTimeoutMS: socketTimeoutMs };
  connecting ??= mongoose
    .connect(uri, options)
    .then(async (opened) => {
      await syncIndexes({ onError: (error, where) => logError(error, { where: 'index', ...where }) });
      // Rollup documents an older version wrote per process become one per key (docs/metrics.md).
      await foldLegacyMetricsOnce().catch((error) => logError(error, { where: 'foldLegacyMetrics' }));
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
    await mongoose.connect(uri, options);
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

/** A web request's database work that stalled while the database did not answer a ping. */
export class DatabaseNotAnsweringError extends Error {
  override name = 'DatabaseNotAnsweringError';
}

const PING_LIMIT_MS = 700;
let probe: { result: Promise<boolean>; settledAt?: number } | undefined;

// When a command of ours last came back from the database: the driver checks a connection back into
// its pool as each command ends. Under heavy load a ping may wait its turn behind other commands
// past its limit (measured: 6.5 % false 503s in the load test with the ping alone) while replies
// keep coming; a frozen database sends none.
let lastReplyAt = 0;
const watchedClients = new WeakSet<object>();

function watchReplies() {
  if (!connected()) return;
  const client = mongoose.connection.getClient();
  if (watchedClients.has(client)) return;
  watchedClients.add(client);
  client.on('connectionCheckedIn', () => (lastReplyAt = Date.now()));
}

/**
 * True when the database answers a ping within `PING_LIMIT_MS` on the app's own connection, or
 * answers any other command of ours meanwhile (a busy database, not a frozen one). One ping at a
 * time, and its answer serves every caller for half a second: a frozen database does not collect
 * a pile of waiting pings.
 */
export function databaseAnswers(): Promise<boolean> {
  watchReplies();
  if (probe && (probe.settledAt === undefined || Date.now() - probe.settledAt < 500)) return probe.result;
  const current: { result: Promise<boolean>; settledAt?: number } = { result: Promise.resolve(false) };
  current.result = (async () => {
    const db = mongoose.connection.db;
    if (!connected() || !db) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PING_LIMIT_MS)));
    const asked = Date.now();
    const ping = db
      .admin()
      .command({ ping: 1 })
      .then(
        () => true,
        () => false,
      );
    try {
      const pinged = await Promise.race([ping, late]);
      return (pinged || lastReplyAt > asked) && connected();
    } finally {
      clearTimeout(timer);
    }
  })().finally(() => (current.settledAt = Date.now()));
  probe = current;
  return current.result;
}

const STALLED_AFTER_MS = 2_000;

/**
 * Resolves as `work` does, unless it is still running after `stalledAfterMs` (checked again at
 * every such interval) and the database does not answer a ping then: it throws a
 * DatabaseNotAnsweringError (a 503) at once. A slow database that answers pings (heavy load, a big
 * import) is waited for; a frozen one fails a request in about 3 s (2 s, then a 0.7 s ping) instead of hanging it.
 */
export async function unlessDatabaseFrozen<T>(work: Promise<T>, { stalledAfterMs = STALLED_AFTER_MS } = {}): Promise<T> {
  type Outcome = { done: true; value: T } | { done: false };
  const finished: Promise<Outcome> = work.then((value) => ({ done: true, value }));
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ done: false }), stalledAfterMs)));
    const outcome = await Promise.race([finished, tick]).finally(() => clearTimeout(timer));
    if (outcome.done) return outcome.value;
    if (!(await databaseAnswers())) {
      // The abandoned work ends when the database answers again or the socket times out.
      finished.catch(() => undefined);
      throw new DatabaseNotAnsweringError(`No answer from the database after ${stalledAfterMs} ms, nor to a ping within ${PING_LIMIT_MS} ms.`);
    }
  }
}

// Driver errors that mean "the database did not answer", as opposed to a refused or bad query.
const UNAVAILABLE = new Set([
  'DatabaseNotAnsweringError',
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

/** Marks a filter fragment that the code (never the user) built with operators. */
export const trusted = <T>(filter: T): T => mongoose.trusted(filter) as T;

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
