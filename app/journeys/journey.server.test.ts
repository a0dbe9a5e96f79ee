import { describe, expect, it } from 'vitest';
import { Account } from '#models/account';
import { AuditEvent } from '#models/audit-event';
import { Journey } from '#models/journey';
import { Metric } from '#models/metric';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { createManualDeal, parseDealForm } from '#app/deals/deals.server';
import {
  acceptHandoff,
  advanceJourney,
  attachEvidence,
  BoardQuerySchema,
  EvidenceFormSchema,
  getJourneyDetail,
  healthOf,
  journeyTiming,
  listJourneyBoard,
  rebuildJourneyMetrics,
  recordBuyerConfirmation,
  listActiveCsUsers,
  migrateJourneysToCurrentPlaybook,
  retractEvidence,
  setStageOwners,
  startJourneyForDeal,
} from '#app/journeys/journey.server';
import { readMetrics } from '#app/platform/metrics.server';
import { DEFAULT_PLAYBOOK_STAGES, getCurrentPlaybook, publishPlaybook } from '#app/journeys/playbook.server';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000);

async function setup(options: { csm?: boolean } = {}) {
  const cs = await makeUser({ role: 'cs' });
  const admin = await makeUser({ role: 'admin' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: options.csm === false ? undefined : cs.id });
  await makeContact(account.id, { isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
  return { cs, admin, rep, account, deal, journeyId };
}

const link = (criterionKey: string, kind: 'email' | 'meeting' | 'document' = 'email') =>
  EvidenceFormSchema.parse({ criterionKey, kind, url: `https://mail.example.com/thread/${criterionKey}`, note: 'Buyer replied' });

const BUYER = { id: '65f0000000000000000000b1', name: 'Bea Buyer', email: 'bea@buyer.example' };
/** The buyer confirms on the shared plan page (what plan.server.ts records). */
const buyerConfirms = (journeyId: string, stageKey: string, criterionKey: string, now: Date) => recordBuyerConfirmation({ journeyId, stageKey, criterionKey, contact: BUYER, now });

/** Everything the default handoff stage needs, so the gate opens. */
async function satisfyHandoff(journeyId: string, cs: Awaited<ReturnType<typeof makeUser>>, now = at(1)) {
  await acceptHandoff({ user: cs, journeyId, now });
  await attachEvidence({ user: cs, journeyId, input: link('handoff-call', 'meeting'), now });
  await buyerConfirms(journeyId, 'handoff', 'kickoff-confirmed', now);
}

describe('journey creation', () => {
  it('starts every closed-won deal in the first stage with the account CSM and stage owners, once', async () => {
    const { cs, rep, deal, journeyId } = await setup();
    const j = await Journey.findById(journeyId).lean();
    expect(j).toMatchObject({ stage: 'handoff', stageIndex: 0, playbookVersion: 1 });
    expect(String(j!.csmId)).toBe(cs.id);
    expect(j!.stageEnteredAt.toISOString()).toBe(T0.toISOString());
    expect(j!.owners.map((o) => [o.stage, String(o.leadsCallsId), String(o.schedulesNextCallId)])).toEqual([
      ['handoff', rep.id, cs.id],
      ['implementation', cs.id, cs.id],
    ]);
    const again = await startJourneyForDeal({ dealId: deal.id, now: at(1) });
    expect(again).toEqual({ journeyId, created: false });
    expect(await Journey.countDocuments({ dealId: deal.id })).toBe(1);
    const started = await readMetrics('journey.started');
    expect(started.reduce((n, m) => n + (m.counts.n ?? 0), 0)).toBe(1);
  });

  it('assigns CSMs round-robin when the account has none, and the account keeps its CSM', async () => {
    await Journey.deleteMany({});
    const rep = await makeUser({ role: 'sales' });
    const csA = await makeUser({ role: 'cs' });
    const csB = await makeUser({ role: 'cs' });
    const accounts = await Promise.all([0, 1, 2, 3].map(() => makeAccount()));
    const assigned: string[] = [];
    for (const a of accounts) {
      const deal = await makeDeal({ accountId: a.id, aeId: rep.id, closedWonAt: T0 });
      const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
      assigned.push(String((await Journey.findById(journeyId).lean())!.csmId));
    }
    const active = (await import('#app/journeys/journey.server')).listActiveCsUsers;
    const ring = (await active()).map((u) => u.id);
    expect(ring).toEqual(expect.arrayContaining([csA.id, csB.id]));
    // Consecutive journeys go to consecutive CS users of the ring.
    for (let i = 1; i < assigned.length; i++) {
      expect(ring.indexOf(assigned[i])).toBe((ring.indexOf(assigned[i - 1]) + 1) % ring.length);
    }
    expect(String((await Account.findById(accounts[0].id).lean())!.csmId)).toBe(assigned[0]);
  });

  it('a manual closed-won deal gets its journey at once', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const parsed = parseDealForm({
      accountName: 'Journey Co',
      accountDomain: 'journey-co.example',
      segment: 'smb',
      contactName: 'Jo Buyer',
      contactEmail: 'jo@journey-co.example',
      dealName: 'Journey Co — starter',
      closedWonAt: '2026-02-01',
      arr: '12000',
      currency: 'EUR',
      aeId: rep.id,
      'promises.0.text': 'Go live within 30 days',
      'promises.0.successCriterion': 'Live by March',
      'promises.0.category': 'time-savings',
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = await createManualDeal({ user: cs, input: parsed.data, now: T0 });
    if (!result.ok) throw new Error('deal');
    const j = await Journey.findOne({ dealId: result.dealId }).lean();
    expect(j).toMatchObject({ stage: 'handoff', accountName: 'Journey Co', segment: 'smb', currency: 'EUR' });
  });
});

describe('the gate', () => {
  it('refuses to leave a stage while required criteria have no evidence, naming them (409)', async () => {
    const { cs, journeyId } = await setup();
    const refused = await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(1) });
    expect(refused).toMatchObject({ ok: false, status: 409 });
    if (!refused || refused.ok || refused.status !== 409) throw new Error('expected 409');
    expect(refused.missing?.map((m) => m.key)).toEqual(['cs-accepted', 'handoff-call', 'kickoff-confirmed']);
    expect(refused.message).toContain('The buyer confirmed the kickoff date and the recorded promises');

    await acceptHandoff({ user: cs, journeyId, now: at(1) });
    await attachEvidence({ user: cs, journeyId, input: link('handoff-call', 'meeting'), now: at(1) });
    const stillMissing = await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(1) });
    expect(stillMissing && !stillMissing.ok && stillMissing.status === 409 && stillMissing.missing?.map((m) => m.key)).toEqual(['kickoff-confirmed']);
    expect((await Journey.findById(journeyId).lean())!.stage).toBe('handoff');
  });

  it('moves once every required criterion has evidence; live sets the go-live date', async () => {
    const { cs, journeyId } = await setup();
    await satisfyHandoff(journeyId, cs);
    expect(await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(2) })).toMatchObject({ ok: true, to: 'implementation' });
    await buyerConfirms(journeyId, 'implementation', 'plan-signed-off', at(10));
    await buyerConfirms(journeyId, 'implementation', 'production-ready', at(30));
    expect(await advanceJourney({ user: cs, journeyId, fromStage: 'implementation', now: at(31) })).toMatchObject({ ok: true, to: 'live', live: true });
    const j = await Journey.findById(journeyId).lean();
    expect(j!.liveAt?.toISOString()).toBe(at(31).toISOString());
    expect(j!.stalledAt).toBeNull();
    expect(await AuditEvent.countDocuments({ entityId: journeyId, action: 'journey.stage_moved' })).toBe(2);
    const again = await advanceJourney({ user: cs, journeyId, fromStage: 'live', now: at(32) });
    expect(again).toMatchObject({ ok: false, status: 409 });
  });

  it('evidence of the wrong kind or a non-web link is refused; a retraction reopens the criterion', async () => {
    const { cs, journeyId } = await setup();
    for (const url of ['javascript:alert(1)', 'ftp://files.example.com/x', 'mailto:a@b.c', 'not a url', '//evil.example']) {
      expect(EvidenceFormSchema.safeParse({ criterionKey: 'handoff-call', kind: 'meeting', url }).success).toBe(false);
    }
    const wrongKind = await attachEvidence({ user: cs, journeyId, input: link('handoff-call', 'document'), now: at(1) });
    expect(wrongKind).toMatchObject({ ok: false, status: 400 });
    await satisfyHandoff(journeyId, cs);
    const j = await Journey.findById(journeyId).lean();
    const kickoff = j!.evidence.find((e) => e.criterionKey === 'kickoff-confirmed')!;
    expect(await retractEvidence({ user: cs, journeyId, input: { evidenceId: String(kickoff._id), reason: 'Wrong thread, that was another customer' }, now: at(2) })).toEqual({
      ok: true,
    });
    expect(await retractEvidence({ user: cs, journeyId, input: { evidenceId: String(kickoff._id), reason: 'again and again' }, now: at(2) })).toMatchObject({
      ok: false,
      status: 409,
    });
    const after = await Journey.findById(journeyId).lean();
    expect(after!.evidence).toHaveLength(3); // append-only: still there, marked retracted
    expect(after!.evidence.find((e) => String(e._id) === String(kickoff._id))).toMatchObject({ retractReason: 'Wrong thread, that was another customer' });
    const refused = await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(2) });
    expect(refused && !refused.ok && refused.status === 409 && refused.missing?.map((m) => m.key)).toEqual(['kickoff-confirmed']);
  });

  it('a criterion that asks for the buyer’s confirmation is met only by the buyer: a CSM’s link stays a note', async () => {
    const { cs, journeyId } = await setup();
    await acceptHandoff({ user: cs, journeyId, now: at(1) });
    await attachEvidence({ user: cs, journeyId, input: link('handoff-call', 'meeting'), now: at(1) });
    for (const kind of ['email', 'document', 'meeting'] as const) {
      const attached = await attachEvidence({ user: cs, journeyId, input: link('kickoff-confirmed', kind), now: at(1) });
      expect(attached).toMatchObject({ ok: true, meets: false, criterionText: 'The buyer confirmed the kickoff date and the recorded promises' });
    }
    const waiting = await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(2) });
    expect(waiting && !waiting.ok && waiting.status === 409 && waiting.missing?.map((m) => m.key)).toEqual(['kickoff-confirmed']);
    const detail = await getJourneyDetail({ user: cs, journeyId, now: at(2) });
    const kickoff = detail!.stages[0].criteria.find((c) => c.key === 'kickoff-confirmed')!;
    expect(kickoff.satisfied).toBe(false);
    expect(kickoff.evidence.map((e) => [e.kind, e.counts])).toEqual([
      ['email', false],
      ['document', false],
      ['meeting', false],
    ]);

    await buyerConfirms(journeyId, 'handoff', 'kickoff-confirmed', at(2));
    expect(await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(3) })).toMatchObject({ ok: true, to: 'implementation' });
  });

  it('evidence links must be https://, as the form says; a plain http:// link is refused with that reason', () => {
    for (const url of ['http://mail.example.com/thread/1', 'HTTP://mail.example.com/x', 'https:mail.example.com/x', 'https://']) {
      const parsed = EvidenceFormSchema.safeParse({ criterionKey: 'handoff-call', kind: 'meeting', url });
      expect(parsed.success, url).toBe(false);
      expect(parsed.error?.issues[0].message).toMatch(/https:\/\//);
    }
    expect(EvidenceFormSchema.safeParse({ criterionKey: 'handoff-call', kind: 'meeting', url: ' https://meet.example.com/r/1 ' }).data?.url).toBe('https://meet.example.com/r/1');
  });

  it('an admin may override with a written reason: audited, counted and marked on the stage; CS may not', async () => {
    const { cs, admin, rep, journeyId } = await setup();
    const byCs = await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', overrideReason: 'The buyer is in a hurry, trust me', now: at(1) }).catch((r) => r as Response);
    expect((byCs as Response).status).toBe(403);
    const short = await advanceJourney({ user: admin, journeyId, fromStage: 'handoff', overrideReason: 'because', now: at(1) });
    expect(short).toMatchObject({ ok: false, status: 400 });
    const moved = await advanceJourney({ user: admin, journeyId, fromStage: 'handoff', overrideReason: 'Buyer confirmed by phone; email follows next week', now: at(1) });
    expect(moved).toMatchObject({ ok: true, overridden: true, to: 'implementation' });
    const j = await Journey.findById(journeyId).lean();
    expect(j!.overrideCount).toBe(1);
    expect(j!.stages[0].override).toMatchObject({
      reason: 'Buyer confirmed by phone; email follows next week',
      byName: admin.name,
      missing: ['cs-accepted', 'handoff-call', 'kickoff-confirmed'],
    });
    const audit = await AuditEvent.findOne({ entityId: journeyId, action: 'journey.stage_overridden' }).lean();
    expect(String(audit!.actorId)).toBe(admin.id);
    expect(audit!.data).toMatchObject({ from: 'handoff', to: 'implementation', reason: 'Buyer confirmed by phone; email follows next week' });
    const detail = await getJourneyDetail({ user: cs, journeyId, now: at(2) });
    expect(detail!.stages[0].override?.missing).toContain('CS accepted the handoff');
    const exits = await readMetrics('journey.stage');
    expect(exits.find((m) => m.dims.stage === 'handoff' && m.dims.rep === rep.id)?.counts.overridden).toBe(1);
  });

  it('concurrent moves of one journey produce exactly one move', async () => {
    const { cs, admin, journeyId } = await setup();
    await satisfyHandoff(journeyId, cs);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => advanceJourney({ user: i % 2 ? cs : admin, journeyId, fromStage: 'handoff', now: at(2) })));
    expect(results.filter((r) => r?.ok)).toHaveLength(1);
    expect(results.filter((r) => r && !r.ok && r.status === 409)).toHaveLength(11);
    const j = await Journey.findById(journeyId).lean();
    expect(j!.stage).toBe('implementation');
    expect(j!.stages.map((s) => s.key)).toEqual(['handoff', 'implementation']);
    expect(await AuditEvent.countDocuments({ entityId: journeyId, action: 'journey.stage_moved' })).toBe(1);
  });

  it('sales and leadership cannot change journeys', async () => {
    const { rep, journeyId } = await setup();
    const leader = await makeUser({ role: 'leadership' });
    for (const user of [rep, leader]) {
      const thrown = await advanceJourney({ user, journeyId, fromStage: 'handoff', now: at(1) }).catch((r) => r as Response);
      expect((thrown as Response).status).toBe(403);
    }
  });
});

