import mongoose from 'mongoose';
import { getEnv } from '#app/env.server';

// Security: user input must never become an operator. sanitizeFilter wraps any `$`-keyed object
// in $eq unless the code marks it with mongoose.trusted(); strictQuery rejects unknown paths.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

let connecting: Promise<typeof mongoose> | undefined;

/** Connects once per process to MONGODB_URI (FerretDB locally, MongoDB in production). */
export function connectDb(uri = getEnv().MONGODB_URI) {
  if (mongoose.connection.readyState === 1) return Promise.resolve(mongoose);
  connecting ??= mongoose
    .connect(uri, { serverSelectionTimeoutMS: 5000, autoIndex: true })
    .catch((error) => {
      connecting = undefined;
      throw error;
    });
  return connecting;
}

export async function disconnectDb() {
  connecting = undefined;
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
