// The dashboards read rollups written on the normal code paths; a rebuild from the source documents
// must give the same figures, and every figure must be scoped to what the user may see.
import mongoose from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import { Deal } from '#models/deal';
import { EmailMessage } from '#models/email-message';
import { Metric } from '#models/metric';
import { Survey } from '#models/survey';
import type { SessionUser } from '#app/auth/session.server';
import { resetEnvCache } from '#app/env.server';
import {
  getDashboardOverview,
  getDashboardTable,
  getForecastDashboard,
  getProfitabilityDashboard,
  getTimeToLiveDashboard,
  getValueDashboard,
  listValueAnswers,
  saveCohortSpend,
} from '#app/dashboards/dashboards.server';
import { recordAccountChurn, rebuildDealMetrics } from '#app/deals/deal-metrics.server';
import { createManualDeal, type ParsedDealForm } from '#app/deals/deals.server';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import { acceptHandoff, advanceJourney, journeyIdForDeal } from '#app/journeys/journey.server';
import { foldLegacyMetrics, readMetrics } from '#app/platform/metrics.server';
import { rebuildAllMetrics, resetNightlyRebuildMemory, runNightlyMetricsRebuild } from '#app/dashboards/metrics-rebuild.server';
import { refreshForecastSnapshot } from '#app/dashboards/forecast.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { runSurveyAction, submitSurveyAnswer } from '#app/surveys/surveys.server';
import { canOpen } from '#app/dashboards/dashboard-pages';
import { makeUser } from '#test/factories';

const DAY = 86_400_000;
const NOW = new Date('2026-03-15T12:00:00Z');
const at = (iso: string) => new Date(`${iso}T10:00:00Z`);
const plus = (d: Date, days: number) => new Date(d.getTime() + days * DAY);

type Users = { admin: SessionUser; leader: SessionUser; cs: SessionUser; repA: SessionUser; repB: SessionUser; marketing: SessionUser };
let u: Users;

function dealInput(n: number, o: { rep: SessionUser; closed: Date; segment: ParsedDealForm['segment']; arr: number; cac?: number; margin?: number }): ParsedDealForm {
  return {
    accountName: `Customer ${n}`,
    accountDomain: `customer-${n}.example.com`,
    segment: o.segment,
    contactName: `Buyer ${n}`,
    contactEmail: `buyer${n}@customer-${n}.example.com`,
    dealName: `Deal ${n}`,
    closedWonAt: o.closed,
    arr: o.arr,
    currency: 'USD',
    grossMarginPct: o.margin ?? 80,
    cac: o.cac,
    aeId: o.rep.id,
    promises: [
      { text: `Cut reporting time for customer ${n}`, successCriterion: 'Reports in under an hour', category: 'time-savings' },
      { text: `Connect the CRM of customer ${n}`, successCriterion: 'Nightly sync succeeds for 30 days', category: 'integration' },
    ],
  };
}

/** The token of the survey link in the invitation email of `surveyId`. */
async function surveyToken(surveyId: unknown) {
  const message = await EmailMessage.findOne({ idempotencyKey: `survey:${String(surveyId)}:invitation` }).lean();
  const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(message?.text ?? '')?.[1];
  if (!token) throw new Error(`no survey link for ${String(surveyId)}`);
  return token;
}

async function answer(dealId: string, wave: number, verdicts: string[], overall: string, now: Date) {
  const deal = await Deal.findById(dealId).select('promises').lean();
  const survey = await Survey.findOne({ dealId, wave }).select('_id').lean();
  const form = new FormData();
  deal!.promises.forEach((p, i) => form.set(`promise.${String(p._id)}.verdict`, verdicts[i]));
  form.set('overall', overall);
  form.set('nps', overall === 'yes' ? '9' : '5');
  const result = await submitSurveyAnswer({ token: await surveyToken(survey!._id), formData: form, now });
  expect(result).toMatchObject({ status: 'answered' });
}

