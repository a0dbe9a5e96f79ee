import { Schema } from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { trusted } from '#app/platform/db.server';
import { claim, claimMany, complete, completeMany, createLeaseOwner, release, renew, retryLostRaces, writeUnheld, type Lease } from '#app/platform/lease.server';
import { defineModel } from '#models/_define';

// A throwaway collection: the helpers are generic, so they are tested away from any domain model.
const Job = defineModel(
  'LeaseTestJob',
  new Schema({
    name: { type: String, required: true },
    state: { type: String, required: true, default: 'todo' },
    dueAt: { type: Date, required: true },
    runs: { type: Number, default: 0 },
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
  }),
);
type JobLean = { _id: unknown; name: string; state: string; runs: number; leaseGen: number };

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;
const todo = () => ({ state: 'todo', dueAt: trusted({ $lte: T0 }) });
const claimJob = (id: unknown, owner: string, now: Date) => claim<JobLean>({ model: Job, filter: { _id: id }, now, owner, leaseMs: LEASE });
const stateOf = async (id: unknown) => (await Job.findById(id).lean())?.state;

beforeEach(async () => {
  await Job.deleteMany({});
});

describe('claim', () => {
  test('takes one free document, oldest first, and records owner and expiry', async () => {
    await Job.create([
      { name: 'late', dueAt: at(-1_000) },
      { name: 'early', dueAt: at(-5_000) },
    ]);
    const doc = await claim<JobLean>({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE, sort: { dueAt: 1 } });
    expect(doc?.name).toBe('early');
    expect(doc?.leaseOwner).toBe('a');
    expect(doc?.leaseExpiresAt.toISOString()).toBe(at(LEASE).toISOString());
  });

  test('does not take a document whose lease is still live, takes it once expired', async () => {
    await Job.create({ name: 'only', dueAt: at(-1_000) });
    expect(await claim({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE })).not.toBeNull();
    expect(await claim({ model: Job, filter: todo(), now: at(LEASE - 1), owner: 'b', leaseMs: LEASE })).toBeNull();
    const stolen = await claim({ model: Job, filter: todo(), now: at(LEASE), owner: 'b', leaseMs: LEASE });
    expect(stolen?.leaseOwner).toBe('b');
  });

  test('applies the extra update together with the lease, and respects the filter', async () => {
    await Job.create([
      { name: 'future', dueAt: at(60_000) },
      { name: 'done', state: 'done', dueAt: at(-1) },
    ]);
    expect(await claim({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE })).toBeNull();
    await Job.create({ name: 'due', dueAt: at(-1) });
    const doc = await claim<JobLean>({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE, update: { $set: { state: 'running' } } });
    expect(doc?.state).toBe('running');
  });

  test('20 concurrent claimers of one document: exactly one wins, 20 times over', async () => {
    for (let round = 0; round < 20; round++) {
      const { _id } = await Job.create({ name: `r${round}`, dueAt: T0 });
      const owners = Array.from({ length: 20 }, () => createLeaseOwner('test'));
      const won = await Promise.all(owners.map((owner) => claimJob(_id, owner, T0)));
      const winners = won.filter((doc) => doc !== null);
      expect(winners).toHaveLength(1);
      // The document says who: the one claimer told it won, at the first generation.
      expect(await Job.findById(_id).lean()).toMatchObject({ leaseOwner: winners[0]!.leaseOwner, leaseGen: 1 });
    }
  });

  test('concurrent claimers never get the same document', async () => {
    await Job.create(Array.from({ length: 6 }, (_, i) => ({ name: `j${i}`, dueAt: at(-i) })));
    const owners = Array.from({ length: 4 }, () => createLeaseOwner('test'));
    const claimed: string[] = [];
    await Promise.all(
      owners.map(async (owner) => {
        for (;;) {
          const doc = await claim<JobLean>({ model: Job, filter: todo(), now: T0, owner, leaseMs: LEASE });
          if (!doc) return;
          claimed.push(doc.name);
        }
      }),
    );
    expect(claimed.sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
  });

  test('a claimer that died holding the lease blocks the document only until its lease ends', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    expect(await claimJob(_id, 'dead', T0)).not.toBeNull();
    expect(await claimJob(_id, 'a', at(LEASE - 1))).toBeNull();
    expect(await claimJob(_id, 'a', at(LEASE))).toMatchObject({ leaseOwner: 'a', leaseGen: 2 });
  });
});