describe('concurrent writes to one journey', () => {
  it('concurrent acceptances, evidence, confirmations and owner changes: one acceptance, nothing lost', async () => {
    const { cs, admin, rep, journeyId } = await setup();
    const other = await makeUser({ role: 'cs' });
    const [accepts, attached, confirmed, owners] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, (_, i) => acceptHandoff({ user: i % 2 ? cs : admin, journeyId, now: at(1) }))),
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          attachEvidence({ user: cs, journeyId, input: { ...link('handoff-call', 'meeting'), url: `https://meet.example.com/rec/${i}` }, now: at(1) }),
        ),
      ),
      Promise.all(['kickoff-confirmed', 'kickoff-confirmed'].map((key) => buyerConfirms(journeyId, 'handoff', key, at(1)))),
      Promise.all([
        setStageOwners({ user: cs, journeyId, input: { stage: 'handoff', leadsCallsId: other.id, schedulesNextCallId: rep.id }, now: at(1) }),
        setStageOwners({ user: admin, journeyId, input: { stage: 'implementation', leadsCallsId: admin.id, schedulesNextCallId: '' }, now: at(1) }),
      ]),
    ]);
    expect(accepts.filter((r) => r?.ok)).toHaveLength(1);
    expect(accepts.filter((r) => r && !r.ok && r.status === 409)).toHaveLength(5);
    expect(attached.every((r) => r?.ok)).toBe(true);
    expect(owners.every((r) => r?.ok)).toBe(true);
    expect(confirmed).toHaveLength(2);
    const j = await Journey.findById(journeyId).lean();
    expect(j!.acceptedAt?.toISOString()).toBe(at(1).toISOString());
    expect(j!.evidence.filter((e) => e.kind === 'cs_acceptance')).toHaveLength(1);
    expect(
      j!.evidence
        .filter((e) => e.criterionKey === 'handoff-call')
        .map((e) => e.url)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `https://meet.example.com/rec/${i}`).sort());
    expect(j!.evidence.filter((e) => e.kind === 'buyer_confirmation')).toHaveLength(2);
    expect(j!.owners.map((o) => [o.stage, o.leadsCallsId ? String(o.leadsCallsId) : null, o.schedulesNextCallId ? String(o.schedulesNextCallId) : null])).toEqual([
      ['handoff', other.id, rep.id],
      ['implementation', admin.id, null],
    ]);
    expect(await AuditEvent.countDocuments({ entityId: journeyId, action: 'journey.handoff_accepted' })).toBe(1);
    expect(await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: at(2) })).toMatchObject({ ok: true, to: 'implementation' });
  });

  it('concurrent retractions of one piece of evidence: one retraction, one audit event, other evidence untouched', async () => {
    const { cs, admin, journeyId } = await setup();
    await satisfyHandoff(journeyId, cs);
    const target = (await Journey.findById(journeyId).lean())!.evidence.find((e) => e.criterionKey === 'handoff-call')!;
    const reasons = Array.from({ length: 8 }, (_, i) => `Wrong recording, attempt ${i}`);
    const [retracted, attached] = await Promise.all([
      Promise.all(reasons.map((reason, i) => retractEvidence({ user: i % 2 ? cs : admin, journeyId, input: { evidenceId: String(target._id), reason }, now: at(2) }))),
      Promise.all(
        [1, 2, 3].map((i) => attachEvidence({ user: cs, journeyId, input: { ...link('handoff-call', 'meeting'), url: `https://meet.example.com/again/${i}` }, now: at(2) })),
      ),
    ]);
    expect(retracted.filter((r) => r?.ok)).toHaveLength(1);
    expect(retracted.filter((r) => r && !r.ok && 'status' in r && r.status === 409)).toHaveLength(7);
    expect(attached.every((r) => r?.ok)).toBe(true);
    const j = await Journey.findById(journeyId).lean();
    const after = j!.evidence.find((e) => String(e._id) === String(target._id))!;
    expect(reasons).toContain(after.retractReason);
    expect(j!.evidence.filter((e) => e.retractedAt)).toHaveLength(1);
    expect(j!.evidence.filter((e) => e.url?.startsWith('https://meet.example.com/again/'))).toHaveLength(3);
    expect(await AuditEvent.countDocuments({ entityId: journeyId, action: 'journey.evidence_retracted' })).toBe(1);
  });

  it('concurrent intakes without an account CSM take consecutive round-robin turns', async () => {
    const rep = await makeUser({ role: 'sales' });
    for (let i = 0; i < 6; i++) await makeUser({ role: 'cs' });
    const ring = (await listActiveCsUsers()).map((u) => u.id);
    const deals = await Promise.all(Array.from({ length: 6 }, async () => makeDeal({ accountId: (await makeAccount()).id, aeId: rep.id, closedWonAt: T0 })));
    const started = await Promise.all(deals.map((d) => startJourneyForDeal({ dealId: d.id, now: T0 })));
    const assigned = await Promise.all(started.map(async ({ journeyId }) => String((await Journey.findById(journeyId).lean())!.csmId)));
    // Six turns in a row of a ring of at least six: six different CSMs, next to each other in the ring.
    const taken = new Set(assigned.map((id) => ring.indexOf(id)));
    expect(taken.size).toBe(6);
    const consecutive = ring.some((_, start) => Array.from({ length: 6 }, (_, k) => (start + k) % ring.length).every((p) => taken.has(p)));
    expect(consecutive, `ring positions ${[...taken].join(', ')} of ${ring.length}`).toBe(true);
  });
});

