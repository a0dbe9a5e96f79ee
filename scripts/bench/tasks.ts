// Data-side steps of `npm run bench`, each run in its own process against MONGODB_URI:
//   tsx scripts/bench/tasks.ts <task> '<json args>'   -> prints one `RESULT {...}` line.
// Own processes keep mongoose's single connection simple (one database each) and let the CSV
// import's memory be measured without the bench's own heap in the figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import mongoose, { Types } from 'mongoose';
import { connectDb, disconnectDb } from '#app/platform/db.server';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';
import { getClaim } from '#app/platform/claims.server';
import { DEFAULT_SEED, normalizeSeed } from '#scripts/seed/demo';
import { journeyIdForDeal } from '#app/journeys/journey.server';
import { newSurveyLink, saveSurveyLinks } from '#app/surveys/surveys.server';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';

type Args = Record<string, unknown>;
const DAY = 86_400_000;
const chunks = <T>(list: T[], size: number) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

const tasks: Record<string, (args: Args) => Promise<unknown>> = {
  /** Whether `npm run seed -- --accounts N` finished on this database: its completion record, read by _id (a count scans on FerretDB). */
  async size({ accounts }: Args) {
    const done = await getClaim(`seed:scale:${normalizeSeed(DEFAULT_SEED)}:${Number(accounts)}`);
    return done
      ? {
          accounts:
            Number(done.data.accounts && (done.data.accounts as { inserted: number; existing: number }).inserted + (done.data.accounts as { existing: number }).existing) ||
            Number(accounts),
          surveys:
            Number((done.data.surveys as { inserted?: number; existing?: number } | undefined)?.inserted ?? 0) +
            Number((done.data.surveys as { existing?: number } | undefined)?.existing ?? 0),
        }
      : { accounts: 0, surveys: 0 };
  },

  /** What the page benchmarks open: the first seeded journey (the seed is deterministic, so the same one at 1k and 100k) and a search prefix. */
  async pages() {
    const [journey] = await Journey.find({}).select('_id accountId accountName').limit(1).lean();
    if (!journey) throw new Error('The data set has no journeys: seed it first.');
    return { journeyId: String(journey._id), accountId: String(journey.accountId), search: (journey.accountName ?? 'a').slice(0, 3).toLowerCase() };
  },

  /**
   * `count` open survey links, on deals made for the benchmark: each a copy of a seeded deal (its
   * account, rep and promises) with one sent survey, open for 30 days. All inserts, so the surveys
   * the data set keeps in every state stay as seeded. Each run adds `count` such deals; they have
   * no journey and are in no rollup.
   */
  async links({ count, now: nowIso }: Args) {
    const now = new Date(String(nowIso ?? new Date().toISOString()));
    const n = Number(count);
    const [model] = await Deal.find({}).select('accountId aeId promises closedWonAt arr currency').limit(1).lean();
    if (!model) throw new Error('The data set has no deals: seed it first.');
    const [contact] = await Contact.find({ accountId: model.accountId }).select('_id name email').limit(1).lean();
    const account = await Account.findById(model.accountId).select('segment').lean();
    const run = new Types.ObjectId().toHexString();
    const deals = Array.from({ length: n }, (_, i) => ({
      _id: new Types.ObjectId(),
      source: 'manual',
      crmId: `bench-link-${run}-${i}`,
      name: `Benchmark deal ${i}`,
      accountId: model.accountId,
      aeId: model.aeId,
      closedWonAt: model.closedWonAt,
      arr: model.arr,
      currency: model.currency,
      promises: model.promises,
    }));
    const contactId = contact?._id ?? new Types.ObjectId();
    const surveys = deals.map((d) => ({
      _id: new Types.ObjectId(),
      dealId: d._id,
      wave: 6,
      state: 'sent',
      dueAt: now,
      sentAt: now,
      invitedAt: now,
      expiresAt: new Date(now.getTime() + 30 * DAY),
      accountId: d.accountId,
      aeId: d.aeId,
      segment: account?.segment ?? 'smb',
      closedWonAt: d.closedWonAt,
      contactId,
      contactEmail: contact?.email ?? 'bench.buyer@bench.example',
      contactName: contact?.name ?? 'Bench Buyer',
      cycle: 0,
    }));
    for (const group of chunks(deals, 500)) await Deal.insertMany(group, { lean: true });
    for (const group of chunks(surveys, 500)) await Survey.insertMany(group, { lean: true });
    const links = surveys.map((survey) => newSurveyLink({ survey, contactId, now }));
    for (const group of chunks(links, 500)) await saveSurveyLinks(group.map((l) => l.record));
    return {
      links: links.map((l, i) => ({ token: l.token, surveyId: String(surveys[i]._id), promiseIds: (model.promises ?? []).map((p) => String(p._id)) })),
    };
  },

  /** How many responses exist for these surveys (each at most one: the response's _id is the survey's). */
  async responses({ surveyIds }: Args) {
    const ids = surveyIds as string[];
    let stored = 0;
    for (const group of chunks(ids, 50)) stored += (await Promise.all(group.map((id) => SurveyResponse.exists({ _id: id })))).filter(Boolean).length;
    return { stored };
  },

  /** `count` surveys due an hour ago on deals of one account, for the dispatch benchmark. */
  async dueSurveys({ count }: Args) {
    await mongoose.connection.dropDatabase();
    const rep = await User.create({ email: 'bench.rep@bench.example', name: 'Bench Rep', role: 'sales', passwordHash: 'x' });
    const account = await Account.create({ name: 'Bench Account', nameLower: 'bench account', segment: 'smb', aeIds: [rep._id] });
    await Contact.create({ accountId: account._id, name: 'Bench Buyer', email: 'buyer@bench.example', isPrimary: true });
    const closedWonAt = new Date(Date.now() - 200 * DAY);
    const n = Number(count);
    const deals = Array.from({ length: Math.ceil(n / 3) }, (_, i) => ({
      _id: new Types.ObjectId(),
      source: 'manual',
      crmId: `bench-${i}`,
      name: `Bench deal ${i}`,
      accountId: account._id,
      aeId: rep._id,
      closedWonAt,
      arr: 1000,
      currency: 'USD',
      promises: [{ text: 'Cut onboarding time in half', successCriterion: 'Under 5 days', category: 'time-savings' }],
    }));
    for (const group of chunks(deals, 1000)) await Deal.insertMany(group, { lean: true });
    // Live customers: a wave due before go-live would be held, not sent (docs/surveys.md).
    const liveAt = new Date(closedWonAt.getTime() + 60 * DAY);
    const journeys = deals.map((d) => ({
      _id: journeyIdForDeal(d._id),
      dealId: d._id,
      accountId: account._id,
      aeId: rep._id,
      segment: 'smb',
      accountName: account.name,
      dealName: d.name,
      closedWonAt,
      playbookVersion: 1,
      stage: 'live',
      stageIndex: 2,
      stageEnteredAt: liveAt,
      liveAt,
      atRiskAt: null,
      stalledAt: null,
      // insertMany with lean skips schema defaults: give the history the app would have written,
      // or the worker's nightly forecast rebuild fails on these journeys during the measurement.
      stages: [
        { key: 'handoff', enteredAt: closedWonAt, exitedAt: new Date(closedWonAt.getTime() + 10 * DAY) },
        { key: 'implementation', enteredAt: new Date(closedWonAt.getTime() + 10 * DAY), exitedAt: liveAt },
        { key: 'live', enteredAt: liveAt },
      ],
    }));
    for (const group of chunks(journeys, 1000)) await Journey.insertMany(group, { lean: true });
    const dueAt = new Date(Date.now() - 3600_000);
    const surveys = deals
      .flatMap((d) => [6, 9, 12].map((wave) => ({ dealId: d._id, wave, dueAt, state: 'scheduled', accountId: account._id, aeId: rep._id, segment: 'smb', closedWonAt })))
      .slice(0, n);
    for (const group of chunks(surveys, 1000)) await Survey.insertMany(group, { lean: true });
    return { surveys: surveys.length };
  },

  /** Survey states after the dispatch benchmark. */
  async surveyStates() {
    const rows = await Survey.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  },

  /**
   * Imports a generated CSV of `rows` rows into an empty database the way the import page does, with
   * the live heap sampled while it runs; then times a bulk insert of the documents the import made.
   */
  async importCsv({ rows: rowsArg }: Args) {
    const ROWS = Number(rowsArg);
    await mongoose.connection.dropDatabase();
    const cs = await User.create({ email: 'bench.cs@bench.example', name: 'Bench CSM', role: 'cs', passwordHash: 'x' });
    await User.create({ email: 'bench.rep@bench.example', name: 'Bench Rep', role: 'sales', passwordHash: 'x' });
    const user = { id: String(cs._id), email: cs.email, name: cs.name, role: 'cs' as const };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-bench-import-'));
    const file = path.join(dir, 'bench.csv');
    const out = fs.createWriteStream(file);
    out.write(
      'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,segment,contact_name,contact_email,promise_1,promise_1_criterion,promise_1_category\n',
    );
    for (let i = 1; i <= ROWS; i++) {
      const account = i % Math.max(1, Math.floor(ROWS / 5));
      const line = `BENCH-${i},"Bench deal ${i}: a realistic name with some length",Closed Won,2026-0${(i % 5) + 1}-1${i % 10},${1000 + (i % 977)}.00,USD,bench.rep@bench.example,"Bench Account ${account}",bench${account}.example,${['smb', 'mid-market', 'enterprise'][i % 3]},Buyer ${i},buyer${i}@bench${account}.example,"Reduce onboarding time for team ${i} by half","Onboarding under five days, measured in month three",time-savings\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const bytes = fs.statSync(file).size;
    const jobId = await createImportJob({ user, file: { path: file, name: 'bench.csv', size: bytes } });
    const view = await getImportView({ user, jobId });
    const values: Record<string, string> = { source: 'kept', defaultSegment: 'mid-market', dateOrder: 'mdy', currency: 'USD' };
    for (const [field, header] of Object.entries(view!.mapping)) values[`map.${field}`] = header;
    await saveMapping({ user, jobId, values });
    const started = await startImport({ user, jobId });
    if (!started?.ok) throw new Error('The import did not start.');

    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const liveHeap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const heapAtStart = liveHeap();
    let peakLive = 0;
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakLive = Math.max(peakLive, liveHeap() - heapAtStart);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 1000);
    const t0 = performance.now();
    const result = await runImport({ jobId, attempt: started.attempt });
    const importMs = performance.now() - t0;
    clearInterval(sampler);
    fs.rmSync(dir, { recursive: true, force: true });

    // Baseline: the same documents (accounts, contacts, deals, journeys the import made), read back
    // and inserted again in bulk into fresh collections, in the import's own batch size.
    const db = mongoose.connection.db!;
    let baselineMs = 0;
    let documents = 0;
    for (const model of [Account, Contact, Deal, Journey] as const) {
      const docs = await model.collection.find({}).toArray();
      documents += docs.length;
      const target = db.collection(`bench_baseline_${model.collection.collectionName}`);
      const b0 = performance.now();
      for (const group of chunks(docs, 1000)) await target.insertMany(group, { ordered: false });
      baselineMs += performance.now() - b0;
    }
    return { rows: ROWS, bytes, outcome: result.outcome, importMs, baselineMs, documents, peakLiveHeapMB: peakLive / 2 ** 20, peakRssMB: peakRss / 2 ** 20 };
  },
};

const [name, json] = process.argv.slice(2);
const task = tasks[name ?? ''];
if (!task) {
  console.error(`Unknown task ${name}; one of ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
await connectDb();
try {
  const result = await task(JSON.parse(json ?? '{}') as Args);
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await disconnectDb();
}