/** Every figure the dashboards the user may open show (forecast snapshot aside), as the pages get them. */
async function figures(user: SessionUser, query = {}) {
  const out: Record<string, unknown> = {};
  if (canOpen(user.role, 'value')) {
    const value = await getValueDashboard({ user, query, now: NOW });
    Object.assign(out, { value: value.tables, valueSummary: value.summary, valueHeadline: value.headline });
  }
  if (canOpen(user.role, 'time-to-live')) {
    const ttl = await getTimeToLiveDashboard({ user, query, now: NOW });
    Object.assign(out, { ttl: ttl.tables, ttlSummary: ttl.summary });
  }
  if (canOpen(user.role, 'forecast')) {
    const forecast = await getForecastDashboard({ user, query });
    Object.assign(out, { conversion: forecast.tables['conversion-by-cohort'], reached: forecast.summary.reached });
  }
  if (canOpen(user.role, 'profitability')) {
    const profit = await getProfitabilityDashboard({ user, query, now: NOW });
    Object.assign(out, { profit: profit.tables, overall: profit.overall });
  }
  return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v)));
}

beforeAll(async () => {
  delete process.env.RESEND_API_KEY; // demo mode: emails captured in the outbox
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  u = {
    admin: await makeUser({ role: 'admin' }),
    leader: await makeUser({ role: 'leadership' }),
    cs: await makeUser({ role: 'cs' }),
    repA: await makeUser({ role: 'sales' }),
    repB: await makeUser({ role: 'sales' }),
    marketing: await makeUser({ role: 'marketing' }),
  };
  // Four deals through the manual form, one through the CRM intake; two cohorts, two reps.
  const plans = [
    { rep: u.repA, closed: at('2025-01-10'), segment: 'smb' as const, arr: 12_000, cac: 6_000 },
    { rep: u.repA, closed: at('2025-02-03'), segment: 'mid-market' as const, arr: 48_000 },
    { rep: u.repB, closed: at('2025-02-20'), segment: 'smb' as const, arr: 24_000, cac: 30_000, margin: 70 },
    { rep: u.repB, closed: at('2025-05-05'), segment: 'enterprise' as const, arr: 120_000 },
  ];
  const deals: string[] = [];
  for (const [i, p] of plans.entries()) {
    const result = await createManualDeal({ user: u.admin, input: dealInput(i + 1, p), now: plus(p.closed, 1) });
    if (!result.ok) throw new Error('deal not created');
    deals.push(result.dealId);
  }
  const crm = await intakeClosedWonDeal({
    input: {
      source: 'hubspot',
      crmId: 'HS-1',
      name: 'CRM deal',
      closedWonAt: at('2025-05-20'),
      arr: 36_000,
      currency: 'USD',
      grossMarginPct: 75,
      cac: 12_000,
      aeId: u.repA.id,
      account: { name: 'From CRM', domain: 'from-crm.example.com', segment: 'mid-market' },
      promises: [],
    },
    now: plus(at('2025-05-20'), 1),
  });
  deals.push(crm.dealId);

  // Journeys: the CSM accepts the handoffs; an admin moves three journeys on (with an audited override).
  const move = async (dealIndex: number, accepted: number, implementation: number, live: number | null) => {
    const journeyId = String(journeyIdForDeal(deals[dealIndex]));
    const closed = plans[dealIndex]?.closed ?? at('2025-05-20');
    await acceptHandoff({ user: u.cs, journeyId, now: new Date(closed.getTime() + accepted * 3_600_000) });
    const reason = 'Buyer confirmed on a recorded call with the CFO';
    await advanceJourney({ user: u.admin, journeyId, fromStage: 'handoff', overrideReason: reason, now: plus(closed, implementation) });
    if (live !== null) await advanceJourney({ user: u.admin, journeyId, fromStage: 'implementation', overrideReason: reason, now: plus(closed, live) });
  };
  await move(0, 20, 6, 40);
  await move(1, 50, 12, 75);
  await move(2, 5, 4, null);
  await move(3, 30, 20, 130);

  // Surveys: the wave-6 invitations of the three Q1 deals go out, and their buyers answer. Deal 3
  // is not live, so its wave is held until CS sends it anyway (docs/surveys.md).
  await sendDueInvitations({ now: at('2025-08-21'), owner: 'test-worker' });
  const held = await Survey.findOne({ dealId: deals[2], wave: 6 }).select('_id held').lean();
  expect(held?.held).toBe('not-live');
  expect(await runSurveyAction({ user: u.cs, surveyId: String(held!._id), action: { intent: 'send-anyway' }, now: at('2025-08-21') })).toMatchObject({ ok: true });
  await sendDueInvitations({ now: plus(at('2025-08-21'), 0.01), owner: 'test-worker' });
  await answer(deals[0], 6, ['delivered', 'partly'], 'yes', at('2025-08-22'));
  await answer(deals[1], 6, ['delivered', 'delivered'], 'yes', at('2025-08-22'));
  await answer(deals[2], 6, ['not_yet', 'partly'], 'no', at('2025-08-22'));

  // Churn and spend.
  const account2 = (await Deal.findById(deals[1]).select('accountId').lean())!.accountId;
  expect(await recordAccountChurn({ user: u.admin, accountId: String(account2), churnedAt: at('2026-01-31'), now: NOW })).toEqual({ ok: true });
  await saveCohortSpend({ user: u.admin, input: { quarter: '2025Q1', currency: 'USD', amount: 90_000, note: '' } });
}, 120_000);

