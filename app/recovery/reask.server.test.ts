import mongoose, { Types } from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { Advocate } from '#models/advocate';
import { AskBudgetSlot } from '#models/ask-budget-slot';
import { AuditEvent } from '#models/audit-event';
import { Contact } from '#models/contact';
import { EmailMessage } from '#models/email-message';
import { PromiseReask, PromiseReaskAnswer, PromiseReaskToken } from '#models/promise-reask';
import { RecoveryCase } from '#models/recovery-case';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { onRecorded } from '#app/platform/events.server';
import { applyPendingReaskAnswers, getReaskPage, latestPromiseVerdicts, submitReaskAnswer } from '#app/recovery/reask-answer.server';
import { expireDueReasks, resendStoppedReask, scheduleDueReasks, sendDueReaskReminders, sendDueReasks } from '#app/recovery/reask.server';
import { RecoverySettingsSchema, saveRecoverySettings } from '#app/recovery/settings.server';
import { listWorkQueue } from '#app/work/work.server';
import { hashLinkToken } from '#app/utils/link-token.server';
import { runCycle, TASKS } from '#app/worker/worker.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { seedReaskDemo } from '#scripts/seed/reask';

const DAY = 24 * 3600_000;
const NOW = new Date('2026-11-20T09:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

const closedEvents: Array<{ caseId: string; status: string }> = [];
onRecorded('recovery.closed', 'reask-test', async (facts) => {
  closedEvents.push({ caseId: String(facts.caseId), status: facts.status });
});

beforeEach(async () => {
  closedEvents.length = 0;
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

/** A deal whose buyer said "Not yet" to its first promise in the 6-month survey (sent 40 days ago), and the case CS opened, plan agreed and due `dueInDays`. */
async function brokenPromise({
  dueInDays = -1,
  status = 'plan_agreed' as 'plan_agreed' | 'escalated' | 'open',
  promiseKey,
}: { dueInDays?: number; status?: 'plan_agreed' | 'escalated' | 'open'; promiseKey?: string } = {}) {
  const csm = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: csm.id });
  const contact = await makeContact(account.id, { name: 'Maria Lopez' });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: at(-220) });
  const survey = await Survey.create({
    dealId: deal.id,
    wave: 6,
    dueAt: at(-40),
    state: 'answered',
    sentAt: at(-40),
    contactId: contact.id,
    accountId: account.id,
    aeId: rep.id,
    segment: 'mid-market',
    closedWonAt: at(-220),
  });
  await SurveyResponse.create({
    _id: survey._id,
    dealId: deal.id,
    accountId: account.id,
    aeId: rep.id,
    contactId: contact.id,
    wave: 6,
    segment: 'mid-market',
    closedWonAt: at(-220),
    answeredAt: at(-38),
    overall: 'partly',
    nps: 6,
    promises: deal.promiseIds.map((id, i) => ({ promiseId: id, text: `Promise ${i + 1}`, category: 'time-savings', verdict: i === 0 ? 'not_yet' : 'delivered' })),
  });
  const kase = await RecoveryCase.create({
    dealId: deal.id,
    accountId: account.id,
    surveyId: survey._id,
    wave: 6,
    promiseKey: promiseKey ?? deal.promiseIds[0],
    trigger: 'promise_not_yet',
    promiseText: 'Cut onboarding time in half',
    category: 'time-savings',
    buyerWords: 'Still two weeks.',
    contactId: contact.id,
    aeId: rep.id,
    csmId: csm.id,
    segment: 'mid-market',
    closedWonAt: at(-220),
    arr: 50_000,
    status,
    openedAt: at(-38),
    slaDueAt: at(-31),
    plan: { text: 'Run the onboarding playbook with each regional team', dueBy: at(dueInDays), agreedAt: at(-35), agreedById: csm.id },
  });
  return { csm, rep, account, contact, deal, survey, kase };
}

