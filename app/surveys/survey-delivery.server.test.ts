import mongoose from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { trusted } from '#app/platform/db.server';
import { resetEnvCache } from '#app/env.server';
import { dispatchDueEmails } from '#app/email/email.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { getSurveyPage, submitSurveyAnswer } from '#app/surveys/surveys.server';
import { runCycle, TASKS } from '#app/worker/worker.server';
import { EmailBatch } from '#models/email-batch';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { useFakeResend } from '#test/harness/fake-resend';
import { letLeasesRunOut } from '#test/harness/leases-run-out';
import { startNode } from '#test/harness/processes';
import { makeDueSurveys } from '#test/factories';

// Survey emails through the outbox to the fake Resend, driven by the real SDK, the real worker
// tasks and (for the crash tests) the real `scripts/worker.ts` process.
const fake = useFakeResend({ send: true, env: { EMAIL_RATE_PER_SECOND: '20' } });

type BatchEmail = { to: string; headers?: Record<string, string>; tags?: { name: string; value: string }[] };
const surveyIdOf = (email: { tags?: { name: string; value: string }[] }) => email.tags?.find((t) => t.name === 'entityId')?.value;

/** Runs `scripts/worker.ts` as one node process (tsx as a loader, so a SIGKILL kills the worker itself). */
function startWorker(args: string[], env: Record<string, string> = {}) {
  return startNode('scripts/worker.ts', args, {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.KEPT_TEST_WORKER_LOG ?? 'warn', RESEND_API_KEY: 're_test_key', RESEND_BASE_URL: fake.url, ...env },
  });
}

function expectEachSurveyDeliveredOnce(ids: string[]) {
  const delivered = fake.delivered.map((d) => surveyIdOf(d.body as BatchEmail));
  expect(delivered).toHaveLength(ids.length);
  expect(new Set(delivered)).toEqual(new Set(ids));
}

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

