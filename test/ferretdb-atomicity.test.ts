// The embedded database keeps MongoDB's promises for single-statement writes: Kept's FerretDB
// patches (docs/ferretdb-patches.md) make update, findAndModify and delete atomic and let an
// `update` command carry many statements. Runs against the test run's database (the embedded
// FerretDB, or MONGODB_URI), through the driver as the app does. One promise is the patched
// FerretDB's alone: concurrent upserts on a key no unique index covers make one document there, while
// MongoDB may insert several; the portable form (a unique index on the key) is checked on both.
import mongoose from 'mongoose';
import { expect, test } from 'vitest';
import { describeOnEngine } from './engine';

interface Doc {
  _id: string;
  key?: string;
  claimedBy?: number | null;
  n?: number;
  hits?: number;
}

const collection = (name: string) => mongoose.connection.db!.collection<Doc>(name);
const all = <T>(count: number, run: (i: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, i) => run(i)));

test('20 concurrent "claim if free" findOneAndUpdates on one document have exactly one winner, five times over', async () => {
  const claims = collection('atomic_claims');
  const winnersPerRound: number[] = [];
  for (let round = 0; round < 5; round++) {
    const _id = `job${round}`;
    await claims.insertOne({ _id, claimedBy: null });

    const results = await all(20, (i) => claims.findOneAndUpdate({ _id, claimedBy: null }, { $set: { claimedBy: i } }, { returnDocument: 'after' }));

    const winners = results.filter((doc) => doc !== null);
    winnersPerRound.push(winners.length);
    // The stored claim is the one its winner was told about.
    if (winners.length === 1) expect(await claims.findOne({ _id })).toEqual({ _id, claimedBy: winners[0]!.claimedBy });
  }
  expect(winnersPerRound).toEqual([1, 1, 1, 1, 1]);
});

test('50 concurrent $inc on one document count every increment', async () => {
  const counters = collection('atomic_counters');
  await counters.insertOne({ _id: 'counter', n: 0 });

  const results = await all(50, () => counters.updateOne({ _id: 'counter' }, { $inc: { n: 1 } }));

  expect(results.every((r) => r.modifiedCount === 1)).toBe(true);
  expect(await counters.findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 50 });
});

describeOnEngine(
  'ferretdb',
  'MongoDB makes one document of concurrent upserts only when a unique index covers the key; without one it may insert several',
  'upserts on a key without a unique index',
  () => {
    test('20 concurrent upserts on one key (no unique index) leave one document', async () => {
      const upserts = collection('atomic_upserts');

      const results = await all(20, () => upserts.updateOne({ key: 'contact@example.com' }, { $inc: { hits: 1 } }, { upsert: true }));

      expect(results.filter((r) => r.upsertedCount === 1)).toHaveLength(1);
      const docs = await upserts.find({ key: 'contact@example.com' }).toArray();
      expect(docs).toHaveLength(1);
      expect(docs[0]!.hits).toBe(20);
    });

    test('20 concurrent findOneAndUpdate upserts on one key leave one document', async () => {
      const upserts = collection('atomic_fam_upserts');

      await all(20, (i) => upserts.findOneAndUpdate({ key: 'k' }, { $setOnInsert: { claimedBy: i } }, { upsert: true }));

      expect(await upserts.countDocuments({ key: 'k' })).toBe(1);
    });
  },
);

test('20 concurrent upserts on a key a unique index covers leave one document, and none of them fails', async () => {
  const upserts = collection('atomic_unique_upserts');
  await upserts.createIndex({ key: 1 }, { unique: true });

  // MongoDB retries an upsert that lost the insert race on such an index; the patched FerretDB never races.
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => upserts.updateOne({ key: 'contact@example.com' }, { $inc: { hits: 1 } }, { upsert: true })));

  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  const docs = await upserts.find({ key: 'contact@example.com' }).toArray();
  expect(docs).toHaveLength(1);
  expect(docs[0]!.hits).toBe(20);
});

test('20 concurrent deleteOnes of a filter matching 20 documents delete all 20', async () => {
  const deletes = collection('atomic_deletes');
  await deletes.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `d${i}`, key: 'expired' })));

  const results = await all(20, () => deletes.deleteOne({ key: 'expired' }));

  // Each deleteOne removes a document no other one removed.
  expect(results.reduce((sum, r) => sum + r.deletedCount, 0)).toBe(20);
  expect(await deletes.countDocuments({ key: 'expired' })).toBe(0);
});

test('a bulkWrite of 150 updates answers and applies every one', async () => {
  const bulk = collection('atomic_bulk');
  await bulk.insertMany(Array.from({ length: 150 }, (_, i) => ({ _id: `d${i}`, n: 0 })));
  const updates = Array.from({ length: 150 }, (_, i) => ({ updateOne: { filter: { _id: `d${i}` }, update: { $set: { n: i + 1 } } } }));

  // Unpatched, the command never answers (and holds the database's connections): fail, don't hang.
  const outcome = await Promise.race([bulk.bulkWrite(updates, { ordered: false }), new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 10_000).unref())]);

  expect(outcome).not.toBe('no answer');
  expect(outcome).toMatchObject({ matchedCount: 150, modifiedCount: 150 });
  const docs = await bulk.find({}).sort({ _id: 1 }).toArray();
  expect(docs.reduce((sum, d) => sum + d.n!, 0)).toBe((150 * 151) / 2);
  // An ordered bulkWrite (mongoose's default) answers too, and the database still serves others.
  expect(await bulk.bulkWrite(updates.map((u) => ({ updateOne: { ...u.updateOne, update: { $set: { n: 0 } } } })))).toMatchObject({ matchedCount: 150 });
  expect(await bulk.countDocuments({ n: 0 })).toBe(150);
});