const reaskEmails = () => EmailMessage.find({ template: 'promise-reask' }).lean();
const tokenOf = (text: string) => /\/r\/([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? '';
const form = (fields: Record<string, string>) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
};

/** Schedules and sends what is due at `now`; the token of the invitation. */
async function sendNow(now = NOW) {
  await scheduleDueReasks({ now });
  await sendDueReasks({ now, owner: 'worker-a' });
  const [email] = await reaskEmails();
  return { email, token: email ? tokenOf(email.text) : '' };
}

describe('which re-asks are due', () => {
  test('only a promise case whose agreed plan date has passed, once per case and plan', async () => {
    const due = await brokenPromise({ dueInDays: -1 });
    const escalated = await brokenPromise({ dueInDays: -2, status: 'escalated' });
    await brokenPromise({ dueInDays: 3 });
    await brokenPromise({ dueInDays: -1, status: 'open' });
    await brokenPromise({ dueInDays: -1, promiseKey: 'overall' });
    const first = await scheduleDueReasks({ now: NOW });
    const again = await scheduleDueReasks({ now: NOW });
    expect(first.scheduled).toBe(2);
    expect(again.scheduled).toBe(0);
    const reasks = await PromiseReask.find().lean();
    expect(reasks.map((r) => String(r.caseId)).sort()).toEqual([String(due.kase._id), String(escalated.kase._id)].sort());
    expect(reasks.every((r) => r.state === 'scheduled')).toBe(true);
  });

  test('a new plan agreed after "Not yet" gets its own re-ask when its date passes; the old one is cancelled if not sent', async () => {
    const { kase, csm } = await brokenPromise({ dueInDays: -1 });
    await scheduleDueReasks({ now: NOW });
    await RecoveryCase.updateOne({ _id: kase._id }, { $set: { plan: { text: 'Second try', dueBy: at(-0.5), agreedAt: at(-0.9), agreedById: csm.id } } });
    await scheduleDueReasks({ now: NOW });
    await sendDueReasks({ now: NOW, owner: 'w' });
    const reasks = await PromiseReask.find().sort({ planAgreedAt: 1 }).lean();
    expect(reasks.map((r) => [r.state, r.stopReason ?? null])).toEqual([
      ['cancelled', 'plan-replaced'],
      ['sent', null],
    ]);
    expect(await reaskEmails()).toHaveLength(1);
  });
});

describe('sending a re-ask', () => {
  test('the buyer gets one email naming the promise and the plan, with a link stored only as its hash', async () => {
    const { contact } = await brokenPromise();
    const { email, token } = await sendNow();
    expect(email.to).toBe(contact.email);
    expect(email.idempotencyKey).toMatch(/^reask:[0-9a-f]{24}:invitation$/);
    expect(email.text).toContain('You told us this promise was not delivered: “Cut onboarding time in half”');
    expect(email.text).toContain('Run the onboarding playbook with each regional team');
    expect(email.headers?.['List-Unsubscribe']).toMatch(/\/u\//);
    expect(token).toHaveLength(43);
    const stored = await PromiseReaskToken.find().lean();
    expect(stored.map((t) => t._id)).toEqual([hashLinkToken(token)]);
    expect(JSON.stringify(await PromiseReask.find().lean())).not.toContain(token);
    const [reask] = await PromiseReask.find().lean();
    expect(reask.state).toBe('sent');
    expect(reask.expiresAt).toEqual(at(14));
    expect(reask.remindAt).toEqual(at(5));
  });

  test("the worker's cycle schedules and sends a due re-ask in one go, and a second worker's cycle adds nothing", async () => {
    await brokenPromise();
    const tasks = TASKS.filter((t) => t.name.startsWith('reask-'));
    expect(tasks.map((t) => t.name)).toEqual(['reask-schedule', 'reask-answers', 'reask-expiry', 'reask-invitations', 'reask-reminders']);
    const [a, b] = await Promise.all([runCycle({ now: NOW, owner: 'worker-a', tasks }), runCycle({ now: NOW, owner: 'worker-b', tasks })]);
    expect(a.ok && b.ok).toBe(true);
    expect(await reaskEmails()).toHaveLength(1);
    expect(await PromiseReask.countDocuments({ state: 'sent' })).toBe(1);
  });

  test('two workers racing over 12 due re-asks send each exactly once', async () => {
    for (let i = 0; i < 12; i++) await brokenPromise();
    await Promise.all([scheduleDueReasks({ now: NOW }), scheduleDueReasks({ now: NOW })]);
    expect(await PromiseReask.countDocuments()).toBe(12);
    await Promise.all([sendDueReasks({ now: NOW, owner: 'worker-a' }), sendDueReasks({ now: NOW, owner: 'worker-b' })]);
    await Promise.all([sendDueReasks({ now: NOW, owner: 'worker-a' }), sendDueReasks({ now: NOW, owner: 'worker-b' })]);
    const emails = await reaskEmails();
    expect(emails).toHaveLength(12);
    expect(new Set(emails.map((e) => e.to)).size).toBe(12);
    expect(await PromiseReask.countDocuments({ state: 'sent' })).toBe(12);
    expect(await PromiseReaskToken.countDocuments()).toBe(12);
  });

  test('the ask budget: a contact asked by marketing this quarter is not re-asked until the budget clears; the survey it follows up does not count', async () => {
    const { contact, account } = await brokenPromise();
    // A reference ask 20 days ago used the contact's one ask per 90 days.
    await AskBudgetSlot.create({ _id: `contact:${contact.id}:1`, scope: 'contact', ownerId: contact.id, n: 1, at: at(-20), askId: new Types.ObjectId(), type: 'reference' });
    await AskBudgetSlot.create({ _id: `account:${account.id}:1`, scope: 'account', ownerId: account.id, n: 1, at: at(-20), askId: new Types.ObjectId(), type: 'reference' });
    await sendNow();
    expect(await reaskEmails()).toHaveLength(0);
    const [deferred] = await PromiseReask.find().lean();
    expect(deferred.state).toBe('scheduled');
    expect(deferred.dueAt).toEqual(at(70));
    // When the budget is free again, it goes out and takes the slot.
    await sendDueReasks({ now: at(70), owner: 'w' });
    expect(await reaskEmails()).toHaveLength(1);
    expect(await AskBudgetSlot.countDocuments({ scope: 'contact', ownerId: contact.id, type: 'reask' })).toBe(1);
  });

  test('the survey whose answer opened the case does not hold the re-ask back, but a later survey email does', async () => {
    const { survey } = await brokenPromise();
    await Survey.updateOne({ _id: survey._id }, { $set: { sentAt: at(-10) } });
    await sendNow();
    expect(await reaskEmails()).toHaveLength(1);
  });

  test('never to an unsubscribed, bounced or complained contact, and the primary contact when the case names none', async () => {
    const a = await brokenPromise();
    const b = await brokenPromise();
    const c = await brokenPromise();
    await Contact.updateOne({ _id: a.contact.id }, { $set: { emailStatus: 'unsubscribed' } });
    await Contact.updateOne({ _id: b.contact.id }, { $set: { emailStatus: 'bounced' } });
    await RecoveryCase.updateOne({ _id: c.kase._id }, { $unset: { contactId: 1 } });
    await sendNow();
    const emails = await reaskEmails();
    expect(emails.map((e) => e.to)).toEqual([c.contact.email]);
    const stopped = await PromiseReask.find({ state: 'stopped' }).lean();
    expect(stopped.map((r) => r.stopReason).sort()).toEqual(['bounced', 'unsubscribed']);
    // Stopped ones took no budget.
    expect(await AskBudgetSlot.countDocuments({ type: 'reask' })).toBe(2);
  });

  test('a re-ask nobody can receive lands in the CSM’s queue; after the contact is fixed, “send again” sends it once', async () => {
    const { kase, contact, csm, account } = await brokenPromise();
    await Contact.updateOne({ _id: contact.id }, { $set: { emailStatus: 'bounced' } });
    await sendNow();
    expect(await reaskEmails()).toHaveLength(0);

    const queue = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now: at(1) });
    const item = queue.items.find((i) => i.itemId === String(kase._id));
    expect(item).toMatchObject({ what: expect.stringContaining('Re-ask not sent (the contact’s address bounced)'), action: { label: 'Fix the contact, send the re-ask again' } });

    const user = { id: csm.id, role: 'cs' as const, name: 'CSM', email: 'csm@example.com' };
    const refused = await resendStoppedReask({ user, caseId: String(kase._id), now: at(1) });
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('Still nobody can receive it') });

    // CS adds a working contact and makes them the account's primary.
    await Contact.updateOne({ _id: contact.id }, { $set: { isPrimary: false } });
    const fixed = await makeContact(account.id, { name: 'Jon Berg' });
    const resent = await resendStoppedReask({ user, caseId: String(kase._id), now: at(1) });
    expect(resent).toMatchObject({ ok: true, message: expect.stringContaining(fixed.email) });
    expect(await resendStoppedReask({ user, caseId: String(kase._id), now: at(1) })).toMatchObject({ ok: false });

    await sendDueReasks({ now: at(1), owner: 'worker-b' });
    await sendDueReasks({ now: at(1), owner: 'worker-a' });
    expect((await reaskEmails()).map((e) => e.to)).toEqual([fixed.email]);
    const after = await listWorkQueue({ csmId: csm.id, query: { view: 'open', page: 1 }, now: at(1) });
    expect(after.items.find((i) => i.itemId === String(kase._id))?.what ?? '').not.toContain('Re-ask not sent');
    expect(await AuditEvent.countDocuments({ entityId: String(kase._id), action: 'recovery.reask_resent' })).toBe(1);
  });

  test('a case closed before the re-ask went out is not re-asked', async () => {
    const { kase } = await brokenPromise();
    await scheduleDueReasks({ now: NOW });
    await RecoveryCase.updateOne({ _id: kase._id }, { $set: { status: 'wont_deliver', closedAt: NOW } });
    await sendDueReasks({ now: NOW, owner: 'w' });
    expect(await reaskEmails()).toHaveLength(0);
    expect((await PromiseReask.findOne().lean())?.state).toBe('cancelled');
  });

  test('one reminder after 5 days with a new working link, none after an answer, and the link expires after 14 days', async () => {
    await brokenPromise();
    const answered = await brokenPromise();
    await sendNow();
    const tokens = Object.fromEntries((await reaskEmails()).map((e) => [e.to, tokenOf(e.text)]));
    expect((await submitReaskAnswer({ token: tokens[answered.contact.email], formData: form({ verdict: 'partly' }), now: at(1) })).status).toBe('answered');
    await sendDueReaskReminders({ now: at(5), owner: 'w' });
    await sendDueReaskReminders({ now: at(6), owner: 'w' });
    const reminders = await EmailMessage.find({ idempotencyKey: /:reminder$/ }).lean();
    expect(reminders).toHaveLength(1);
    expect(reminders[0].to).not.toBe(answered.contact.email);
    const reminderToken = tokenOf(reminders[0].text);
    expect(reminderToken).not.toBe(tokens[reminders[0].to]);
    expect((await getReaskPage({ token: reminderToken, now: at(6) })).state).toBe('open');
    expect((await getReaskPage({ token: tokens[reminders[0].to], now: at(6) })).state).toBe('open');
    // Expired: the page says so, the answer is refused, the worker marks it.
    expect((await getReaskPage({ token: reminderToken, now: at(14) })).state).toBe('expired');
    expect((await submitReaskAnswer({ token: reminderToken, formData: form({ verdict: 'delivered' }), now: at(14) })).status).toBe('expired');
    const expiry = await expireDueReasks({ now: at(14), owner: 'w' });
    expect(expiry.expired).toBe(1);
    expect((await PromiseReask.find().lean()).map((r) => r.state).sort()).toEqual(['answered', 'expired']);
    expect(await PromiseReaskAnswer.countDocuments()).toBe(1);
  });

  test('the admin’s reminder and expiry days apply to re-asks sent after the change', async () => {
    const admin = { id: new Types.ObjectId().toHexString(), role: 'admin' as const, name: 'Admin', email: 'admin@example.com' };
    const bad = RecoverySettingsSchema.safeParse({ npsThreshold: '6', slaBusinessDays: '5', reaskReminderDays: '9', reaskExpiryDays: '7' });
    expect(bad.error?.issues).toMatchObject([{ path: ['reaskReminderDays'], message: 'The reminder must go out before the link expires.' }]);
    const input = RecoverySettingsSchema.parse({ npsThreshold: '6', slaBusinessDays: '5', reaskReminderDays: '2', reaskExpiryDays: '7' });
    await saveRecoverySettings({ user: admin, input, now: NOW });
    await brokenPromise();
    await sendNow();
    expect(await PromiseReask.findOne().lean()).toMatchObject({ remindAt: at(2), expiresAt: at(7) });
    await sendDueReaskReminders({ now: at(2), owner: 'w' });
    expect(await EmailMessage.countDocuments({ idempotencyKey: /:reminder$/ })).toBe(1);
  });
});