describe('rollups written on the normal code paths', () => {
  test('show the figures the source data implies', async () => {
    const value = await getValueDashboard({ user: u.leader, query: {} });
    expect(value.summary).toMatchObject({ answered: 3, invited: 3, responseRate: 1, status: 'below-floor' });
    expect(value.summary.share).toBeCloseTo(2 / 3, 9);
    // delivered 3 x 1 + partly 2 x 0.5 + not yet 1 x 0 over 6 promises
    expect(value.summary.promiseKept).toBeCloseTo(4 / 6, 9);
    expect(value.tables['value-by-wave'].rows).toEqual([expect.objectContaining({ group: '6 months', answered: 3, invited: 3 })]);

    const ttl = await getTimeToLiveDashboard({ user: u.leader, query: {}, now: NOW });
    expect(ttl.summary).toMatchObject({ live: 3, started: 5, accepted: 4, overrides: 7 });
    expect(ttl.tables['ttl-by-cohort'].rows.map((r) => [r.group, r.live, r.started, r.mean])).toEqual([
      ['2025Q1', 2, 3, 57.5],
      ['2025Q2', 1, 2, 130],
    ]);

    // The drill-down behind "Integration": the three answers, each showing only its integration promise.
    const drill = await listValueAnswers({ user: u.leader, query: { category: 'integration', page: 1 } });
    expect(drill.total).toBe(3);
    expect(drill.answers.map((a) => a.promises.map((p) => p.category))).toEqual([['integration'], ['integration'], ['integration']]);
    expect(drill.answers.map((a) => a.promises[0].verdict).sort()).toEqual(['delivered', 'partly', 'partly']);

    const forecast = await getForecastDashboard({ user: u.leader, query: {} });
    expect(forecast.summary.reached.map((r) => [r.key, r.count])).toEqual([
      ['handoff', 5],
      ['implementation', 4],
      ['live', 3],
    ]);

    const profit = await getProfitabilityDashboard({ user: u.leader, query: {}, now: NOW });
    const q1 = profit.tables['profitability-by-cohort'].rows.find((r) => r.group === '2025Q1')!;
    // 2025Q1: three deals, CAC 6,000 and 30,000 known, the third takes 90,000 / 3 customers.
    expect(q1).toMatchObject({ customers: 3, arr: 84_000, churned: 1 });
    expect(q1.cac).toBeCloseTo((6_000 + 30_000 + 30_000) / 3, 6);
    // One Q2 deal has no CAC and Q2 has no spend: the page shows the other deal's CAC for Q2, so
    // it is an estimate, not "No CAC".
    const q2 = profit.tables['profitability-by-cohort'].rows.find((r) => r.group === '2025Q2')!;
    expect(q2.cac).toBe(12_000);
    expect(profit.missingCac).toEqual([]);
    expect(profit.partialCac).toEqual([{ cohort: '2025Q2', known: 1, customers: 2 }]);
  });

  test('profitability warns "No CAC" only for cohorts without one, and says why a lifetime is capped', async () => {
    const profit = await getProfitabilityDashboard({ user: u.leader, query: {}, now: NOW });
    for (const cohort of profit.missingCac) expect(profit.tables['profitability-by-cohort'].rows.find((r) => r.group === cohort)!.cac).toBeNull();
    // Q2 has no churn: its lifetime is the cap, and the note says it is because no one churned.
    const q2 = profit.tables['profitability-by-cohort'].rows.find((r) => r.group === '2025Q2')!;
    expect(q2.lifetimeMonths).toBe(60);
    expect(q2.notes).toContain('lifetime = 60-month cap: no churn observed yet');
    // Q1 has a churned customer: its lifetime is estimated, so not every cohort is capped.
    expect(profit.lifetimeCap).toMatchObject({ months: 60, everyCohort: false, noChurn: false });
    // Rep A's 2025Q2 deal only (no churn anywhere in that view): every cohort is capped, for that reason.
    const q2Only = await getProfitabilityDashboard({ user: u.leader, query: { cohort: '2025Q2' }, now: NOW });
    expect(q2Only.lifetimeCap).toEqual({ months: 60, everyCohort: true, noChurn: true });
  });

  test('the headline names its two measures, with gaps to the floor and goal, a four-quarter trend and the ARR-weighted share', async () => {
    const { value } = await getDashboardOverview({ user: u.leader, query: {}, now: NOW });
    const h = value!.headline;
    expect(h).toMatchObject({ floorPct: 80, targetPct: 85 });
    // Two of three answers say yes: 66.7 %, 13.3 points under the 80 % floor, 18.3 under the 85 % goal.
    expect(h.value).toMatchObject({ n: 3, status: 'below-floor', gapToFloor: -13.3, gapToTarget: -18.3 });
    expect(h.value.share).toBeCloseTo(2 / 3, 9);
    // Promises: delivered 3 + partly 2 x 0.5 of 6 judged.
    expect(h.promises).toMatchObject({ n: 6, status: 'below-floor', gapToFloor: -13.3, gapToTarget: -18.3 });
    expect(h.promises.share).toBeCloseTo(4 / 6, 9);
    // The last four quarters up to NOW (2026Q1), by the quarter the answers came in (August 2025).
    expect(h.value.trend.map((t) => [t.quarter, t.n, t.share === null ? null : Math.round(t.share * 1000) / 10])).toEqual([
      ['2025Q2', 0, null],
      ['2025Q3', 3, 66.7],
      ['2025Q4', 0, null],
      ['2026Q1', 0, null],
    ]);
    expect(h.promises.trend[1]).toMatchObject({ quarter: '2025Q3', n: 6 });
    // ARR-weighted: the yes answers are the 12k and 48k deals, the no answer the 24k one.
    expect(h.arrWeighted).toMatchObject({ currency: 'USD', arrAnswered: 84_000, arrYes: 60_000, otherCurrencies: [] });
    expect(h.arrWeighted!.share).toBeCloseTo(60 / 84, 9);
    // Filtered to rep B (the no answer only): the same figures scoped.
    const repB = (await getDashboardOverview({ user: u.leader, query: { rep: u.repB.id }, now: NOW })).value!.headline;
    expect(repB.value).toMatchObject({ n: 1, share: 0, gapToFloor: -80 });
    expect(repB.arrWeighted).toMatchObject({ arrAnswered: 24_000, arrYes: 0, share: 0 });
  });

  test('rebuilding every rollup from the source documents gives identical figures', async () => {
    const views = async () => ({
      leader: await figures(u.leader),
      repA: await figures(u.repA),
      cs: await figures(u.cs),
      filtered: await figures(u.leader, { segment: 'smb', cohort: '2025Q1' }),
    });
    const before = await views();
    expect(Object.keys(before.repA)).toEqual(['value', 'valueSummary', 'valueHeadline', 'profit', 'overall']);
    const reports = await rebuildAllMetrics({ now: NOW });
    expect(reports.map((r) => r.part)).toEqual(['journeys', 'surveys', 'advocacy', 'deals', 'recovery', 'forecast']);
    expect(await views()).toEqual(before);
    // And twice in a row changes nothing.
    await rebuildDealMetrics();
    expect(await figures(u.leader)).toEqual(before.leader);
  });

  test('a database an older version wrote (a rollup document per writing process) shows the same figures once folded', async () => {
    const views = async () => ({
      leader: await figures(u.leader),
      repA: await figures(u.repA),
      cs: await figures(u.cs),
      filtered: await figures(u.leader, { segment: 'smb', cohort: '2025Q1' }),
    });
    const before = await views();
    // What the older version left: each key's counters spread over two writers' slot documents
    // (`<key>|w=<hex>`), and every third key under an ObjectId from before keyed ids.
    const docs = await Metric.collection.find({}).toArray();
    const slots = docs.flatMap((d, i) => {
      const counts = d.counts as Record<string, number>;
      const half = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, Number.isInteger(n) ? Math.floor(n / 2) : n]));
      const rest = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n - half[k]]));
      const first = i % 3 === 0 ? { _id: new mongoose.Types.ObjectId(), key: d.key } : { _id: `${d.key}|w=a1b2c3d4`, key: `${d.key}|w=a1b2c3d4` };
      return [
        { ...d, ...first, counts: half },
        { ...d, _id: `${d.key}|w=e5f6a7b8`, key: `${d.key}|w=e5f6a7b8`, counts: rest },
      ];
    });
    await Metric.collection.deleteMany({});
    await Metric.collection.insertMany(slots as never[]);
    expect(await foldLegacyMetrics()).toEqual({ folded: slots.length });
    expect(await Metric.countDocuments({})).toBe(docs.length);
    expect(await views()).toEqual(before);
  });

  test('the forecast snapshot is stored with its date and read back by the page', async () => {
    await rebuildAllMetrics({ now: NOW });
    const forecast = await getForecastDashboard({ user: u.leader, query: {} });
    expect(forecast.asOf).toBe(NOW.toISOString());
    // Two journeys are still open (one in implementation, one in handoff).
    expect(forecast.summary.open).toBe(2);
    expect(forecast.tables['forecast-by-stage'].rows.map((r) => r.group)).toEqual(['Handoff', 'Implementation']);
    for (const e of forecast.summary.expected) expect(e.value).toBeGreaterThanOrEqual(0);
    expect(forecast.summary.expected[0].value!).toBeLessThanOrEqual(forecast.summary.expected[2].value!);
  });

  test('the nightly task runs once per day across workers', async () => {
    resetNightlyRebuildMemory();
    const night = new Date('2026-03-16T02:30:00Z');
    const first = await runNightlyMetricsRebuild({ now: night, owner: 'worker-a' });
    resetNightlyRebuildMemory(); // another process
    const second = await runNightlyMetricsRebuild({ now: night, owner: 'worker-b' });
    expect(first).toHaveProperty('rebuilt');
    expect(second).toEqual({ skipped: 'another worker ran it' });
    expect(await runNightlyMetricsRebuild({ now: new Date('2026-03-16T13:00:00Z'), owner: 'worker-a' })).toEqual({ skipped: 'done today' });
    expect(await runNightlyMetricsRebuild({ now: new Date('2026-03-17T01:00:00Z'), owner: 'worker-a' })).toEqual({ skipped: 'before the nightly hour' });
  });
});

