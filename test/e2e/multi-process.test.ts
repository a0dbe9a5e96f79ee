// Several processes, one database (issue 7): one FerretDB, two production web servers
// (scripts/serve.ts) and two looping workers (scripts/worker.ts), all on the same database, with the
// fake Resend. Everything is driven at once and spread across both servers: logins, the same journey
// step tried through both servers, the same survey link posted to both, and a few hundred due
// surveys the two workers race to deliver. Then: no duplicate emails, no lost or double answers,
// and rollups equal to a count from scratch and to `npm run metrics:rebuild`.
// Nothing here touches the shared e2e server of test/e2e/global-setup.ts. With MONGODB_URI set (a
// run against MongoDB, docs/mongodb.md) the database is one of its own on that server, dropped after.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, freePort, startFerretDb, type RunningDb } from '../../scripts/lib/ferretdb';
import { FakeResend } from '../fake-resend';
import { startNode as startScript, stopProc as stopScript, waitFor as waitUntil, type Proc as ScriptProc } from '../harness/processes';
import { DEMO_PASSWORD, clientAddress, dropDatabase, surveyAnswer, surveyLinksIn } from './own-stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const JOURNEYS = 6;
const SURVEY_ACCOUNTS = 10;
const DEALS_PER_ACCOUNT = 10; // x 3 waves = 300 due surveys
const ANSWERED_PAIRS = 60;
const USERS = ['admin@kept.demo', 'cs@kept.demo', 'sales@kept.demo', 'leadership@kept.demo', 'marketing@kept.demo'];

type Proc = ScriptProc & { name: string };
type Server = { name: 'A' | 'B'; url: string; proc?: Proc };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-multi-db-'));
const fake = new FakeResend();
const procs: Proc[] = [];
let db: RunningDb | undefined;
let mongoUri = '';
let ownDatabaseOnGivenServer = false;
let env: Record<string, string | undefined> = {};
const servers: Server[] = [];
let disconnect: () => Promise<void> = async () => undefined;

// What the drive phase records, for the assertions and the figures.
const figures = { requests: 0, byServer: { A: 0, B: 0 } as Record<string, number>, driveMs: 0, firstInvitationMs: 0, allInvitedMs: 0, statuses: {} as Record<string, number> };
const created = { journeyIds: [] as string[], contacts: new Map<string, { id: string; email: string }>(), surveyIds: [] as string[] };
const outcomes = {
  logins: [] as { email: string; server: string; cookie: string; status: number }[],
  journeys: [] as { journeyId: string; step: string; statuses: Record<string, number> }[],
  answers: [] as { surveyId: string; statuses: Record<string, number>; sent: Record<string, string> }[],
};
const opened = new Map<string, boolean>();

/** One node process running a script with tsx as a loader, in its own process group. */
function startNode(name: string, script: string, args: string[], extraEnv: Record<string, string> = {}): Proc {
  const proc = { name, ...startScript(script, args, { env: { ...env, ...extraEnv } as NodeJS.ProcessEnv, detached: true, keep: 100_000 }) };
  procs.push(proc);
  return proc;
}

/** SIGTERM to the process group, SIGKILL after 15 s. */
const stopProc = (proc: Proc) => stopScript(proc, { signal: 'SIGTERM', group: true, graceMs: 15_000 });

const killAll = () => {
  for (const p of procs) if (p.alive() && p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
  if (db?.process.exitCode === null) db.process.kill('SIGKILL');
};

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, pauseMs = 200) => waitUntil(what, probe, timeoutMs, { pauseMs });

