import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { Journey } from '#models/journey';
import { DAY_MS } from '#app/journeys/journey-rules';
import { advanceJourney, healthOf, listJourneysNeedingAttention, rebuildJourneyMetrics, startJourneyForDeal } from '#app/journeys/journey.server';
import { listWorkQueue } from '#app/work/work.server';
import { confirmDelay, confirmDelayOnPlan, endDelay, markDelay } from '#app/journeys/delays.server';
import { createPlanToken, getPlanView } from '#app/journeys/plan.server';
import { PAUSED_UNTIL_RESUMED } from '#app/journeys/sla-rules';
import { readMetrics } from '#app/platform/metrics.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

// Plan links expire against the real clock, so the test clock is today.
const T0 = new Date(`${new Date().toISOString().slice(0, 10)}T10:00:00.000Z`);
const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);
const REASON = 'Waiting for your IT team to open the firewall for SSO';

async function setup(closedWonAt = T0) {
  const cs = await makeUser({ role: 'cs' });
  const admin = await makeUser({ role: 'admin' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: cs.id });
  const buyer = await makeContact(account.id, { name: 'Nora Buyer', isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: closedWonAt });
  const token = await createPlanToken({ journeyId, contact: { id: buyer.id, name: 'Nora Buyer', email: buyer.email }, stage: 'handoff', now: T0 });
  return { cs, admin, rep, buyer, journeyId, token };
}

const journey = async (id: string) => (await Journey.findById(id).lean())!;
const auditOf = async (id: string) =>
  (await AuditEvent.find({ entityType: 'journey', entityId: id }).sort({ at: 1 }).lean()).map((a) => a.action).filter((a) => a.startsWith('journey.delay'));

