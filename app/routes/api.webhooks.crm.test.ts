import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { resetEnvCache } from '#app/env.server';
import { signCrmPayload } from '#app/deals/intake.server';
import { makeUser } from '#test/factories';
import { action } from './api.webhooks.crm';

const SECRET = 'whsec-test-0123456789abcdef';
let rep: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  process.env.CRM_WEBHOOK_SECRET = `${SECRET},older-secret-still-accepted`;
  resetEnvCache();
  rep = await makeUser({ role: 'sales', email: 'rep.webhook@example.test' });
  await makeUser({ role: 'cs' });
});
afterAll(() => {
  delete process.env.CRM_WEBHOOK_SECRET;
  resetEnvCache();
});

function event(overrides: Record<string, unknown> = {}, deal: Record<string, unknown> = {}) {
  return {
    id: `evt_${Math.random().toString(36).slice(2)}`,
    type: 'deal.closed_won',
    crm: 'hubspot',
    deal: {
      crmId: `hs-${Math.random().toString(36).slice(2)}`,
      name: 'Globex — Platform',
      closedWonAt: '2026-05-04',
      arr: 84000,
      currency: 'USD',
      ownerEmail: 'REP.webhook@example.test',
      account: { name: 'Globex', domain: 'globex.example', segment: 'enterprise' },
      primaryContact: { name: 'Hank Scorpio', email: 'hank@globex.example', title: 'CEO' },
      promises: [{ text: 'Cut onboarding to two weeks', successCriterion: 'New hires productive in 10 days', category: 'time-savings' }],
      ...deal,
    },
    ...overrides,
  };
}

