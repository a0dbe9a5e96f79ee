import { describe, expect, it } from 'vitest';
import { duplicateKeyIndexes, isDuplicateKey } from '#app/platform/duplicate-key';
import { insertIgnoringDuplicates, insertOnce, trusted } from '#app/platform/db.server';
import { Claim } from '#models/claim';
import { EmailBody } from '#models/email-body';

const claim = (id: string) => ({ _id: id, owner: 'test', at: new Date() });
const errorOf = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('reading a unique-index refusal from the engine', () => {
  it('recognises one refused insert', async () => {
    await Claim.create(claim('one'));
    const error = await errorOf(Claim.create(claim('one')));
    expect(isDuplicateKey(error)).toBe(true);
    expect(isDuplicateKey(new Error('E11000 in a message is not a refusal'))).toBe(false);
  });

  it('names the positions a batch lost to duplicates, the rest of the batch being stored', async () => {
    await Claim.create(claim('b2'));
    const error = await errorOf(Claim.insertMany([claim('b1'), claim('b2'), claim('b3'), claim('b1')], { ordered: false, lean: true }));
    expect(isDuplicateKey(error)).toBe(true);
    expect(duplicateKeyIndexes(error)).toEqual([1, 3]);
    expect(
      (
        await Claim.find({ _id: trusted({ $in: ['b1', 'b2', 'b3'] }) })
          .select('_id')
          .lean()
      )
        .map((c) => c._id)
        .sort(),
    ).toEqual(['b1', 'b2', 'b3']);
  });

  it('does not take a batch that failed for another reason as duplicates', async () => {
    // A duplicate and a refused $inc (a string field) in one batch: not "only duplicates".
    const batch = [{ insertOne: { document: claim('c1') } }, { insertOne: { document: claim('c1') } }, { updateOne: { filter: { _id: 'c1' }, update: { $inc: { owner: 1 } } } }];
    const error = await errorOf(Claim.collection.bulkWrite(batch as never, { ordered: false }));
    expect(error).toBeDefined();
    expect(isDuplicateKey(error)).toBe(false);
    expect(duplicateKeyIndexes(error)).toBeUndefined();
  });
});

describe('insertOnce and insertIgnoringDuplicates', () => {
  it('tells the first insert of a key from every later one', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => insertOnce(Claim, claim('once'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await insertOnce(Claim, claim('once'))).toBe(false);
  });

  it('returns the positions it stored, hydrated or lean', async () => {
    await EmailBody.create({ _id: 'a'.repeat(24), html: 'old' });
    const docs = [
      { _id: 'a'.repeat(24), html: 'again' },
      { _id: 'b'.repeat(24), html: 'new' },
    ];
    expect([...(await insertIgnoringDuplicates(EmailBody, docs, { lean: false }))]).toEqual([1]);
    expect([...(await insertIgnoringDuplicates(EmailBody, [...docs, { _id: 'c'.repeat(24), html: 'newer' }]))]).toEqual([2]);
  });
});
