// Hardening checks the access, injection and fuzzing specs do not make, over HTTP against the
// production e2e server (NODE_ENV=production, TRUST_PROXY=true):
// 1. a crawl of every GET route (staff pages as admin and as sales, the buyer's token pages with live
//    tokens, login, healthz; documents and single-fetch `.data` requests) writes nothing: document
//    counts of every collection and a content hash of every collection but `sessions` are unchanged,
//    the read indexes' change feed (`changes`) included;
// 2. the security headers on every HTML answer of that crawl (CSP with a fresh nonce on every page and
//    on its script tags, nosniff, Referrer-Policy, no-referrer on token pages, HSTS);
// 3. rate limits past the limit: 429 with Retry-After on survey and plan submissions, the CSV import
//    and an email-triggering action; X-Forwarded-For honoured only behind a trusted proxy (a second
//    server from the same build without TRUST_PROXY shows that a spoofed header resets nothing);
// 5. mass assignment: extra fields (`role`, `_id`, `createdBy`, `aeId`, ...) in the user-admin forms,
//    the new-deal form and a journey action change nothing but what the form allows.
// (4, session secret rotation, and HSTS's absence in development are unit tests:
// app/auth/session.server.test.ts and app/http.security-headers.unit.test.ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { ROOT, freePort } from '../../scripts/lib/ferretdb';
import { Client, connectE2eDb, countAll, exportsLoader, openSurveyLink, planLink, pool, routeModules, urlFor, type Reply } from './harness';

const PASSWORD = 'hardening-spec-password-2026';
const TOKEN_PAGE = /^\/(s|plan|u|invite|reset-password)\/[A-Za-z0-9_-]{43}/;
const hasUi = (source: string) => /export\s+default\b/.test(source);

let disconnect: () => Promise<void> = async () => undefined;
let mongoose: typeof import('mongoose').default;
const seeded = inject('seeded');
const run = crypto.randomBytes(4).toString('hex');
/** Users of this spec only, so its rate-limit buckets (per user) are nobody else's. */
const own = {} as Record<'upload' | 'importer' | 'mailer' | 'target', { id: string; email: string }>;
let admin: Client;
let sales: Client;
let anonymous: Client;
const tokens = {} as Record<'s' | 'plan' | 'u', string>;
let surveyIdOfLink = '';

async function createOwnUser(key: keyof typeof own, role: 'cs' | 'admin' | 'sales') {
  const { createUser } = await import('#app/users/users.server');
  const email = `hardening-${key}-${run}@kept.demo`;
  const user = await createUser({ name: `Hardening ${key}`, email, role, password: PASSWORD, actorId: seeded.users['admin@kept.demo'] });
  own[key] = { id: String(user.id ?? (user as { _id?: unknown })._id), email };
}

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  mongoose = (await import('mongoose')).default;
  for (const key of ['upload', 'importer', 'mailer'] as const) await createOwnUser(key, 'cs');
  await createOwnUser('target', 'sales');
  [admin, sales, anonymous] = [await new Client().login('admin@kept.demo'), await new Client().login('sales@kept.demo'), new Client()];

  // Live buyer links, minted the way the worker does.
  const survey = await openSurveyLink();
  if (!survey) throw new Error('The seed left no survey that can be sent a link.');
  tokens.s = survey.token;
  surveyIdOfLink = survey.surveyId;
  tokens.plan = (await planLink(seeded.journeyId!)).token;
  const { Contact } = await import('#models/contact');
  const contact = await Contact.findOne({ emailStatus: 'ok' }).select('email').lean();
  const { createUnsubscribeLink } = await import('#app/email/unsubscribe.server');
  const { url } = await createUnsubscribeLink({ contact: { id: contact!._id, email: contact!.email }, source: 'hardening-spec', now: new Date() });
  tokens.u = url.split('/u/')[1];
});
afterAll(async () => {
  await disconnect();
});

