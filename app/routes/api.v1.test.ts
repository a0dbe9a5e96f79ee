// The JSON API (/api/v1) through its route modules, against the real database: personal tokens
// (shown once, hashed at rest, last use, revocation), the pages' scoping per role, cursor pages,
// refusals as JSON with fields, and the closed-won intake (idempotent, write scope only).
import mongoose from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import type { SessionUser } from '#app/auth/session.server';
import { API_REQUESTS_PER_MINUTE } from '#app/auth/rate-limit.server';
import { issueToken, listTokens, revokeToken } from '#app/api/tokens.server';
import { AuditEvent } from '#models/audit-event';
import { ApiToken } from '#models/api-token';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { makeUser } from '#test/factories';
import * as accounts from './api.v1.accounts';
import * as account from './api.v1.accounts.$accountId';
import * as answers from './api.v1.answers';
import * as answer from './api.v1.answers.$surveyId';
import * as deals from './api.v1.deals';
import * as deal from './api.v1.deals.$dealId';
import * as journeys from './api.v1.journeys';
import * as journey from './api.v1.journeys.$journeyId';
import * as surveys from './api.v1.surveys';
import * as survey from './api.v1.surveys.$surveyId';

type Answer = {
  status: number;
  body: Record<string, unknown> & { data?: { id: string }[]; nextCursor?: string | null; error?: { code: string; message: string; fields?: Record<string, string[]> } };
  headers: Headers;
};
type Module = { loader: (args: never) => Promise<Response> | Response; action?: (args: never) => Promise<Response> | Response };

/** One request to a route module, as the server would make it. */
async function call(
  module: Module,
  url: string,
  init: { token?: string | null; method?: string; body?: unknown; params?: Record<string, string>; ip?: string } = {},
): Promise<Answer> {
  const headers = new Headers();
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  const method = init.method ?? 'GET';
  const request = new Request(new URL(url, 'http://localhost:3000'), { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const args = { request, params: init.params ?? {}, context: { nonce: '', clientIp: init.ip ?? '127.0.0.1' } } as never;
  const response = await (method === 'GET' ? module.loader(args) : module.action!(args));
  return { status: response.status, body: (await response.json()) as Answer['body'], headers: response.headers };
}

async function tokenFor(user: SessionUser, scope: 'read' | 'write' = 'read') {
  const issued = await issueToken({ user, input: { name: `${user.role} ${scope}`, scope } });
  if (!issued.ok) throw new Error(JSON.stringify(issued.errors));
  return issued.token;
}

let closeDay = 1;
/** A closed-won deal body for POST /api/v1/deals. */
function dealBody(over: Record<string, unknown> = {}) {
  const tag = Math.random().toString(36).slice(2, 8);
  return {
    crm: 'hubspot',
    crmId: `api-${tag}`,
    name: `Initech — ${tag}`,
    closedWonAt: `2026-0${1 + (closeDay++ % 8)}-1${closeDay % 10}`,
    arr: 48000,
    account: { name: `Initech ${tag}`, domain: `initech-${tag}.example`, segment: 'smb' },
    primaryContact: { name: 'Bill Lumbergh', email: `bill@initech-${tag}.example` },
    promises: [{ text: 'Reports in one click', successCriterion: 'Weekly report under a minute', category: 'time-savings' }],
    ...over,
  };
}

let admin: SessionUser, cs: SessionUser, repA: SessionUser, repB: SessionUser, leadership: SessionUser;
let adminToken: string, repAToken: string, repBToken: string, repAWrite: string, csWrite: string;
let dealOfA: string, dealOfB: string, accountOfB: string;

beforeAll(async () => {
  [admin, cs, repA, repB, leadership] = await Promise.all([
    makeUser({ role: 'admin' }),
    makeUser({ role: 'cs' }),
    makeUser({ role: 'sales' }),
    makeUser({ role: 'sales' }),
    makeUser({ role: 'leadership' }),
  ]);
  [adminToken, repAToken, repBToken, repAWrite, csWrite] = await Promise.all([tokenFor(admin), tokenFor(repA), tokenFor(repB), tokenFor(repA, 'write'), tokenFor(cs, 'write')]);
  const a = await call(deals, '/api/v1/deals', { token: repAWrite, method: 'POST', body: dealBody() });
  const b = await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody({ ownerEmail: repB.email }) });
  expect([a.status, b.status]).toEqual([201, 201]);
  dealOfA = (a.body.deal as { id: string }).id;
  dealOfB = (b.body.deal as { id: string; accountId: string }).id;
  accountOfB = (b.body.deal as { accountId: string }).accountId;
});

