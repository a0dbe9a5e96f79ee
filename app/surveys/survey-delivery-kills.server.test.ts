import { afterAll, expect, test } from 'vitest';
import type { Collection } from 'mongodb';
import { trusted } from '#app/platform/db.server';
import { resetEnvCache } from '#app/env.server';
import { EmailBatch } from '#models/email-batch';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { useFakeResend } from '#test/harness/fake-resend';
import { letLeasesRunOut } from '#test/harness/leases-run-out';
import { startNode, stopProc, type Proc } from '#test/harness/processes';
import { mulberry32 } from '#app/utils/random.server';
import { makeDueSurveys } from '#test/factories';

// Builds on survey-delivery.server.test.ts (one worker SIGKILLed while Resend holds its batch):
// here real `scripts/worker.ts` processes are SIGKILLed five times at random moments of
// dispatching 400 due surveys (KEPT_KILL_SURVEYS=1000 for the full size: about 4 minutes on two
// cores), then a clean run finishes. Every survey's email must reach the
// fake Resend exactly once, under one idempotency key, and nothing may stay stuck.
const fake = useFakeResend();
const SURVEYS = Number(process.env.KEPT_KILL_SURVEYS) || 400;
const KILLS = 5;

type Tagged = { tags?: { name: string; value: string }[] };
const surveyIdOf = (email: Tagged) => email.tags?.find((t) => t.name === 'entityId')?.value;

/** `scripts/worker.ts` as one node process (tsx as a loader, so SIGKILL kills the worker itself). */
function startWorker(args: string[]) {
  return startNode('scripts/worker.ts', args, {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', RESEND_API_KEY: 're_test_key', RESEND_BASE_URL: fake.url, EMAIL_RATE_PER_SECOND: '20' },
  });
}

/** How many documents are in each value of `field`, e.g. { queued: 100, sent: 300 }. */
async function countBy(collection: Collection, field: string) {
  const rows = await collection.aggregate<{ _id: string; n: number }>([{ $group: { _id: `$${field}`, n: { $sum: 1 } } }]).toArray();
  return Object.fromEntries(rows.map((r) => [r._id, r.n]));
}

let current: Proc | undefined;
afterAll(async () => {
  await stopProc(current);
  resetEnvCache();
});

test(`a worker SIGKILLed ${KILLS} times at random moments of dispatching ${SURVEYS} surveys: after a clean run every email reached Resend once, under one key, none stuck`, async () => {
  const ids = await makeDueSurveys(SURVEYS);
  const seed = Number(process.env.KEPT_KILL_SEED) || Date.now() % 1_000_000;
  const rand = mulberry32(seed); // replayable with KEPT_KILL_SEED
  // The provider answers a little slowly, so kills also land while a batch is with Resend.
  fake.setLatency(150);
  const kills: { afterMs: number; midDispatch: boolean; requestsBefore: number; requestsAfter: number }[] = [];
  const started = Date.now();

  for (let i = 0; i < KILLS; i++) {
    current = startWorker(['--interval=200']);
    const requestsBefore = fake.requests.length;
    // Odd kills: a random moment from start-up into the invitation task (holding surveys, storing
    // links and outbox entries, sealing batches). Even kills: a random moment after the next batch
    // request reached Resend (the provider holds it 150 ms), i.e. mid-dispatch.
    const midDispatch = i % 2 === 1;
    const t0 = Date.now();
    if (midDispatch) {
      const deadline = Date.now() + 60_000;
      while (fake.requests.length === requestsBefore && current.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.round(rand() * 400)));
    } else {
      await new Promise((r) => setTimeout(r, Math.round(1_000 + rand() * 4_000)));
    }
    const afterMs = Date.now() - t0;
    current.child.kill('SIGKILL');
    await current.exited;
    kills.push({ afterMs, midDispatch, requestsBefore, requestsAfter: fake.requests.length });
    // Time passes: the dead worker's leases run out, and so do the holds on batches it sealed (a
    // clean run a few seconds later would not send a held batch yet).
    await letLeasesRunOut();
  }

  // A clean run (cron-style `--once`, repeated until a cycle finds nothing left, at most 5).
  fake.setLatency(0);
  const cleanStarted = Date.now();
  let cleanRuns = 0;
  for (; cleanRuns < 5;) {
    cleanRuns++;
    current = startWorker(['--once']);
    expect((await current.exited).code, current.output()).toBe(0);
    const open = (await Survey.countDocuments({ state: 'scheduled' })) + (await EmailMessage.countDocuments({ state: trusted({ $ne: 'sent' }) }));
    if (open === 0) break;
  }

  const delivered = fake.delivered.map((d) => surveyIdOf(d.body as Tagged));
  const batchRequests = fake.requests.filter((r) => r.path === '/emails/batch');
  const keys = new Map<string, string[]>();
  for (const r of batchRequests) keys.set(r.idempotencyKey!, [...(keys.get(r.idempotencyKey!) ?? []), JSON.stringify(r.body)]);
  const resentKeys = [...keys.values()].filter((bodies) => bodies.length > 1).length;
  console.log(
    `[kills] seed ${seed}: ${KILLS} SIGKILLs at ${kills.map((k) => `${k.afterMs} ms ${k.midDispatch ? 'after a batch request' : 'after start'} (${k.requestsAfter - k.requestsBefore} requests)`).join(', ')}; ` +
      `${cleanRuns} clean run(s) in ${Math.round((Date.now() - cleanStarted) / 1000)} s; ${batchRequests.length} batch requests under ${keys.size} keys (${resentKeys} re-sent after a kill, answered from Resend's idempotency record); ` +
      `${delivered.length} emails delivered for ${SURVEYS} surveys in ${Math.round((Date.now() - started) / 1000)} s`,
  );

  // Each survey's email reached Resend exactly once (an idempotent replay is not a second delivery)...
  const left = {
    surveys: await countBy(Survey.collection, 'state'),
    emails: await countBy(EmailMessage.collection, 'state'),
    batches: await countBy(EmailBatch.collection, 'state'),
  };
  expect(delivered, `left after the clean runs: ${JSON.stringify(left)}`).toHaveLength(SURVEYS);
  expect(new Set(delivered)).toEqual(new Set(ids));
  // ...and under one key: no email was ever in two batches, a re-sent batch was byte-identical (no 409), never refused.
  expect(batchRequests.filter((r) => r.status !== 200)).toEqual([]);
  for (const bodies of keys.values()) expect(new Set(bodies).size).toBe(1);
  const emailToKey = new Map<string, string>();
  for (const [key, bodies] of keys)
    for (const e of JSON.parse(bodies[0]) as Tagged[]) {
      const id = surveyIdOf(e)!;
      expect(emailToKey.get(id) ?? key, `survey ${id} in two batches`).toBe(key);
      emailToKey.set(id, key);
    }
  // Nothing stuck: every outbox entry, batch and survey finished.
  expect(await EmailMessage.countDocuments({})).toBe(SURVEYS);
  expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(SURVEYS);
  expect(await EmailBatch.countDocuments({ state: trusted({ $ne: 'sent' }) })).toBe(0);
  expect(await Survey.countDocuments({ state: 'sent' })).toBe(SURVEYS);
}, 300_000);