/** Count and content hash of every collection (sessions: count only, see below). */
async function snapshot() {
  const db = mongoose.connection.db!;
  const counts = await countAll();
  const hashes: Record<string, string> = {};
  for (const name of Object.keys(counts)) {
    // A signed-in request touches its session's lastSeenAt at most once a minute (the idle timeout):
    // a deliberate write, so sessions are compared by count only.
    if (name === 'sessions') continue;
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    hashes[name] = crypto.createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16);
  }
  return { counts, hashes };
}

type Seen = { who: string; url: string; reply: Reply };
const crawled: Seen[] = [];

describe('a crawl of every GET route writes nothing', () => {
  test('staff pages as admin and sales, token pages with live tokens, login, healthz; documents and .data', async () => {
    const params: Record<string, string> = {
      accountId: seeded.accountId,
      dealId: seeded.dealId,
      userId: own.target.id,
      journeyId: seeded.journeyId ?? '',
      surveyId: seeded.surveyId ?? '',
      advocateId: seeded.advocateId ?? '',
      askId: seeded.askId ?? '',
      caseId: seeded.caseId ?? '',
      chart: 'value-by-wave',
      // Invitation and reset pages with a token nobody holds: their "link no longer works" page.
      token: 'unknown-token-0000000000000000000000',
    };
    // An import job to open (uploaded before the snapshot: the upload is a write).
    const importer = await new Client().login(own.upload.email, PASSWORD);
    const template = await importer.request('GET', '/deals/import/template.csv');
    const form = new FormData();
    form.set('file', new Blob([template.body], { type: 'text/csv' }), 'template.csv');
    const upload = await importer.request('POST', '/deals/import', { body: form });
    params.jobId = upload.location?.match(/([a-f0-9]{24})$/)?.[1] ?? '';
    expect(params.jobId, `upload answered ${upload.status}`).toMatch(/^[a-f0-9]{24}$/);

    const urls: { id: string; url: string; data?: string }[] = [];
    for (const m of routeModules()) {
      if (m.id === '_staff.tsx') continue; // the pathless layout: its children's URLs cover it
      if (!exportsLoader(m.source) && !hasUi(m.source)) continue;
      const kind = m.id.match(/^(s|plan|u)\.\$token/)?.[1] as keyof typeof tokens | undefined;
      const url = urlFor(m.id, kind ? { ...params, token: tokens[kind] } : params);
      const data = hasUi(m.source) ? (url === '/' ? '/_root.data' : `${url}.data${m.id.endsWith('._index.tsx') ? '?index' : ''}`) : undefined;
      urls.push({ id: m.id, url, data });
    }
    const requests: { who: string; client: Client; url: string }[] = [];
    for (const [who, client] of [
      ['admin', admin],
      ['sales', sales],
      ['anonymous', anonymous],
    ] as const) {
      for (const u of urls) {
        requests.push({ who, client, url: u.url });
        if (u.data) requests.push({ who, client, url: u.data });
      }
    }

    const before = await snapshot();
    const started = Date.now();
    const replies = await pool(requests, 4, async (r) => ({ who: r.who, url: r.url, reply: await r.client.request('GET', r.url) }));
    const seconds = (Date.now() - started) / 1000;
    const after = await snapshot();
    crawled.push(...replies);

    const serverErrors = replies.filter((r) => r.reply.status >= 500).map((r) => `${r.who} ${r.url} ${r.reply.status}`);
    expect(serverErrors).toEqual([]);
    // The live links opened (not the "closed link" 404), for staff and anonymous visitors alike.
    for (const kind of ['s', 'plan', 'u'] as const) {
      const pages = replies.filter((r) => r.url === `/${kind}/${tokens[kind]}`);
      expect(
        pages.map((p) => p.reply.status),
        `/${kind}/<live token>`,
      ).toEqual([200, 200, 200]);
    }
    expect(replies.find((r) => r.who === 'admin' && r.url === '/admin/users')?.reply.status).toBe(200);
    expect(replies.find((r) => r.who === 'sales' && r.url === '/deals/new')?.reply.status).toBe(200);

    expect(after.counts, 'document counts per collection').toEqual(before.counts);
    expect(after.hashes, 'content of every collection but sessions').toEqual(before.hashes);
    expect(after.counts.changes, 'the change feed did not grow').toBe(before.counts.changes);
    // The survey behind the live link is still open: reading its page consumed nothing.
    const { Survey } = await import('#models/survey');
    expect((await Survey.findById(surveyIdOfLink).select('state').lean())?.state).toMatch(/^(sent|reminded)$/);

    const statuses: Record<number, number> = {};
    for (const r of replies) statuses[r.reply.status] = (statuses[r.reply.status] ?? 0) + 1;
    console.log(
      `[hardening] GET crawl: ${replies.length} requests (${urls.length} URLs x admin/sales/anonymous, with .data) in ${seconds.toFixed(1)} s; ` +
        `statuses ${JSON.stringify(statuses)}; ${Object.keys(before.counts).length} collections, ${Object.values(before.counts).reduce((a, b) => a + b, 0)} documents unchanged`,
    );
  });
});