describe('role scoping', () => {
  test('a sales rep sees only their own promise-kept figures and customers, whatever the URL asks', async () => {
    const own = await getValueDashboard({ user: u.repA, query: {} });
    const forged = await getValueDashboard({ user: u.repA, query: { rep: u.repB.id } });
    expect(forged.summary).toEqual(own.summary);
    expect(own.summary.answered).toBe(2); // deals 1 and 2 are repA's
    expect(own.tables['value-by-rep'].rows.map((r) => r.group)).toEqual([expect.stringContaining('Test sales')]);
    expect(own.tables['promise-by-rep'].rows).toHaveLength(1);
    const profit = await getProfitabilityDashboard({ user: u.repA, query: { rep: u.repB.id }, now: NOW });
    expect(profit.overall.customers).toBe(3); // deals 1, 2 and the CRM deal
    const drill = await listValueAnswers({ user: u.repA, query: { rep: u.repB.id, page: 1 } });
    expect(drill.total).toBe(2);
    const csv = await getDashboardTable({ user: u.repA, chart: 'promise-by-category', query: { rep: u.repB.id } });
    expect(csv.rows.reduce((a, r) => a + (r.promises as number), 0)).toBe(4);
    await expect(getTimeToLiveDashboard({ user: u.repA, query: {} })).rejects.toMatchObject({ status: 403 });
    await expect(getForecastDashboard({ user: u.repA, query: {} })).rejects.toMatchObject({ status: 403 });
  });

  test('CS sees time to live and forecast for their book only; not value or profitability', async () => {
    const other = await makeUser({ role: 'cs' });
    const mine = await getTimeToLiveDashboard({ user: u.cs, query: {}, now: NOW });
    const notMine = await getTimeToLiveDashboard({ user: other, query: { csm: u.cs.id }, now: NOW });
    const all = await getTimeToLiveDashboard({ user: u.leader, query: {}, now: NOW });
    const csmOf = await readMetrics('journey.started');
    const inMyBook = csmOf.filter((r) => r.dims.csm === u.cs.id).reduce((a, r) => a + (r.counts.n ?? 0), 0);
    expect(mine.summary.started).toBe(inMyBook);
    expect(notMine.summary.started).toBe(0);
    expect(all.summary.started).toBe(5);
    await expect(getValueDashboard({ user: u.cs, query: {} })).rejects.toMatchObject({ status: 403 });
    await expect(getProfitabilityDashboard({ user: u.cs, query: {} })).rejects.toMatchObject({ status: 403 });
    await expect(getDashboardTable({ user: u.cs, chart: 'value-by-wave', query: {} })).rejects.toMatchObject({ status: 403 });
  });

  test('marketing opens none of the four (their figures are on the advocacy page)', async () => {
    for (const load of [getValueDashboard, getForecastDashboard]) await expect(load({ user: u.marketing, query: {} })).rejects.toMatchObject({ status: 403 });
    await expect(getTimeToLiveDashboard({ user: u.marketing, query: {} })).rejects.toMatchObject({ status: 403 });
    await expect(getProfitabilityDashboard({ user: u.marketing, query: {} })).rejects.toMatchObject({ status: 403 });
  });

  test('a filter changes the figures; leadership may filter by any rep', async () => {
    const all = await getValueDashboard({ user: u.leader, query: {} });
    const smb = await getValueDashboard({ user: u.leader, query: { segment: 'smb' } });
    const repB = await getValueDashboard({ user: u.leader, query: { rep: u.repB.id } });
    expect(all.summary.answered).toBe(3);
    expect(smb.summary.answered).toBe(2);
    expect(repB.summary).toMatchObject({ answered: 1, share: 0 });
    const q2 = await getProfitabilityDashboard({ user: u.leader, query: { from: '2025-04-01', to: '2025-06-30' }, now: NOW });
    expect(q2.tables['profitability-by-cohort'].rows.map((r) => r.group)).toEqual(['2025Q2', 'All cohorts']);
  });
});