describe('complete', () => {
  test('the owner of a live lease completes and the lease is cleared', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const lease = (await claimJob(_id, 'a', T0))!;
    expect(await complete({ model: Job, lease, now: at(1_000), update: { $set: { state: 'done' }, $inc: { runs: 1 } } })).toBe(true);
    expect(await Job.findById(_id).lean()).toMatchObject({ state: 'done', runs: 1, leaseOwner: null, leaseExpiresAt: null });
  });

  test('a worker whose lease expired cannot complete, even if nobody else claimed', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const lease = (await claimJob(_id, 'a', T0))!;
    expect(await complete({ model: Job, lease, now: at(LEASE), update: { $set: { state: 'done' } } })).toBe(false);
    expect(await stateOf(_id)).toBe('todo');
  });

  test('a worker whose lease was taken over cannot complete, not even when its own process took it over; the new holder can', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const first = (await claimJob(_id, 'a', T0))!;
    const second = (await claimJob(_id, 'b', at(LEASE + 1)))!;
    expect(await complete({ model: Job, lease: first, now: at(LEASE + 2), update: { $set: { state: 'a' } } })).toBe(false);
    expect(await release({ model: Job, lease: first })).toBe(false);
    expect(await complete({ model: Job, lease: second, now: at(LEASE + 3), update: { $set: { state: 'b' } } })).toBe(true);
    expect(await stateOf(_id)).toBe('b');

    // The same owner token (one worker process) claiming again after its lease ran out: the older claim is fenced off by the generation.
    await Job.updateOne({ _id }, { $set: { state: 'todo' } });
    const stale = (await claimJob(_id, 'c', at(LEASE + 4)))!;
    const fresh = (await claimJob(_id, 'c', at(3 * LEASE)))!;
    expect(fresh.leaseGen).toBe(stale.leaseGen + 1);
    expect(await complete({ model: Job, lease: stale, now: at(3 * LEASE + 1), update: { $set: { state: 'stale' } } })).toBe(false);
    expect(await complete({ model: Job, lease: fresh, now: at(3 * LEASE + 1), update: { $set: { state: 'fresh' } } })).toBe(true);
    expect(await stateOf(_id)).toBe('fresh');
  });

  test('completion and takeover race for the same document: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { _id } = await Job.create({ name: `r${round}`, dueAt: T0 });
      const lease = (await claimJob(_id, 'a', T0))!;
      // 'a' completes just before its expiry while 'b' (with a faster clock) takes the lease over.
      const [completed, taken] = await Promise.all([
        complete({ model: Job, lease, now: at(LEASE - 1), update: { $set: { state: 'done' } } }),
        claim({ model: Job, filter: { _id, state: 'todo' }, now: at(LEASE + 1), owner: 'b', leaseMs: LEASE }),
      ]);
      expect([completed, taken !== null].filter(Boolean)).toHaveLength(1);
      const doc = await Job.findById(_id).lean();
      expect(doc?.state).toBe(completed ? 'done' : 'todo');
      expect(doc?.leaseOwner ?? null).toBe(completed ? null : 'b');
    }
  });
});

describe('renew and release', () => {
  test('renew extends a live lease only', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const lease = (await claimJob(_id, 'a', T0))!;
    expect(await renew({ model: Job, lease, now: at(LEASE - 1), leaseMs: LEASE })).toBe(true);
    // Renewed: still held at the original expiry.
    expect(await claimJob(_id, 'b', at(LEASE + 1))).toBeNull();
    expect(await renew({ model: Job, lease, now: at(3 * LEASE), leaseMs: LEASE })).toBe(false);
  });

  test('release hands the work back at once; a lease someone else holds cannot be released', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const lease = (await claimJob(_id, 'a', T0))!;
    expect(await release({ model: Job, lease: { ...lease, leaseOwner: 'b' } })).toBe(false);
    expect(await claimJob(_id, 'b', at(1))).toBeNull();
    expect(await release({ model: Job, lease, update: { $set: { state: 'todo' } } })).toBe(true);
    expect(await claimJob(_id, 'b', at(2))).not.toBeNull();
  });
});