describe('the answer', () => {
  test('"Delivered" closes the case as recovered, once, audited, and becomes the promise\'s latest verdict', async () => {
    const { kase, deal, csm } = await brokenPromise();
    const { token } = await sendNow();
    expect(await getReaskPage({ token, now: at(1) })).toMatchObject({ state: 'open', promise: 'Cut onboarding time in half', contactName: 'Maria Lopez' });
    const result = await submitReaskAnswer({ token, formData: form({ verdict: 'delivered', comment: 'Down to 3 days.' }), now: at(1) });
    expect(result.status).toBe('answered');
    const closed = await RecoveryCase.findById(kase._id).lean();
    expect(closed).toMatchObject({ status: 'delivered', recoveredAt: at(1), closedAt: at(1), rev: 1 });
    expect(closedEvents).toEqual([{ caseId: String(kase._id), status: 'delivered' }]);
    expect(await AuditEvent.countDocuments({ action: 'recovery.recovered', entityId: String(kase._id) })).toBe(1);
    const alert = await EmailMessage.findOne({ template: 'reask-answer-alert' }).lean();
    expect(alert?.to).toBe(csm.email);
    // Applying it again (the worker's safety net) changes nothing.
    await PromiseReaskAnswer.updateMany({}, { $set: { appliedAt: null } });
    await applyPendingReaskAnswers({ now: at(2) });
    expect((await RecoveryCase.findById(kase._id).lean())?.rev).toBe(1);
    expect(closedEvents).toHaveLength(1);
    expect(await EmailMessage.countDocuments({ template: 'reask-answer-alert' })).toBe(1);
    // The latest verdict of the promise is the re-ask's; the survey answer is untouched.
    const verdicts = (await latestPromiseVerdicts({ dealIds: [deal.id] })).get(deal.id)!;
    expect(verdicts[deal.promiseIds[0]]).toMatchObject({ verdict: 'delivered', source: 'reask', original: { verdict: 'not_yet' } });
    expect(verdicts[deal.promiseIds[1]]).toMatchObject({ verdict: 'delivered', source: 'survey', original: null });
    const response = await SurveyResponse.findOne().lean();
    expect(response?.promises[0].verdict).toBe('not_yet');
    // Advocacy counts the recovered promise as kept (its reaction to recovery.closed).
    expect(await Advocate.findOne({ dealId: deal.id }).select('promisesKept promisesTotal').lean()).toMatchObject({ promisesKept: 2, promisesTotal: 2 });
    // The link is used: the page thanks, a second submit is told "already".
    expect((await getReaskPage({ token, now: at(2) })).state).toBe('answered');
    expect((await submitReaskAnswer({ token, formData: form({ verdict: 'not_yet' }), now: at(2) })).status).toBe('already');
  });

  test('"Not yet" keeps the case open and tells the CSM once', async () => {
    const { kase, deal } = await brokenPromise();
    const { token } = await sendNow();
    expect((await submitReaskAnswer({ token, formData: form({ verdict: 'not_yet', comment: 'Nothing changed' }), now: at(1) })).status).toBe('answered');
    expect((await RecoveryCase.findById(kase._id).lean())?.status).toBe('plan_agreed');
    const alerts = await EmailMessage.find({ template: 'reask-answer-alert' }).lean();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toContain('Nothing changed');
    expect(alerts[0].text).toContain('agree a new plan');
    expect((await latestPromiseVerdicts({ dealIds: [deal.id] })).get(deal.id)![deal.promiseIds[0]]).toMatchObject({ verdict: 'not_yet', source: 'reask' });
  });

  test('two concurrent submissions of one link: one is stored, the other is told it is already answered', async () => {
    const { kase } = await brokenPromise();
    const { token } = await sendNow();
    const results = await Promise.all([
      submitReaskAnswer({ token, formData: form({ verdict: 'delivered' }), now: at(1) }),
      submitReaskAnswer({ token, formData: form({ verdict: 'not_yet' }), now: at(1) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['already', 'answered']);
    expect(await PromiseReaskAnswer.countDocuments()).toBe(1);
    const stored = await PromiseReaskAnswer.findOne().lean();
    const winner = results.find((r) => r.status === 'answered') as { verdict: string };
    expect(stored?.verdict).toBe(winner.verdict);
    expect((await RecoveryCase.findById(kase._id).lean())?.status).toBe(winner.verdict === 'delivered' ? 'delivered' : 'plan_agreed');
  });

  test('an invalid answer keeps the link and says what is missing; unknown and malformed links are closed', async () => {
    await brokenPromise();
    const { token } = await sendNow();
    const invalid = await submitReaskAnswer({ token, formData: form({ verdict: 'maybe', comment: 'typed text' }), now: at(1) });
    expect(invalid).toMatchObject({ status: 'invalid', errors: { verdict: ['Choose delivered, partly or not yet.'] }, values: { comment: 'typed text' } });
    expect((await getReaskPage({ token, now: at(1) })).state).toBe('open');
    expect((await getReaskPage({ token: 'x'.repeat(43), now: at(1) })).state).toBe('closed');
    expect((await getReaskPage({ token: 'short', now: at(1) })).state).toBe('closed');
  });
});

describe('demo data', () => {
  test('the seed makes a sent re-ask whose link works, one answered "Delivered" with its case closed, one expired; a re-run adds nothing', async () => {
    for (let i = 0; i < 3; i++) await brokenPromise();
    await RecoveryCase.deleteMany({});
    expect((await seedReaskDemo({ now: NOW, log: () => undefined })).reasks).toBe(3);
    expect((await seedReaskDemo({ now: NOW, log: () => undefined })).reasks).toBe(0);
    const reasks = await PromiseReask.find().lean();
    expect(reasks.map((r) => r.state).sort()).toEqual(['answered', 'expired', 'sent']);
    const answered = reasks.find((r) => r.state === 'answered')!;
    expect((await RecoveryCase.findById(answered.caseId).lean())?.status).toBe('delivered');
    const sent = reasks.find((r) => r.state === 'sent')!;
    expect((await latestPromiseVerdicts({ dealIds: [String(answered.dealId)] })).get(String(answered.dealId))![answered.promiseId].source).toBe('reask');
    expect(await PromiseReaskToken.countDocuments({ reaskId: sent._id })).toBe(1);
    // The expired one is recorded as such already: the worker finds nothing left to expire.
    expect((await expireDueReasks({ now: NOW, owner: 'w' })).expired).toBe(0);
  });
});