/** A request to one server like a browser without JavaScript; counted in the figures. */
async function call(server: Server, pathname: string, init: { cookie?: string; form?: URLSearchParams; address?: string } = {}) {
  const res = await fetch(`${server.url}${pathname}`, {
    method: init.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { 'X-Forwarded-For': init.address ?? clientAddress(), ...(init.cookie ? { cookie: init.cookie } : {}) },
    body: init.form,
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.text();
  figures.requests++;
  figures.byServer[server.name]++;
  figures.statuses[res.status] = (figures.statuses[res.status] ?? 0) + 1;
  return { status: res.status, body, headers: res.headers };
}

async function signIn(server: Server, email: string, password = DEMO_PASSWORD, address?: string) {
  const res = await call(server, '/login', { form: new URLSearchParams({ email, password, redirectTo: '' }), address });
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
}

/** The same form posted through both servers at the same moment; statuses by server. */
async function race(pathname: string, forms: { A: URLSearchParams; B: URLSearchParams }, cookies: { A?: string; B?: string } = {}) {
  const [a, b] = await Promise.all([call(servers[0], pathname, { form: forms.A, cookie: cookies.A }), call(servers[1], pathname, { form: forms.B, cookie: cookies.B })]);
  return { A: a.status, B: b.status };
}

const sorted = (statuses: Record<string, number>) => Object.values(statuses).sort((x, y) => x - y);

beforeAll(async () => {
  process.once('exit', killAll);
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/kept_multi_${crypto.randomBytes(6).toString('hex')}`;
    mongoUri = url.toString();
    ownDatabaseOnGivenServer = true;
  } else {
    db = await startFerretDb({ dataDir, quiet: true });
    mongoUri = db.uri.replace(/\/kept$/, '/kept_multi');
  }
  console.log(`[multi-process] database: ${db ? `its own FerretDB on port ${db.port}` : `MONGODB_URI, database ${new URL(mongoUri).pathname.slice(1)} of its own`}`);
  await fake.start();
  const ports = [await freePort(), await freePort()];
  // Behind a load balancer every process knows the one public URL; here server A stands in for it.
  const publicUrl = `http://localhost:${ports[0]}`;
  env = {
    ...process.env,
    NODE_ENV: 'production',
    MONGODB_URI: mongoUri,
    // One secret for every web process: a cookie signed by one is valid on the other.
    SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
    APP_URL: publicUrl,
    LOG_LEVEL: process.env.KEPT_MULTI_LOG ? 'debug' : 'warn',
    TRUST_PROXY: 'true',
    RESEND_API_KEY: 're_multi_process_fake_key',
    RESEND_BASE_URL: fake.url,
    EMAIL_RATE_PER_SECOND: '20',
    CRM_WEBHOOK_SECRET: crypto.randomBytes(24).toString('hex'),
  };
  await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'test/e2e/seed-db.ts'), '--accounts', '10'], {
    cwd: ROOT,
    env: { ...env, NODE_ENV: 'test' },
    maxBuffer: 20 * 1024 * 1024,
  });

  // This process reads and prepares data through the same services and models.
  process.env.MONGODB_URI = mongoUri;
  process.env.APP_URL = publicUrl;
  process.env.SESSION_SECRET ??= env.SESSION_SECRET;
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(mongoUri);
  disconnect = disconnectDb;
  const { User } = await import('#models/user');
  const { Deal } = await import('#models/deal');
  const { Survey } = await import('#models/survey');
  const { makeAccount, makeContact } = await import('#test/factories');
  const { startJourneyForDeal } = await import('#app/journeys/journey.server');
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean();
  const rep = await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean();
  if (!cs || !rep) throw new Error('The demo seed made no cs@ or sales@ user.');
  const promise = { text: 'Cut onboarding time in half', successCriterion: 'Under 5 days', category: 'time-savings' };
  const tag = crypto.randomBytes(3).toString('hex');

  // Journeys in handoff, each on its own account with one buyer (so each plan link is unambiguous);
  // mid-market, so they start on the default playbook (the demo's "SMB quick start" serves smb).
  for (let i = 0; i < JOURNEYS; i++) {
    const account = await makeAccount({ name: `Multi ${tag} journey ${i}`, segment: 'mid-market', csmId: String(cs._id), aeIds: [String(rep._id)] });
    const contact = await makeContact(account.id, { email: `buyer-${i}-${tag}@journey.example` });
    const deal = await Deal.create({
      source: 'manual',
      crmId: `multi-${tag}-j${i}`,
      name: `Journey deal ${i}`,
      accountId: account.id,
      aeId: rep._id,
      closedWonAt: new Date(Date.now() - 5 * 86_400_000),
      arr: 12_000,
      currency: 'USD',
      promises: [promise],
    });
    const { journeyId } = await startJourneyForDeal({ dealId: deal._id });
    created.journeyIds.push(journeyId);
    created.contacts.set(journeyId, contact);
  }

  // 300 surveys due an hour ago (waves 6, 9, 12 of 100 deals), for the two workers to race on.
  const closedWonAt = new Date(Date.now() - 400 * 86_400_000);
  const dueAt = new Date(Date.now() - 3_600_000);
  for (let a = 0; a < SURVEY_ACCOUNTS; a++) {
    const account = await makeAccount({ name: `Multi ${tag} surveys ${a}`, segment: a % 2 ? 'smb' : 'enterprise', csmId: String(cs._id), aeIds: [String(rep._id)] });
    await makeContact(account.id, { email: `survey-buyer-${a}-${tag}@surveys.example` });
    const deals = await Deal.insertMany(
      Array.from({ length: DEALS_PER_ACCOUNT }, (_, d) => ({
        source: 'manual',
        crmId: `multi-${tag}-s${a}-${d}`,
        name: `Survey deal ${a}.${d}`,
        accountId: account.id,
        aeId: rep._id,
        closedWonAt,
        arr: 9_000,
        currency: 'USD',
        promises: [promise],
      })),
    );
    // The worker starts these deals' journeys (in their first stage, not live), and a wave due before go-live is
    // held (docs/surveys.md): CS chose to send these anyway, so the two workers race on all 300.
    const sendAnywayAt = new Date();
    const surveys = await Survey.insertMany(
      deals.flatMap((d) =>
        [6, 9, 12].map((wave) => ({
          dealId: d._id,
          wave,
          dueAt,
          state: 'scheduled',
          accountId: account.id,
          aeId: rep._id,
          segment: a % 2 ? 'smb' : 'enterprise',
          closedWonAt,
          sendAnywayAt,
        })),
      ),
    );
    created.surveyIds.push(...surveys.map((s) => String(s._id)));
  }

  for (const [i, port] of ports.entries()) servers.push({ name: i === 0 ? 'A' : 'B', url: `http://localhost:${port}` });
  await Promise.all(
    servers.map(async (server, i) => {
      server.proc = startNode(`web ${server.name}`, 'scripts/serve.ts', [], { PORT: String(ports[i]) });
      await waitFor(
        `/healthz 200 from server ${server.name}`,
        async () => {
          if (!server.proc!.alive()) throw new Error(`Server ${server.name} exited:\n${server.proc!.output()}`);
          return (await fetch(`${server.url}/healthz`).catch(() => null))?.status === 200;
        },
        60_000,
      );
    }),
  );
}, 180_000);

