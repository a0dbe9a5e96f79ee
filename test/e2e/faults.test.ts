// Faults against a production server of our own (test/e2e/own-stack.ts): the database stopped
// under load and started again on the same data, and the web server stopped with SIGTERM while a
// request is in flight. The shared e2e server and its database are never touched. On a run against
// MongoDB (MONGODB_URI) the database is stopped and frozen at a relay in front of it (db-proxy.ts).
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stopProc, waitFor as waitUntil } from '../harness/processes';
import { clientAddress, signIn, startOwnStack, submitSurvey, surveyAnswer, surveyLinksAtFake, type OwnStack } from './own-stack';

let stack: OwnStack;
let models: {
  Survey: typeof import('#models/survey').Survey;
  SurveyResponse: typeof import('#models/survey-response').SurveyResponse;
  Deal: typeof import('#models/deal').Deal;
};
let disconnect: () => Promise<void> = async () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes `count` scheduled surveys due now (through the survey service, as CS or time would). */
/** Scheduled surveys made due now; sent even before go-live (as CS may choose: the seeded journeys are not all live). */
async function makeSurveysDue(count: number) {
  const { updateSurvey } = await import('#app/surveys/surveys.server');
  const { trusted } = await import('#app/platform/db.server');
  const scheduled = await models.Survey.find({ state: 'scheduled', dueAt: trusted({ $gt: new Date() }) })
    .select('_id')
    .limit(count)
    .lean();
  const now = new Date();
  for (const s of scheduled) {
    const r = await updateSurvey({ id: s._id, now, accept: (x) => x.state === 'scheduled', change: () => ({ $set: { dueAt: now, sendAnywayAt: now } }) });
    expect(r.ok).toBe(true);
  }
  return scheduled.map((s) => String(s._id));
}

/** Polls `probe` every 250 ms; a probe that throws (the database is down on purpose) means "not yet". */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number) => waitUntil(what, probe, timeoutMs, { pauseMs: 250, retryErrors: true });

beforeAll(async () => {
  stack = await startOwnStack({ accounts: 10, stoppableDb: true });
  process.env.MONGODB_URI = stack.mongoUri;
  process.env.APP_URL = stack.baseUrl;
  process.env.SESSION_SECRET ??= 'e2e-faults-spec-secret-0123456789';
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(stack.mongoUri);
  disconnect = disconnectDb;
  models = {
    Survey: (await import('#models/survey')).Survey,
    SurveyResponse: (await import('#models/survey-response')).SurveyResponse,
    Deal: (await import('#models/deal')).Deal,
  };
}, 120_000);

afterAll(async () => {
  await disconnect().catch(() => undefined);
  await stack?.stop();
}, 60_000);