describe('security headers on every HTML answer of the crawl', () => {
  test('CSP with a per-request nonce on the script tags, object-src/base-uri/frame-ancestors none, nosniff, Referrer-Policy, HSTS', () => {
    const html = crawled.filter((r) => (r.reply.headers.get('content-type') ?? '').includes('text/html'));
    expect(html.length, 'the crawl returned HTML pages').toBeGreaterThan(50);
    const nonces: string[] = [];
    let scriptTags = 0;
    const problems: string[] = [];
    for (const { who, url, reply } of html) {
      const where = `${who} ${url} (${reply.status})`;
      const csp = reply.headers.get('content-security-policy') ?? '';
      const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
      if (!nonce) problems.push(`${where}: no nonce in CSP "${csp}"`);
      else nonces.push(nonce);
      for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) if (!csp.includes(directive)) problems.push(`${where}: CSP lacks ${directive}`);
      const scripts = reply.body.match(/<script\b[^>]*>/g) ?? [];
      scriptTags += scripts.length;
      for (const tag of scripts) if (!tag.includes(`nonce="${nonce}"`)) problems.push(`${where}: script without the nonce: ${tag.slice(0, 120)}`);
      if (reply.headers.get('x-content-type-options') !== 'nosniff') problems.push(`${where}: X-Content-Type-Options`);
      const referrer = reply.headers.get('referrer-policy');
      if (!referrer) problems.push(`${where}: no Referrer-Policy`);
      if (TOKEN_PAGE.test(url) && referrer !== 'no-referrer') problems.push(`${where}: token page with Referrer-Policy ${referrer}`);
      if (!/max-age=\d{7,}/.test(reply.headers.get('strict-transport-security') ?? '')) problems.push(`${where}: no HSTS in production`);
    }
    expect(problems).toEqual([]);
    expect(new Set(nonces).size, 'a different nonce on every response').toBe(html.length);
    const tokenPages = html.filter((r) => TOKEN_PAGE.test(r.url));
    expect(tokenPages.length).toBeGreaterThanOrEqual(9);
    // Every answer (HTML or not: .data, CSV, JSON) carries nosniff and a Referrer-Policy. (The chart
    // CSV sets nosniff itself too, so it arrives as "nosniff, nosniff": the first value is what counts.)
    const firstValue = (r: Seen, name: string) => (r.reply.headers.get(name) ?? '').split(',')[0].trim();
    expect(crawled.filter((r) => firstValue(r, 'x-content-type-options') !== 'nosniff' || !firstValue(r, 'referrer-policy')).map((r) => r.url)).toEqual([]);
    // No page or its .data answer may be kept by a shared cache (staff pages are per user, buyer pages
    // carry a live link): every one carries no-store, set once in the HTTP layer.
    const pages = crawled.filter((r) => /text\/html|text\/x-script/.test(r.reply.headers.get('content-type') ?? '') || r.url.includes('.data'));
    expect(pages.length).toBeGreaterThan(100);
    expect(pages.filter((r) => !/\bno-store\b/.test(r.reply.headers.get('cache-control') ?? '')).map((r) => `${r.who} ${r.url} ${r.reply.headers.get('cache-control')}`)).toEqual(
      [],
    );
    console.log(`[hardening] Cache-Control no-store on all ${pages.length} page and .data answers`);
    console.log(
      `[hardening] headers: ${html.length} HTML answers (${tokenPages.length} token pages), ${nonces.length} distinct nonces, ${scriptTags} script tags all carrying their nonce`,
    );
  });
});

