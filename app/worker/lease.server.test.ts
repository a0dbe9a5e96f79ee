import { Schema } from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { trusted } from '#app/db.server';
import { claim, complete, createLeaseOwner, pruneLeaseTokens, release, renew } from '#app/worker/lease.server';
import { LeaseToken } from '#models/lease-token';
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

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 30_000;
const todo = () => ({ state: 'todo', dueAt: trusted({ $lte: T0 }) });

beforeEach(async () => {
  await Job.deleteMany({});
  await LeaseToken.deleteMany({});
});

describe('claim', () => {
  test('takes one free document, oldest first, and records owner and expiry', async () => {
    await Job.create([
      { name: 'late', dueAt: at(-1_000) },
      { name: 'early', dueAt: at(-5_000) },
    ]);
    const doc = await claim<{ name: string; leaseOwner: string; leaseExpiresAt: Date }>({
      model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE, sort: { dueAt: 1 },
    });
    expect(doc?.name).toBe('early');
    expect(doc?.leaseOwner).toBe('a');
    expect(doc?.leaseExpiresAt.toISOString()).toBe(at(LEASE).toISOString());
  });

  test('does not take a document whose lease is still live, takes it once expired', async () => {
    await Job.create({ name: 'only', dueAt: at(-1_000) });
    expect(await claim({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE })).not.toBeNull();
    expect(await claim({ model: Job, filter: todo(), now: at(LEASE - 1), owner: 'b', leaseMs: LEASE })).toBeNull();
    const stolen = await claim<{ leaseOwner: string }>({
      model: Job, filter: todo(), now: at(LEASE), owner: 'b', leaseMs: LEASE,
    });
    expect(stolen?.leaseOwner).toBe('b');
  });

  test('applies the extra update together with the lease, and respects the filter', async () => {
    await Job.create([{ name: 'future', dueAt: at(60_000) }, { name: 'done', state: 'done', dueAt: at(-1) }]);
    expect(await claim({ model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE })).toBeNull();
    await Job.create({ name: 'due', dueAt: at(-1) });
    const doc = await claim<{ state: string }>({
      model: Job, filter: todo(), now: T0, owner: 'a', leaseMs: LEASE, update: { $set: { state: 'running' } },
    });
    expect(doc?.state).toBe('running');
  });

  test('concurrent claimers never get the same document', async () => {
    await Job.create(Array.from({ length: 6 }, (_, i) => ({ name: `j${i}`, dueAt: at(-i) })));
    const owners = Array.from({ length: 4 }, () => createLeaseOwner('test'));
    const claimed: string[] = [];
    await Promise.all(
      owners.map(async (owner) => {
        for (;;) {
          const doc = await claim<{ name: string }>({ model: Job, filter: todo(), now: T0, owner, leaseMs: LEASE });
          if (!doc) return;
          claimed.push(doc.name);
        }
      }),
    );
    expect(claimed.sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
  });
});

describe('complete', () => {
  test('the owner of a live lease completes and the lease is cleared', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
    const ok = await complete({ model: Job, id: _id, owner: 'a', now: at(1_000), update: { $set: { state: 'done' }, $inc: { runs: 1 } } });
    expect(ok).toBe(true);
    const doc = await Job.findById(_id).lean();
    expect(doc).toMatchObject({ state: 'done', runs: 1, leaseOwner: null, leaseExpiresAt: null });
  });

  test('a worker whose lease expired cannot complete, even if nobody else claimed', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
    const ok = await complete({ model: Job, id: _id, owner: 'a', now: at(LEASE), update: { $set: { state: 'done' } } });
    expect(ok).toBe(false);
    expect((await Job.findById(_id).lean())?.state).toBe('todo');
  });

  test('a worker whose lease was taken over cannot complete; the new owner can', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
    await claim({ model: Job, filter: { _id }, now: at(LEASE + 1), owner: 'b', leaseMs: LEASE });
    expect(await complete({ model: Job, id: _id, owner: 'a', now: at(LEASE + 2), update: { $set: { state: 'a' } } })).toBe(false);
    expect(await complete({ model: Job, id: _id, owner: 'b', now: at(LEASE + 3), update: { $set: { state: 'b' } } })).toBe(true);
    expect((await Job.findById(_id).lean())?.state).toBe('b');
  });
});

