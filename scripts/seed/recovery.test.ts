import { describe, expect, test } from 'vitest';
import { Account } from '#models/account';
import { RecoveryCase } from '#models/recovery-case';
import { RECOVERY_STATUSES } from '#models/recovery-case';
import { Survey } from '#models/survey';
import { trusted } from '#app/platform/db.server';
import { readMetrics } from '#app/platform/metrics.server';
import { seedDemoData } from '#scripts/seed/demo';
import { seedRecoveryDemo } from '#scripts/seed/recovery';

const now = new Date('2026-12-07T10:00:00Z');

describe('recovery demo data', () => {
  test('cases in every state, the Blackglen detractor among them, opened by the real reaction; a second run adds nothing', async () => {
    await seedDemoData({ accounts: 20, seed: 42, now });
    const summary = await seedRecoveryDemo({ now, seed: 42 });
    expect(summary).toMatchObject({ customers: 5, skipped: false });
    const cases = await RecoveryCase.find({}).lean();
    expect(new Set(cases.map((c) => c.status))).toEqual(new Set(RECOVERY_STATUSES));
    const planned = cases.filter((c) => c.status === 'plan_agreed');
    expect(planned.some((c) => c.plan?.buyerConfirmedAt)).toBe(true);
    expect(planned.some((c) => !c.plan?.buyerConfirmedAt)).toBe(true);
    expect(cases.find((c) => c.status === 'wont_deliver')!.wontDeliverReason).toMatch(/POS vendor/);

    const blackglen = (await Account.findOne({ name: 'Blackglen Construction' }).lean())!;
    const theirs = cases.filter((c) => String(c.accountId) === String(blackglen._id));
    expect(theirs.map((c) => [c.trigger, c.nps]).sort()).toEqual([
      ['overall_no', 0],
      ['promise_not_yet', 0],
    ]);
    expect(theirs.find((c) => c.trigger === 'overall_no')!.buyerWords).toBe('We are not getting what we were sold. The ERP sync was the reason we signed.');

    // The surveys it answered count as invited too: the funnel never shows more answers than invitations.
    const invited = (await readMetrics('survey.funnel')).reduce((n, r) => n + (r.counts.invited ?? 0), 0);
    expect(invited).toBe(await Survey.countDocuments({ invitedAt: trusted({ $ne: null }) }));

    expect((await seedRecoveryDemo({ now, seed: 42 })).skipped).toBe(true);
    expect(await RecoveryCase.countDocuments({})).toBe(cases.length);
  });
});
