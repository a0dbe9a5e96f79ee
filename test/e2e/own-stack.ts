// A private Kept stack for the fault and load specs: its own FerretDB (on a temp dir, so a spec can
// stop and restart it on the same data and port), demo data, a fake Resend, the production server
// (scripts/serve.ts on the e2e build) and, on demand, worker processes. Nothing is shared with the
// e2e server of test/e2e/global-setup.ts, so stopping this database disturbs no other spec.
// With MONGODB_URI set (a run against MongoDB, docs/mongodb.md) it starts no FerretDB: it uses a
// database of its own on that server, dropped at the end; a spec that stops or freezes the database
// asks for `stoppableDb`, and its processes then reach it through a relay (db-proxy.ts) that stands in.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { ROOT, freePort, startFerretDb, type RunningDb } from '../../scripts/lib/ferretdb';
import { FakeResend } from '../fake-resend';
import { startNode, stopProc, waitForHealthz, type Proc } from '../harness/processes';
import { startDbProxy, type DbProxy } from './db-proxy';
import type { SeededIds } from './seed-db';

export const DEMO_PASSWORD = 'kept-demo-2026';

export type OwnStack = Awaited<ReturnType<typeof startOwnStack>>;

/**
 * The database of a stack on the server MONGODB_URI names: a database of its own, with `relay`
 * reached through a relay on 127.0.0.1 (one host, connected to directly, so every connection passes it).
 */
async function onGivenServer(given: string, relay: boolean) {
  const url = URL.canParse(given) ? new URL(given) : undefined;
  if (!url) throw new Error('MONGODB_URI is not a URL.');
  url.pathname = `/kept_own_${crypto.randomBytes(6).toString('hex')}`;
  const own = url.toString();
  if (!relay) return { own, relayed: own, proxy: undefined };
  if (url.protocol !== 'mongodb:' || !url.hostname) {
    throw new Error('This spec stops its database through a relay: MONGODB_URI must name one host (mongodb://host:port/...), not a seed list or mongodb+srv.');
  }
  const proxy = await startDbProxy({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 27017) });
  url.host = `127.0.0.1:${proxy.port}`;
  url.searchParams.set('directConnection', 'true');
  return { own, relayed: url.toString(), proxy };
}

/** Drops the database `uri` names (a spec's own database on a server it does not own). */
export async function dropDatabase(uri: string) {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * Starts FerretDB (or uses MONGODB_URI), seeds `accounts` demo accounts, starts the fake Resend and
 * one web server. `stoppableDb`: the spec stops or freezes the database (on MONGODB_URI: the relay).
 */
export async function startOwnStack(options: { accounts: number; stoppableDb?: boolean }) {
  const given = process.env.MONGODB_URI;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-own-db-'));
  const procs: Proc[] = [];
  let db: RunningDb | undefined;
  let proxy: DbProxy | undefined;
  // If vitest dies without running afterAll, still kill what this file started.
  const killAll = () => {
    for (const p of procs) if (p.alive()) p.child.kill('SIGKILL');
    if (db?.process.exitCode === null) db.process.kill('SIGKILL');
  };
  process.once('exit', killAll);

  let mongoUri: string;
  let dbPort = 0;
  let ownDatabase: string | undefined;
  if (given) {
    const server = await onGivenServer(given, options.stoppableDb === true);
    proxy = server.proxy;
    ownDatabase = server.own;
    mongoUri = server.relayed;
  } else {
    db = await startFerretDb({ dataDir, quiet: true });
    dbPort = db.port;
    mongoUri = db.uri.replace(/\/kept$/, '/kept_own');
  }
  const relayed = proxy ? `, through a relay on port ${proxy.port}` : '';
  console.log(`[own-stack] database: ${given ? `MONGODB_URI, database ${new URL(mongoUri).pathname.slice(1)} of its own${relayed}` : `its own FerretDB on port ${dbPort}`}`);
  const fake = new FakeResend();
  await fake.start();
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const crmWebhookSecret = crypto.randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    MONGODB_URI: mongoUri,
    SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
    APP_URL: baseUrl,
    LOG_LEVEL: 'warn',
    // Each simulated client sends its own X-Forwarded-For: buyers and staff are different people.
    TRUST_PROXY: 'true',
    RESEND_API_KEY: 're_own_stack_fake_key',
    RESEND_BASE_URL: fake.url,
    EMAIL_RATE_PER_SECOND: '20',
    CRM_WEBHOOK_SECRET: crmWebhookSecret,
  };

  const { stdout: seedOut } = await promisify(execFile)(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'test/e2e/seed-db.ts'), '--accounts', String(options.accounts)],
    {
      cwd: ROOT,
      env: { ...env, NODE_ENV: 'test' },
      maxBuffer: 20 * 1024 * 1024,
    },
  );

  const line = seedOut.split('\n').find((l) => l.startsWith('SEEDED '));
  if (!line) throw new Error('test/e2e/seed-db.ts printed no SEEDED line.');
  const seeded = JSON.parse(line.slice('SEEDED '.length)) as SeededIds;

  const stack = {
    baseUrl,
    seeded,
    mongoUri,
    fake,
    env,
    crmWebhookSecret,
    dataDir,
    server: undefined as Proc | undefined,
    /** Starts scripts/serve.ts and waits until /healthz answers 200. */
    async startServer() {
      const server = startNode('scripts/serve.ts', [], { env });
      procs.push(server);
      stack.server = server;
      await waitForHealthz(baseUrl, server);
      return server;
    },
    startWorker(args: string[], extraEnv: Record<string, string> = {}) {
      const worker = startNode('scripts/worker.ts', args, { env: { ...env, ...extraEnv } });
      procs.push(worker);
      return worker;
    },
    dbStopped: false,
    async stopDb() {
      if (given && !proxy) throw new Error('startOwnStack({ stoppableDb: true }) to stop the database of a MONGODB_URI run.');
      stack.dbStopped = true;
      if (proxy) return proxy.stop();
      await db?.stop();
      db = undefined;
    },
    /** FerretDB again, on the same data directory and port (or the relay open again). */
    async restartDb() {
      if (proxy) await proxy.start();
      else db = await startFerretDb({ dataDir, port: dbPort, quiet: true });
      stack.dbStopped = false;
    },
    /** Freezes (SIGSTOP; the relay: holds every byte) or resumes the database: its sockets stay open, nothing answers. */
    freezeDb(frozen: boolean) {
      if (proxy) return proxy.freeze(frozen);
      if (given) throw new Error('startOwnStack({ stoppableDb: true }) to freeze the database of a MONGODB_URI run.');
      if (!db) throw new Error('The database is not running.');
      db.process.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
    },
    /** Starts the database again if a test stopped it and failed before starting it (so the next test is not failed by it). */
    async ensureDb() {
      if (stack.dbStopped) await this.restartDb();
    },
    async stop() {
      db?.process.kill('SIGCONT'); // a frozen database would ignore SIGTERM
      proxy?.freeze(false);
      for (const p of procs) await stopProc(p);
      await db?.stop();
      await proxy?.stop();
      if (ownDatabase) await dropDatabase(ownDatabase).catch((error) => console.error(`[own-stack] could not drop its database: ${error}`));
      await fake.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.off('exit', killAll);
    },
  };
  try {
    await stack.startServer();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** A made-up client address per simulated person (the server trusts X-Forwarded-For here). */
export function clientAddress() {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `10.${byte()}.${byte()}.${byte()}`;
}

/** Signs in over HTTP and returns the session cookie. */
export async function signIn(baseUrl: string, email: string) {
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'X-Forwarded-For': clientAddress() },
    body: new URLSearchParams({ email, password: DEMO_PASSWORD, redirectTo: '' }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  if (res.status !== 302 || !cookie) throw new Error(`Sign-in as ${email} answered ${res.status}`);
  return cookie;
}

/** The survey links in these emails (as sent to Resend), by survey id. */
export function surveyLinksIn(emails: unknown[]) {
  const links = new Map<string, string>();
  for (const email of emails) {
    const body = email as { text?: string; tags?: { name: string; value: string }[] };
    const surveyId = body.tags?.find((t) => t.name === 'entityId')?.value;
    const link = body.text?.match(/https?:\/\/[^\s)]+\/s\/[A-Za-z0-9_-]{43}/)?.[0];
    if (surveyId && link) links.set(surveyId, link);
  }
  return links;
}

