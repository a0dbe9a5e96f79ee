// Load: 50 concurrent clients for 60 seconds against a production server of our own
// (test/e2e/own-stack.ts, its own seeded data): staff of every role reading their pages and CS
// accepting the same handoffs at once, buyers submitting survey answers (each link by five buyers
// at the same moment), and the worker sending invitations meanwhile. Asserts errors under 1 % and
// no duplicate answers, sends or audit events; prints requests, error rate and latencies (timings
// are reported, never asserted: this machine is shared).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stopProc } from '../harness/processes';
import { clientAddress, postCrmDeal, signIn, surveyAnswer, surveyLinksAtFake, type OwnStack, startOwnStack } from './own-stack';

const CLIENTS = 50;
const STAFF_CLIENTS = 30;
const BUYERS_PER_LINK = 5;
const DURATION_MS = Number(process.env.KEPT_LOAD_SECONDS ?? 60) * 1000;

let stack: OwnStack;
let disconnect: () => Promise<void> = async () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const step = (what: string) => process.env.KEPT_LOAD_DEBUG && console.log(`[load] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);

beforeAll(async () => {
  stack = await startOwnStack({ accounts: 15 });
  process.env.MONGODB_URI = stack.mongoUri;
  process.env.APP_URL = stack.baseUrl;
  process.env.SESSION_SECRET ??= 'e2e-load-spec-secret-0123456789';
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(stack.mongoUri);
  disconnect = disconnectDb;
}, 180_000);

afterAll(async () => {
  await disconnect().catch(() => undefined);
  await stack?.stop();
}, 60_000);

/** Makes up to `count` scheduled surveys due now, through the survey service (sent even before go-live, as CS may choose). */
async function makeSurveysDue(count: number) {
  const { Survey } = await import('#models/survey');
  const { updateSurvey } = await import('#app/surveys/surveys.server');
  const { trusted } = await import('#app/platform/db.server');
  const scheduled = await Survey.find({ state: 'scheduled', dueAt: trusted({ $gt: new Date() }) })
    .select('_id')
    .limit(count)
    .lean();
  const now = new Date();
  for (const s of scheduled) await updateSurvey({ id: s._id, now, accept: (x) => x.state === 'scheduled', change: () => ({ $set: { dueAt: now, sendAnywayAt: now } }) });
  return scheduled.map((s) => String(s._id));
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

test(`${CLIENTS} clients for ${DURATION_MS / 1000} s across staff pages and survey submissions: under 1 % errors, no duplicate answers, sends or audit events`, async () => {
  const { AuditEvent } = await import('#models/audit-event');
  const { SurveyResponse } = await import('#models/survey-response');
  const { trusted } = await import('#app/platform/db.server');

  // Fresh closed-won deals from the CRM: handoffs nobody accepted yet, and survey waves (scheduled by
  // the worker's intake safety net) that can come due.
  const fresh: { journeyId: string }[] = [];
  for (let i = 0; i < 40; i += 5) fresh.push(...(await Promise.all([0, 1, 2, 3, 4].map((k) => postCrmDeal(stack, `load-${Date.now().toString(36)}-${i + k}`)))));
  const scheduling = stack.startWorker(['--once']);
  expect((await scheduling.exited).code, scheduling.output()).toBe(0);
  step('fresh deals');

  // Invitations out before the load: these links are what the buyers answer.
  const answerable = await makeSurveysDue(40);
  step('due surveys made');
  const once = stack.startWorker(['--once']);
  expect((await once.exited).code, once.output()).toBe(0);
  const linksById = surveyLinksAtFake(stack.fake);
  const links = answerable.map((id) => ({ id, link: linksById.get(id)! })).filter((l) => l.link);
  expect(links.length).toBeGreaterThanOrEqual(30);
  step('invitations sent');
  const forms = await Promise.all(links.map((l) => surveyAnswer(l.link)));
  // More waves come due while the load runs: the worker sends them meanwhile.
  const sentDuringLoad = await makeSurveysDue(60);
  step('forms read, more due');
  const worker = stack.startWorker(['--interval=1000']);

  // Handoffs CS has not accepted yet: several CS and admin clients accept the same ones at once.
  const journeys = fresh.slice(0, 20).map((f) => f.journeyId);

  step('journeys picked');
  const { seeded } = stack;
  const pages: Record<string, string[]> = {
    'cs@kept.demo': ['/home', '/journeys', '/accounts', '/surveys', `/journeys/${journeys[0]}`],
    'sales@kept.demo': ['/home', '/accounts', `/accounts/${seeded.accountId}`, `/deals/${seeded.dealId}`, '/surveys'],
    'leadership@kept.demo': ['/dashboards', '/dashboards/value', '/journeys', '/accounts'],
    'marketing@kept.demo': ['/advocacy', '/advocacy/asks', '/accounts'],
    'admin@kept.demo': ['/admin/outbox', '/admin/users', '/journeys', '/dashboards'],
  };
  const roles = Object.keys(pages);
  // Two sessions per role (a sign-in costs a 32 MiB scrypt), each client from its own address.
  const sessions = await Promise.all(roles.flatMap((email) => [0, 1].map(async () => ({ email, cookie: await signIn(stack.baseUrl, email) }))));
  const staff = Array.from({ length: STAFF_CLIENTS }, (_, i) => ({ ...sessions[i % sessions.length], ip: clientAddress() }));

  step('signed in');
  type Sample = { kind: string; status: number; ms: number; ok: boolean; detail?: string };
  const samples: Sample[] = [];
  const submissions = new Map<string, number[]>();
  const accepts = new Map<string, number[]>();
  const deadline = Date.now() + DURATION_MS;
  const call = async (kind: string, url: string, init: RequestInit, expected: number[]) => {
    const started = performance.now();
    try {
      const res = await fetch(`${stack.baseUrl}${url}`, { redirect: 'manual', signal: AbortSignal.timeout(60_000), ...init });
      await res.arrayBuffer();
      const ok = expected.includes(res.status);
      samples.push({ kind, status: res.status, ms: performance.now() - started, ok, detail: ok ? undefined : `${init.method ?? 'GET'} ${url}` });
      return res.status;
    } catch (error) {
      samples.push({ kind, status: 0, ms: performance.now() - started, ok: false, detail: `${url}: ${String(error)}` });
      return 0;
    }
  };

  const staffClient = async (client: (typeof staff)[number], i: number) => {
    const headers = { cookie: client.cookie, 'X-Forwarded-For': client.ip };
    const writer = client.email === 'cs@kept.demo' || client.email === 'admin@kept.demo';
    let accepted = 0;
    for (let n = i; Date.now() < deadline; n++) {
      const list = pages[client.email];
      if (writer && n % 3 === 0) {
        // Every writer walks the same journeys in the same order: each handoff gets concurrent accepts.
        const journeyId = journeys[accepted++ % journeys.length];
        const status = await call('accept', `/journeys/${journeyId}`, { method: 'POST', headers, body: new URLSearchParams({ intent: 'accept' }) }, [200, 409]);
        accepts.set(journeyId, [...(accepts.get(journeyId) ?? []), status]);
      } else {
        await call('staff page', list[n % list.length], { headers }, [200]);
      }
    }
  };

  // Buyers in groups of five walk the same links in the same order: each link is submitted by
  // five buyers at once (one answer stored, the rest are told it is already in).
  const groups = Math.floor((CLIENTS - STAFF_CLIENTS) / BUYERS_PER_LINK);
  const buyerClient = async (group: number) => {
    for (let n = group; Date.now() < deadline; n += groups) {
      const k = n % links.length;
      const { id, link } = links[k];
      const path = new URL(link).pathname;
      const ip = clientAddress();
      await call('survey page', path, { headers: { 'X-Forwarded-For': ip } }, [200]);
      const status = await call('survey submit', path, { method: 'POST', headers: { 'X-Forwarded-For': ip }, body: forms[k] }, [302, 409]);
      submissions.set(id, [...(submissions.get(id) ?? []), status]);
    }
  };

  const started = Date.now();
  await Promise.all([...staff.map((client, i) => staffClient(client, i)), ...Array.from({ length: groups * BUYERS_PER_LINK }, (_, i) => buyerClient(i % groups))]);
  const seconds = (Date.now() - started) / 1000;

  step('load done');
  // Let the worker finish the invitations that came due during the load, then stop it.
  const { Survey } = await import('#models/survey');
  const tagOf = (d: (typeof stack.fake.delivered)[number]) => (d.body as { tags?: { name: string; value: string }[] }).tags?.find((t) => t.name === 'entityId')?.value ?? '';
  const settled = async () => {
    const pending = await Survey.countDocuments({ _id: trusted({ $in: sentDuringLoad }), state: 'scheduled' });
    const out = await Survey.countDocuments({ _id: trusted({ $in: sentDuringLoad }), state: trusted({ $in: ['sent', 'reminded', 'answered'] }) });
    const arrived = new Set(stack.fake.delivered.map(tagOf).filter((id) => sentDuringLoad.includes(id))).size;
    return pending === 0 && arrived >= out;
  };
  const settleBy = Date.now() + 90_000;
  while (!(await settled()) && Date.now() < settleBy) await sleep(500);
  await stopProc(worker, { signal: 'SIGTERM' });

  step('worker done');
  // Figures.
  const errors = samples.filter((s) => !s.ok);
  const kinds = [...new Set(samples.map((s) => s.kind))];
  const figures = kinds.map((kind) => {
    const ms = samples
      .filter((s) => s.kind === kind)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    return `${kind}: ${ms.length} (p50 ${Math.round(percentile(ms, 50))} ms, p95 ${Math.round(percentile(ms, 95))} ms)`;
  });
  const statusCounts = samples.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});
  const answered = [...submissions.values()].filter((statuses) => statuses.includes(302)).length;
  console.log(
    `[load] ${CLIENTS} clients, ${seconds.toFixed(0)} s: ${samples.length} requests (${Math.round(samples.length / seconds)}/s), ` +
      `${errors.length} errors (${((100 * errors.length) / samples.length).toFixed(2)} %), statuses ${JSON.stringify(statusCounts)}; ${figures.join('; ')}; ` +
      `${answered} survey links answered by ${[...submissions.values()].flat().length} submissions, ${accepts.size} handoffs accepted by ${[...accepts.values()].flat().length} posts, ` +
      `${sentDuringLoad.length} invitations sent by the worker meanwhile`,
  );
  if (errors.length) console.log(`[load] first errors: ${JSON.stringify(errors.slice(0, 5))}`);

  expect(samples.length).toBeGreaterThan(CLIENTS);
  expect(errors.length / samples.length).toBeLessThan(0.01);

  // No duplicate answers: per link at most one submission was accepted, and it is stored once.
  for (const [id, statuses] of submissions) expect(statuses.filter((s) => s === 302).length, `link of survey ${id}`).toBeLessThanOrEqual(1);
  const answeredIds = [...submissions].filter(([, statuses]) => statuses.includes(302)).map(([id]) => id);
  expect(await SurveyResponse.countDocuments({ _id: trusted({ $in: links.map((l) => l.id) }) })).toBe(answeredIds.length);
  expect(answeredIds.length).toBeGreaterThan(0);

  // No duplicate audit events: each handoff accepted once (one 200 among the concurrent posts).
  for (const [journeyId, statuses] of accepts) {
    const events = await AuditEvent.countDocuments({ action: 'journey.handoff_accepted', entityId: journeyId });
    expect(events, `journey ${journeyId}`).toBe(1);
    expect(statuses.filter((s) => s === 200).length, `journey ${journeyId}: ${statuses}`).toBe(1);
  }

  // No duplicate sends: every invitation (before and during the load) reached Resend exactly once.
  const delivered = stack.fake.delivered.map(tagOf);
  const invited = [...answerable, ...sentDuringLoad];
  const wentOut = (
    await Survey.find({ _id: trusted({ $in: invited }), state: trusted({ $in: ['sent', 'reminded', 'answered'] }) })
      .select('_id')
      .lean()
  ).map((x) => String(x._id));
  expect(wentOut.length).toBeGreaterThan(answerable.length);
  expect(delivered.filter((id) => invited.includes(id)).sort()).toEqual(wentOut.sort());
}, 360_000);
