import { beforeEach, describe, expect, test } from 'vitest';
import { Types } from 'mongoose';
import { CrmConnection } from '#models/crm-connection';
import { CrmPush } from '#models/crm-push';
import { CrmSyncAttempt } from '#models/crm-sync-attempt';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { SurveyResponse } from '#models/survey-response';
import { resetEnvCache } from '#app/env.server';
import { forgetCrmSessions } from '#app/crm/crm-client.server';
import { ConnectFormSchema, dispatchDueCrmPushes, forgetConnection, getCrmConnection, listSyncAttempts, saveCrmConnection, saveCrmMapping, testCrmPush } from '#app/crm/crm.server';
import { DEFAULT_MAPPING } from '#app/crm/crm-rules';
import { reactionsTo, recorded } from '#app/platform/events.server';
import { claim, complete } from '#app/platform/lease.server';
import { trusted } from '#app/platform/db.server';
import { liveJourneyDoc, makeAccount, makeUser } from '#test/factories';
import { FakeHubSpot, FakeSalesforce, useFakeCrm } from '#test/fake-crm';

// The CRM write-back against local fakes of HubSpot's and Salesforce's APIs (docs/crm-write-back.md).
const hubspot = useFakeCrm(new FakeHubSpot());
const salesforce = useFakeCrm(new FakeSalesforce());
const SECOND = 1000;
const HOUR = 3600 * SECOND;

let admin: Awaited<ReturnType<typeof makeUser>>;
let rep: Awaited<ReturnType<typeof makeUser>>;
let accountId: string;

beforeEach(async () => {
  await Promise.all([CrmConnection.deleteMany({}), CrmPush.deleteMany({}), CrmSyncAttempt.deleteMany({})]);
  forgetConnection();
  forgetCrmSessions();
  admin ??= await makeUser({ role: 'admin' });
  rep ??= await makeUser({ role: 'sales' });
  accountId = (await makeAccount()).id;
  for (const name of Object.values(DEFAULT_MAPPING.hubspot)) hubspot.properties.add(name);
  for (const name of Object.values(DEFAULT_MAPPING.salesforce)) salesforce.properties.add(name);
});

let n = 0;
async function crmDeal(source: 'hubspot' | 'salesforce' | 'manual', { company = true, closedWonAt = new Date('2026-03-01T00:00:00Z') } = {}) {
  n++;
  const crmId = source === 'salesforce' ? `0065g00000Ab${String(n).padStart(4, '0')}` : `${9000 + n}`;
  const crmAccountId = company ? (source === 'salesforce' ? `0015g00000Cd${String(n).padStart(4, '0')}` : `${500 + n}`) : undefined;
  const deal = await Deal.create({ source, crmId, crmAccountId, name: `CRM deal ${n}`, accountId, aeId: rep.id, closedWonAt, arr: 40_000, currency: 'USD', promises: [] });
  return { dealId: String(deal._id), crmId, crmAccountId: crmAccountId!, closedWonAt };
}

async function connectHubSpot() {
  const saved = await saveCrmConnection({ input: ConnectFormSchema.parse({ provider: 'hubspot', hubspotToken: hubspot.token }), actorId: admin.id });
  expect(saved.ok).toBe(true);
  // The one thing the form does not offer: HubSpot's API host, here the local fake.
  await CrmConnection.updateOne({}, { $set: { hubspotApiUrl: hubspot.url } });
  forgetConnection();
}
async function connectSalesforce() {
  const saved = await saveCrmConnection({
    input: ConnectFormSchema.parse({
      provider: 'salesforce',
      salesforceLoginUrl: salesforce.url,
      salesforceClientId: salesforce.clientId,
      salesforceClientSecret: salesforce.clientSecret,
    }),
    actorId: admin.id,
  });
  expect(saved.ok).toBe(true);
}
const dispatch = (now: Date, owner = 'worker-a') => dispatchDueCrmPushes({ now, owner });
const stageChanged = (dealId: string, now: Date, to = 'onboarding') => recorded('journey.stage_changed', { journeyId: new Types.ObjectId(), dealId, from: 'handoff', to, now });

