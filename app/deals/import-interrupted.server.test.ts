import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { trusted } from '#app/platform/db.server';
import { dealIdFor } from '#app/deals/intake.server';
import { readMetrics } from '#app/platform/metrics.server';
import { Account } from '#models/account';
import { AuditEvent } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { ImportJob } from '#models/import-job';
import { Journey } from '#models/journey';
import { makeUser } from '#test/factories';
import { startNode, stopProc } from '#test/harness/processes';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';

// A CSV import whose process is SIGKILLed half-way, twice, and is then resumed: every row must end
// up exactly once (deals counted by their natural key, source + CRM id), with its journey, its
// account and its contact, and the rollups must count each new deal once.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-import-kill-'));
const ROWS = 4_000;
const ACCOUNTS = 1_000;
const STALE_MS = 2 * 60_000 + 1_000; // a run without heartbeat for 2 minutes may be resumed

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const runInChild = (jobId: string, attempt: number) => startNode('test/import-runner.ts', [jobId, String(attempt)], { env: { ...process.env, LOG_LEVEL: 'warn' } });

const progress = async (jobId: string) => (await ImportJob.findById(jobId).select('processedRows status attempt heartbeatAt created existing').lean())!;

test(`a ${ROWS}-row import SIGKILLed half-way twice and resumed: every row exactly once`, async () => {
  const t0 = Date.now();
  const cs = await makeUser({ role: 'cs' });
  await makeUser({ role: 'sales', email: 'kill.rep@kept.test' });
  const file = path.join(tmp, 'deals.csv');
  const lines = [
    'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,segment,contact_name,contact_email,promise_1,promise_1_criterion,promise_1_category',
  ];
  for (let i = 1; i <= ROWS; i++) {
    const a = i % ACCOUNTS;
    lines.push(
      `INT-${i},"Interrupted deal ${i}",Closed Won,2026-0${(i % 5) + 1}-1${i % 10},${1000 + (i % 977)},USD,kill.rep@kept.test,"Kill Account ${a}",kill${a}.example,smb,Buyer ${i},buyer${i}@kill${a}.example,"Halve onboarding for team ${i}","Onboarding under five days",time-savings`,
    );
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const jobId = await createImportJob({ user: cs, file: { path: file, name: 'deals.csv', size: fs.statSync(file).size } });
  const view = await getImportView({ user: cs, jobId });
  const values: Record<string, string> = { source: 'kept', defaultSegment: 'smb', dateOrder: 'mdy', currency: 'USD' };
  for (const [field, header] of Object.entries(view!.mapping)) values[`map.${field}`] = header;
  expect((await saveMapping({ user: cs, jobId, values }))?.ok).toBe(true);

  // Two runs, each killed at a random moment once its progress passed a random row.
  const kills: { attempt: number; afterRow: number; atRow: number; deals: number }[] = [];
  let now = new Date();
  // Progress is saved per batch of 1,000 rows: each run dies inside the batch after the one it waited for.
  for (const afterRow of [1_000, 2_000]) {
    const started = await startImport({ user: cs, jobId, now });
    if (!started?.ok) throw new Error(JSON.stringify(started));
    const run = runInChild(jobId, started.attempt);
    const deadline = Date.now() + 90_000;
    while ((await progress(jobId)).processedRows < afterRow) {
      if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`The import run ended before row ${afterRow}: ${run.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Die right after the next batch's deals landed, before its progress is saved: the window in
    // which a resumed run must recognise deals as its own (and count them once in the rollups).
    // (Polled by _id, the one lookup FerretDB serves from an index, so the probe does not slow the run.)
    const lastOfBatch = dealIdFor('kept', `INT-${afterRow + 1_000}`);
    while (!(await Deal.exists({ _id: lastOfBatch }))) {
      if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`The import run ended early: ${run.output()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, Math.random() * 50));
    await stopProc(run);
    const job = await progress(jobId);
    expect(job.status).toBe('running');
    expect(job.processedRows).toBeLessThan(ROWS);
    kills.push({ attempt: started.attempt, afterRow, atRow: job.processedRows, deals: await Deal.countDocuments({ source: 'kept' }) });
    // The page offers "resume" once the dead run has not reported for two minutes.
    now = new Date(job.heartbeatAt!.getTime() + STALE_MS);
    expect((await startImport({ user: cs, jobId, now: new Date(job.heartbeatAt!.getTime() + 1_000) }))?.ok).toBe(false);
  }

  const resumed = await startImport({ user: cs, jobId, now });
  if (!resumed?.ok) throw new Error(JSON.stringify(resumed));
  const result = await runImport({ jobId, attempt: resumed.attempt });
  expect(result.outcome).toBe('done');
  const job = await progress(jobId);
  console.log(
    `[import] ${ROWS} rows, killed at ${kills.map((k) => `row ${k.atRow} with ${k.deals} deals stored (attempt ${k.attempt})`).join(' and ')}, resumed as attempt ${resumed.attempt}: ` +
      `job says ${job.created} created + ${job.existing} already there; ${Math.round((Date.now() - t0) / 1000)} s`,
  );

  // Every row exactly once, by natural key.
  const deals = await Deal.find({ source: 'kept', crmId: trusted({ $regex: '^INT-' }) })
    .select('crmId')
    .lean();
  expect(deals).toHaveLength(ROWS);
  expect(new Set(deals.map((d) => d.crmId)).size).toBe(ROWS);
  expect(await Journey.countDocuments({})).toBe(ROWS);
  expect(new Set((await Journey.find({}).select('dealId').lean()).map((j) => String(j.dealId))).size).toBe(ROWS);
  expect(await Account.countDocuments({ domain: trusted({ $regex: '^kill' }) })).toBe(ACCOUNTS);
  expect(await Contact.countDocuments({})).toBe(ROWS);
  expect(await Contact.countDocuments({ isPrimary: true })).toBe(ACCOUNTS);
  expect(job).toMatchObject({ status: 'done', processedRows: ROWS });
  expect(job.created + job.existing).toBe(ROWS);
  // One import.completed audit event, and the rollups count each deal and journey once.
  expect(await AuditEvent.countDocuments({ action: 'import.completed', entityId: jobId })).toBe(1);
  const sum = (rows: { counts: Record<string, number> }[], key: string) => rows.reduce((n, r) => n + (r.counts[key] ?? 0), 0);
  expect(sum(await readMetrics('deal.won'), 'n')).toBe(ROWS);
  expect(sum(await readMetrics('journey.started'), 'n')).toBe(ROWS);
}, 120_000);
