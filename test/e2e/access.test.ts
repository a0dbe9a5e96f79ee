// The access test: every route module in app/routes, for anonymous visitors and each of the five
// roles, over plain HTTP against the production server. A new route without an entry in EXPECTED
// fails here, so nobody ships a page without deciding who may open it (docs/product-rules.md, "Who uses it").
// The table itself lives in access-table.ts (the browser gate derives its page list from it).
import fs from 'node:fs';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { ROLES } from '#app/auth/roles';
import { exportsAction, routeModules, urlFor } from '../route-modules';
import { EXPECTED, WHO, seededParams, uploadTemplateImport, type Outcome, type RouteSpec, type Who } from './access-table';
import { DEMO_PASSWORD, clientAddress } from './browser';

// Route enumeration and URLs: shared with the injection and fuzzing specs (test/route-modules.ts).
const hasUi = (file: string) => /export\s+default\b/.test(fs.readFileSync(file, 'utf8'));

/** A cookie-keeping HTTP client with its own client address (the server trusts X-Forwarded-For). */
class Client {
  cookie = '';
  readonly address = clientAddress();
  constructor(readonly base: string) {}

  async request(method: string, url: string, init: { body?: string | FormData; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { 'X-Forwarded-For': this.address, ...init.headers };
    if (this.cookie) headers.Cookie = this.cookie;
    if (method !== 'GET' && !('Origin' in headers)) headers.Origin = this.base;
    if (typeof init.body === 'string' && !('Content-Type' in headers)) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.base + url, { method, headers, body: init.body, redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, location: res.headers.get('location'), body, headers: res.headers };
  }

  async login(email: string) {
    const res = await this.request('POST', '/login', { body: new URLSearchParams({ email, password: DEMO_PASSWORD }).toString() });
    const cookie = res.headers.get('set-cookie')?.match(/kept_session=[^;]*/)?.[0];
    if (res.status !== 302 || !cookie) throw new Error(`Signing in as ${email} answered ${res.status}: ${res.body.slice(0, 300)}`);
    this.cookie = cookie;
  }
}

let base: string;
let params: Record<string, string>;
const clients = {} as Record<Who, Client>;

beforeAll(async () => {
  base = inject('baseUrl');
  params = seededParams();
  for (const who of WHO) {
    clients[who] = new Client(base);
    if (who !== 'anonymous') await clients[who].login(`${who}@kept.demo`);
  }
  // Only once the import pages exist: a tree without them must still run every other row.
  if (modules.some((m) => m.id === '_staff.deals.import._index.tsx')) params.jobId = await uploadTemplateImport(clients.cs);
});

const modules = routeModules();

describe('every route module has an access rule', () => {
  test('every module in app/routes has a row in EXPECTED', () => {
    const files = modules.map((m) => m.id);
    const missing = files.filter((f) => !(f in EXPECTED));
    expect(missing, 'add a row for each new route to EXPECTED in test/e2e/access.test.ts').toEqual([]);
    // A row without a module is harmless (a renamed route shows up as missing above): just say so.
    const stale = Object.keys(EXPECTED).filter((f) => !files.includes(f));
    if (stale.length) console.warn(`access.test.ts: EXPECTED rows without a route module: ${stale.join(', ')}`);
  });

  test('a module exports an action exactly when its EXPECTED entry checks POST', () => {
    const mismatched = modules
      .filter((m) => EXPECTED[m.id] && !('layout' in EXPECTED[m.id]))
      .filter((m) => exportsAction(m.source) !== Boolean((EXPECTED[m.id] as { post?: unknown }).post))
      .map((m) => m.id);
    expect(mismatched).toEqual([]);
  });
});

function check(method: 'GET' | 'POST', id: string, spec: Extract<RouteSpec, { get: unknown }>) {
  test.each(WHO)(`${method} ${id} as %s`, async (who) => {
    const url = urlFor(id, params);
    const expected = (method === 'GET' ? spec.get : spec.post!)(url)[who];
    const res = await clients[who].request(method, url, method === 'POST' ? { body: '' } : {});
    const seen: Outcome = { status: res.status };
    if (expected.location !== undefined) seen.location = res.location ?? undefined;
    expect(seen, `${method} ${url} as ${who}: ${res.body.slice(0, 200)}`).toEqual(expected);
    expect(res.status, 'never a server error').toBeLessThan(500);
  });
}

describe('objects another rep owns', () => {
  test('sales@kept.demo gets 404 for a deal, journey, survey and account of another rep; cs gets 200', async () => {
    const seeded = inject('seeded');
    expect(seeded.otherDealId, 'the seed should give deals to more than one rep').toBeTruthy();
    expect(seeded.otherAccountId, 'the seed should have accounts without a deal of sales@kept.demo').toBeTruthy();
    expect(seeded.otherJourneyId, 'the seed should start a journey for every deal').toBeTruthy();
    expect(seeded.otherSurveyId, 'the seed should create surveys for deals').toBeTruthy();
    const urls = [`/deals/${seeded.otherDealId}`, `/accounts/${seeded.otherAccountId}`, `/journeys/${seeded.otherJourneyId}`, `/surveys/${seeded.otherSurveyId}`];
    for (const url of urls) {
      expect((await clients.sales.request('GET', url)).status, `${url} as sales`).toBe(404);
      expect((await clients.cs.request('GET', url)).status, `${url} as cs`).toBe(200);
    }
  });
});

describe('cross-site requests and injection', () => {
  test('a POST with a foreign Origin is refused with 403, signed in or not', async () => {
    const login = await clients.anonymous.request('POST', '/login', {
      headers: { Origin: 'https://evil.example' },
      body: new URLSearchParams({ email: 'admin@kept.demo', password: DEMO_PASSWORD }).toString(),
    });
    expect([login.status, login.headers.get('set-cookie')]).toEqual([403, null]);
    const deal = await clients.cs.request('POST', '/deals/new', { headers: { Origin: 'https://evil.example' }, body: 'intent=create' });
    expect(deal.status).toBe(403);
    expect(deal.body).toBe('Cross-site requests are not allowed.');
    const fetchSite = await clients.admin.request('POST', '/admin/users', { headers: { 'Sec-Fetch-Site': 'cross-site' }, body: 'name=x' });
    expect(fetchSite.status).toBe(403);
  });

  test('a wrong password gets 400 with the message, never echoes the password, and sets no session', async () => {
    const res = await new Client(base).request('POST', '/login', { body: new URLSearchParams({ email: 'cs@kept.demo', password: 'Secret-Guess-123' }).toString() });
    expect({ status: res.status, cookie: res.headers.get('set-cookie') }).toEqual({ status: 400, cookie: null });
    expect(res.body).toContain('Wrong email or password.');
    expect(res.body).toContain('cs@kept.demo');
    expect(res.body).not.toContain('Secret-Guess-123');
  });

  test('operator-shaped login input gets 400, never 500 and never a session', async () => {
    const attempts = [
      { body: 'email[$ne]=x&password[$ne]=x' },
      { body: 'email=admin%40kept.demo&password[$gt]=' },
      { body: JSON.stringify({ email: { $gt: '' }, password: { $gt: '' } }), headers: { 'Content-Type': 'application/json' } },
      { body: JSON.stringify({ email: 'admin@kept.demo', password: { $ne: 'x' } }), headers: { 'Content-Type': 'application/json' } },
    ];
    for (const attempt of attempts) {
      const res = await new Client(base).request('POST', '/login', attempt);
      expect({ status: res.status, cookie: res.headers.get('set-cookie') }, attempt.body).toEqual({ status: 400, cookie: null });
    }
  });
});

describe('bodies that are not forms', () => {
  test('every action answers a JSON or text body without a server error (signed in as admin)', async () => {
    // Its own session: posting /logout below ends it, and the shared admin session must live on.
    const admin = new Client(base);
    await admin.login('admin@kept.demo');
    // Modules without a row are reported by the first test; their URLs may need unknown parameters.
    const withActions = modules.filter((m) => m.id in EXPECTED && exportsAction(m.source)).sort((a, b) => Number(a.id === 'logout.tsx') - Number(b.id === 'logout.tsx'));
    const seen: Record<string, number[]> = {};
    for (const m of withActions) {
      const url = urlFor(m.id, params);
      for (const [type, body] of [
        ['application/json', '{"email":{"$gt":""}}'],
        ['text/plain', 'hello'],
        ['multipart/form-data; boundary=x', 'not multipart'],
      ]) {
        const res = await admin.request('POST', url, { body, headers: { 'Content-Type': type } });
        (seen[m.id] ??= []).push(res.status);
      }
    }
    const serverErrors = Object.entries(seen).filter(([, statuses]) => statuses.some((s) => s >= 500));
    expect(serverErrors).toEqual([]);
  });
});

describe('anonymous data requests (what the browser sends once the app has loaded)', () => {
  // Pages only: resource routes (CSV downloads) are fetched as documents, never as `.data`.
  const staff = modules.filter((m) => m.id.startsWith('_staff.') && EXPECTED[m.id] && !('layout' in EXPECTED[m.id]) && hasUi(m.file));
  test.each(staff.map((m) => m.id))('%s: GET .data redirects to /login, POST .data is 401', async (id) => {
    const url = urlFor(id, params);
    const dataUrl = `${url}.data${id.endsWith('._index.tsx') ? '?index' : ''}`;
    const get = await clients.anonymous.request('GET', dataUrl);
    expect(get.status, get.body).toBe(202); // single fetch's encoded redirect
    expect(get.body).toContain(JSON.stringify(`/login?${new URLSearchParams({ redirectTo: url })}`));
    if (exportsAction(modules.find((m) => m.id === id)!.source)) {
      const post = await clients.anonymous.request('POST', dataUrl, { body: '' });
      expect(post.status, post.body).toBe(401);
    }
  });
});

const ordered = [...modules].sort((a, b) => Number(Boolean((EXPECTED[a.id] as { last?: true })?.last)) - Number(Boolean((EXPECTED[b.id] as { last?: true })?.last)));
for (const m of ordered) {
  const spec = EXPECTED[m.id];
  if (!spec || 'layout' in spec) continue;
  describe(m.id, () => {
    check('GET', m.id, spec);
    if (spec.post) check('POST', m.id, spec);
  });
}

describe('after logging out', () => {
  test.each(ROLES)('the old session of %s no longer opens pages', async (role) => {
    const res = await clients[role].request('GET', '/home');
    expect({ status: res.status, location: res.location }).toEqual({ status: 302, location: '/login?redirectTo=%2Fhome' });
  });
});