/** The survey links in the invitations the fake Resend received, by survey id. */
export const surveyLinksAtFake = (fake: FakeResend) => surveyLinksIn(fake.delivered.map((d) => d.body));

/** The answer form of a survey page: every promise delivered, overall yes, NPS 9. */
export async function surveyAnswer(link: string, headers: Record<string, string> = {}) {
  const html = await (await fetch(link, { headers })).text();
  const promiseIds = [...html.matchAll(/name="promise\.([a-f0-9]{24})\.verdict"/g)].map((m) => m[1]);
  const form = new URLSearchParams({ overall: 'yes', nps: '9' });
  for (const id of new Set(promiseIds)) form.set(`promise.${id}.verdict`, 'delivered');
  return form;
}

/** Posts a survey answer like a browser without JavaScript (no Origin: not a cross-site post). */
export function submitSurvey(link: string, form: URLSearchParams, signal?: AbortSignal) {
  return fetch(link, { method: 'POST', redirect: 'manual', headers: { 'X-Forwarded-For': clientAddress() }, body: form, signal });
}

/** Delivers a signed closed-won deal to the CRM webhook (a new deal, journey and primary contact). */
export async function postCrmDeal(stack: { baseUrl: string; crmWebhookSecret: string }, crmId: string) {
  const body = JSON.stringify({
    id: `evt-${crmId}`,
    type: 'deal.closed_won',
    crm: 'hubspot',
    deal: {
      crmId,
      name: `${crmId} rollout`,
      closedWonAt: new Date().toISOString().slice(0, 10),
      arr: 36000,
      ownerEmail: 'sales@kept.demo',
      account: { name: `Account ${crmId}`, domain: `${crmId}.example` },
      primaryContact: { name: `Buyer ${crmId}`, email: `buyer@${crmId}.example` },
      promises: [{ text: 'Reports before the Monday meeting', successCriterion: 'Ready by 8:00 on Mondays', category: 'time-savings' }],
    },
  });
  const t = Math.floor(Date.now() / 1000);
  const signature = crypto.createHmac('sha256', stack.crmWebhookSecret).update(`${t}.${body}`).digest('hex');
  const res = await fetch(`${stack.baseUrl}/api/webhooks/crm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kept-Signature': `t=${t},v1=${signature}` },
    body,
  });
  if (res.status !== 200) throw new Error(`CRM webhook answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { dealId: string; journeyId: string };
}