describe('health and timing with a pinned clock', () => {
  it('on track, at risk past 75 % of the SLA, stalled past the SLA; live once live', () => {
    const j = { atRiskAt: at(7 * 0.75), stalledAt: at(7), liveAt: null };
    expect(healthOf(j, at(5))).toBe('on_track');
    expect(healthOf(j, at(5.25))).toBe('on_track');
    expect(healthOf(j, at(5.3))).toBe('at_risk');
    expect(healthOf(j, at(7))).toBe('at_risk');
    expect(healthOf(j, at(7.01))).toBe('stalled');
    expect(healthOf({ atRiskAt: null, stalledAt: null, liveAt: at(40) }, at(400))).toBe('live');
  });

  it('CS reaction time, time per stage and closed-won -> live', () => {
    const timing = journeyTiming(
      {
        closedWonAt: T0,
        acceptedAt: new Date(T0.getTime() + 30 * 3_600_000),
        liveAt: at(40),
        stages: [
          { key: 'handoff', enteredAt: T0, exitedAt: at(6) },
          { key: 'implementation', enteredAt: at(6), exitedAt: at(40) },
          { key: 'live', enteredAt: at(40) },
        ],
      },
      at(100),
    );
    expect(timing.reactionHours).toBe(30);
    expect(timing.stageDays.map((s) => s.days)).toEqual([6, 34, 60]);
    expect(timing.closedWonToLiveDays).toBe(40);
  });

  it('the board filters by health at the pinned time and sorts by days in stage; metrics record the timings', async () => {
    await Journey.deleteMany({});
    await Metric.deleteMany({});
    const { cs, rep: firstRep, journeyId: oldest } = await setup();
    // Two more journeys, closed 2 and 6 days after T0.
    const rep = await makeUser({ role: 'sales' });
    const a = await makeAccount({ csmId: cs.id });
    const d2 = await makeDeal({ accountId: a.id, aeId: rep.id, closedWonAt: at(2) });
    const d6 = await makeDeal({ accountId: a.id, aeId: rep.id, closedWonAt: at(6) });
    const { journeyId: mid } = await startJourneyForDeal({ dealId: d2.id, now: at(2) });
    const { journeyId: fresh } = await startJourneyForDeal({ dealId: d6.id, now: at(6) });
    const now = at(8); // oldest: 8 days (stalled), mid: 6 days (at risk), fresh: 2 days (on track)
    const board = (q: Record<string, string>) => listJourneyBoard({ user: cs, query: BoardQuerySchema.parse(q), now });
    expect((await board({})).journeys.map((j) => [j.id, j.health, j.daysInStage])).toEqual([
      [oldest, 'stalled', 8],
      [mid, 'at_risk', 6],
      [fresh, 'on_track', 2],
    ]);
    expect((await board({ sort: 'days' })).journeys[0].id).toBe(fresh);
    expect((await board({ health: 'stalled' })).journeys.map((j) => j.id)).toEqual([oldest]);
    expect((await board({ health: 'at_risk' })).journeys.map((j) => j.id)).toEqual([mid]);
    expect((await board({ health: 'on_track' })).journeys.map((j) => j.id)).toEqual([fresh]);
    expect((await board({ mine: '1' })).total).toBe(3);
    expect((await board({})).stages.map((s) => [s.key, s.count])).toEqual([
      ['handoff', 3],
      ['implementation', 0],
      ['live', 0],
    ]);

    // Accept 30 h after closed-won, move out of handoff on day 6.
    await acceptHandoff({ user: cs, journeyId: oldest, now: new Date(T0.getTime() + 30 * 3_600_000) });
    await attachEvidence({ user: cs, journeyId: oldest, input: link('handoff-call', 'meeting'), now: at(3) });
    await buyerConfirms(oldest, 'handoff', 'kickoff-confirmed', at(5));
    await advanceJourney({ user: cs, journeyId: oldest, fromStage: 'handoff', now: at(6) });
    const detail = await getJourneyDetail({ user: cs, journeyId: oldest, now: at(8) });
    expect(detail!.timing.reactionHours).toBe(30);
    expect(detail!.stages.map((s) => [s.key, s.days, s.state])).toEqual([
      ['handoff', 6, 'done'],
      ['implementation', 2, 'current'],
      ['live', null, 'ahead'],
    ]);
    expect(detail!.health).toBe('on_track');
    const accepted = (await readMetrics('journey.accepted')).filter((m) => m.dims.rep === firstRep.id);
    expect(accepted.reduce((n, m) => n + (m.counts.hours ?? 0), 0)).toBe(30);
    expect(accepted.reduce((n, m) => n + (m.counts.le48 ?? 0), 0)).toBe(1);
    const stage = (await readMetrics('journey.stage')).filter((m) => m.dims.rep === firstRep.id);
    expect(stage.filter((m) => m.dims.stage === 'handoff').reduce((n, m) => n + (m.counts.days ?? 0), 0)).toBe(6);

    // Rebuilding from the journeys gives the same rollups as the incremental path.
    const before = JSON.stringify((await Promise.all(['journey.started', 'journey.accepted', 'journey.stage', 'journey.live'].map(readMetrics))).map(normalise));
    await rebuildJourneyMetrics();
    const after = JSON.stringify((await Promise.all(['journey.started', 'journey.accepted', 'journey.stage', 'journey.live'].map(readMetrics))).map(normalise));
    expect(after).toBe(before);
  });
});