describe('many at once', () => {
  test('claimMany takes the documents as read, except those claimed or changed since; completeMany says which it wrote', async () => {
    await Job.create(Array.from({ length: 5 }, (_, i) => ({ name: `j${i}`, dueAt: T0 })));
    const read = (await Job.find({}).sort({ name: 1 }).lean()) as unknown as JobLean[];
    // Since the read: j1 was claimed by another worker, j2 written by a one-step write.
    const other = (await claimJob(read[1]._id, 'b', T0))!;
    const write = writeUnheld({ filter: { _id: read[2]._id }, update: { $set: { state: 'edited' } }, now: T0 });
    expect((await Job.updateOne(write.filter, write.update)).matchedCount).toBe(1);

    const held = await claimMany({ model: Job, docs: read, now: T0, owner: 'a', leaseMs: LEASE });
    expect(held.map((h) => h.name)).toEqual(['j0', 'j3', 'j4']);
    expect(held.every((h) => h.leaseOwner === 'a' && h.leaseGen === 1)).toBe(true);
    // A second claimer with the same stale read gets nothing.
    expect(await claimMany({ model: Job, docs: read, now: T0, owner: 'c', leaseMs: LEASE })).toEqual([]);

    // j3's lease is lost meanwhile (expired and taken over): only j0 and j4 are written.
    const taken = await claimJob(held[1]._id, 'b', at(LEASE));
    expect(taken).not.toBeNull();
    const items = [...held, other as Lease].map((lease) => ({ lease, update: { $set: { state: 'done' } } }));
    expect(await completeMany({ model: Job, items, now: at(LEASE - 1) })).toEqual([true, false, true, true]);
    const states = (await Job.find({}).sort({ name: 1 }).lean()).map((j) => j.state);
    expect(states).toEqual(['done', 'done', 'edited', 'todo', 'done']);
  });

  test('a copy read before another worker claimed and completed the document claims nothing', async () => {
    // Two workers read the same page of due work; b claims and finishes it first. a's copy is stale
    // (it still says "todo"): its claim, which states what made the work due, must be refused, or a
    // redoes finished work from old data (found: surveys invited and counted twice).
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const stale = (await Job.findById(_id).lean()) as unknown as JobLean;
    const lease = (await claimJob(_id, 'b', T0))!;
    expect(await complete({ model: Job, lease, now: at(1), update: { $set: { state: 'done' } } })).toBe(true);
    expect(await claimMany({ model: Job, docs: [{ ...stale, leaseGen: lease.leaseGen }], filter: { state: 'todo' }, now: at(2), owner: 'a', leaseMs: LEASE })).toEqual([]);
  });

  test('a one-step write waits for the holder and refuses a stale read', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    const read = (await Job.findById(_id).lean())!;
    const lease = (await claimJob(_id, 'a', T0))!;
    const edit = (now: Date, leaseGen?: number) => writeUnheld({ filter: { _id, ...(leaseGen === undefined ? {} : { leaseGen }) }, update: { $set: { state: 'edited' } }, now });
    const apply = async (w: ReturnType<typeof edit>) => (await Job.updateOne(w.filter, w.update)).matchedCount;
    expect(await apply(edit(at(1)))).toBe(0);
    expect(await complete({ model: Job, lease, now: at(2), update: { $set: { state: 'done' } } })).toBe(true);
    // Written on a read from before the claim: refused; on a fresh read: written, and the holder's generation is gone.
    expect(await apply(edit(at(3), read.leaseGen))).toBe(0);
    expect(await apply(edit(at(3), lease.leaseGen))).toBe(1);
    expect(await Job.findById(_id).lean()).toMatchObject({ state: 'edited', leaseGen: 2 });
  });
});

describe('retryLostRaces', () => {
  test('tries a lost race again until it is won, and gives up as busy after its wait', async () => {
    let tries = 0;
    expect(await retryLostRaces(async () => (++tries < 3 ? null : 'written'), { waitMs: 5_000 })).toBe('written');
    expect(tries).toBe(3);
    const started = Date.now();
    expect(await retryLostRaces(async () => null, { waitMs: 200 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