describe('delays the buyer owns', () => {
  it('marked by CS it is only claimed: the clock runs; confirmed by the buyer it pauses; ended by CS it runs again, later by the paused time', async () => {
    const { cs, journeyId, token } = await setup();
    const fresh = await journey(journeyId);
    // Handoff: 7 days SLA, at risk from 5.25 days.
    expect(fresh.stalledAt).toEqual(at(7));

    const marked = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(1) });
    expect(marked).toMatchObject({ ok: true });
    const claimed = await journey(journeyId);
    expect(claimed.stalledAt).toEqual(at(7));
    expect(healthOf(claimed, at(8))).toBe('stalled');
    expect((await getPlanView({ token }))!.delay).toMatchObject({ reason: REASON, confirmedAt: null });
    // One open delay at a time.
    expect(await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(1.5) })).toMatchObject({ ok: false, status: 409 });

    expect(await confirmDelayOnPlan({ token, delayId: marked!.ok ? marked!.delayId : '', now: at(2) })).toEqual({ ok: true, already: false });
    const paused = await journey(journeyId);
    expect(paused.atRiskAt).toEqual(PAUSED_UNTIL_RESUMED);
    expect(paused.stalledAt).toEqual(PAUSED_UNTIL_RESUMED);
    expect(healthOf(paused, at(60))).toBe('on_track');
    expect(paused.delays[0]).toMatchObject({ confirmedByName: 'Nora Buyer' });
    // A second confirm (a double click, a replayed POST) records nothing more.
    expect(await confirmDelayOnPlan({ token, delayId: String(paused.delays[0]._id), now: at(2.5) })).toEqual({ ok: true, already: true });

    const ended = await endDelay({ user: cs, journeyId, input: { delayId: String(paused.delays[0]._id) }, now: at(6) });
    expect(ended).toEqual({ ok: true, pausedDays: 4 });
    const resumed = await journey(journeyId);
    // Confirmed on day 2, ended on day 6: 4 days paused; the claim on day 1 paused nothing.
    expect(resumed.stalledAt).toEqual(at(11));
    expect(resumed.atRiskAt).toEqual(at(9.25));
    expect(resumed.openDelayId).toBeNull();
    expect(await endDelay({ user: cs, journeyId, input: { delayId: String(paused.delays[0]._id) }, now: at(7) })).toMatchObject({ ok: false, status: 409 });
    expect(await auditOf(journeyId)).toEqual(['journey.delay_marked', 'journey.delay_confirmed', 'journey.delay_ended']);
  });

  it('an at-risk journey whose buyer confirmed the delay leaves the work queue and the digest; a claimed one stays', async () => {
    const { cs, journeyId, token } = await setup(at(-6));
    const inQueue = async () => (await listWorkQueue({ csmId: cs.id, query: { view: 'open', page: 1 }, now: T0 })).items.filter((i) => i.kind === 'journey').length;
    const inDigest = async () => ((await listJourneysNeedingAttention({ now: T0 })).get(cs.id) ?? []).length;
    // Six days into a 7-day SLA: at risk.
    expect([await inQueue(), await inDigest()]).toEqual([1, 1]);
    const marked = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(-1) });
    expect([await inQueue(), await inDigest()]).toEqual([1, 1]);
    await confirmDelayOnPlan({ token, delayId: marked!.ok ? marked!.delayId : '', now: at(-0.5) });
    expect(healthOf(await journey(journeyId), T0)).toBe('at_risk');
    expect([await inQueue(), await inDigest()]).toEqual([0, 0]);
  });

  it('a confirm after the delay ended changes nothing', async () => {
    const { cs, journeyId, token } = await setup();
    const marked = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(1) });
    const delayId = marked!.ok ? marked!.delayId : '';
    await endDelay({ user: cs, journeyId, input: { delayId }, now: at(2) });
    const before = JSON.stringify(await journey(journeyId));
    expect(await confirmDelayOnPlan({ token, delayId, now: at(3) })).toMatchObject({ ok: false });
    expect(JSON.stringify(await journey(journeyId))).toBe(before);
    expect((await getPlanView({ token }))!.delay).toBeNull();
    expect(await auditOf(journeyId)).toEqual(['journey.delay_marked', 'journey.delay_ended']);
  });

  it('a buyer link only reaches its own journey', async () => {
    const mine = await setup();
    const other = await setup();
    const marked = await markDelay({ user: other.cs, journeyId: other.journeyId, input: { reason: REASON }, now: at(1) });
    const before = JSON.stringify(await journey(other.journeyId));
    // My link, the other journey's delay id: nothing found on my journey, nothing changed on theirs.
    expect(await confirmDelayOnPlan({ token: mine.token, delayId: marked!.ok ? marked!.delayId : '', now: at(2) })).toMatchObject({ ok: false });
    expect(JSON.stringify(await journey(other.journeyId))).toBe(before);
    // A bad link is no link.
    expect(await confirmDelayOnPlan({ token: 'x'.repeat(43), delayId: marked!.ok ? marked!.delayId : '', now: at(2) })).toBeNull();
  });

  it('only staff who work journeys mark or end a delay, never on a live journey', async () => {
    const { rep, journeyId } = await setup();
    await expect(markDelay({ user: rep, journeyId, input: { reason: REASON }, now: at(1) })).rejects.toMatchObject({ status: 403 });
    expect(await journey(journeyId)).toMatchObject({ openDelayId: null, delays: [] });
  });

  it('a stage move ends the open delay; time to live is kept in total and without the confirmed delays, and a rebuild gives the same figures', async () => {
    const { cs, admin, buyer, journeyId } = await setup(at(-40));
    const contact = { id: buyer.id, name: 'Nora Buyer', email: buyer.email };
    const first = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(-39) });
    await confirmDelay({ journeyId, delayId: first!.ok ? first!.delayId : '', contact, now: at(-38) });
    const moved = await advanceJourney({ user: admin, journeyId, fromStage: 'handoff', overrideReason: 'Kickoff happened offline, notes in CRM', now: at(-35) });
    expect(moved).toMatchObject({ ok: true, to: 'implementation' });
    const j = await journey(journeyId);
    expect(j.openDelayId).toBeNull();
    expect(j.delays[0]).toMatchObject({ endedBy: 'stage_changed', endedAt: at(-35) });
    // The new stage's clock is not paused by the old stage's delay.
    expect(j.stalledAt).toEqual(at(-35 + 45));

    // Claimed only (never confirmed): counts in both figures.
    const claimed = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(-30) });
    await endDelay({ user: cs, journeyId, input: { delayId: claimed!.ok ? claimed!.delayId : '' }, now: at(-25) });
    const second = await markDelay({ user: cs, journeyId, input: { reason: REASON }, now: at(-20) });
    await confirmDelay({ journeyId, delayId: second!.ok ? second!.delayId : '', contact, now: at(-20) });
    expect(await advanceJourney({ user: admin, journeyId, fromStage: 'implementation', overrideReason: 'Customer live, sign-off by phone', now: at(-10) })).toMatchObject({
      live: true,
    });

    const total = (await readMetrics('journey.live')).filter((m) => m.dims.csm === cs.id);
    const net = (await readMetrics('journey.live_net')).filter((m) => m.dims.csm === cs.id);
    expect(total.map((m) => m.counts)).toEqual([{ n: 1, days: 30, le30: 1 }]);
    // 30 days in total, minus 3 (first delay, confirmed -38 → stage move -35) and 10 (second, -20 → go-live -10).
    expect(net.map((m) => m.counts)).toEqual([{ n: 1, days: 17, le21: 1 }]);

    const figures = async () =>
      JSON.stringify(await Promise.all(['journey.live', 'journey.live_net'].map(async (k) => (await readMetrics(k)).map((m) => [m.dims, Object.entries(m.counts).sort()]))));
    const live = await figures();
    await rebuildJourneyMetrics();
    expect(await figures()).toBe(live);
  });
});