describe('figures kept between views', () => {
  test('a dashboard viewed again right after an answer or a go-live shows it', async () => {
    const [value, ttl, forecast] = [
      await getValueDashboard({ user: u.leader, query: {} }),
      await getTimeToLiveDashboard({ user: u.leader, query: {}, now: NOW }),
      await getForecastDashboard({ user: u.leader, query: {} }),
    ];
    expect(value.summary.answered).toBe(3);
    expect(ttl.summary.live).toBe(3);
    expect(forecast.summary.reached.find((r) => r.key === 'live')?.count).toBe(3);

    // Deal 4's buyer answers its 6-month survey; deal 3's journey goes live.
    const deal4 = (await Deal.findOne({ name: 'Deal 4' }).select('_id').lean())!;
    await sendDueInvitations({ now: at('2025-11-06'), owner: 'test-worker' });
    await answer(String(deal4._id), 6, ['delivered', 'delivered'], 'yes', at('2025-11-07'));
    const deal3 = (await Deal.findOne({ name: 'Deal 3' }).select('_id').lean())!;
    await advanceJourney({
      user: u.admin,
      journeyId: String(journeyIdForDeal(String(deal3._id))),
      fromStage: 'implementation',
      overrideReason: 'Buyer confirmed on a recorded call with the CFO',
      now: at('2026-01-10'),
    });

    expect((await getValueDashboard({ user: u.leader, query: {} })).summary.answered).toBe(4);
    expect((await getTimeToLiveDashboard({ user: u.leader, query: {}, now: NOW })).summary.live).toBe(4);
    expect((await getForecastDashboard({ user: u.leader, query: {} })).summary.reached.find((r) => r.key === 'live')?.count).toBe(4);
  });
});