describe('personal API tokens', () => {
  test('the token is shown once and only its hash is stored: the raw token is nowhere in the collection', async () => {
    const token = await tokenFor(repA);
    expect(token).toMatch(/^kept_[a-f0-9]{24}_[A-Za-z0-9_-]{43}$/);
    const secret = token.split('_').slice(2).join('_');
    const stored = JSON.stringify(await mongoose.connection.db!.collection(ApiToken.collection.collectionName).find({}).toArray());
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(secret);
    const audit = JSON.stringify(await AuditEvent.find({ action: 'api-token.created' }).lean());
    expect(audit).not.toContain(secret);
    // The list shows name, scope and times, never the hash.
    const rows = await listTokens({ user: repA });
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(rows)).not.toMatch(/secretHash|[a-f0-9]{64}/);
  });

  test('a request without a token, with a made-up one or a malformed header is 401 with a JSON error', async () => {
    const missing = await call(deals, '/api/v1/deals');
    expect(missing.status).toBe(401);
    expect(missing.body.error?.code).toBe('unauthorized');
    expect(missing.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    const madeUp = `kept_${'a'.repeat(24)}_${'b'.repeat(43)}`;
    expect((await call(deals, '/api/v1/deals', { token: madeUp, ip: '10.0.0.2' })).status).toBe(401);
    // The right id with the wrong secret: the hash decides.
    const real = await tokenFor(repA);
    expect((await call(deals, '/api/v1/deals', { token: `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`, ip: '10.0.0.2' })).status).toBe(401);
    expect((await call(deals, '/api/v1/deals', { token: 'not-a-token', ip: '10.0.0.2' })).status).toBe(401);
  });

  test('using a token sets its last-used time; a revoked token is refused and the revocation is audited', async () => {
    const token = await tokenFor(cs);
    const id = token.slice(5, 29);
    expect((await ApiToken.findById(id).lean())!.lastUsedAt).toBeUndefined();
    const before = Date.now();
    expect((await call(accounts, '/api/v1/accounts', { token })).status).toBe(200);
    expect((await ApiToken.findById(id).lean())!.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    // Another user cannot revoke it; its owner can, once.
    expect((await revokeToken({ user: repA, tokenId: id })).ok).toBe(false);
    expect((await revokeToken({ user: cs, tokenId: id })).ok).toBe(true);
    expect((await revokeToken({ user: cs, tokenId: id })).ok).toBe(false);
    const refused = await call(accounts, '/api/v1/accounts', { token });
    expect(refused.status).toBe(401);
    expect(await AuditEvent.countDocuments({ action: 'api-token.revoked', entityId: id })).toBe(1);
    expect((await listTokens({ user: cs })).find((t) => t.id === id)?.revokedAt).not.toBeNull();
  });

  test('admins see and revoke every token; others only their own', async () => {
    const token = await tokenFor(repB);
    const id = token.slice(5, 29);
    const all = await listTokens({ user: admin, everyone: true });
    expect(all.find((t) => t.id === id)?.owner?.email).toBe(repB.email);
    await expect(listTokens({ user: cs, everyone: true })).rejects.toMatchObject({ status: 403 });
    expect((await revokeToken({ user: admin, tokenId: id })).ok).toBe(true);
    expect((await call(deals, '/api/v1/deals', { token })).status).toBe(401);
  });

  test('a deactivated user’s tokens stop working at once', async () => {
    const gone = await makeUser({ role: 'cs' });
    const token = await tokenFor(gone);
    expect((await call(deals, '/api/v1/deals', { token })).status).toBe(200);
    await User.updateOne({ _id: gone.id }, { $set: { active: false } });
    expect((await call(deals, '/api/v1/deals', { token })).status).toBe(401);
  });

  test('the write scope is only for roles that may record deals', async () => {
    const refused = await issueToken({ user: leadership, input: { name: 'Board pack', scope: 'write' } });
    expect(refused).toMatchObject({ ok: false, errors: { scope: [expect.any(String)] } });
    expect((await issueToken({ user: leadership, input: { name: 'Board pack', scope: 'read' } })).ok).toBe(true);
  });

  test(`past ${API_REQUESTS_PER_MINUTE} requests a minute a token gets 429 with Retry-After`, async () => {
    const token = await tokenFor(await makeUser({ role: 'cs' }));
    const statuses: number[] = [];
    for (let i = 0; i <= API_REQUESTS_PER_MINUTE; i++) statuses.push((await call(deal, `/api/v1/deals/${'0'.repeat(24)}`, { token, params: { dealId: '0'.repeat(24) } })).status);
    expect(statuses.slice(0, API_REQUESTS_PER_MINUTE).every((s) => s === 404)).toBe(true);
    const last = await call(deal, `/api/v1/deals/${'0'.repeat(24)}`, { token, params: { dealId: '0'.repeat(24) } });
    expect(last.status).toBe(429);
    expect(last.body.error?.code).toBe('rate_limited');
    expect(Number(last.headers.get('Retry-After'))).toBeGreaterThan(0);
  });
});

describe('the same access rules as the pages', () => {
  test('a sales rep reads their own deal and gets 404 for another rep’s, in the list and by id', async () => {
    expect((await call(deal, `/api/v1/deals/${dealOfA}`, { token: repAToken, params: { dealId: dealOfA } })).status).toBe(200);
    const other = await call(deal, `/api/v1/deals/${dealOfB}`, { token: repAToken, params: { dealId: dealOfB } });
    expect(other.status).toBe(404);
    expect(other.body.error?.code).toBe('not_found');
    const mine = await call(deals, '/api/v1/deals?limit=200', { token: repAToken });
    const ids = mine.body.data!.map((d) => d.id);
    expect(ids).toContain(dealOfA);
    expect(ids).not.toContain(dealOfB);
    const everything = await call(deals, '/api/v1/deals?limit=200', { token: adminToken });
    expect(everything.body.data!.map((d) => d.id)).toEqual(expect.arrayContaining([dealOfA, dealOfB]));
  });

  test('a sales rep sees neither another rep’s account, journey, surveys nor answers', async () => {
    const j = await Journey.findOne({ dealId: dealOfB }).lean();
    const s = await Survey.findOne({ dealId: dealOfB }).lean();
    expect(j && s).toBeTruthy();
    await SurveyResponse.create({
      _id: s!._id,
      dealId: dealOfB,
      accountId: accountOfB,
      aeId: repB.id,
      wave: s!.wave,
      segment: 'smb',
      closedWonAt: s!.closedWonAt,
      answeredAt: new Date(),
      overall: 'yes',
      nps: 9,
      promises: [],
    });
    const cases: [Module, string, string, string][] = [
      [account, 'accountId', accountOfB, 'accounts'],
      [journey, 'journeyId', String(j!._id), 'journeys'],
      [survey, 'surveyId', String(s!._id), 'surveys'],
      [answer, 'surveyId', String(s!._id), 'answers'],
    ];
    for (const [module, param, id, plural] of cases) {
      expect((await call(module, `/api/v1/${plural}/${id}`, { token: repAToken, params: { [param]: id } })).status, plural).toBe(404);
      expect((await call(module, `/api/v1/${plural}/${id}`, { token: repBToken, params: { [param]: id } })).status, plural).toBe(200);
      expect((await call(module, `/api/v1/${plural}/${id}`, { token: adminToken, params: { [param]: id } })).status, plural).toBe(200);
    }
    for (const [module, plural] of [
      [accounts, 'accounts'],
      [journeys, 'journeys'],
      [surveys, 'surveys'],
      [answers, 'answers'],
    ] as const) {
      const list = await call(module, `/api/v1/${plural}?limit=200`, { token: repAToken });
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body), plural).not.toContain(dealOfB);
      expect(JSON.stringify(list.body), plural).not.toContain(accountOfB);
    }
  });

  test('answers never carry internal fields: no leases, hashes or tokens', async () => {
    const s = await call(surveys, '/api/v1/surveys?limit=200', { token: adminToken });
    const text = JSON.stringify(s.body);
    expect(text).not.toMatch(/lease|secretHash|token|"_id"|__v/i);
    const j = await call(journeys, '/api/v1/journeys', { token: adminToken });
    expect(JSON.stringify(j.body)).not.toMatch(/evidence|"_id"|__v/);
  });
});