function normalise(rows: { dims: Record<string, string>; counts: Record<string, number> }[]) {
  return rows
    .map((r) => ({
      dims: r.dims,
      counts: Object.fromEntries(
        Object.entries(r.counts)
          .filter(([, v]) => v !== 0)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    }))
    .sort((a, b) => JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims)));
}

describe('playbook versions', () => {
  it('a published change applies to new journeys; journeys under way keep their version', async () => {
    const { cs, admin, rep, account, journeyId } = await setup();
    const current = await getCurrentPlaybook();
    const stages = [
      ...DEFAULT_PLAYBOOK_STAGES.slice(0, 2).map((s) => ({ ...s, slaDays: (s.slaDays ?? 0) + 1 })),
      {
        key: 'adoption',
        name: 'Adoption',
        slaDays: 30,
        terminal: false,
        criteria: [{ key: 'usage', text: 'The buyer’s team uses it weekly', required: true, evidenceType: 'document' as const, buyerAction: 'Shares the usage report' }],
      },
      DEFAULT_PLAYBOOK_STAGES[2],
    ];
    const published = await publishPlaybook({ user: admin, stages, note: 'Adoption stage', baseVersion: current.version, now: at(1) });
    expect(published).toEqual({ ok: true, version: current.version + 1 });
    const stale = await publishPlaybook({ user: admin, stages, note: 'again', baseVersion: current.version, now: at(1) });
    expect(stale.ok).toBe(false);
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: at(1) });
    const { journeyId: newer } = await startJourneyForDeal({ dealId: deal.id, now: at(1) });
    expect((await getJourneyDetail({ user: cs, journeyId, now: at(2) }))!.stages.map((s) => s.key)).toEqual(['handoff', 'implementation', 'live']);
    expect((await getJourneyDetail({ user: cs, journeyId: newer, now: at(2) }))!.stages.map((s) => s.key)).toEqual(['handoff', 'implementation', 'adoption', 'live']);
  });
  it('an admin moves journeys of an older version onto the current one; a journey in a stage it lacks stays', async () => {
    const { cs, admin, journeyId: moving } = await setup();
    await satisfyHandoff(moving, cs);
    await advanceJourney({ user: cs, journeyId: moving, fromStage: 'handoff', now: at(2) });
    const { journeyId: waiting } = await setup();
    const old = await getCurrentPlaybook();
    // The new version replaces the handoff stage with a kickoff stage: implementation moves up one.
    const kickoff = {
      key: 'kickoff',
      name: 'Kickoff',
      slaDays: 5,
      terminal: false,
      criteria: [{ key: 'kickoff-held', text: 'The kickoff call took place', required: true, evidenceType: 'meeting' as const, buyerAction: 'Joins the kickoff call' }],
    };
    const stages = [kickoff, ...old.stages.filter((s) => s.key !== 'handoff')];
    expect(await publishPlaybook({ user: admin, stages, note: 'Kickoff first', baseVersion: old.version, now: at(3) })).toMatchObject({ ok: true });
    const result = await migrateJourneysToCurrentPlaybook({ user: admin, fromVersion: old.version, now: at(3) });
    expect(result.migrated).toBeGreaterThanOrEqual(1);
    expect(result.kept).toBeGreaterThanOrEqual(1);
    const detail = await getJourneyDetail({ user: cs, journeyId: moving, now: at(4) });
    expect(detail).toMatchObject({ playbookVersion: old.version + 1, stage: 'implementation' });
    expect(detail!.stages.map((s) => [s.key, s.state])).toEqual(stages.map((s) => [s.key, s.key === 'kickoff' ? 'done' : s.key === 'implementation' ? 'current' : 'ahead']));
    expect(await Journey.findById(waiting).lean()).toMatchObject({ playbookVersion: old.version, stage: 'handoff', stageIndex: 0 });
    // Moving on from the migrated stage uses the new version's next stage.
    await buyerConfirms(moving, 'implementation', 'plan-signed-off', at(5));
    await buyerConfirms(moving, 'implementation', 'production-ready', at(5));
    expect(await advanceJourney({ user: cs, journeyId: moving, fromStage: 'implementation', now: at(6) })).toMatchObject({
      ok: true,
      to: stages[stages.findIndex((s) => s.key === 'implementation') + 1].key,
    });
  });
});