describe('HubSpot', () => {
  test('every event that changes a pushed figure has the reaction that queues pushes', () => {
    for (const type of ['deal.closed_won', 'journey.stage_changed', 'journey.live', 'survey.answered', 'advocate.candidate'] as const)
      expect(reactionsTo(type), type).toContain('crm.write-back');
  });

  test('a change updates the deal and its company with the private app token, once per change', async () => {
    await connectHubSpot();
    const d = await crmDeal('hubspot');
    hubspot.seed(`deal:${d.crmId}`, `company:${d.crmAccountId}`);
    const liveAt = new Date('2026-04-15T09:00:00Z');
    await Journey.insertMany([liveJourneyDoc({ deal: { _id: d.dealId, accountId, aeId: rep.id, name: 'x', closedWonAt: d.closedWonAt }, accountName: 'A', liveAt })]);
    await SurveyResponse.create({
      _id: new Types.ObjectId(),
      dealId: d.dealId,
      accountId,
      aeId: rep.id,
      wave: 6,
      segment: 'smb',
      closedWonAt: d.closedWonAt,
      answeredAt: new Date('2026-09-01T00:00:00Z'),
      overall: 'partly',
      nps: 8,
      promises: [
        { promiseId: new Types.ObjectId(), text: 'a', category: 'other', verdict: 'delivered' },
        { promiseId: new Types.ObjectId(), text: 'b', category: 'other', verdict: 'delivered' },
        { promiseId: new Types.ObjectId(), text: 'c', category: 'other', verdict: 'not_yet' },
      ],
    });
    const now = new Date();
    await recorded('journey.live', { dealId: d.dealId, now });
    expect(await dispatch(now)).toMatchObject({ delivered: 2, retried: 0, failed: 0 });

    expect(hubspot.updates.map((r) => r.path).sort()).toEqual([`/crm/v3/objects/companies/${d.crmAccountId}`, `/crm/v3/objects/deals/${d.crmId}`]);
    for (const r of hubspot.updates) {
      expect(r.headers.authorization).toBe(`Bearer ${hubspot.token}`);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.status).toBe(200);
    }
    // Every value a string, as HubSpot's properties take them.
    const written = {
      kept_post_sale_stage: 'live',
      kept_go_live_date: '2026-04-15',
      kept_time_to_live_days: '45',
      kept_value_verdict: 'partly',
      kept_value_delivered_pct: '67',
      kept_advocate_status: 'none',
    };
    expect(JSON.parse(hubspot.updates[0].body)).toEqual({ properties: written });
    expect(hubspot.records.get(`deal:${d.crmId}`)).toEqual(written);
    expect(hubspot.records.get(`company:${d.crmAccountId}`)).toEqual(written);

    // The same event again (a replay) is not pushed twice.
    await recorded('journey.live', { dealId: d.dealId, now: new Date(now.getTime() + SECOND) });
    await dispatch(new Date(now.getTime() + 2 * SECOND));
    expect(hubspot.updates).toHaveLength(2);
    expect(await CrmPush.countDocuments({})).toBe(2);
    const log = await listSyncAttempts({ page: 1 });
    expect(log.total).toBe(2);
    expect(log.attempts.map((a) => [a.status, a.outcome]).sort()).toEqual([
      [200, 'delivered'],
      [200, 'delivered'],
    ]);
  });

  test('deals from elsewhere are not pushed, and a deal without a company id updates the deal only', async () => {
    await connectHubSpot();
    const manual = await crmDeal('manual');
    await stageChanged(manual.dealId, new Date());
    expect(await CrmPush.countDocuments({})).toBe(0);
    const noCompany = await crmDeal('hubspot', { company: false });
    await stageChanged(noCompany.dealId, new Date());
    expect(await CrmPush.find({}).distinct('object')).toEqual(['deal']);
  });

  test('a 429 is retried after Retry-After, not before; the sync log shows both attempts', async () => {
    await connectHubSpot();
    const d = await crmDeal('hubspot', { company: false });
    hubspot.seed(`deal:${d.crmId}`);
    const t0 = new Date('2026-12-07T10:00:00Z');
    await stageChanged(d.dealId, t0);
    hubspot.rateLimitNext(1, '120');
    expect(await dispatch(t0)).toMatchObject({ retried: 1 });
    const waiting = await CrmPush.findOne({}).lean();
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 429 });
    expect(waiting!.lastError).toContain('RATE_LIMIT');
    // The back-off alone would retry after 30 s; HubSpot asked for two minutes.
    expect(waiting!.nextAttemptAt!.getTime() - t0.getTime()).toBeGreaterThanOrEqual(120 * SECOND);
    await dispatch(new Date(t0.getTime() + 60 * SECOND));
    expect(hubspot.updates).toHaveLength(1);
    expect(await dispatch(new Date(t0.getTime() + 121 * SECOND))).toMatchObject({ delivered: 1 });
    expect(await CrmPush.findOne({}).lean()).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
    const log = await listSyncAttempts({ page: 1 });
    expect(log.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [200, 'delivered'],
      [429, 'retry'],
    ]);
  });

  test('a refused property fails at once with HubSpot’s message and is not retried', async () => {
    await connectHubSpot();
    await saveCrmMapping({
      'map.stage': 'no_such_property',
      'map.goLiveDate': '',
      'map.timeToLiveDays': '',
      'map.valueVerdict': '',
      'map.valueDeliveredPct': '',
      'map.advocateStatus': '',
    });
    const d = await crmDeal('hubspot', { company: false });
    hubspot.seed(`deal:${d.crmId}`);
    const t0 = new Date();
    await stageChanged(d.dealId, t0);
    expect(await dispatch(t0)).toMatchObject({ failed: 1 });
    expect(JSON.parse(hubspot.updates[0].body)).toEqual({ properties: { no_such_property: 'Not started' } });
    await dispatch(new Date(t0.getTime() + 2 * HOUR));
    expect(hubspot.updates).toHaveLength(1);
    const failed = await CrmPush.findOne({}).lean();
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 400 });
    expect(failed!.lastError).toMatch(/HTTP 400 VALIDATION_ERROR: Property values were not valid: Property "no_such_property" does not exist/);
  });

  test('two workers racing, and a worker killed mid-push: each change ends in exactly one final state', async () => {
    await connectHubSpot();
    const deals = await Promise.all([1, 2, 3].map(() => crmDeal('hubspot')));
    for (const d of deals) hubspot.seed(`deal:${d.crmId}`, `company:${d.crmAccountId}`);
    const now = new Date();
    for (const d of deals) await stageChanged(d.dealId, now);
    expect(await CrmPush.countDocuments({})).toBe(6);

    // A worker claims one push and dies before it answers.
    const dead = await claim({ model: CrmPush, filter: { state: 'pending', nextAttemptAt: trusted({ $lte: now }) }, now, owner: 'worker-dead', leaseMs: 60 * SECOND });
    expect(dead).not.toBeNull();

    hubspot.setLatency(150);
    const results = await Promise.all([dispatch(now, 'worker-a'), dispatch(now, 'worker-b')]);
    expect(results.reduce((s, r) => s + r.delivered, 0)).toBe(5);
    expect(hubspot.updates).toHaveLength(5);

    // Once the dead worker's lease has run out, another worker takes its push over.
    const later = new Date(now.getTime() + 61 * SECOND);
    const after = await Promise.all([dispatch(later, 'worker-a'), dispatch(later, 'worker-b')]);
    expect(after.reduce((s, r) => s + r.delivered, 0)).toBe(1);
    // The dead worker, were it to wake, can no longer write its outcome.
    expect(await complete({ model: CrmPush, lease: dead!, now: later, update: { $set: { state: 'failed' } } })).toBe(false);

    const pushes = await CrmPush.find({}).lean();
    expect(pushes.map((p) => [p.state, p.attempts])).toEqual(Array(6).fill(['delivered', 1]));
    expect(hubspot.updates).toHaveLength(6);
    expect(await CrmSyncAttempt.countDocuments({})).toBe(6);
  });

  test('the test push writes one deal now and says what HubSpot answered', async () => {
    await connectHubSpot();
    const d = await crmDeal('hubspot', { company: false });
    expect(await testCrmPush({ crmDealId: 'nope' })).toMatchObject({ ok: false, field: 'crmDealId' });
    // HubSpot does not know the deal: its answer is the result.
    const missing = await testCrmPush({ crmDealId: d.crmId });
    expect(missing).toMatchObject({ ok: false });
    expect(!missing.ok && missing.error).toMatch(/HTTP 404 OBJECT_NOT_FOUND/);
    hubspot.seed(`deal:${d.crmId}`);
    const ok = await testCrmPush({ crmDealId: d.crmId });
    expect(ok).toMatchObject({ ok: true, message: expect.stringMatching(new RegExp(`HubSpot updated deal ${d.crmId} \\(HTTP 200\\)`)) });
    expect((await getCrmConnection())!.lastTest).toMatchObject({ ok: true });
    const log = await listSyncAttempts({ page: 1 });
    expect(log.attempts.map((a) => [a.test, a.status])).toEqual([
      [true, 200],
      [true, 404],
    ]);
  });

  test('the token is kept but never shown back; leaving it empty keeps it', async () => {
    await connectHubSpot();
    const view = await getCrmConnection();
    expect(view!.hubspotToken).toBe(`••••${hubspot.token.slice(-4)}`);
    expect(JSON.stringify(view)).not.toContain(hubspot.token);
    expect((await saveCrmConnection({ input: ConnectFormSchema.parse({ provider: 'hubspot', hubspotToken: '' }), actorId: admin.id })).ok).toBe(true);
    expect((await CrmConnection.findOne({}).lean())!.hubspotToken).toBe(hubspot.token);
    // Switching CRM needs that CRM's credentials.
    const switched = await saveCrmConnection({ input: ConnectFormSchema.parse({ provider: 'salesforce' }), actorId: admin.id });
    expect(switched).toMatchObject({
      ok: false,
      errors: { salesforceLoginUrl: [expect.any(String)], salesforceClientId: [expect.any(String)], salesforceClientSecret: [expect.any(String)] },
    });
  });
});