afterAll(async () => {
  // KEPT_MULTI_LOG=<dir> keeps every process's output there (for a failure's post-mortem).
  if (process.env.KEPT_MULTI_LOG) for (const p of procs) fs.writeFileSync(path.join(process.env.KEPT_MULTI_LOG, `${p.name.replace(/\W+/g, '-')}.log`), p.output());
  await disconnect().catch(() => undefined);
  for (const p of procs) await stopProc(p).catch(() => undefined);
  if (ownDatabaseOnGivenServer) await dropDatabase(mongoUri).catch((error) => console.error(`[multi-process] could not drop its database: ${error}`));
  await db?.stop();
  await fake.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.off('exit', killAll);
}, 60_000);

describe('two web servers and two workers on one database', () => {
  test(
    'driven at once: logins on both servers, one journey step through both, one survey link posted to both, 300 due surveys for two workers',
    async () => {
      const started = Date.now();
      const [A, B] = servers;
      const workers = [startNode('worker 1', 'scripts/worker.ts', ['--interval=300']), startNode('worker 2', 'scripts/worker.ts', ['--interval=300'])];

      // Logins: every demo user signs in on both servers at the same moment.
      const logins = (async () => {
        await Promise.all(
          USERS.flatMap((email) =>
            servers.map(async (server) => {
              const { status, cookie } = await signIn(server, email);
              outcomes.logins.push({ email, server: server.name, cookie, status });
            }),
          ),
        );
      })();

      // Journeys: CS on server A and the admin on server B take every step at the same moment.
      const journeys = (async () => {
        const cookies = { A: (await signIn(A, 'cs@kept.demo')).cookie, B: (await signIn(B, 'admin@kept.demo')).cookie };
        const form = (fields: Record<string, string>) => new URLSearchParams(fields);
        await Promise.all(
          created.journeyIds.map(async (journeyId) => {
            const at = `/journeys/${journeyId}`;
            const record = (step: string, statuses: Record<string, number>) => outcomes.journeys.push({ journeyId, step, statuses });
            record('accept', await race(at, { A: form({ intent: 'accept' }), B: form({ intent: 'accept' }) }, cookies));
            const evidence = (who: string) =>
              form({
                intent: 'evidence',
                criterionKey: 'handoff-call',
                kind: 'meeting',
                url: `https://meet.example.com/rec/${journeyId}/${who}`,
                note: `Recording attached via ${who}`,
              });
            record('evidence', await race(at, { A: evidence('A'), B: evidence('B') }, cookies));
            const contact = created.contacts.get(journeyId)!;
            const ask = form({ intent: 'request-confirmation', contactId: contact.id });
            record('request-confirmation', await race(at, { A: ask, B: ask }, cookies));
            // The request goes out through a worker; the buyer's link arrives at the fake Resend.
            const link = await waitFor(
              `the plan link for ${contact.email}`,
              async () => {
                const email = fake.delivered.find((d) => d.body.to === contact.email || (Array.isArray(d.body.to) && d.body.to.includes(contact.email)));
                return (email?.body.text as string | undefined)?.match(/\/plan\/[A-Za-z0-9_-]{43}/)?.[0];
              },
              Number(process.env.KEPT_MULTI_PLAN_WAIT ?? 150_000),
            ).catch(async (error) => {
              const { EmailMessage } = await import('#models/email-message');
              const outbox = await EmailMessage.find({ to: contact.email }).select('template state attempts lastError nextAttemptAt leaseOwner batchKey').lean();
              throw new Error(
                `${String(error)}; outbox: ${JSON.stringify(outbox)}; statuses so far: ${JSON.stringify(outcomes.journeys.filter((o) => o.journeyId === journeyId))}`,
              );
            });
            const confirm = form({ criterionKey: 'kickoff-confirmed' });
            record('buyer-confirm', await race(link, { A: confirm, B: confirm }));
            record('advance', await race(at, { A: form({ intent: 'advance', fromStage: 'handoff' }), B: form({ intent: 'advance', fromStage: 'handoff' }) }, cookies));
          }),
        );
      })();

      // Survey answers: the first links to arrive are answered through both servers at once, with
      // different answers, so the stored one shows which submit won. They are opened the moment the
      // invitation reaches Resend, as a buyer or a mail scanner could: the link must already work then
      // (issue 21). The fake answers the worker meanwhile (holding it longer than the send timeout would
      // let the other worker take the batch over and replay it).
      const answers = (async () => {
        const done = new Set<string>();
        const mine = new Set(created.surveyIds);
        const racing: Promise<void>[] = [];
        let firstLinkAt = 0;
        const answerBoth = async ([surveyId, link]: [string, string]) => {
          const yes = await surveyAnswer(link, { 'X-Forwarded-For': clientAddress() });
          // The page showed the form (its promises) as the email arrived, not "this link cannot be used".
          opened.set(
            surveyId,
            [...yes.keys()].some((key) => key.endsWith('.verdict')),
          );
          const no = new URLSearchParams(yes);
          no.set('overall', 'no');
          no.set('nps', '3');
          for (const key of [...no.keys()]) if (key.endsWith('.verdict')) no.set(key, 'not_yet');
          const statuses = await race(new URL(link).pathname, { A: yes, B: no });
          outcomes.answers.push({ surveyId, statuses, sent: { A: 'yes', B: 'no' } });
        };
        fake.whenAccepted(async (emails) => {
          const fresh = [...surveyLinksIn(emails)].filter(([id]) => mine.has(id) && !done.has(id)).slice(0, ANSWERED_PAIRS - done.size);
          if (fresh.length === 0) return;
          firstLinkAt ||= Date.now();
          for (const [id] of fresh) done.add(id);
          const answered = (async () => {
            for (let i = 0; i < fresh.length; i += 6) await Promise.all(fresh.slice(i, i + 6).map(answerBoth));
          })();
          racing.push(answered);
        });
        await waitFor(`${ANSWERED_PAIRS} invitations`, async () => done.size >= ANSWERED_PAIRS, 90_000);
        fake.whenAccepted(null);
        await Promise.all(racing);
        figures.firstInvitationMs = firstLinkAt - started;
      })();

      await Promise.all([logins, journeys, answers]);

      // Dispatch: every one of the 300 surveys gets its invitation (the workers keep going meanwhile).
      const { Survey } = await import('#models/survey');
      const { trusted } = await import('#app/platform/db.server');
      await waitFor(
        'all 300 surveys invited',
        async () => (await Survey.countDocuments({ _id: trusted({ $in: created.surveyIds }), invitedAt: trusted({ $ne: null }) })) === created.surveyIds.length,
        90_000,
        500,
      );
      figures.allInvitedMs = Date.now() - started;
      // The workers apply any answer a web process stored but did not finish, then stop with SIGTERM.
      const { SurveyResponse } = await import('#models/survey-response');
      await waitFor('every answer applied', async () => (await SurveyResponse.countDocuments({ appliedAt: null })) === 0, 30_000, 500);
      await sleep(1_000);
      for (const w of workers) await stopProc(w);
      for (const w of workers) expect(w.child.exitCode, w.output()).toBe(0);
      figures.driveMs = Date.now() - started;
      console.log(
        `[multi-process] ${figures.requests} HTTP requests (A ${figures.byServer.A}, B ${figures.byServer.B}) in ${(figures.driveMs / 1000).toFixed(1)} s; statuses ${JSON.stringify(figures.statuses)}; first invitation at ${(figures.firstInvitationMs / 1000).toFixed(1)} s, all 300 invited at ${(figures.allInvitedMs / 1000).toFixed(1)} s; ${fake.requests.length} requests at the fake Resend, ${fake.delivered.length} emails delivered`,
      );
    },
    Number(process.env.KEPT_MULTI_TIMEOUT ?? 240_000),
  );

  test('logins: every user signed in on both servers, and a session made by one server is valid on the other', async () => {
    expect(outcomes.logins).toHaveLength(USERS.length * 2);
    for (const login of outcomes.logins) expect(login.status, `${login.email} on ${login.server}`).toBe(302);
    const [A, B] = servers;
    for (const login of outcomes.logins) {
      const other = login.server === 'A' ? B : A;
      const res = await call(other, '/accounts', { cookie: login.cookie });
      expect(res.status, `${login.email}'s cookie from ${login.server} on ${other.name}`).toBe(200);
    }
    // Rate limits live in each process's memory: eight failed sign-ins from one address lock that
    // email and address out on one server, while the other still answers (docs/scale.md, "Rate limits are per web process").
    const email = `nobody-${crypto.randomBytes(3).toString('hex')}@kept.demo`;
    const address = clientAddress();
    for (let i = 0; i < 8; i++) expect((await signIn(A, email, 'wrong-password', address)).status).toBe(400);
    expect((await signIn(A, email, 'wrong-password', address)).status).toBe(429);
    expect((await signIn(B, email, 'wrong-password', address)).status).toBe(400);
  });

  test('journeys: each step tried through both servers happened once; the loser got 409; one audit event per move', async () => {
    const { Journey } = await import('#models/journey');
    const { AuditEvent } = await import('#models/audit-event');
    for (const journeyId of created.journeyIds) {
      const steps = Object.fromEntries(outcomes.journeys.filter((o) => o.journeyId === journeyId).map((o) => [o.step, sorted(o.statuses)]));
      expect(steps, journeyId).toEqual({
        accept: [200, 409],
        evidence: [200, 200],
        'request-confirmation': [200, 409],
        // The buyer is told "recorded" by one server and "already confirmed" by the other.
        'buyer-confirm': [200, 200],
        advance: [200, 409],
      });
      const j = await Journey.findById(journeyId).select('stage stageIndex stages evidence acceptedAt').lean();
      expect(j?.stage).toBe('implementation');
      expect(j?.stages.map((s) => s.key)).toEqual(['handoff', 'implementation']);
      expect(j?.acceptedAt).toBeTruthy();
      const handoff = j!.evidence.filter((e) => e.stage === 'handoff');
      // Both servers' evidence is there (no lost append), and one of everything else.
      expect(
        handoff
          .filter((e) => e.criterionKey === 'handoff-call')
          .map((e) => e.url)
          .sort(),
      ).toEqual([`https://meet.example.com/rec/${journeyId}/A`, `https://meet.example.com/rec/${journeyId}/B`]);
      expect(handoff.filter((e) => e.kind === 'cs_acceptance')).toHaveLength(1);
      expect(handoff.filter((e) => e.kind === 'buyer_confirmation')).toHaveLength(1);
      const audit = await AuditEvent.find({ entityType: 'journey', entityId: journeyId }).select('action data').lean();
      const count = (action: string) => audit.filter((e) => e.action === action).length;
      expect({
        started: count('journey.started'),
        accepted: count('journey.handoff_accepted'),
        evidence: count('journey.evidence_added'),
        confirmed: count('journey.buyer_confirmed'),
        moved: count('journey.stage_moved'),
      }).toEqual({ started: 1, accepted: 1, evidence: 2, confirmed: 1, moved: 1 });
      expect(audit.find((e) => e.action === 'journey.stage_moved')?.data).toMatchObject({ from: 'handoff', to: 'implementation' });
      expect(j?.stages[0].exitedAt).toBeTruthy();
    }
  });

  test('survey answers: each link posted to both servers at once, as its invitation arrived, stored exactly one answer, the winner’s; the other was told it is in', async () => {
    const { SurveyResponse } = await import('#models/survey-response');
    const { Survey } = await import('#models/survey');
    const { trusted } = await import('#app/platform/db.server');
    expect(outcomes.answers).toHaveLength(ANSWERED_PAIRS);
    for (const { surveyId, statuses, sent } of outcomes.answers) {
      expect(opened.get(surveyId), `survey ${surveyId}: the form as the invitation arrived`).toBe(true);
      // One submit stored the answer (302 to the thank-you page); the other is told it is already in (409).
      expect(sorted(statuses), surveyId).toEqual([302, 409]);
      const winner = statuses.A === 302 ? 'A' : 'B';
      const stored = await SurveyResponse.find({ _id: surveyId }).select('overall nps').lean();
      expect(stored).toHaveLength(1);
      expect(stored[0].overall).toBe(sent[winner]);
      expect((await Survey.findById(surveyId).select('state').lean())?.state).toBe('answered');
    }
    const answeredIds = new Set(outcomes.answers.map((a) => a.surveyId));
    expect(await SurveyResponse.countDocuments({ _id: trusted({ $in: created.surveyIds }) })).toBe(answeredIds.size);
    const wins = outcomes.answers.map((a) => (a.statuses.A === 302 ? 'A' : 'B'));
    console.log(`[multi-process] answer races won: A ${wins.filter((w) => w === 'A').length}, B ${wins.filter((w) => w === 'B').length}`);
  });

  test('dispatch: two workers delivered each of the 300 invitations exactly once, under one idempotency key each; no email twice', async () => {
    const { EmailMessage } = await import('#models/email-message');
    const { Survey } = await import('#models/survey');
    const { trusted } = await import('#app/platform/db.server');
    const surveyOf = (body: Record<string, unknown>) => (body.tags as { name: string; value: string }[] | undefined)?.find((t) => t.name === 'entityId')?.value;
    const templateOf = (body: Record<string, unknown>) => (body.tags as { name: string; value: string }[] | undefined)?.find((t) => t.name === 'template')?.value;
    const invitations = fake.delivered.filter((d) => templateOf(d.body) === 'survey-invitation' && created.surveyIds.includes(surveyOf(d.body) ?? ''));
    expect(invitations).toHaveLength(created.surveyIds.length);
    expect(new Set(invitations.map((d) => surveyOf(d.body))).size).toBe(created.surveyIds.length);
    // One outbox message per survey invitation, keyed survey:<id>:invitation, sent: written onto
    // each member by a worker's settle task once the workers are idle (its batch says so at once).
    const invitationMessages = () =>
      EmailMessage.find({ idempotencyKey: trusted({ $in: created.surveyIds.map((id) => `survey:${id}:invitation`) }) })
        .select('idempotencyKey state')
        .lean();
    await waitFor('the workers to settle the batch members', async () => (await invitationMessages()).every((m) => m.state === 'sent'), 60_000);
    const messages = await invitationMessages();
    expect(messages).toHaveLength(created.surveyIds.length);
    expect(messages.every((m) => m.state === 'sent')).toBe(true);
    expect(await Survey.countDocuments({ _id: trusted({ $in: created.surveyIds }), state: trusted({ $in: ['sent', 'answered'] }) })).toBe(created.surveyIds.length);
    // Each batch went out under its own key, accepted once (a replay would be answered from the key).
    const accepted = fake.requests.filter((r) => r.status === 200);
    const keys = accepted.map((r) => r.idempotencyKey);
    expect(keys.every(Boolean)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    // No email at all reached the provider twice, and every sent outbox message reached it once.
    const identity = (d: { body: Record<string, unknown> }) => JSON.stringify([d.body.to, d.body.subject, d.body.tags]);
    const seen = new Map<string, number>();
    for (const d of fake.delivered) seen.set(identity(d), (seen.get(identity(d)) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect(fake.delivered).toHaveLength(await EmailMessage.countDocuments({ state: 'sent' }));
    const batches = accepted.filter((r) => r.path === '/emails/batch');
    console.log(
      `[multi-process] fake Resend: ${fake.requests.length} requests (${batches.length} batches, ${accepted.length - batches.length} single sends), ${fake.delivered.length} emails, ${invitations.length} invitations`,
    );
  });

  test('rollups: the survey and journey metrics equal a count from scratch, on the dashboard too, and npm run metrics:rebuild gives the same numbers', async () => {
    const { readMetrics } = await import('#app/platform/metrics.server');
    const { getValueDashboard, DashboardQuerySchema } = await import('#app/dashboards/dashboards.server');
    const { SurveyResponse } = await import('#models/survey-response');
    const { Survey } = await import('#models/survey');
    const { Journey } = await import('#models/journey');
    const { User } = await import('#models/user');
    const { trusted } = await import('#app/platform/db.server');

    // From scratch: straight from the stored answers, surveys and journeys.
    const scratch: Record<string, Record<string, number>> = {};
    const add = (wave: string, name: string, n: number) => {
      scratch[wave] ??= {};
      scratch[wave][name] = (scratch[wave][name] ?? 0) + n;
    };
    for (const r of await SurveyResponse.find({}).select('wave overall nps promises').lean()) {
      const w = String(r.wave);
      add(w, 'answered', 1);
      add(w, 'valueYes', r.overall === 'yes' ? 1 : 0);
      add(w, 'valueNo', r.overall === 'no' ? 1 : 0);
      add(w, 'npsSum', r.nps);
      add(w, 'promises', r.promises.length);
      add(w, 'delivered', r.promises.filter((p) => p.verdict === 'delivered').length);
    }
    for (const s of await Survey.find({ invitedAt: trusted({ $ne: null }) })
      .select('wave')
      .lean())
      add(String(s.wave), 'invited', 1);
    const journeys = await Journey.find({}).select('stageIndex acceptedAt').lean();
    const journeyScratch = { started: journeys.length, accepted: journeys.filter((j) => j.acceptedAt).length, exited: journeys.reduce((n, j) => n + j.stageIndex, 0) };

    const fromRollups = async () => {
      const out: Record<string, Record<string, number>> = {};
      const put = (wave: string, name: string, n: number) => {
        out[wave] ??= {};
        out[wave][name] = (out[wave][name] ?? 0) + n;
      };
      for (const row of await readMetrics('survey.answer')) for (const name of ['answered', 'valueYes', 'valueNo', 'npsSum']) put(row.dims.wave, name, row.counts[name] ?? 0);
      for (const row of await readMetrics('survey.promise')) for (const name of ['promises', 'delivered']) put(row.dims.wave, name, row.counts[name] ?? 0);
      for (const row of await readMetrics('survey.funnel')) put(row.dims.wave, 'invited', row.counts.invited ?? 0);
      const sum = async (kind: string, name: string) => (await readMetrics(kind)).reduce((n, r) => n + (r.counts[name] ?? 0), 0);
      return { surveys: out, journeys: { started: await sum('journey.started', 'n'), accepted: await sum('journey.accepted', 'n'), exited: await sum('journey.stage', 'exited') } };
    };
    const incremental = await fromRollups();
    expect(incremental.surveys).toEqual(scratch);
    expect(incremental.journeys).toEqual(journeyScratch);

    // What leadership sees on the value dashboard.
    const leader = await User.findOne({ email: 'leadership@kept.demo' }).select('email name role').lean();
    const view = await getValueDashboard({
      user: { id: String(leader!._id), email: leader!.email, name: leader!.name, role: 'leadership' },
      query: DashboardQuerySchema.parse({}),
    });
    const total = (name: string) => Object.values(scratch).reduce((n, w) => n + (w[name] ?? 0), 0);
    expect(view.summary.answered).toBe(total('answered'));
    expect(view.summary.invited).toBe(total('invited'));
    expect(view.summary.share).toBeCloseTo(total('valueYes') / total('answered'), 6);

    // `npm run metrics:rebuild` (the script itself) recomputes everything: the same numbers.
    const rebuild = startNode('metrics:rebuild', 'scripts/metrics-rebuild.ts', []);
    await rebuild.exited;
    expect(rebuild.child.exitCode, rebuild.output()).toBe(0);
    const rebuilt = await fromRollups();
    expect(rebuilt).toEqual(incremental);
    console.log(
      `[multi-process] rollups: ${total('answered')} answers (${total('valueYes')} yes), ${total('invited')} invited, ${journeyScratch.exited} stage exits; equal from scratch, incrementally and after the rebuild`,
    );
  }, 60_000);
});
