import mongoose, { type Model } from 'mongoose';

type Declared = [Record<string, unknown>, Record<string, unknown> | undefined];

/**
 * Creates the indexes the models declare. On MongoDB: all of them. On FerretDB 1.24 (the embedded
 * database): only those that enforce something, unique and TTL indexes, and any other index a data
 * directory still has is dropped. FerretDB's SQLite backend answers only an `_id` equality from an
 * index (README, decisions 5 and 6), so a secondary index there is never read but is updated on
 * every write: a survey's nine made each update ~25 % dearer and each insert about twice as dear.
 * Models are created with `autoIndex: false` (db.server.ts), so this is the one place indexes are made.
 */
export async function syncIndexes(connection = mongoose.connection) {
  const embedded = await isFerretDb(connection);
  await Promise.all(Object.values(connection.models).map((model) => syncModelIndexes(model, embedded)));
  return { embedded };
}

export async function isFerretDb(connection = mongoose.connection) {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

const enforces = (options: Record<string, unknown> | undefined) => Boolean(options?.unique) || options?.expireAfterSeconds !== undefined;

async function syncModelIndexes(model: Model<any>, embedded: boolean) {
  if (!embedded) {
    await model.createIndexes();
    return;
  }
  await model.createCollection().catch(() => undefined);
  for (const [fields, options] of model.schema.indexes() as Declared[]) {
    if (enforces(options)) await model.collection.createIndex(fields as Record<string, 1 | -1>, options);
  }
  for (const index of await model.collection.indexes()) {
    // Another process starting at the same time may have dropped it first.
    if (index.name && index.name !== '_id_' && !enforces(index as Record<string, unknown>)) await model.collection.dropIndex(index.name).catch(() => undefined);
  }
}