describe('renew and release', () => {
  test('renew extends a live lease only', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
    expect(await renew({ model: Job, id: _id, owner: 'a', now: at(LEASE - 1), leaseMs: LEASE })).toBe(true);
    // Renewed: still held at the original expiry.
    expect(await claim({ model: Job, filter: { _id }, now: at(LEASE + 1), owner: 'b', leaseMs: LEASE })).toBeNull();
    expect(await renew({ model: Job, id: _id, owner: 'a', now: at(3 * LEASE), leaseMs: LEASE })).toBe(false);
  });

  test('release hands the work back at once; a non-owner cannot release', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
    expect(await release({ model: Job, id: _id, owner: 'b', now: at(1) })).toBe(false);
    expect(await claim({ model: Job, filter: { _id }, now: at(1), owner: 'b', leaseMs: LEASE })).toBeNull();
    expect(await release({ model: Job, id: _id, owner: 'a', now: at(1), update: { $set: { state: 'todo' } } })).toBe(true);
    expect(await claim({ model: Job, filter: { _id }, now: at(2), owner: 'b', leaseMs: LEASE })).not.toBeNull();
  });
});

describe('crash safety (generation tokens)', () => {
  test('a claimer that won a generation but died before writing blocks the document only until its lease ends', async () => {
    const { _id } = await Job.create({ name: 'x', dueAt: T0 });
    // Simulates a worker that inserted its claim token and crashed before updating the document.
    await LeaseToken.create({ _id: `${Job.collection.collectionName}:${_id}:1`, owner: 'dead', kind: 'claim', at: T0, expiresAt: at(LEASE) });
    expect(await claim({ model: Job, filter: { _id }, now: at(1_000), owner: 'a', leaseMs: LEASE })).toBeNull();
    const doc = await claim<{ leaseOwner: string; leaseGen: number }>({ model: Job, filter: { _id }, now: at(LEASE), owner: 'a', leaseMs: LEASE });
    expect(doc).toMatchObject({ leaseOwner: 'a', leaseGen: 2 });
  });

  test('completion and takeover race for the same generation: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { _id } = await Job.create({ name: `r${round}`, dueAt: T0 });
      await claim({ model: Job, filter: { _id }, now: T0, owner: 'a', leaseMs: LEASE });
      // 'a' completes just before its expiry while 'b' (with a faster clock) takes the lease over.
      const [completed, taken] = await Promise.all([
        complete({ model: Job, id: _id, owner: 'a', now: at(LEASE - 1), update: { $set: { state: 'done' } } }),
        claim({ model: Job, filter: { _id, state: 'todo' }, now: at(LEASE + 1), owner: 'b', leaseMs: LEASE }),
      ]);
      expect([completed, taken !== null].filter(Boolean)).toHaveLength(1);
      const doc = await Job.findById(_id).lean();
      expect(doc?.state).toBe(completed ? 'done' : 'todo');
      expect(doc?.leaseOwner ?? null).toBe(completed ? null : 'b');
    }
  });

  test('pruning removes old tokens only', async () => {
    await LeaseToken.create([
      { _id: 'x:1:1', owner: 'a', kind: 'claim', at: at(-2 * 86_400_000), expiresAt: at(-2 * 86_400_000) },
      { _id: 'x:1:2', owner: 'a', kind: 'claim', at: T0, expiresAt: at(LEASE) },
    ]);
    expect(await pruneLeaseTokens({ before: at(-86_400_000) })).toBe(1);
    expect(await LeaseToken.countDocuments()).toBe(1);
  });
});
