// The embedded database (FerretDB) gets only the indexes that enforce something; MongoDB gets
// every declared one (app/platform/indexes.server.ts). Each engine's test runs on its engine (test/engine.ts).
import mongoose, { Schema } from 'mongoose';
import { expect, test } from 'vitest';
import { describeOnEngine } from '#test/engine';
import { isFerretDb, syncIndexes } from '#app/platform/indexes.server';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';

const names = async (model: typeof Survey | typeof EmailMessage) => (await model.collection.indexes()).map((i) => i.name).sort();

describeOnEngine('ferretdb', 'FerretDB gets only the enforcing indexes (it reads no other)', 'indexes on the embedded database', () => {
  test('on FerretDB: the unique indexes are made and enforced, the others are not made, and old ones are dropped', async () => {
    expect(await isFerretDb()).toBe(true);
    await syncIndexes({
      onError: (error) => {
        throw error;
      },
    });
    expect(await names(Survey)).toEqual(['_id_', 'dealId_1_wave_1']);
    expect(await names(EmailMessage)).toContain('idempotencyKey_1');

    // One survey per (deal, wave), whatever the index list says.
    const survey = {
      dealId: '6a0000000000000000000001',
      wave: 6,
      dueAt: new Date(),
      accountId: '6a0000000000000000000002',
      aeId: '6a0000000000000000000003',
      segment: 'smb',
      closedWonAt: new Date(),
    };
    await Survey.create(survey);
    await expect(Survey.create(survey)).rejects.toMatchObject({ code: 11000 });

    // A data directory made before this kept the declared secondary indexes: the next start drops them.
    await Survey.collection.createIndex({ state: 1, dueAt: 1 });
    expect(await names(Survey)).toContain('state_1_dueAt_1');
    await syncIndexes({
      onError: (error) => {
        throw error;
      },
    });
    expect(await names(Survey)).toEqual(['_id_', 'dealId_1_wave_1']);
  });
});

describeOnEngine('mongodb', 'MongoDB gets every declared index', 'indexes on MongoDB', () => {
  test('on MongoDB: every index a model declares is made, and the unique ones are enforced', async () => {
    expect(await isFerretDb()).toBe(false);
    expect(
      await syncIndexes({
        onError: (error) => {
          throw error;
        },
      }),
    ).toEqual({ embedded: false });
    for (const model of Object.values(mongoose.models)) {
      expect({ model: model.modelName, missing: (await model.diffIndexes()).toCreate }).toEqual({ model: model.modelName, missing: [] });
    }
    expect(await names(Survey)).toEqual(expect.arrayContaining(['_id_', 'dealId_1_wave_1', 'state_1_dueAt_1']));

    const survey = {
      dealId: '6a0000000000000000000001',
      wave: 6,
      dueAt: new Date(),
      accountId: '6a0000000000000000000002',
      aeId: '6a0000000000000000000003',
      segment: 'smb',
      closedWonAt: new Date(),
    };
    await Survey.create(survey);
    await expect(Survey.create(survey)).rejects.toMatchObject({ code: 11000 });
  });
});

test('disconnecting waits for the indexes of models compiled after connect (no errors from a cut-off setup)', async () => {
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  const { defineModel } = await import('#models/_define');
  const errors: unknown[] = [];
  await syncIndexes({ onError: (error) => void errors.push(error) });
  // As `npm start` does: the seed's modules compile models after connect, then it disconnects at once.
  // (Operations after a disconnect wait in mongoose's buffer and fail when it times out: 10 s by
  // default, which `npm start` printed as error lines; 300 ms here.)
  const Late = defineModel('IndexLateTest', new Schema({ code: { type: String, unique: true } }, { bufferTimeoutMS: 300 }));
  await disconnectDb();
  await new Promise((r) => setTimeout(r, 1000));
  expect(errors.map(String)).toEqual([]);
  await connectDb(process.env.MONGODB_URI);
  expect((await Late.collection.indexes()).map((i) => i.name)).toContain('code_1');
});