describe('forecast freshness', () => {
  test('the forecast speaks plainly and is remade when a journey moves, keeping the backtest', async () => {
    await rebuildAllMetrics({ now: NOW });
    const before = await getForecastDashboard({ user: u.leader, query: {} });
    expect(before.summary.open).toBe(1); // the CRM deal, still in handoff
    expect(before.tables['forecast-by-stage'].rows.map((r) => r.group)).toEqual(['Handoff']);
    const expected = Math.round(before.summary.expected[0].value!);
    expect(before.summary.plain).toBe(
      expected === 0 ? 'Fewer than one of 1 open journey is expected to go live in the next 30 days.' : 'About 1 of 1 open journey goes live in the next 30 days.',
    );
    // Nothing moved since the snapshot: no work.
    expect(await refreshForecastSnapshot({ now: plus(NOW, 0.01), owner: 'worker-a' })).toEqual({ skipped: 'no journey moved' });

    // The CRM deal's journey moves on: the next worker cycle remakes the snapshot (one worker).
    const crm = (await Deal.findOne({ crmId: 'HS-1' }).select('_id').lean())!;
    const later = plus(NOW, 1);
    await advanceJourney({
      user: u.admin,
      journeyId: String(journeyIdForDeal(String(crm._id))),
      fromStage: 'handoff',
      overrideReason: 'Buyer confirmed on a recorded call with the CFO',
      now: later,
    });
    const refreshAt = plus(later, 0.001);
    expect(await refreshForecastSnapshot({ now: refreshAt, owner: 'worker-a' })).toMatchObject({ refreshed: true });
    expect(await refreshForecastSnapshot({ now: refreshAt, owner: 'worker-b' })).toEqual({ skipped: 'no journey moved' });
    const after = await getForecastDashboard({ user: u.leader, query: {} });
    expect(after.asOf).toBe(refreshAt.toISOString());
    expect(after.tables['forecast-by-stage'].rows.map((r) => r.group)).toEqual(['Implementation']);
    expect(after.tables.backtest).toEqual(before.tables.backtest);
    expect(after.summary.meanAbsoluteError).toEqual(before.summary.meanAbsoluteError);
  });
});
