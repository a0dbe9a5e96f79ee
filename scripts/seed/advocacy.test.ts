import { describe, expect, test } from 'vitest';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Deal } from '#models/deal';
import { Referral } from '#models/referral';
import { ReviewCampaign } from '#models/review-campaign';
import { Survey } from '#models/survey';
import { seedAdvocacyDemo } from '#scripts/seed/advocacy';
import { checkFigureInvariants } from '#app/dashboards/figure-invariants.server';
import { getAdvocacyFigures, rebuildAdvocacyMetrics } from '#app/advocacy/advocacy.server';
import { readMetrics } from '#app/platform/metrics.server';
import { seedDemoData } from '#scripts/seed/demo';
import { ASK_STATUSES } from '#app/advocacy/advocacy-types';

const now = new Date('2026-11-20T10:00:00Z');

describe('advocacy demo data', () => {
  test('advocates, asks in every state, referrals that became deals, a review round; idempotent; rollups consistent', async () => {
    await seedDemoData({ accounts: 60, seed: 42, now });
    const summary = await seedAdvocacyDemo({ now, seed: 42, maxDeals: 30 });
    expect(summary.skipped).toBe(false);
    expect(summary.answered).toBeGreaterThan(10);
    expect(summary.candidates).toBeGreaterThan(5);
    // Each advocate's answer is to a survey that was invited, and no response rate passes 100 %.
    expect(await Survey.countDocuments({ state: 'answered' })).toBeGreaterThanOrEqual(summary.answered);
    expect(await checkFigureInvariants()).toEqual([]);

    const statuses = new Set((await Ask.find({}).select('status').lean()).map((a) => a.status));
    expect([...statuses].sort()).toEqual([...ASK_STATUSES].sort());
    expect(summary.referredDeals).toBe(2);
    const won = await Referral.find({ status: 'won' }).lean();
    expect(won).toHaveLength(2);
    for (const r of won) expect(String((await Deal.findById(r.newDealId).lean())!.referralId)).toBe(String(r._id));
    expect(await Referral.countDocuments({ status: 'open' })).toBeGreaterThanOrEqual(1);
    expect(await ReviewCampaign.countDocuments({})).toBe(1);

    const figures = await getAdvocacyFigures();
    expect(figures.referralTotals.find((t) => t.currency === 'USD')!.revenue).toBe(84_000 + 36_000);
    expect(figures.byRep.length).toBeGreaterThan(0);
    expect(figures.candidates.expansion).toBeGreaterThan(0);

    // A second run adds nothing.
    const counts = [await Advocate.countDocuments({}), await Ask.countDocuments({}), await Referral.countDocuments({})];
    expect((await seedAdvocacyDemo({ now, seed: 42 })).skipped).toBe(true);
    expect([await Advocate.countDocuments({}), await Ask.countDocuments({}), await Referral.countDocuments({})]).toEqual(counts);

    // The demo went through the real paths: a rebuild finds the same figures.
    const before = JSON.stringify(
      await readMetrics('advocacy.referral').then((rows) =>
        rows
          .map((r) => ({ ...r, counts: Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n)) }))
          .sort((a, b) => JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims))),
      ),
    );
    await rebuildAdvocacyMetrics();
    const after = JSON.stringify(
      await readMetrics('advocacy.referral').then((rows) =>
        rows
          .map((r) => ({ ...r, counts: Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n)) }))
          .sort((a, b) => JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims))),
      ),
    );
    expect(after).toBe(before);
  }, 120_000);
});
