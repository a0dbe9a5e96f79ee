import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { PlanToken } from '#models/plan-token';
import { RecoveryCase, type RecoveryStatus } from '#models/recovery-case';
import { Survey } from '#models/survey';
import { journeyIdForDeal, startJourneyForDeal } from '#app/journeys/journey.server';
import { scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { listWorkQueue, snoozeItem, summariseQueues, surveysNeedingCsIndex, wakeItem } from '#app/work/work.server';
import { resetEnvCache } from '#app/env.server';
import { claimMany, completeMany } from '#app/platform/lease.server';
import { snoozeFormSchema } from '#app/work/work-rules';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

const DAY = 86_400_000;
const now = new Date('2026-12-07T09:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY);

async function openCase(input: { dealId: string; accountId: string; aeId: string; csmId: string; arr: number; slaDueAt: Date; status?: RecoveryStatus; promiseText?: string }) {
  return RecoveryCase.create({
    dealId: input.dealId,
    accountId: input.accountId,
    surveyId: input.dealId,
    wave: 6,
    promiseKey: `p-${input.promiseText ?? 'overall'}`,
    trigger: 'promise_not_yet',
    promiseText: input.promiseText ?? 'SSO by March',
    category: 'integration',
    aeId: input.aeId,
    csmId: input.csmId,
    segment: 'smb',
    closedWonAt: ago(200),
    arr: input.arr,
    status: input.status ?? 'open',
    openedAt: ago(10),
    slaDueAt: input.slaDueAt,
  });
}

/** A CSM's book: a big stalled customer with a plan link the buyer ignored, a small one with a broken promise and a bounced survey. */
async function book() {
  const rep = await makeUser({ role: 'sales' });
  const csm = await makeUser({ role: 'cs', name: 'Casey CSM' });
  const other = await makeUser({ role: 'cs', name: 'Olive Other' });
  const big = await makeAccount({ csmId: csm.id, name: 'Bigco' });
  const small = await makeAccount({ csmId: csm.id, name: 'Smallco' });
  const theirs = await makeAccount({ csmId: other.id, name: 'Theirco' });
  const contact = await makeContact(small.id);
  const bigDeal = await makeDeal({ accountId: big.id, aeId: rep.id, arr: 200_000, closedWonAt: ago(10) });
  const smallDeal = await makeDeal({ accountId: small.id, aeId: rep.id, arr: 10_000, closedWonAt: ago(300) });
  const theirDeal = await makeDeal({ accountId: theirs.id, aeId: rep.id, arr: 500_000, closedWonAt: ago(300) });
  for (const d of [bigDeal, smallDeal, theirDeal]) await startJourneyForDeal({ dealId: d.id, now: ago(9) });
  // Smallco and Theirco went live long ago: only their other items count.
  for (const d of [smallDeal, theirDeal]) await markLive(d.id);
  const recovery = await openCase({ dealId: smallDeal.id, accountId: small.id, aeId: rep.id, csmId: csm.id, arr: 10_000, slaDueAt: ago(3) });
  await openCase({ dealId: theirDeal.id, accountId: theirs.id, aeId: rep.id, csmId: other.id, arr: 500_000, slaDueAt: ago(3) });
  await openCase({ dealId: smallDeal.id, accountId: small.id, aeId: rep.id, csmId: csm.id, arr: 10_000, slaDueAt: ago(30), status: 'delivered', promiseText: 'Done already' });
  await scheduleSurveysForDeal({ dealId: smallDeal.id, now: ago(299) });
  const bounced = await Survey.findOneAndUpdate(
    { dealId: smallDeal.id, wave: 6 },
    { $set: { state: 'bounced', attentionReason: 'bounced', attentionAt: ago(2), contactId: contact.id } },
    { new: true },
  ).lean();
  // Bigco's first wave came due yesterday, before go-live: held.
  await scheduleSurveysForDeal({ dealId: bigDeal.id, now: ago(9) });
  await Survey.updateOne({ dealId: bigDeal.id, wave: 6 }, { $set: { dueAt: ago(1), held: 'not-live', heldAt: ago(1) } });
  // The buyer was asked to confirm the kickoff 7 days ago (past BUYER_CONFIRMATION_WAIT_DAYS).
  await PlanToken.create({
    tokenHash: `hash-${bigDeal.id}`,
    journeyId: journeyIdForDeal(bigDeal.id),
    contactId: contact.id,
    contactEmail: contact.email,
    contactName: 'Buyer',
    stage: 'handoff',
    expiresAt: new Date(now.getTime() + 20 * DAY),
    createdAt: ago(7),
  });
  return { rep, csm, other, big, small, bigDeal, smallDeal, recovery, bounced: bounced! };
}

async function markLive(dealId: string) {
  const { Journey } = await import('#models/journey');
  await Journey.updateOne({ _id: journeyIdForDeal(dealId) }, { $set: { stage: 'live', stageIndex: 2, liveAt: ago(100), atRiskAt: null, stalledAt: null } });
}

describe('a CSM’s work queue', () => {
  it('holds every kind of waiting item of their own book, ranked by ARR at stake and days overdue', async () => {
    const { csm, recovery, bounced, bigDeal } = await book();
    const view = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now });
    const seen = view.items.map((i) => [i.kind, i.accountName]);
    // Bigco (200k): its journey stalled 3 days ago, the buyer confirmation due 2 days ago, the survey
    // held since yesterday; then Smallco (10k): the case 3 days past its SLA, the survey bounced 2 days ago.
    expect(seen).toEqual([
      ['journey', 'Bigco'],
      ['confirmation', 'Bigco'],
      ['survey-held', 'Bigco'],
      ['recovery', 'Smallco'],
      ['survey-contact', 'Smallco'],
    ]);
    const byKind = Object.fromEntries(view.items.map((i) => [i.kind, i]));
    expect(byKind.recovery).toMatchObject({ itemId: String(recovery._id), arr: 10_000, action: { href: `/recovery/${String(recovery._id)}` } });
    expect(byKind.recovery.daysOverdue).toBeCloseTo(3, 1);
    expect(byKind['survey-contact'].action.href).toBe(`/surveys/${String(bounced._id)}`);
    expect(byKind.journey).toMatchObject({ itemId: String(journeyIdForDeal(bigDeal.id)), arr: 200_000 });
    expect(byKind.confirmation.what).toMatch(/kickoff/i);
    // The other CSM's case (500k) and the delivered case are not in it.
    expect(view.total).toBe(5);
  });

  it('a survey that is put right leaves the queue at once, and its counts with it', async () => {
    const { csm, bounced } = await book();
    expect((await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now })).items.map((i) => i.kind)).toContain('survey-contact');
    await Survey.updateOne({ _id: bounced._id }, { $set: { attentionReason: null, attentionAt: null, state: 'scheduled' } });
    const after = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now });
    expect(after.items.map((i) => i.kind)).not.toContain('survey-contact');
  });

  it('snoozing hides an item until the date, shows it under snoozed, audits it, and waking brings it back', async () => {
    const { csm, recovery } = await book();
    const input = snoozeFormSchema(now).parse({ kind: 'recovery', itemId: String(recovery._id), until: '2026-12-10', reason: 'Buyer on holiday until Thursday' });
    expect(await snoozeItem({ user: csm, input, now })).toMatchObject({ ok: true });
    const open = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now });
    expect(open.items.map((i) => i.kind)).not.toContain('recovery');
    expect(open.snoozedCount).toBe(1);
    const snoozed = await listWorkQueue({ csmId: csm.id, query: { view: 'snoozed', page: 1 }, now });
    expect(snoozed.items).toMatchObject([{ kind: 'recovery', snoozed: { reason: 'Buyer on holiday until Thursday', until: '2026-12-11T00:00:00.000Z' } }]);
    expect(await AuditEvent.findOne({ action: 'work.snoozed', entityId: `recovery:${String(recovery._id)}` }).lean()).toMatchObject({ actorId: expect.anything() });

    // After the date it is back by itself.
    const later = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now: new Date('2026-12-11T00:00:01Z') });
    expect(later.items.map((i) => i.kind)).toContain('recovery');

    expect(await wakeItem({ user: csm, kind: 'recovery', itemId: String(recovery._id), now })).toMatchObject({ ok: true });
    expect((await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now })).items.map((i) => i.kind)).toContain('recovery');
    expect(await AuditEvent.countDocuments({ action: 'work.woken' })).toBe(1);
  });

  it('refuses to snooze an item of someone else’s queue, and a date in the past or a missing reason', async () => {
    const { other, recovery } = await book();
    const input = snoozeFormSchema(now).parse({ kind: 'recovery', itemId: String(recovery._id), until: '2026-12-10', reason: 'Not mine' });
    expect(await snoozeItem({ user: other, input, now })).toEqual({ ok: false, error: 'That item is no longer in your queue.' });
    const bad = snoozeFormSchema(now).safeParse({ kind: 'recovery', itemId: String(recovery._id), until: '2026-12-01', reason: '' });
    expect(bad.success).toBe(false);
    const fields = Object.fromEntries(bad.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(fields).toEqual({ until: 'Choose a date after today.', reason: 'Say why it can wait (a few words).' });
  });

  it('leadership sees every CSM’s queue length and oldest item, snoozed items left out', async () => {
    const { csm, other, recovery } = await book();
    await snoozeItem({ user: csm, input: { kind: 'recovery', itemId: String(recovery._id), until: '2026-12-10', reason: 'Buyer on holiday' }, now });
    const summaries = await summariseQueues({ now });
    const mine = summaries.find((s) => s.id === csm.id)!;
    const theirs = summaries.find((s) => s.id === other.id)!;
    expect(mine).toMatchObject({ count: 4, snoozed: 1 });
    // The longest waiting of the four: Bigco's journey, stalled 3 days ago (the case, due as long, is snoozed).
    expect(mine.oldest).toMatchObject({ accountName: 'Bigco', what: expect.stringMatching(/^Stalled/) });
    expect(theirs).toMatchObject({ count: 1, snoozed: 0, oldest: { accountName: 'Theirco' } });
  });

  it('is the first panel of the CSM’s home: the top items and the length of the queue', async () => {
    const { csm } = await book();
    const { getHome } = await import('#app/dashboards/home.server');
    const home = await getHome({ user: csm, now });
    expect(home.work).toMatchObject({ total: 5, snoozedCount: 0 });
    expect(home.work!.items.map((i) => i.kind)).toEqual(['journey', 'confirmation', 'survey-held', 'recovery', 'survey-contact']);
  });

  it('from the in-memory index, sees a survey a worker stopped in a batch write at once, as the database does', async () => {
    const { csm, smallDeal } = await book();
    await surveysNeedingCsIndex.warm();
    expect(surveysNeedingCsIndex.ready).toBe(true);
    const before = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now });
    // The 9-month survey bounces in a delivery batch: claimMany + completeMany, one bulkWrite each.
    const docs = await Survey.find({ dealId: smallDeal.id, wave: 9 }).lean();
    const held = await claimMany({ model: Survey, docs, now, owner: 'worker-a', leaseMs: 60_000 });
    expect((await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now })).total).toBe(before.total);
    await completeMany({ model: Survey, items: held.map((lease) => ({ lease, update: { $set: { state: 'bounced', attentionReason: 'bounced', attentionAt: ago(1) } } })), now });
    const after = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now });
    expect(after.total).toBe(before.total + 1);
    expect(after.items.map((i) => i.what)).toContain('9-month survey: The contact’s address bounced');
    process.env.READ_INDEX = 'off';
    resetEnvCache();
    try {
      expect(await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now })).toEqual(after);
    } finally {
      delete process.env.READ_INDEX;
      resetEnvCache();
    }
  });

  it('with every index in memory, answers as the database does, shows a write at once and moves with the clock', async () => {
    const { csm, recovery } = await book();
    const { warmReadIndexes } = await import('#app/platform/read-index.server');
    await warmReadIndexes();
    const read = async (at: Date, env: 'memory' | 'off' = 'memory') => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      try {
        return { queue: await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now: at }), summary: await summariseQueues({ now: at }) };
      } finally {
        delete process.env.READ_INDEX;
        resetEnvCache();
      }
    };
    const first = await read(now);
    expect(first.queue.total).toBe(5);
    expect(first).toEqual(await read(now, 'off'));
    // The case is delivered: it leaves the queue on the next view, not a minute later.
    await RecoveryCase.updateOne({ _id: recovery._id }, { $set: { status: 'delivered' } });
    const delivered = await read(now);
    expect(delivered.queue.total).toBe(4);
    expect(delivered.queue.items.map((i) => i.kind)).not.toContain('recovery');
    expect(delivered).toEqual(await read(now, 'off'));
    // Two days on, nothing written: the items are two days older.
    const later = await read(new Date(now.getTime() + 2 * DAY));
    expect(later.queue.items[0].daysOverdue).toBe(delivered.queue.items[0].daysOverdue + 2);
    expect(later).toEqual(await read(new Date(now.getTime() + 2 * DAY), 'off'));
  });

  it('pages the queue', async () => {
    const { csm } = await book();
    const first = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now, perPage: 3 });
    const second = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 2 }, now, perPage: 3 });
    expect([first.pages, first.items.length, second.items.length]).toEqual([2, 3, 2]);
    expect(second.items.map((i) => i.kind)).toEqual(['recovery', 'survey-contact']);
  });
});
