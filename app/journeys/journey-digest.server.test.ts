import { describe, expect, it } from 'vitest';
import { EmailMessage } from '#models/email-message';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { makeAccount, makeDeal, makeUser } from '#test/factories';
import { DIGEST_HOUR_UTC, sendJourneyDigests } from '#app/journeys/journey-digest.server';

const day = (d: number) => new Date(Date.UTC(2026, 2, d, 9, 0, 0));

describe('daily journey digest', () => {
  it('tells each owner what is stalled or at risk, once a day, and nothing about journeys on track', async () => {
    const cs = await makeUser({ role: 'cs', name: 'Cass Digest' });
    const rep = await makeUser({ role: 'sales', name: 'Rita Digest' });
    const account = await makeAccount({ name: 'Stalled Co', csmId: cs.id });
    const other = await makeAccount({ name: 'Fresh Co', csmId: cs.id });
    const risky = await makeAccount({ name: 'Risky Co', csmId: cs.id });
    // Handoff SLA is 7 days: closed 10 days ago = stalled, 6 days ago = at risk, 1 day ago = on track.
    for (const [a, closed] of [
      [account, day(1)],
      [risky, day(5)],
      [other, day(10)],
    ] as const) {
      const deal = await makeDeal({ accountId: a.id, aeId: rep.id, closedWonAt: closed });
      await startJourneyForDeal({ dealId: deal.id, now: closed });
    }
    const now = day(11);
    const result = await sendJourneyDigests({ now, force: true });
    expect(result).toMatchObject({ owners: 2, sent: 2, failed: 0 });
    const toCs = await EmailMessage.findOne({ to: cs.email, template: 'journey-digest' }).lean();
    expect(toCs!.subject).toBe('1 stalled, 1 at risk: your journeys today');
    expect(toCs!.text).toContain('Stalled Co');
    expect(toCs!.text).toContain('Risky Co');
    expect(toCs!.text).not.toContain('Fresh Co');
    // The rep leads the handoff calls, so they hear about it too.
    expect(await EmailMessage.countDocuments({ to: rep.email, template: 'journey-digest' })).toBe(1);

    // A second run the same day (another worker, another cycle) sends nothing new.
    expect(await sendJourneyDigests({ now: new Date(now.getTime() + 3_600_000), force: true })).toMatchObject({ sent: 0 });
    expect(await EmailMessage.countDocuments({ template: 'journey-digest' })).toBe(2);
    // Before the digest hour nothing is sent.
    expect(await sendJourneyDigests({ now: new Date(Date.UTC(2026, 2, 12, DIGEST_HOUR_UTC - 1)) })).toEqual({ skipped: true });
  });
});
