// The models' indexes, made per engine.
//
// Promise: every unique (and TTL) index a model declares holds before the app relies on it, on
// either engine; on MongoDB every other declared index is made too. On FerretDB 1.24 the others
// are not made (and old ones dropped): it reads only `_id` equality from an index, so they would
// cost every write and serve no read (docs/mongodb.md, docs/decisions/0006-ferretdb-with-four-patches.md).
import mongoose, { type Model } from 'mongoose';

type Declared = [Record<string, unknown>, Record<string, unknown> | undefined];
type OnError = (error: unknown, where: { collection: string; index: string }) => void;

/**
 * Creates the indexes the models declare. On MongoDB: all of them. On FerretDB 1.24 (the embedded
 * database): only those that enforce something, unique and TTL indexes, and any other index a data
 * directory still has is dropped. FerretDB's SQLite backend answers only an `_id` equality from an
 * index (docs/decisions/0005 and 0006), so a secondary index there is never read but is updated on
 * every write: a survey's nine made each update ~25 % dearer and each insert about twice as dear.
 * Models are created with `autoIndex: false` (app/platform/db.server.ts): this runs at connect for the models
 * compiled by then, and for each model compiled later as it is compiled (models/_define.ts).
 * A failed index (e.g. duplicates under a unique one) is reported to `onError`, not thrown.
 */
export async function syncIndexes({ connection = mongoose.connection, onError }: { connection?: mongoose.Connection; onError: OnError }) {
  const embedded = await isFerretDb(connection);
  synced = { embedded, onError };
  await Promise.all(Object.values(connection.models).map((model) => syncModelIndexes(model, embedded, onError)));
  return { embedded };
}

let synced: { embedded: boolean; onError: OnError } | null = null;

// Any compiled model: mongoose's own typings spell it this way (Model<unknown> refuses real models).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any>;

const pending = new Set<Promise<void>>();

/** A model compiled after the connection's indexes were made gets its own now (see syncIndexes). */
export function syncLateModel(model: AnyModel) {
  if (!synced || model.db !== mongoose.connection) return;
  const run = syncModelIndexes(model, synced.embedded, synced.onError).finally(() => pending.delete(run));
  pending.add(run);
}

/**
 * Resolves once the late models' index setup has finished. A disconnect must wait for it: cut off,
 * each of its operations failed as an error line (34 on every `npm start` on an existing database).
 */
export async function indexesSettled() {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}

export async function isFerretDb(connection = mongoose.connection) {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

const enforces = (options: Record<string, unknown> | undefined) => Boolean(options?.unique) || options?.expireAfterSeconds !== undefined;

async function syncModelIndexes(model: AnyModel, embedded: boolean, onError: OnError) {
  const collection = model.collection.collectionName;
  const attempt = async (index: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      onError(error, { collection, index });
    }
  };
  if (!embedded) {
    await attempt('all declared', () => model.createIndexes());
    return;
  }
  await model.createCollection().catch(() => undefined);
  for (const [fields, options] of model.schema.indexes() as Declared[]) {
    if (enforces(options)) await attempt(JSON.stringify(fields), () => model.collection.createIndex(fields as Record<string, 1 | -1>, options));
  }
  let existing: Array<Record<string, unknown> & { name?: string }> = [];
  await attempt('list', async () => (existing = await model.collection.indexes()));
  for (const index of existing) {
    // Another process starting at the same time may have dropped it first.
    if (index.name && index.name !== '_id_' && !enforces(index)) await model.collection.dropIndex(index.name).catch(() => undefined);
  }
}