/** Posts until the first 429 (at most `limit + 2` times); returns the statuses seen and the 429. */
async function untilLimited(client: Client, url: string, limit: number, body: () => string = () => '', headers: () => Record<string, string> = () => ({})) {
  const statuses: number[] = [];
  for (let i = 0; i < limit + 2; i++) {
    const res = await client.request('POST', url, { body: body(), headers: headers() });
    statuses.push(res.status);
    if (res.status === 429) return { statuses, limited: res };
  }
  return { statuses, limited: null };
}

function expectLimited(result: Awaited<ReturnType<typeof untilLimited>>, limit: number, allowed: number[]) {
  expect(result.limited, `no 429 after ${result.statuses.length} requests: ${result.statuses.join(',')}`).not.toBeNull();
  expect(result.statuses.length, 'the request past the limit is the first 429').toBe(limit + 1);
  expect(result.statuses.slice(0, -1).filter((s) => !allowed.includes(s))).toEqual([]);
  const retryAfter = Number(result.limited!.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  return retryAfter;
}

const bogusToken = () => crypto.randomBytes(32).toString('base64url');
const figures: string[] = [];

describe('rate limits: the request past the limit gets 429 with Retry-After', () => {
  test('survey submissions (30 a minute per client address)', async () => {
    const buyer = new Client();
    const result = await untilLimited(buyer, `/s/${bogusToken()}`, 30, () => 'overall=yes&nps=9');
    const retryAfter = expectLimited(result, 30, [404]);
    // Behind the trusted proxy (TRUST_PROXY=true here) another forwarded address is another client.
    const other = await buyer.request('POST', `/s/${bogusToken()}`, { body: 'overall=yes', headers: { 'X-Forwarded-For': new Client().address } });
    expect(other.status).toBe(404);
    // The app's own fetch (single fetch, `.data`) past the limit is a 429 too.
    const data = await buyer.request('POST', `/s/${bogusToken()}.data`, { body: 'overall=yes' });
    expect(data.status).toBe(429);
    console.log(`[hardening] survey .data past the limit: ${data.status}, Retry-After ${data.headers.get('retry-after')}`);
    figures.push(`survey ${result.statuses.length}th -> 429, Retry-After ${retryAfter}`);
  });

  test('plan submissions (30 a minute per client address)', async () => {
    const result = await untilLimited(new Client(), `/plan/${bogusToken()}`, 30, () => 'criterionKey=x');
    figures.push(`plan ${result.statuses.length}th -> 429, Retry-After ${expectLimited(result, 30, [404, 400])}`);
  });

  test('the CSV import upload (10 a minute per user)', async () => {
    const importer = await new Client().login(own.importer.email, PASSWORD);
    const before = await countAll();
    // Empty uploads: refused with 400 after spending a point each, so nothing is written.
    const result = await untilLimited(importer, '/deals/import', 10);
    figures.push(`import ${result.statuses.length}th -> 429, Retry-After ${expectLimited(result, 10, [400])}`);
    expect((await countAll()).importjobs ?? 0).toBe(before.importjobs ?? 0);
  });

  test('an email-triggering action: survey resend (60 a minute per user)', async () => {
    const mailer = await new Client().login(own.mailer.email, PASSWORD);
    const result = await untilLimited(mailer, `/surveys/${seeded.surveyId}`, 60);
    figures.push(`survey resend ${result.statuses.length}th -> 429, Retry-After ${expectLimited(result, 60, [400])}`);
    console.log(`[hardening] rate limits: ${figures.join('; ')}`);
  });
});

describe('a spoofed X-Forwarded-For resets nothing without a trusted proxy', () => {
  let server: ChildProcess | undefined;
  let base = '';
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      MONGODB_URI: inject('mongoUri'),
      SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      APP_URL: base,
      LOG_LEVEL: 'warn',
    };
    delete env.TRUST_PROXY;
    delete env.RESEND_API_KEY;
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/serve.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-10_000));
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`The second server exited:\n${output}`);
      try {
        if ((await fetch(`${base}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`The second server did not answer /healthz:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });

  test('same build, same database, TRUST_PROXY unset: a new X-Forwarded-For on every post still hits 429', async () => {
    const spoofer = new Client(base);
    const result = await untilLimited(
      spoofer,
      `/s/${bogusToken()}`,
      30,
      () => 'overall=yes',
      () => ({ 'X-Forwarded-For': new Client().address }),
    );
    const retryAfter = expectLimited(result, 30, [404]);
    // The shared server trusts its proxy: the same rotation there is 31 different clients, none limited.
    const rotating = new Client();
    const trusted: number[] = [];
    for (let i = 0; i < 31; i++)
      trusted.push((await rotating.request('POST', `/s/${bogusToken()}`, { body: 'overall=yes', headers: { 'X-Forwarded-For': new Client().address } })).status);
    expect(trusted.filter((s) => s !== 404)).toEqual([]);
    console.log(
      `[hardening] X-Forwarded-For: untrusted server 429 at post ${result.statuses.length} of rotating addresses (Retry-After ${retryAfter}); trusted server 31/31 not limited`,
    );
  });
});

