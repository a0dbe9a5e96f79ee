// FerretDB 1.24.2 filters `{_id: x}` on an expression its own _id index does not cover, so every
// lookup by _id scanned its table; scripts/lib/ferretdb.ts adds the missing index (README,
// decision 6). This starts an embedded FerretDB of its own and reads SQLite's query plan.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureIdIndexes, startFerretDb, type RunningDb } from '../scripts/lib/ferretdb';

let db: RunningDb;
let dataDir: string;
let conn: mongoose.Connection;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-id-index-'));
  db = await startFerretDb({ dataDir, quiet: true });
  conn = await mongoose.createConnection(db.uri).asPromise();
});

afterAll(async () => {
  await conn?.close();
  await db?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const planOf = async (collection: string, id: unknown) =>
  JSON.stringify(((await conn.db!.collection(collection).find({ _id: id as never }).limit(1).explain()) as { queryPlanner?: unknown }).queryPlanner);

test('a collection created after start gets an index on the expression FerretDB filters _id on', async () => {
  const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: new mongoose.Types.ObjectId(), i }));
  await conn.db!.collection('things').insertMany(docs);
  const last = docs[docs.length - 1]._id;
  // FerretDB's own _id index is not used: a scan.
  expect(await planOf('things', last)).toMatch(/SCAN things_/);
  expect(await ensureIdIndexes(dataDir)).toBeGreaterThanOrEqual(1);
  // A statement run by FerretDB's SQLite connection notices the new schema (EXPLAIN alone may not).
  await conn.db!.collection('things').findOne({ _id: last });
  expect(await planOf('things', last)).toMatch(/SEARCH things_\w+ USING INDEX things_\w+_kept_id/);
  // The answer is the same document, and an update by _id finds it through the index too.
  expect(await conn.db!.collection('things').findOne({ _id: last })).toMatchObject({ i: 1999 });
  await conn.db!.collection('things').updateOne({ _id: last }, { $set: { i: -1 } });
  expect(await conn.db!.collection('things').findOne({ _id: last })).toMatchObject({ i: -1 });
  // Idempotent: nothing left to add.
  expect(await ensureIdIndexes(dataDir)).toBe(0);
});

test('string _ids are served by the index as well', async () => {
  await conn.db!.collection<{ _id: string; n: number }>('keyed').insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `key:${n}`, n })));
  await ensureIdIndexes(dataDir);
  await conn.db!.collection('keyed').findOne({ _id: 'key:1' as never });
  expect(await planOf('keyed', 'key:499')).toMatch(/USING INDEX keyed_\w+_kept_id/);
});