async function deliver(body: string, options: { secret?: string; timestamp?: number; header?: string | null; contentType?: string } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers = new Headers({ 'Content-Type': options.contentType ?? 'application/json' });
  const header = options.header === undefined ? signCrmPayload({ secret: options.secret ?? SECRET, body, timestamp }) : options.header;
  if (header !== null) headers.set('X-Kept-Signature', header);
  const response = await action({
    request: new Request('http://localhost:3000/api/webhooks/crm', { method: 'POST', body, headers }),
    params: {},
    context: { nonce: '', clientIp: '127.0.0.1' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /api/webhooks/crm', () => {
  it('a good delivery creates the account, contact, deal and journey', async () => {
    const e = event();
    const res = await deliver(JSON.stringify(e));
    expect(res).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
    const deal = await Deal.findOne({ source: 'hubspot', crmId: e.deal.crmId }).lean();
    expect(deal).toMatchObject({ name: 'Globex — Platform', arr: 84000 });
    expect(String(deal!.aeId)).toBe(rep.id);
    expect(deal!.promises).toHaveLength(1);
    expect(await Account.countDocuments({ domain: 'globex.example' })).toBe(1);
    expect(await Contact.countDocuments({ email: 'hank@globex.example', isPrimary: true })).toBe(1);
    expect(await Journey.findOne({ dealId: deal!._id }).lean()).toMatchObject({ stage: 'handoff', accountName: 'Globex' });
    expect(res.body.journeyId).toBe(String((await Journey.findOne({ dealId: deal!._id }).lean())!._id));
  });

  it('accepts a signature made with an older secret still configured (rotation)', async () => {
    expect((await deliver(JSON.stringify(event()), { secret: 'older-secret-still-accepted' })).status).toBe(200);
  });

  it('refuses a bad, missing or malformed signature with 401 and records nothing', async () => {
    const e = event();
    const body = JSON.stringify(e);
    expect((await deliver(body, { secret: 'wrong-secret' })).status).toBe(401);
    expect((await deliver(body, { header: null })).status).toBe(401);
    expect((await deliver(body, { header: 'v1=abc' })).status).toBe(401);
    // A valid signature of a different body (tampered payload).
    const ts = Math.floor(Date.now() / 1000);
    expect((await deliver(body.replace('84000', '1'), { header: signCrmPayload({ secret: SECRET, body, timestamp: ts }) })).status).toBe(401);
    expect(await Deal.countDocuments({ crmId: e.deal.crmId })).toBe(0);
  });

  it('refuses a timestamp outside the five-minute window (replayed capture)', async () => {
    const e = event();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await deliver(JSON.stringify(e), { timestamp: old });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/five-minute/);
    expect((await deliver(JSON.stringify(e), { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })).status).toBe(401);
    expect((await deliver(JSON.stringify(e), { timestamp: Math.floor(Date.now() / 1000) - 4 * 60 })).status).toBe(200);
  });

  it('acknowledges the same event id again without a second effect, even delivered concurrently', async () => {
    const e = event();
    const body = JSON.stringify(e);
    const results = await Promise.all([deliver(body), deliver(body), deliver(body), deliver(body)]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(await Deal.countDocuments({ crmId: e.deal.crmId })).toBe(1);
    // A new event for the same CRM deal (the CRM re-sent it) finds the deal: still one deal, one journey.
    const again = await deliver(JSON.stringify({ ...e, id: `${e.id}-resend` }));
    expect(again.body).toMatchObject({ ok: true, duplicate: true });
    const deal = await Deal.findOne({ crmId: e.deal.crmId }).lean();
    expect(await Journey.countDocuments({ dealId: deal!._id })).toBe(1);
  });

  it('one new deal sent concurrently under different event ids converges: every delivery 200, one account, contact, deal and journey', async () => {
    // A CRM firing several events (created, stage change, closed won) for a deal Kept has not seen.
    for (let round = 0; round < 5; round++) {
      const tag = Math.random().toString(36).slice(2, 8);
      const deal = {
        crmId: `hs-race-${tag}`,
        account: { name: `Racer ${tag}`, domain: `racer-${tag}.example`, segment: 'smb' },
        primaryContact: { name: 'Rae Racer', email: `rae@racer-${tag}.example` },
      };
      const results = await Promise.all(Array.from({ length: 8 }, () => deliver(JSON.stringify(event({}, deal)))));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      const accounts = await Account.find({ domain: deal.account.domain }).lean();
      expect(accounts).toHaveLength(1);
      expect(await Contact.countDocuments({ email: deal.primaryContact.email })).toBe(1);
      const deals = await Deal.find({ source: 'hubspot', crmId: deal.crmId }).lean();
      expect(deals).toHaveLength(1);
      expect(String(deals[0].accountId)).toBe(String(accounts[0]._id));
      expect(await Journey.countDocuments({ dealId: deals[0]._id })).toBe(1);
      expect(new Set(results.map((r) => r.body.dealId))).toEqual(new Set([String(deals[0]._id)]));
    }
  }, 60_000);

  it('malformed JSON and schema violations are 400 with the issues, never 500', async () => {
    const bad = await deliver('{"id": "evt_1", "type": ');
    expect(bad.status).toBe(400);
    const invalid = await deliver(JSON.stringify(event({}, { arr: -5, closedWonAt: 'yesterday', ownerEmail: 'nope' })));
    expect(invalid.status).toBe(400);
    const paths = (invalid.body.issues as { path: string[] }[]).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['deal.arr', 'deal.closedWonAt', 'deal.ownerEmail']));
    expect((await deliver('[]')).status).toBe(400);
    expect((await deliver('null')).status).toBe(400);
    const unknownOwner = await deliver(JSON.stringify(event({}, { ownerEmail: 'ghost@example.test' })));
    expect(unknownOwner.status).toBe(400);
  });

  it('operator injection is refused by the schema and never reaches a query', async () => {
    const injected = [
      event({ id: { $ne: null } }),
      event({}, { crmId: { $gt: '' } }),
      event({}, { ownerEmail: { $regex: '.*' } }),
      event({}, { account: { name: 'Evil', domain: { $ne: 'x' }, segment: 'smb' } }),
      event({ type: { $exists: true } }),
    ];
    for (const e of injected) expect((await deliver(JSON.stringify(e))).status).toBe(400);
    expect(await Account.countDocuments({ name: 'Evil' })).toBe(0);
  });

  it('without CRM_WEBHOOK_SECRET the endpoint says it is not configured (503), not 500', async () => {
    const saved = process.env.CRM_WEBHOOK_SECRET;
    delete process.env.CRM_WEBHOOK_SECRET;
    resetEnvCache();
    try {
      expect((await deliver(JSON.stringify(event()))).status).toBe(503);
    } finally {
      process.env.CRM_WEBHOOK_SECRET = saved;
      resetEnvCache();
    }
  });
});