describe('mass assignment: extra form fields change nothing the form does not allow', () => {
  const plain = (doc: unknown) => JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  /** The keys whose values differ between two versions of a document. */
  const changedKeys = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
  const fakeId = () => crypto.randomBytes(12).toString('hex');

  test('user admin: a non-admin cannot reach the forms; an admin sets only the role, and creates only name, email, role, password', async () => {
    const { User } = await import('#models/user');
    const target = own.target.id;
    const extras = {
      _id: fakeId(),
      createdBy: seeded.users['sales@kept.demo'],
      email: `evil-${run}@example.com`,
      name: 'Evil',
      active: 'false',
      passwordHash: 'scrypt$evil',
      demo: 'true',
      deactivatedAt: '2020-01-01',
    };
    const before = plain(await User.findById(target).lean());
    const usersBefore = await User.countDocuments({});

    // A sales rep posting the admin forms: 403, nothing written.
    const asSales = await sales.request('POST', `/admin/users/${target}`, { body: new URLSearchParams({ intent: 'role', role: 'admin', ...extras }).toString() });
    expect(asSales.status).toBe(403);
    const createAsSales = await sales.request('POST', '/admin/users', {
      body: new URLSearchParams({ name: 'Sneaky', email: `sneaky-${run}@kept.demo`, role: 'admin', password: PASSWORD }).toString(),
    });
    expect(createAsSales.status).toBe(403);
    expect(plain(await User.findById(target).lean())).toEqual(before);
    expect(await User.countDocuments({})).toBe(usersBefore);

    // An admin changing the role with extra fields: only the role (and updatedAt) changes.
    const asAdmin = await admin.request('POST', `/admin/users/${target}`, { body: new URLSearchParams({ intent: 'role', role: 'marketing', ...extras }).toString() });
    expect(asAdmin.status).toBe(200);
    const after = plain(await User.findById(target).lean());
    expect(changedKeys(before, after)).toEqual(['role', 'updatedAt']);
    expect(after.role).toBe('marketing');
    expect(await User.exists({ _id: extras._id })).toBeNull();

    // Creating a user with extra fields: the chosen _id, active, demo and passwordHash are ignored.
    const email = `created-${run}@kept.demo`;
    const created = await admin.request('POST', '/admin/users', {
      body: new URLSearchParams({ ...extras, name: 'Created Person', email, role: 'cs', password: PASSWORD }).toString(),
    });
    expect(created.status, created.body.slice(0, 300)).toBe(200);
    const user = plain(await User.findOne({ email }).lean());
    expect(user._id).not.toBe(extras._id);
    expect({ name: user.name, role: user.role, active: user.active, demo: user.demo, createdBy: user.createdBy }).toEqual({
      name: 'Created Person',
      role: 'cs',
      active: true,
      demo: false,
      createdBy: undefined,
    });
    expect(String(user.passwordHash)).toMatch(/^scrypt\$/);
    expect(user.passwordHash).not.toBe(extras.passwordHash);
    expect(user.deactivatedAt).toBeUndefined();
  });

  test('new deal as a sales rep: aeId of another rep is refused; _id, createdBy, source, crmId and accountId are ignored', async () => {
    const { Deal } = await import('#models/deal');
    const salesId = seeded.users['sales@kept.demo'];
    const otherRep = String((await Deal.findById(seeded.otherDealId).select('aeId').lean())?.aeId ?? '');
    expect(otherRep).toMatch(/^[a-f0-9]{24}$/);
    expect(otherRep).not.toBe(salesId);
    const domain = `mass-${run}.example`;
    const form = (aeId: string) =>
      new URLSearchParams({
        accountName: `Mass ${run}`,
        accountDomain: domain,
        segment: 'smb',
        dealName: `Mass assignment ${run}`,
        closedWonAt: new Date().toISOString().slice(0, 10),
        arr: '12000',
        currency: 'USD',
        aeId,
        'promises.0.text': 'Reports before Monday',
        'promises.0.successCriterion': 'Ready by 8:00 on Mondays',
        'promises.0.category': 'time-savings',
        _id: fakeId(),
        createdBy: seeded.users['admin@kept.demo'],
        source: 'crm',
        crmId: `evil-${run}`,
        accountId: seeded.otherAccountId ?? fakeId(),
        role: 'admin',
      }).toString();
    const dealsBefore = await Deal.countDocuments({});

    const foreign = await sales.request('POST', '/deals/new', { body: form(otherRep) });
    expect(foreign.status).toBe(403);
    expect(await Deal.countDocuments({})).toBe(dealsBefore);

    const ownDeal = await sales.request('POST', '/deals/new', { body: form(salesId) });
    expect(ownDeal.status, ownDeal.body.slice(0, 300)).toBe(302);
    const dealId = ownDeal.location?.match(/created=([a-f0-9]{24})/)?.[1];
    const deal = plain(await Deal.findById(dealId).lean());
    expect({ aeId: deal.aeId, createdBy: deal.createdBy, source: deal.source }).toEqual({ aeId: salesId, createdBy: salesId, source: 'manual' });
    expect(String(deal.crmId)).toMatch(/^manual-/);
    expect(deal.accountId).not.toBe(seeded.otherAccountId);
    expect(await Deal.countDocuments({})).toBe(dealsBefore + 1);
    // The sales session is still a sales session (role=admin in a form is just a field).
    expect((await sales.request('GET', '/admin/users')).status).toBe(403);
  });

  test('journey action (change CSM): only csmId changes, whatever else the form carries', async () => {
    const { Journey } = await import('#models/journey');
    const { Account } = await import('#models/account');
    const { trusted } = await import('#app/platform/db.server');
    const seededJourneys = [seeded.journeyId, seeded.otherJourneyId].filter(Boolean);
    const journey = await Journey.findOne({ _id: trusted({ $nin: seededJourneys }) }).lean();
    expect(journey).toBeTruthy();
    const newCsm = own.upload.id; // a CS user of this spec
    const before = plain(journey);
    const accountBefore = plain(await Account.findById(journey!.accountId).lean());
    const res = await admin.request('POST', `/journeys/${journey!._id}`, {
      body: new URLSearchParams({
        intent: 'csm',
        csmId: newCsm,
        _id: fakeId(),
        createdBy: seeded.users['sales@kept.demo'],
        aeId: seeded.users['sales@kept.demo'],
        dealId: seeded.dealId,
        accountId: seeded.accountId,
        stage: 'live',
        stageIndex: '9',
        status: 'live',
        playbookVersion: '99',
        evidence: '[]',
        role: 'admin',
      }).toString(),
    });
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    const after = plain(await Journey.findById(journey!._id).lean());
    expect(changedKeys(before, after).filter((k) => k !== 'updatedAt' && k !== '__v')).toEqual(['csmId']);
    expect(after.csmId).toBe(newCsm);
    const accountAfter = plain(await Account.findById(journey!.accountId).lean());
    expect(changedKeys(accountBefore, accountAfter).filter((k) => k !== 'updatedAt' && k !== '__v')).toEqual(['csmId']);
    expect(await Journey.exists({ _id: trusted({ $in: [fakeId()] }) })).toBeNull();
  });
});