describe('Salesforce', () => {
  test('client credentials give a token once; the opportunity and account get typed fields', async () => {
    await connectSalesforce();
    const d = await crmDeal('salesforce');
    const other = await crmDeal('salesforce', { company: false });
    salesforce.seed(`deal:${d.crmId}`, `company:${d.crmAccountId}`, `deal:${other.crmId}`);
    const now = new Date();
    await stageChanged(d.dealId, now);
    await stageChanged(other.dealId, now);
    expect(await dispatch(now)).toMatchObject({ delivered: 3 });

    const [token, ...rest] = salesforce.requests;
    expect(token.method).toBe('POST');
    expect(token.path).toBe('/services/oauth2/token');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: salesforce.clientId,
      client_secret: salesforce.clientSecret,
    });
    // One token for every push of this connection.
    expect(salesforce.tokensIssued).toBe(1);
    expect(rest.map((r) => r.path).sort()).toEqual(
      [
        `/services/data/v62.0/sobjects/Account/${d.crmAccountId}`,
        `/services/data/v62.0/sobjects/Opportunity/${d.crmId}`,
        `/services/data/v62.0/sobjects/Opportunity/${other.crmId}`,
      ].sort(),
    );
    for (const r of rest) {
      expect(r.method).toBe('PATCH');
      expect(r.headers.authorization).toBe(`Bearer ${[...salesforce.tokens][0]}`);
      expect(r.status).toBe(204);
    }
    // JSON types, null to clear a field (not yet live, no answer yet).
    expect(salesforce.records.get(`deal:${d.crmId}`)).toEqual({
      Kept_Post_Sale_Stage__c: 'Not started',
      Kept_Go_Live_Date__c: null,
      Kept_Time_To_Live_Days__c: null,
      Kept_Value_Verdict__c: null,
      Kept_Value_Delivered_Pct__c: null,
      Kept_Advocate_Status__c: 'none',
    });
  });

  test('an expired session gets a new token in the same attempt', async () => {
    await connectSalesforce();
    const d = await crmDeal('salesforce', { company: false });
    salesforce.seed(`deal:${d.crmId}`);
    const now = new Date();
    await stageChanged(d.dealId, now, 'kickoff');
    await dispatch(now);
    salesforce.expireTokens();
    await stageChanged(d.dealId, now, 'onboarding');
    expect(await dispatch(now)).toMatchObject({ delivered: 1 });
    expect(salesforce.tokensIssued).toBe(2);
    expect(salesforce.updates.map((r) => r.status)).toEqual([204, 401, 204]);
  });

  test('403 REQUEST_LIMIT_EXCEEDED is a rate limit: retried, honouring Retry-After', async () => {
    await connectSalesforce();
    const d = await crmDeal('salesforce', { company: false });
    salesforce.seed(`deal:${d.crmId}`);
    const t0 = new Date('2026-12-07T10:00:00Z');
    await stageChanged(d.dealId, t0);
    salesforce.rateLimitNext(1, { status: 403, retryAfter: '300' });
    expect(await dispatch(t0)).toMatchObject({ retried: 1 });
    const waiting = await CrmPush.findOne({}).lean();
    expect(waiting).toMatchObject({ state: 'pending', lastStatus: 403 });
    expect(waiting!.nextAttemptAt!.getTime() - t0.getTime()).toBeGreaterThanOrEqual(300 * SECOND);
    expect(await dispatch(new Date(t0.getTime() + 301 * SECOND))).toMatchObject({ delivered: 1 });
  });

  test('wrong client credentials fail the push with Salesforce’s answer', async () => {
    await connectSalesforce();
    await CrmConnection.updateOne({}, { $set: { salesforceClientSecret: 'wrong' }, $inc: { rev: 1 } });
    const d = await crmDeal('salesforce', { company: false });
    salesforce.seed(`deal:${d.crmId}`);
    await stageChanged(d.dealId, new Date());
    expect(await dispatch(new Date())).toMatchObject({ failed: 1 });
    expect(salesforce.updates).toHaveLength(0);
    expect((await CrmPush.findOne({}).lean())!.lastError).toBe('Salesforce token request: HTTP 400 invalid_client: invalid client credentials');
  });
});

describe('in production', () => {
  test('Kept refuses an http login URL and never calls an inside address', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    resetEnvCache();
    try {
      const http = await saveCrmConnection({
        input: ConnectFormSchema.parse({ provider: 'salesforce', salesforceLoginUrl: salesforce.url, salesforceClientId: 'id', salesforceClientSecret: 'secret' }),
        actorId: admin.id,
      });
      expect(http).toMatchObject({ ok: false, errors: { salesforceLoginUrl: ['Use an https:// URL.'] } });
      await connectHubSpot();
      await CrmConnection.updateOne({}, { $set: { hubspotApiUrl: `https://127.0.0.1:${hubspot.port}` } });
      const d = await crmDeal('hubspot', { company: false });
      await stageChanged(d.dealId, new Date());
      expect(await dispatch(new Date())).toMatchObject({ failed: 1 });
      expect(hubspot.requests).toHaveLength(0);
      expect((await CrmPush.findOne({}).lean())!.lastError).toMatch(/Refused: 127\.0\.0\.1 is a loopback address/);
    } finally {
      process.env.NODE_ENV = previous;
      resetEnvCache();
    }
  });
});