describe('pages and refusals', () => {
  test('cursor pages list every deal exactly once, even when a deal is added while paging', async () => {
    for (let i = 0; i < 5; i++) expect((await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody({ ownerEmail: repA.email }) })).status).toBe(201);
    const expected = (await call(deals, '/api/v1/deals?limit=200', { token: adminToken })).body.data!.map((d) => d.id);
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await call(deals, `/api/v1/deals?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: adminToken });
      expect(page.status).toBe(200);
      expect(page.body.data!.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data!.map((d) => d.id));
      cursor = page.body.nextCursor;
      if (pages++ === 1) await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody({ ownerEmail: repA.email }) });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(expected));
    expect(seen).toEqual([...seen].sort());
  });

  test('a bad query string is a 400 naming each field', async () => {
    const bad = await call(deals, '/api/v1/deals?limit=1000&cursor=xyz&colour=red', { token: adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('invalid_request');
    expect(Object.keys(bad.body.error!.fields!).sort()).toEqual(['colour', 'cursor', 'limit']);
    expect((await call(surveys, '/api/v1/surveys?state=lost', { token: adminToken })).body.error?.fields?.state).toBeDefined();
    expect((await call(deals, '/api/v1/deals?limit=abc', { token: adminToken })).body.error?.fields?.limit).toEqual(['Use a whole number.']);
    // Nothing in a query string widens a sales rep's scope: operator keys and other fields are unknown parameters.
    const widened = await call(deals, `/api/v1/deals?aeId=${repB.id}&accountId[$ne]=x`, { token: repAToken });
    expect(widened.status).toBe(400);
    expect(Object.keys(widened.body.error!.fields!).sort()).toEqual(['accountId[$ne]', 'aeId']);
  });

  test('a read-only route answers 405 to POST, as JSON', async () => {
    const res = await call(accounts, '/api/v1/accounts', { token: adminToken, method: 'POST', body: {} });
    expect(res.status).toBe(405);
    expect(res.body.error?.code).toBe('method_not_allowed');
  });
});

describe('POST /api/v1/deals', () => {
  test('records a deal with its journey and surveys; the same crm and crmId again changes nothing (200, same deal)', async () => {
    const body = dealBody();
    const first = await call(deals, '/api/v1/deals', { token: repAWrite, method: 'POST', body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, deal: { crmId: body.crmId, source: 'hubspot', aeId: repA.id, arr: 48000 } });
    const again = await Promise.all([1, 2, 3].map(() => call(deals, '/api/v1/deals', { token: repAWrite, method: 'POST', body })));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(again.every((r) => (r.body.deal as { id: string }).id === (first.body.deal as { id: string }).id)).toBe(true);
    const id = (first.body.deal as { id: string }).id;
    expect(await Deal.countDocuments({ crmId: body.crmId })).toBe(1);
    expect(await Journey.countDocuments({ dealId: id })).toBe(1);
    expect(first.body.journeyId).toBe(String((await Journey.findOne({ dealId: id }).lean())!._id));
    expect(await Survey.countDocuments({ dealId: id })).toBe(3);
    expect(await AuditEvent.countDocuments({ action: 'deal.created', entityId: id, actorId: repA.id })).toBe(1);
  });

  test('a read token may not write (403) and records nothing', async () => {
    const body = dealBody();
    const res = await call(deals, '/api/v1/deals', { token: repAToken, method: 'POST', body });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('forbidden');
    expect(await Deal.countDocuments({ crmId: body.crmId })).toBe(0);
  });

  test('a write token whose user may no longer record deals is refused (403)', async () => {
    const user = await makeUser({ role: 'cs' });
    const token = await tokenFor(user, 'write');
    await User.updateOne({ _id: user.id }, { $set: { role: 'leadership' } });
    expect((await call(deals, '/api/v1/deals', { token, method: 'POST', body: dealBody({ ownerEmail: repA.email }) })).status).toBe(403);
  });

  test('a sales rep records only their own deals; another rep’s crmId is a conflict, not a look at their deal', async () => {
    expect((await call(deals, '/api/v1/deals', { token: repAWrite, method: 'POST', body: dealBody({ ownerEmail: repB.email }) })).status).toBe(403);
    const ofB = await Deal.findById(dealOfB).lean();
    const clash = await call(deals, '/api/v1/deals', { token: repAWrite, method: 'POST', body: dealBody({ crmId: ofB!.crmId }) });
    expect(clash.status).toBe(409);
    expect(JSON.stringify(clash.body)).not.toContain(dealOfB);
  });

  test('a body the schema refuses is a 400 with its fields, and nothing is recorded', async () => {
    const res = await call(deals, '/api/v1/deals', {
      token: csWrite,
      method: 'POST',
      body: dealBody({ arr: -5, closedWonAt: '2026-02-30', ownerEmail: repA.email, account: { name: 'X' } }),
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error!.fields!)).toEqual(expect.arrayContaining(['arr', 'closedWonAt', 'account.name']));
    // CS must name the account executive, an active sales user.
    const noOwner = await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody() });
    expect(noOwner.body.error?.fields?.ownerEmail).toBeDefined();
    const notSales = await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody({ ownerEmail: cs.email }) });
    expect(notSales.status).toBe(400);
    expect(notSales.body.error?.fields?.ownerEmail).toEqual(['No active sales user has this email.']);
    const notJson = await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: undefined });
    expect(notJson.status).toBe(400);
    const huge = await call(deals, '/api/v1/deals', { token: csWrite, method: 'POST', body: dealBody({ ownerEmail: repA.email, padding: 'x'.repeat(300 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error?.code).toBe('payload_too_large');
  });
});