describe('faults', () => {
  test('database stopped under load: friendly 503s and /healthz 503, the worker backs off, both recover by themselves, nothing lost or duplicated', async () => {
    // Three buyers have their invitations (sent by a worker run through the fake Resend).
    const due = await makeSurveysDue(3);
    const once = stack.startWorker(['--once']);
    expect((await once.exited).code, once.output()).toBe(0);
    const links = surveyLinksAtFake(stack.fake);
    const [linkA, linkB, linkC] = due.map((id) => links.get(id)!);
    expect([linkA, linkB, linkC].every(Boolean)).toBe(true);
    const formA = await surveyAnswer(linkA);
    const formB = await surveyAnswer(linkB);

    const worker = stack.startWorker(['--interval=500']);
    const cookies = { cs: await signIn(stack.baseUrl, 'cs@kept.demo'), leadership: await signIn(stack.baseUrl, 'leadership@kept.demo') };

    // A buyer answers before the outage.
    expect((await submitSurvey(linkA, formA)).status).toBe(302);

    // Five staff clients keep reading staff pages throughout, and a buyer reloads a survey page
    // once a second (public pages are rate limited per address, 120 views a minute: a client looping
    // on instant 503s would spend that within seconds and rightly meet 429s after the outage).
    type Result = { phase: string; path: string; status: number; ms: number; body?: string };
    const results: Result[] = [];
    let phase = 'before';
    let running = true;
    const staffTargets = [
      { path: '/journeys', cookie: cookies.cs },
      { path: '/accounts', cookie: cookies.cs },
      { path: '/surveys', cookie: cookies.cs },
      { path: '/dashboards', cookie: cookies.leadership },
    ];
    const load = async (t: { path: string; cookie: string }) => {
      const started = Date.now();
      const at = phase;
      try {
        const res = await fetch(`${stack.baseUrl}${t.path}`, { headers: { cookie: t.cookie }, signal: AbortSignal.timeout(20_000) });
        const body = await res.text();
        results.push({ phase: at === phase ? at : `${at}->${phase}`, path: t.path, status: res.status, ms: Date.now() - started, body: res.status >= 500 ? body : undefined });
      } catch (error) {
        results.push({ phase: at, path: t.path, status: 0, ms: Date.now() - started, body: String(error) });
      }
    };
    const staff = Array.from({ length: 5 }, async (_, i) => {
      for (let n = i; running; n++) await load(staffTargets[n % staffTargets.length]);
    });
    const buyerPath = new URL(linkC).pathname;
    const buyer = (async () => {
      for (; running; await sleep(1_000)) await load({ path: buyerPath, cookie: '' });
    })();
    const clients = [...staff, buyer];

    await sleep(2_000);
    phase = 'down';
    const stoppedAt = Date.now();
    await stack.stopDb();

    // While the database is away: /healthz and pages answer 503, a buyer's submit too.
    const health = await fetch(`${stack.baseUrl}/healthz`);
    expect(health.status).toBe(503);
    const page = await fetch(`${stack.baseUrl}/journeys`, { headers: { cookie: cookies.cs } });
    const html = await page.text();
    expect(page.status).toBe(503);
    expect(html).toContain('Kept is briefly unavailable');
    expect(html).not.toMatch(/Mongo|ECONNREFUSED|at .*\.(ts|js):\d+/);
    const duringOutage = await submitSurvey(linkB, formB);
    expect(duringOutage.status).toBe(503);
    // The buyer's page has its own boundary (the survey frame, no staff navigation).
    expect(await duringOutage.text()).toContain('Please try again in a moment');
    await sleep(Math.max(0, 15_000 - (Date.now() - stoppedAt)));

    // The worker is still the same process, backing off with growing pauses.
    expect(worker.alive()).toBe(true);
    const backoffs = [...worker.output().matchAll(/"msg":"Worker cycle failed; backing off".*?"delayMs":(\d+)/g)].map((m) => Number(m[1]));
    expect(backoffs.length).toBeGreaterThanOrEqual(1);
    expect(backoffs.length).toBeLessThan(10);
    expect([...backoffs].sort((x, y) => x - y)).toEqual(backoffs);

    // The database comes back on the same data and port; nobody restarts the server or the worker.
    phase = 'recovering';
    await stack.restartDb();
    const restartedAt = Date.now();
    let lastHealth = 'no answer';
    const healthy = async () => {
      const res = await fetch(`${stack.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
      lastHealth = `${res.status} ${await res.text()}`;
      return res.status === 200;
    };
    await waitFor('/healthz 200', healthy, 30_000).catch((error: Error) => {
      throw new Error(`${error.message} (last: ${lastHealth}); the server's last output:\n${(stack.server?.output() ?? '').slice(-3000)}`);
    });
    const healthyAfterMs = Date.now() - restartedAt;
    phase = 'after';
    // At least a few requests that started after the recovery (on a loaded machine 3 s saw none).
    await sleep(3_000);
    const after = () => results.filter((r) => r.phase === 'after');
    await waitFor('requests after the recovery, the buyer page among them', async () => after().length >= 3 && after().some((r) => r.path === buyerPath), 60_000);
    running = false;
    await Promise.all(clients);

    // The buyer who met the 503 tries again: stored once. A third try and the first buyer's are told the answer is in.
    expect((await submitSurvey(linkB, formB)).status).toBe(302);
    expect((await submitSurvey(linkB, formB)).status).toBe(409);
    expect((await submitSurvey(linkA, formA)).status).toBe(409);
    const [idA, idB] = due;
    expect(await models.SurveyResponse.countDocuments({ _id: idA })).toBe(1);
    expect(await models.SurveyResponse.countDocuments({ _id: idB })).toBe(1);
    expect(await models.SurveyResponse.countDocuments({ _id: due[2] })).toBe(0);

    // The worker recovered by itself: a wave that comes due now is sent by the same process.
    const [later] = await makeSurveysDue(1);
    const recoveredAt = Date.now();
    await waitFor('the running worker to send the new invitation', async () => surveyLinksAtFake(stack.fake).has(later), 90_000).catch((error: Error) => {
      throw new Error(`${error.message}; the worker's last output:\n${worker.output().slice(-4000)}`);
    });
    const workerRecoveredMs = Date.now() - recoveredAt;
    expect(worker.alive()).toBe(true);
    // Every survey reached Resend exactly once, through the outage.
    const sent = stack.fake.delivered.map((d) => (d.body as { tags?: { name: string; value: string }[] }).tags?.find((t) => t.name === 'entityId')?.value);
    expect(sent.filter((id) => [...due, later].includes(id!)).sort()).toEqual([...due, later].sort());

    const by = (p: string) => results.filter((r) => r.phase === p);
    const statuses = (rs: Result[]) => rs.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    console.log(
      `[faults] database outage: before ${JSON.stringify(statuses(by('before')))}, down ${JSON.stringify(statuses(by('down')))}, ` +
        `after ${JSON.stringify(statuses(by('after')))}, all ${results.length} requests; slowest 503 ${Math.max(0, ...results.filter((r) => r.status === 503).map((r) => r.ms))} ms; ` +
        `/healthz 200 again ${healthyAfterMs} ms after restart; worker back-offs ${JSON.stringify(backoffs)} ms; worker sent again ${workerRecoveredMs} ms after the new wave came due`,
    );
    // Never a 500, never a hung request; 503 only while the database was away. (A command written
    // just as FerretDB closed its connection once met a bare EPIPE the outage classifier did not
    // know: it is classified now, and the server's error lines are printed if anything else appears.)
    const errorLines = (stack.server?.output() ?? '')
      .split('\n')
      .filter((l) => l.includes('"level":"error"'))
      .map((l) => l.slice(0, 400));
    const unexpected = results.filter((r) => r.status !== 200 && r.status !== 503);
    expect(
      unexpected.map((r) => `${r.phase} ${r.path} ${r.status}`),
      errorLines.slice(0, 3).join('\n'),
    ).toEqual([]);
    expect(by('before').every((r) => r.status === 200)).toBe(true);
    expect(by('after').length).toBeGreaterThan(0);
    expect(by('after').every((r) => r.status === 200)).toBe(true);
    expect(by('down').filter((r) => r.status === 503).length).toBeGreaterThan(0);
    for (const r of results.filter((x) => x.status === 503)) expect(r.body).not.toMatch(/Mongo|ECONNREFUSED/);
    await stopProc(worker, { signal: 'SIGTERM' });
  }, 240_000);

  test('database frozen (SIGSTOP, sockets open): /healthz 503 within 1 s, pages 503 with Retry-After within 4 s, 200 again by themselves after SIGCONT', async () => {
    await stack.ensureDb();
    const [surveyId] = await makeSurveysDue(1);
    const once = stack.startWorker(['--once']);
    expect((await once.exited).code, once.output()).toBe(0);
    const surveyPath = new URL(surveyLinksAtFake(stack.fake).get(surveyId)!).pathname;
    const cs = await signIn(stack.baseUrl, 'cs@kept.demo');
    type Answer = { path: string; status: number; ms: number; retryAfter: string | null; body: string };
    const ask = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
      const started = Date.now();
      try {
        const res = await fetch(`${stack.baseUrl}${path}`, { headers, signal: AbortSignal.timeout(20_000) });
        const body = await res.text();
        return { path, status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('Retry-After'), body };
      } catch (error) {
        return { path, status: 0, ms: Date.now() - started, retryAfter: null, body: String(error) };
      }
    };
    // Each buyer view from its own address (public pages are rate limited per address).
    const buyer = () => ask(surveyPath, { 'X-Forwarded-For': clientAddress() });
    const staff = (path: string) => ask(path, { cookie: cs });
    const health = () => ask('/healthz');
    for (const answer of await Promise.all([health(), staff('/journeys'), buyer()])) expect(answer.status, answer.path).toBe(200);

    stack.freezeDb(true);
    const frozenAt = Date.now();
    const during: Answer[] = [];
    try {
      // /healthz's last ping may still count for half a second; then every probe in the freeze says 503.
      await sleep(600);
      while (Date.now() - frozenAt < 15_000) {
        const round = await Promise.all([health(), staff('/journeys'), staff('/accounts'), buyer()]);
        during.push(...round);
        if (round.some((a) => a.status === 0)) break;
      }
    } finally {
      stack.freezeDb(false);
    }
    const thawedAt = Date.now();
    const healthy = await waitFor('/healthz 200 after SIGCONT', async () => (await health()).status === 200, 10_000);
    const healthyAfterMs = Date.now() - thawedAt;
    const after = await Promise.all([staff('/journeys'), staff('/accounts'), buyer()]);
    const afterMs = Date.now() - thawedAt;

    const slowest = (path: (p: string) => boolean) => Math.max(0, ...during.filter((a) => path(a.path)).map((a) => a.ms));
    console.log(
      `[faults] database frozen 15 s: ${during.length} requests, statuses ${JSON.stringify(during.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {}))}; ` +
        `slowest /healthz ${slowest((p) => p === '/healthz')} ms, slowest staff page ${slowest((p) => p !== '/healthz' && p !== surveyPath)} ms, slowest survey page ${slowest((p) => p === surveyPath)} ms; ` +
        `/healthz 200 ${healthyAfterMs} ms after SIGCONT, pages 200 within ${afterMs} ms`,
    );
    expect(during.map((a) => `${a.path === surveyPath ? '/s/…' : a.path} ${a.status}`).filter((x) => !x.endsWith(' 503'))).toEqual([]);
    for (const a of during.filter((x) => x.path === '/healthz')) expect(a.ms, '/healthz answers within a second').toBeLessThan(1_000);
    for (const a of during.filter((x) => x.path !== '/healthz')) {
      expect(a.ms, `${a.path} answers 503 within 4 s`).toBeLessThan(4_000);
      expect(a.retryAfter, a.path).toBe('5');
      expect(a.body).not.toMatch(/Mongo|DatabaseNotAnswering|at .*\.(ts|js):\d+/);
    }
    expect(during.find((a) => a.path === '/journeys')?.body).toContain('Kept is briefly unavailable');
    expect(during.find((a) => a.path === surveyPath)?.body).toContain('Please try again in a moment');
    expect(healthy).toBe(true);
    expect(after.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(afterMs).toBeLessThan(5_000);
  }, 120_000);

  test('SIGTERM: the request in flight completes with 200 and is kept, new connections are refused, the process exits 0', async () => {
    await stack.ensureDb();
    // A CRM webhook whose body arrives slowly: it is in flight when the server is told to stop.
    const crmId = `sigterm-${crypto.randomBytes(4).toString('hex')}`;
    const body = JSON.stringify({
      id: `evt-${crmId}`,
      type: 'deal.closed_won',
      crm: 'hubspot',
      deal: {
        crmId,
        name: `Slow Upload Ltd - rollout`,
        closedWonAt: new Date().toISOString().slice(0, 10),
        arr: 42000,
        ownerEmail: 'sales@kept.demo',
        account: { name: `Slow Upload ${crmId}` },
      },
    });
    const t = Math.floor(Date.now() / 1000);
    const signature = crypto.createHmac('sha256', stack.crmWebhookSecret).update(`${t}.${body}`).digest('hex');
    const { port } = new URL(stack.baseUrl);
    const server = stack.server!;

    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /api/webhooks/crm HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Kept-Signature: t=${t},v1=${signature}\r\nConnection: close\r\n\r\n`,
    );
    const half = Math.floor(body.length / 2);
    socket.write(body.slice(0, half));
    await sleep(300);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    // Stopped accepting: a new connection is refused while the old one is still open.
    const connectResult = () =>
      new Promise<string>((resolve) => {
        const probe = net.connect({ host: '127.0.0.1', port: Number(port) });
        probe.once('connect', () => {
          probe.destroy();
          resolve('connected');
        });
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    const refused = await waitFor(
      'new connections to be refused',
      async () => {
        // (A connection the kernel queued just before the listener closed is reset: keep probing.)
        const result = await connectResult();
        return result === 'ECONNREFUSED' ? result : undefined;
      },
      5_000,
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(server.alive()).toBe(true);

    // The rest of the body arrives a second later; the request completes.
    await sleep(1_000);
    socket.write(body.slice(half));
    await closed;
    const exit = await server.exited;
    console.log(`[faults] SIGTERM: in-flight webhook answered ${answer.split('\r\n')[0]}, process exited ${exit.code} ${Date.now() - signalledAt} ms after the signal`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer).toMatch(/"ok":true/);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await models.Deal.countDocuments({ source: 'hubspot', crmId })).toBe(1);
  }, 60_000);
});
