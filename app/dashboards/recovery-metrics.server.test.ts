// The recovery figures: counted once per case opening and closing from the domain events, rebuilt
// equal from the cases, within their bounds.
import mongoose from 'mongoose';
import { beforeEach, describe, expect, it } from 'vitest';
import { RecoveryCase, type RecoveryStatus } from '#models/recovery-case';
import { recorded } from '#app/platform/events.server';
import { bumpMetric, readMetrics } from '#app/platform/metrics.server';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { checkFigureInvariants } from '#app/dashboards/figure-invariants.server';
import { getRecoveryDashboard } from '#app/dashboards/recovery-dashboard.server';
import { RECOVERY_METRIC } from '#app/dashboards/recovery-metrics.server';
import { makeUser } from '#test/factories';

const DAY = 86_400_000;
const NOW = new Date('2026-12-07T09:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

let n = 0;
async function caseFor(input: { aeId: string; csmId: string; trigger?: 'promise_not_yet' | 'promise_partly' | 'overall_no'; category?: string; openedDaysAgo: number }) {
  const id = new mongoose.Types.ObjectId();
  const overall = input.trigger === 'overall_no';
  await RecoveryCase.create({
    _id: id,
    dealId: new mongoose.Types.ObjectId(),
    accountId: new mongoose.Types.ObjectId(),
    surveyId: new mongoose.Types.ObjectId(),
    wave: 6,
    promiseKey: overall ? 'overall' : `promise-${n++}`,
    trigger: input.trigger ?? 'promise_not_yet',
    promiseText: overall ? '' : 'SSO by March',
    category: overall ? null : ((input.category ?? 'integration') as 'integration'),
    aeId: input.aeId,
    csmId: input.csmId,
    segment: 'smb',
    closedWonAt: new Date('2026-03-01T00:00:00Z'),
    arr: 10_000,
    openedAt: ago(input.openedDaysAgo),
    slaDueAt: ago(input.openedDaysAgo - 7),
  });
  // What the recovery area does after its insert.
  await recorded('recovery.opened', { caseId: id, dealId: id, now: ago(input.openedDaysAgo) });
  return id;
}

async function close(id: mongoose.Types.ObjectId, status: Extract<RecoveryStatus, 'delivered' | 'wont_deliver'>, daysAfterOpening: number) {
  const c = (await RecoveryCase.findById(id).lean())!;
  const at = new Date(c.openedAt.getTime() + daysAfterOpening * DAY);
  await RecoveryCase.updateOne(
    { _id: id },
    { $set: { status, closedAt: at, ...(status === 'delivered' ? { recoveredAt: at } : { wontDeliverReason: 'Out of scope' }) }, $inc: { rev: 1 } },
  );
  await recorded('recovery.closed', { caseId: id, dealId: c.dealId, status, now: at });
}

async function book() {
  const rep = await makeUser({ role: 'sales', name: 'Rita Rep' });
  const other = await makeUser({ role: 'sales', name: 'Sam Sales' });
  const csm = await makeUser({ role: 'cs', name: 'Casey CSM' });
  const admin = await makeUser({ role: 'admin' });
  const a = await caseFor({ aeId: rep.id, csmId: csm.id, openedDaysAgo: 40 });
  const b = await caseFor({ aeId: rep.id, csmId: csm.id, trigger: 'promise_partly', category: 'adoption', openedDaysAgo: 30 });
  const c = await caseFor({ aeId: other.id, csmId: csm.id, openedDaysAgo: 20 });
  const d = await caseFor({ aeId: other.id, csmId: csm.id, trigger: 'overall_no', openedDaysAgo: 20 });
  await caseFor({ aeId: rep.id, csmId: csm.id, openedDaysAgo: 2 }); // still open
  await close(a, 'delivered', 6);
  await close(b, 'delivered', 20);
  await close(c, 'wont_deliver', 3);
  await close(d, 'delivered', 4);
  // The answers behind them: 10 promises judged, score 5 (the value page's promise-kept share, 50 %).
  await bumpMetric(
    'survey.promise',
    { wave: 6, cohort: '2026Q1', rep: rep.id, segment: 'smb', category: 'integration' },
    { promises: 10, delivered: 4, partly: 2, notYet: 4, keptScore: 5 },
  );
  return { rep, other, csm, admin, a };
}

describe('recovery figures', () => {
  it('counts each case once when it opens and once when it closes, however often the event comes', async () => {
    const { admin, a } = await book();
    // A retried reaction (the same event again) adds nothing.
    await recorded('recovery.opened', { caseId: a, dealId: a, now: NOW });
    await recorded('recovery.closed', { caseId: a, dealId: a, status: 'delivered', now: NOW });
    const { summary, kept, tables } = await getRecoveryDashboard({ user: admin, query: {} });
    expect(summary).toMatchObject({ opened: 5, closed: 4, delivered: 3, wontDeliver: 1, promisesBroken: 4, promisesRecovered: 2 });
    expect(summary.recoveryRate).toBeCloseTo(0.75);
    expect(summary.recoveredShare).toBeCloseTo(0.5);
    // Delivered after 6, 20 and 4 days: the median lies in the (5, 7] bucket.
    expect(summary.medianDays).toBeGreaterThan(5);
    expect(summary.medianDays).toBeLessThanOrEqual(7);
    expect(summary.meanDays).toBe(10);
    // After recovery: the "Not yet" recovered counts 1, the "Partly" 0.5: (5 + 1.5) / 10.
    expect(kept.original).toBeCloseTo(0.5);
    expect(kept.afterRecovery).toBeCloseTo(0.65);
    const byRep = Object.fromEntries(tables['recovery-by-rep'].rows.map((r) => [r.group, r]));
    expect(byRep['Rita Rep']).toMatchObject({ opened: 3, closed: 2, delivered: 2, rate: 1 });
    expect(byRep['Sam Sales']).toMatchObject({ opened: 2, closed: 2, delivered: 1, rate: 0.5 });
    expect(tables['recovery-by-category'].rows.map((r) => [r.group, r.opened, r.recovered])).toEqual([
      ['Adoption', 1, 1],
      ['Integration', 3, 1 / 3],
    ]);
    // The recovery bounds hold (the promise rollup above stands in for answers, so only these are checked).
    expect((await checkFigureInvariants()).filter((v) => /recover/.test(v.figure))).toEqual([]);
  });

  it('a rebuild from the cases gives the same rollups and figures as the live counting', async () => {
    const { admin } = await book();
    const sorted = async () => (await readMetrics(RECOVERY_METRIC)).map((r) => JSON.stringify([r.dims, Object.entries(r.counts).sort(([a], [b]) => a.localeCompare(b))])).sort();
    const live = await sorted();
    const figures = await getRecoveryDashboard({ user: admin, query: {} });
    expect(live.length).toBeGreaterThan(0);
    await rebuildAllMetrics({ now: NOW });
    expect(await sorted()).toEqual(live);
    const rebuilt = await getRecoveryDashboard({ user: admin, query: {} });
    expect(rebuilt.summary).toEqual(figures.summary);
    expect(rebuilt.tables).toEqual(figures.tables);
  });

  it('the invariants catch a recovery rate above 100 %', async () => {
    await book();
    await bumpMetric(RECOVERY_METRIC, { cohort: '2026Q1', segment: 'smb', rep: 'x', csm: 'y', wave: '6', scope: 'promise', category: 'other' }, { closed: 2, delivered: 2 });
    const found = await checkFigureInvariants();
    expect(found.map((v) => v.figure)).toContain('recovery rate');
  });

  it('only leadership and admin open the page; filters by rep keep that rep’s cases', async () => {
    const { rep, csm, admin } = await book();
    await expect(getRecoveryDashboard({ user: csm, query: {} })).rejects.toMatchObject({ status: 403 });
    const mine = await getRecoveryDashboard({ user: admin, query: { rep: rep.id } });
    expect(mine.summary).toMatchObject({ opened: 3, delivered: 2 });
  });
});
