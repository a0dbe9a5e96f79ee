import { RecoveryCase, RECOVERY_STATUSES } from '#models/recovery-case';
import mongoose from 'mongoose';
import { describe, expect, test } from 'vitest';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Claim } from '#models/claim';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Referral } from '#models/referral';
import { Survey, SURVEY_STATES } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { trusted } from '#app/platform/db.server';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';
import { healthOf } from '#app/journeys/journey.server';
import { withBulkMetrics } from '#app/platform/metrics.server';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { seedScaleData } from '#scripts/seed/scale';
import { ASK_STATUSES } from '#app/advocacy/advocacy-types';
import { mergedRollups } from '#test/harness/rollups';

const NOW = new Date('2026-11-20T10:00:00.000Z');

/** Every rollup but the forecast's snapshot date, as two runs can be compared. */
const rollups = () => mergedRollups((kind) => !kind.startsWith('forecast.meta'));

async function counts() {
  const [accounts, deals, journeys, surveys, responses, advocates, asks, referrals] = await Promise.all(
    [Account, Deal, Journey, Survey, SurveyResponse, Advocate, Ask, Referral].map((m) => (m as typeof Account).countDocuments({})),
  );
  return { accounts, deals, journeys, surveys, responses, advocates, asks, referrals };
}

describe('scale data set', () => {
  test('1,000 accounts: every survey state, journey stage and ask status; the shape of 100,000; rollups equal a rebuild; idempotent', async () => {
    const first = await seedScaleData({ accounts: 1000, seed: 42, now: NOW, nodeEnv: 'test' });
    const c = await counts();
    expect(c.accounts).toBe(1000);
    expect(c.journeys).toBe(c.deals);
    // Three waves per deal, and the proportions measured at 100,000 accounts (docs/benchmarks.md, "The scale data set").
    expect(c.surveys).toBe(3 * c.deals);
    expect(c.advocates / c.accounts).toBeGreaterThan(0.15);
    expect(c.advocates / c.accounts).toBeLessThan(0.25);
    expect(c.responses / c.surveys).toBeGreaterThan(0.06);
    expect(c.responses / c.surveys).toBeLessThan(0.14);
    expect(c.asks / c.advocates).toBeGreaterThan(0.1);
    expect(c.referrals).toBeGreaterThan(0);
    expect(first).toMatchObject({ skipped: false, surveys: { inserted: c.surveys, existing: 0 }, advocates: { inserted: c.advocates, existing: 0 } });

    const states = new Set((await Survey.find({}).select('state').lean()).map((s) => s.state));
    expect([...states].sort()).toEqual([...SURVEY_STATES].sort());
    expect(await SurveyResponse.countDocuments({})).toBe(await Survey.countDocuments({ state: 'answered' }));
    const journeys = await Journey.find({}).select('stage stageEnteredAt atRiskAt stalledAt liveAt').lean();
    expect(new Set(journeys.map((j) => j.stage))).toEqual(new Set(['handoff', 'implementation', 'live']));
    expect(new Set(journeys.map((j) => healthOf(j as never, NOW)))).toEqual(new Set(['on_track', 'at_risk', 'stalled', 'live']));
    expect(new Set((await Ask.find({}).select('status').lean()).map((a) => a.status))).toEqual(new Set(ASK_STATUSES));
    expect(await Advocate.countDocuments({ qualifies: trusted({ $ne: [] }) })).toBeGreaterThan(20);
    // A recovery case per promise answered "Not yet", in every state.
    expect(new Set((await RecoveryCase.find({}).select('status').lean()).map((r) => r.status))).toEqual(new Set(RECOVERY_STATUSES));
    // A referral that became a deal points both ways.
    for (const r of await Referral.find({ status: 'won' }).lean()) expect(String((await Deal.findById(r.newDealId).select('referralId').lean())!.referralId)).toBe(String(r._id));

    // The rollups summed while seeding equal a rebuild from the documents (its writes batched:
    // 4,000 single upserts take minutes on FerretDB).
    const seeded = await rollups();
    expect(Object.keys(seeded).length).toBeGreaterThan(1000);
    await withBulkMetrics(() => rebuildAllMetrics({ now: NOW }));
    expect(await rollups()).toEqual(seeded);

    // Advocates are what the real refresh computes: refreshing a sample changes none of them.
    const sample = await Advocate.find({}).sort({ _id: 1 }).limit(25).select('dealId').lean();
    for (const a of sample) await refreshAdvocacyForDeal({ dealId: a.dealId, now: NOW });
    expect(await Advocate.countDocuments({ rev: trusted({ $ne: 0 }) })).toBe(0);
    expect(await rollups()).toEqual(seeded);

    // A second run adds nothing; one that finds an earlier run's documents rebuilds the same rollups.
    expect((await seedScaleData({ accounts: 1000, seed: 42, now: NOW, nodeEnv: 'test' })).skipped).toBe(true);
    await Claim.deleteMany({ _id: trusted({ $regex: '^seed:scale:' }) });
    const again = await seedScaleData({ accounts: 1000, seed: 42, now: NOW, nodeEnv: 'test' });
    expect([
      again.accounts.inserted,
      again.deals.inserted,
      again.surveys.inserted,
      again.responses.inserted,
      again.advocates.inserted,
      again.asks.inserted,
      again.referrals.inserted,
    ]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await counts()).toEqual(c);
    expect(await rollups()).toEqual(seeded);
  }, 400_000);

  test('refused in production', async () => {
    await mongoose.connection.db!.collection('claims').deleteMany({});
    await expect(seedScaleData({ accounts: 1000, seed: 1, now: NOW, nodeEnv: 'production' })).rejects.toThrow(/production/);
  });
});
