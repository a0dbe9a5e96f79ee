// Unpatched, FerretDB 1.24.2 indexed _id on another expression than the one it filters `{_id: x}`
// on, so every lookup by _id scanned its table. Kept patch 0003 (docs/ferretdb-patches.md) puts
// FerretDB's own _id index on the query expression; patch 0004 uses it for `{_id: x, ...}` too. This starts an embedded FerretDB of its own
// and reads SQLite's query plan through FerretDB's explain: on a run against MongoDB (MONGODB_URI)
// there is no embedded database to check, and it is skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFerretDb, type RunningDb } from '../scripts/lib/ferretdb';
import { describeOnEngine } from './engine';

describeOnEngine('ferretdb', 'checks the embedded FerretDB build (its _id index patches, through SQLite query plans)', 'the _id index of the embedded database', () => {
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
    JSON.stringify(
      (
        (await conn
          .db!.collection(collection)
          .find({ _id: id as never })
          .limit(1)
          .explain()) as { queryPlanner?: unknown }
      ).queryPlanner,
    );

  test('a lookup by ObjectId _id is served by the _id index FerretDB creates', async () => {
    const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: new mongoose.Types.ObjectId(), i }));
    await conn.db!.collection('things').insertMany(docs);
    const last = docs[docs.length - 1]._id;

    expect(await planOf('things', last)).toMatch(/SEARCH things_\w+ USING INDEX things_\w+__id_/);
    // The answer is the same document, and an update by _id finds it through the index too.
    expect(await conn.db!.collection('things').findOne({ _id: last })).toMatchObject({ i: 1999 });
    await conn.db!.collection('things').updateOne({ _id: last }, { $set: { i: -1 } });
    expect(await conn.db!.collection('things').findOne({ _id: last })).toMatchObject({ i: -1 });
  });

  test('a filter with _id and other fields reads that one row by the index, and checks the rest', async () => {
    const things = conn.db!.collection('things');
    const last = (await things.find({ i: -1 }).toArray())[0]!._id;
    const plan = JSON.stringify(((await things.find({ _id: last, i: -1 }).explain()) as { queryPlanner?: unknown }).queryPlanner);

    expect(plan).toMatch(/SEARCH things_\w+ USING INDEX things_\w+__id_/);
    expect(await things.findOne({ _id: last, i: -1 })).toMatchObject({ i: -1 });
    expect(await things.findOne({ _id: last, i: 5 })).toBeNull();
    expect((await things.updateOne({ _id: last, i: 5 }, { $set: { i: 6 } })).matchedCount).toBe(0);
  });

  test('string _ids are served by the index as well, and it still refuses a duplicate _id', async () => {
    const keyed = conn.db!.collection<{ _id: string; n: number }>('keyed');
    await keyed.insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `key:${n}`, n })));

    expect(await planOf('keyed', 'key:499')).toMatch(/USING INDEX keyed_\w+__id_/);
    await expect(keyed.insertOne({ _id: 'key:7', n: 0 })).rejects.toThrow(/E11000|duplicate key/);
    expect(await keyed.countDocuments({})).toBe(500);
  });
});