describe('survey emails through Resend', () => {
  test('the invitation task sends each batch it sealed while it prepares the next, without the dispatch task', async () => {
    const ids = await makeDueSurveys(250);
    const cycle = await runCycle({ now: new Date(), owner: 'worker-a', tasks: TASKS.filter((t) => t.name === 'survey-invitations') });
    expect(cycle.ok).toBe(true);
    expect(fake.requests.map((r) => r.path)).toEqual(['/emails/batch', '/emails/batch', '/emails/batch']);
    expectEachSurveyDeliveredOnce(ids);
    // The first batch left before the last one was sealed.
    const lastSealedAt = Math.max(...(await EmailBatch.find().select('createdAt').lean()).map((b) => b.createdAt.getTime()));
    expect(fake.requests[0].at).toBeLessThan(lastSealedAt);
    expect(await EmailBatch.countDocuments({ state: 'sent' })).toBe(3);
  });

  test('a buyer who answers the moment the invitation arrives, 4 submits at once, 60 times: the link is open, one answer recorded, the others told it is in', async () => {
    const ids = await makeDueSurveys(60);
    const seen: Record<string, { page: string; results: string[] }> = {};
    // Resend holds its answer while every recipient opens the link and posts it four times at once.
    fake.whenAccepted(async (emails) => {
      await Promise.all(
        emails.map(async (email) => {
          const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(String(email.text))![1];
          const page = await getSurveyPage({ token });
          const promiseIds = page.state === 'open' ? page.promises.map((p) => p.id) : [];
          const form = (overall: string) => {
            const fd = new FormData();
            for (const [k, v] of Object.entries({ overall, nps: '8', ...Object.fromEntries(promiseIds.map((id) => [`promise.${id}.verdict`, 'delivered'])) })) fd.set(k, v);
            return fd;
          };
          const results = await Promise.all(['yes', 'no', 'partly', 'yes'].map((overall) => submitSurveyAnswer({ token, formData: form(overall) })));
          seen[surveyIdOf(email as BatchEmail)!] = { page: page.state, results: results.map((r) => r.status).sort() };
        }),
      );
    });
    const cycle = await runCycle({ now: new Date(), owner: 'worker-a', tasks: TASKS.filter((t) => t.name === 'survey-invitations') });
    expect(cycle.ok).toBe(true);
    expectEachSurveyDeliveredOnce(ids);
    expect(Object.keys(seen).sort()).toEqual([...ids].sort());
    for (const [id, { page, results }] of Object.entries(seen)) {
      expect(page, `survey ${id}: the page as the email arrived`).toBe('open');
      expect(results, `survey ${id}`).toEqual(['already', 'already', 'already', 'answered']);
    }
    expect(await SurveyResponse.countDocuments({})).toBe(ids.length);
  });

  test('one worker cycle sends due invitations as one batch, each with List-Unsubscribe headers and its own link', async () => {
    const ids = await makeDueSurveys(5);
    const cycle = await runCycle({ now: new Date(), owner: 'worker-a', tasks: TASKS });
    expect(cycle.ok).toBe(true);
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([['/emails/batch', 200]]);
    expect(fake.requests[0].idempotencyKey).toMatch(/^batch:survey-invitations:/);
    const emails = fake.requests[0].body as BatchEmail[];
    expect(emails).toHaveLength(5);
    for (const email of emails) {
      expect(email.headers).toEqual({ 'List-Unsubscribe': expect.stringMatching(/^<http:\/\/localhost:3000\/u\/.{43}>$/), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    }
    expectEachSurveyDeliveredOnce(ids);
    expect(await Survey.countDocuments({ state: 'sent' })).toBe(5);
    expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(5);

    // The next cycle has nothing to do.
    await runCycle({ now: new Date(), owner: 'worker-a', tasks: TASKS });
    expect(fake.requests).toHaveLength(1);
  });

  test('a running worker sends the invitations it just queued at once, not after its pause between cycles', async () => {
    const ids = await makeDueSurveys(5);
    // A minute between cycles: the invitations queued in a cycle leave in that same cycle (dispatch is its last task).
    const worker = startWorker(['--interval=60000']);
    const started = Date.now();
    while (fake.delivered.length < ids.length && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    const tookMs = Date.now() - started;
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
    expectEachSurveyDeliveredOnce(ids);
    expect(tookMs).toBeLessThan(30_000);
  }, 60_000);

  test('batches respect EMAIL_RATE_PER_SECOND, counted per second at the provider', async () => {
    process.env.EMAIL_RATE_PER_SECOND = '2';
    resetEnvCache();
    await makeDueSurveys(7);
    // Seven small chunks -> seven sealed batches.
    for (let i = 0; i < 7; i++) await sendDueInvitations({ now: new Date(), owner: 'worker-a', limit: 1 });
    expect(await EmailBatch.countDocuments({})).toBe(7);
    const started = Date.now();
    const result = await dispatchDueEmails({ now: new Date(), owner: 'worker-a' });
    expect(result).toMatchObject({ batches: 7, sent: 7 });
    const arrivals = fake.requests.map((r) => r.at);
    const busiestSecond = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u < t + 1000).length));
    expect(busiestSecond).toBe(2);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  test('two workers on 1,000 due surveys: every survey reaches Resend exactly once', async () => {
    const ids = await makeDueSurveys(1000);
    // Two workers (own lease owners, racing on the same database) run the survey tasks and the
    // dispatcher; the crash test below runs real worker processes.
    const tasks = TASKS.filter((t) => t.name.startsWith('survey-') || t.name.startsWith('email-'));
    const now = new Date();
    const [a, b] = await Promise.all([runCycle({ now, owner: 'worker-a', tasks }), runCycle({ now, owner: 'worker-b', tasks })]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    const invited = [a, b].map((c) => (c.tasks.find((t) => t.name === 'survey-invitations')!.result as { sent: number }).sent);
    expect(invited[0] + invited[1]).toBe(1000);
    expect(Math.min(...invited)).toBeGreaterThan(0);

    expectEachSurveyDeliveredOnce(ids);
    // Each batch key was accepted once (a batch is never sent under two keys, nor twice).
    const batchKeys = fake.requests.filter((r) => r.status === 200).map((r) => r.idempotencyKey);
    expect(batchKeys.length).toBeGreaterThanOrEqual(10);
    expect(new Set(batchKeys).size).toBe(batchKeys.length);
    expect(await Survey.countDocuments({ state: 'sent' })).toBe(1000);
    expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(1000);
    expect(await EmailMessage.countDocuments({})).toBe(1000);
  }, 300_000);

  test('a worker SIGKILLed while Resend holds its batch: after the lease expires a new worker finishes, nothing duplicated or stuck', async () => {
    const ids = await makeDueSurveys(250);
    // The provider accepts the batch but answers slowly: the worker dies before it records anything.
    fake.setLatency(5_000);
    const doomed = startWorker(['--interval=200']);
    const deadline = Date.now() + 120_000;
    while (!fake.requests.some((r) => r.path === '/emails/batch')) {
      if (Date.now() > deadline) throw new Error(`no batch request: ${doomed.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(fake.delivered).toHaveLength(100);
    expect(await EmailBatch.countDocuments({ state: 'sending' })).toBe(1);

    // Time passes: the dead worker's leases run out, and so do the holds on batches it sealed.
    await letLeasesRunOut();
    fake.setLatency(0);

    // A worker as deployed: it runs cycles until the work is done (on a loaded machine one cycle
    // may not finish all of it), then is stopped; nothing may be sent twice meanwhile.
    const next = startWorker(['--interval=200']);
    const until = Date.now() + 90_000;
    while (new Set(fake.delivered.map((d) => surveyIdOf(d.body as BatchEmail))).size < ids.length && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    next.child.kill('SIGTERM');
    expect((await next.exited).code, next.output()).toBe(0);
    // What was left, printed when a survey never reached Resend (whose lease or hold kept it back).
    const left = {
      surveys: await Survey.find()
        .select('state leaseOwner leaseExpiresAt')
        .lean()
        .then((r) => r.filter((x) => x.state !== 'sent')),
      emails: await EmailMessage.find({ state: trusted({ $ne: 'sent' }) })
        .select('state batchKey leaseOwner')
        .lean(),
      batches: await EmailBatch.find()
        .select('state attempts nextAttemptAt leaseOwner leaseExpiresAt messageIds')
        .lean()
        .then((r) => r.map((b) => ({ ...b, messageIds: b.messageIds.length }))),
    };
    expect(new Set(fake.delivered.map((d) => surveyIdOf(d.body as BatchEmail))).size, `left: ${JSON.stringify(left).slice(0, 6000)}\n${next.output().slice(-3000)}`).toBe(
      ids.length,
    );
    expectEachSurveyDeliveredOnce(ids);
    const firstKey = fake.requests.find((r) => r.path === '/emails/batch')!.idempotencyKey;
    // The interrupted batch was sent again under its key, byte-identical, and Resend answered it from its idempotency record.
    const resent = fake.requestsFor(firstKey!);
    expect(resent).toHaveLength(2);
    expect(JSON.stringify(resent[0].body)).toBe(JSON.stringify(resent[1].body));
    expect(await EmailBatch.countDocuments({ state: 'sent' })).toBe(await EmailBatch.countDocuments({}));
    expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(250);
    expect(await Survey.countDocuments({ state: 'sent' })).toBe(250);
  }, 240_000);
});