describe('the HTTP layer against crafted and oversized requests', () => {
  const serverLog = inject('serverLog');
  const errorLines = async (from: number) => {
    const fs = await import('node:fs');
    return fs
      .readFileSync(serverLog, 'utf8')
      .slice(from)
      .split('\n')
      .filter((l) => l.includes('"level":"error"'));
  };

  test('sign-in never redirects off-site, whatever redirectTo holds (tab, CR/LF, backslash)', async () => {
    const { createUser } = await import('#app/users/users.server');
    const email = `hardening-redirect-${run}@kept.demo`;
    await createUser({ name: 'Hardening redirect', email, role: 'cs', password: PASSWORD, actorId: seeded.users['admin@kept.demo'] });
    for (const redirectTo of ['/\t/evil.example', '//evil.example', '/\\evil.example', '/home\r\nX: y', 'https://evil.example/']) {
      const res = await new Client().request('POST', '/login', { body: new URLSearchParams({ email, password: PASSWORD, redirectTo }).toString() });
      expect({ redirectTo, status: res.status, location: res.location, cookie: Boolean(res.setCookie) }).toEqual({ redirectTo, status: 302, location: '/home', cookie: true });
    }
  });

  test('OPTIONS to a .data URL and a foreign Origin claiming same-origin: 4xx, no error logged', async () => {
    const fs = await import('node:fs');
    const from = fs.statSync(serverLog).size;
    const client = new Client();
    const options = await client.request('OPTIONS', '/login.data', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(options.status).toBe(405);
    for (const url of ['/login', '/login.data', `/s/${bogusToken()}`]) {
      const res = await client.request('POST', url, { body: 'email=a%40b.c&password=x', headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-origin' } });
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await errorLines(from)).toEqual([]);
  });

  test("a 300 KB webhook POST from Node's fetch reads its 413, every time", async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(300 * 1024) });
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        await fetch(`${inject('baseUrl')}/api/webhooks/crm`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })
          .then(async (res) => (await res.text(), res.status))
          .catch((error: Error) => String((error.cause as Error | undefined)?.message ?? error)),
      );
    }
    expect(statuses).toEqual(Array(20).fill(413));
  });

  test("three 200 MB chunked POSTs before sign-in (webhook, sign-in form, survey link) leave the server's memory flat", async () => {
    const http = await import('node:http');
    const { execFileSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const base = new URL(inject('baseUrl'));
    // The web server is the process listening on the e2e port (tsx runs it as a child of its own).
    const pid = Number(execFileSync('ss', ['-Hltnp', `sport = :${base.port}`], { encoding: 'utf8' }).match(/pid=(\d+)/)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const rssMb = () => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) / 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const post = (path: string, type: string) =>
      new Promise<number | string>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: base.port, path, method: 'POST', headers: { 'Content-Type': type } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
          res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        let sent = 0;
        const write = () => {
          while (sent < 200 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', write);
          }
          req.end();
        };
        write();
      });
    const before = rssMb();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 25);
    const started = Date.now();
    const results = await Promise.all([
      post('/api/webhooks/crm', 'application/json'),
      post('/login', 'application/x-www-form-urlencoded'),
      post(`/s/${bogusToken()}`, 'application/x-www-form-urlencoded'),
    ]);
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    figures.push(
      `oversized bodies: 3 x 200 MB chunked, answers ${JSON.stringify(results)}, web process RSS ${before.toFixed(0)} MB -> peak ${peak.toFixed(0)} MB in ${seconds.toFixed(1)} s`,
    );
    console.log(`[hardening] ${figures.at(-1)}`);
    for (const status of results) expect([413, 'ECONNRESET', 'EPIPE']).toContain(status);
    expect(peak - before).toBeLessThan(64);
    expect(seconds).toBeLessThan(30);
    // The server still answers.
    expect((await fetch(`${inject('baseUrl')}/healthz`)).status).toBe(200);
  });
});
