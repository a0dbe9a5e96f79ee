import mongoose from 'mongoose';
import { SurveyToken } from '#models/survey-token';
import { hashLinkToken, newLinkToken } from '#app/utils/link-token.server';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { readMetrics } from '#app/platform/metrics.server';
import { expireDueSurveys, sendDueInvitations, sendDueReminders } from '#app/surveys/survey-delivery.server';
import {
  applyPendingResponses,
  finishSurveys,
  getSurveyDetail,
  getSurveyPage,
  holdSurveys,
  listDealSurveys,
  rebuildSurveyMetrics,
  runSurveyAction,
  SurveyActionSchema,
  scheduleMissingSurveys,
  scheduleSurveysForDeal,
  submitSurveyAnswer,
  SURVEY_METRICS,
  updateSurvey,
} from '#app/surveys/surveys.server';
import { advanceJourney, startJourneyForDeal } from '#app/journeys/journey.server';
import { contactChildren } from '#app/journeys/children.server';
import { unsubscribeByToken } from '#app/email/unsubscribe.server';
import { stopSurveysForContacts } from '#app/surveys/survey-delivery.server';
import { AuditEvent } from '#models/audit-event';
import { Contact } from '#models/contact';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

const DAY = 86_400_000;
const CLOSED = new Date('2026-01-15T00:00:00.000Z');
const INTAKE = new Date('2026-01-20T09:00:00.000Z');
const SIX = new Date('2026-07-15T00:00:00.000Z');
const after = (base: Date, ms: number) => new Date(base.getTime() + ms);
const task = (now: Date, owner = 'worker-test') => ({ now, owner });

beforeEach(async () => {
  // Demo mode: emails are captured in the outbox, which is where these tests read them.
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

async function dealWithSurveys(options: { closedWonAt?: Date; now?: Date; promises?: number; segment?: 'smb' | 'mid-market' | 'enterprise' } = {}) {
  const rep = await makeUser({ role: 'sales' });
  const csm = await makeUser({ role: 'cs' });
  const account = await makeAccount({ csmId: csm.id, segment: options.segment ?? 'mid-market' });
  const contact = await makeContact(account.id, { name: 'Maria Lopez' });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: options.closedWonAt ?? CLOSED, promises: options.promises ?? 2 });
  await scheduleSurveysForDeal({ dealId: deal.id, now: options.now ?? INTAKE });
  const surveys = await Survey.find({ dealId: deal.id }).sort({ wave: 1 }).lean();
  return { rep, csm, account, contact, deal, surveys };
}

/** The token of the survey link in the newest email with `key`. */
async function linkIn(key: string) {
  const message = await EmailMessage.findOne({ idempotencyKey: key }).lean();
  const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(message?.text ?? '')?.[1];
  if (!token) throw new Error(`no survey link in ${key}`);
  return token;
}

function answerForm(promiseIds: string[], overrides: Record<string, string> = {}) {
  const form = new FormData();
  for (const id of promiseIds) form.set(`promise.${id}.verdict`, 'delivered');
  form.set('overall', 'yes');
  form.set('nps', '9');
  for (const [k, v] of Object.entries(overrides)) form.set(k, v);
  return form;
}

describe('scheduling at intake', () => {
  test('three surveys per deal at 6, 9 and 12 months; a second call (or a racing one) creates nothing', async () => {
    const { deal, surveys, contact } = await dealWithSurveys();
    expect(surveys.map((s) => [s.wave, s.state, s.dueAt.toISOString()])).toEqual([
      [6, 'scheduled', '2026-07-15T00:00:00.000Z'],
      [9, 'scheduled', '2026-10-15T00:00:00.000Z'],
      [12, 'scheduled', '2027-01-15T00:00:00.000Z'],
    ]);
    expect(surveys[0]).toMatchObject({ contactEmail: contact.email, segment: 'mid-market', recipientChosen: false });
    const again = await Promise.all([scheduleSurveysForDeal({ dealId: deal.id, now: INTAKE }), scheduleSurveysForDeal({ dealId: deal.id, now: INTAKE })]);
    expect(again.map((r) => r.created)).toEqual([0, 0]);
    expect(await Survey.countDocuments({ dealId: deal.id })).toBe(3);
  });

  test('a deal imported with an old close date gets only the waves ahead; passed ones are skipped and never sent', async () => {
    const { surveys } = await dealWithSurveys({ closedWonAt: new Date('2025-08-31T00:00:00Z'), now: new Date('2026-04-01T00:00:00Z') });
    // 31 August + 6 months is clamped to 28 February.
    expect(surveys.map((s) => [s.wave, s.state, s.dueAt.toISOString().slice(0, 10)])).toEqual([
      [6, 'skipped', '2026-02-28'],
      [9, 'scheduled', '2026-05-31'],
      [12, 'scheduled', '2026-08-31'],
    ]);
    await sendDueInvitations(task(new Date('2026-04-02T00:00:00Z')));
    expect(await EmailMessage.countDocuments({})).toBe(0);
  });

  test('the worker schedules surveys of deals that arrived without them', async () => {
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount();
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: CLOSED });
    expect(await scheduleMissingSurveys({ since: new Date(Date.now() - DAY), now: INTAKE })).toEqual({ scheduled: 1 });
    expect(await Survey.countDocuments({ dealId: deal.id })).toBe(3);
    expect(await scheduleMissingSurveys({ since: new Date(Date.now() - DAY), now: INTAKE })).toEqual({ scheduled: 0 });
  });
});

describe('writing a survey (several writers: the worker, CS, webhooks)', () => {
  test('concurrent writers never lose each other’s change', async () => {
    const { surveys } = await dealWithSurveys();
    const id = surveys[0]._id;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => updateSurvey({ id, now: INTAKE, accept: () => true, change: () => ({ $inc: { cycle: 1 } }), waitMs: 20_000 })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await Survey.findById(id).lean())!.cycle).toBe(12);
  });

  test('a held survey waits for its holder; a holder that died is stepped over after its hold', async () => {
    const { surveys } = await dealWithSurveys();
    const id = surveys[0]._id;
    const read = async () => (await Survey.findById(id).lean())!;
    const hold = async (owner: string) => holdSurveys({ candidates: [await read()], owner, now: INTAKE, holdMs: 60_000, accept: () => true });
    const [held] = await hold('worker-a');
    expect(held).toBeDefined();
    const cancel = { accept: () => true, change: () => ({ $set: { state: 'cancelled' } }), waitMs: 0 };
    expect(await updateSurvey({ id, now: INTAKE, ...cancel })).toEqual({ ok: false, reason: 'busy' });
    expect(await hold('worker-b')).toEqual([]);
    expect(await finishSurveys([{ held, update: { $set: { state: 'sent' } } }], { now: INTAKE })).toEqual([true]);
    expect(await updateSurvey({ id, now: INTAKE, ...cancel })).toMatchObject({ ok: true });

    // A holder that never finishes: once its hold has passed, others write, and it can no longer.
    const [dead] = await hold('worker-dead');
    expect(await updateSurvey({ id, now: after(INTAKE, 61_000), ...cancel, change: () => ({ $set: { state: 'scheduled' } }) })).toMatchObject({ ok: true });
    expect(await finishSurveys([{ held: dead, update: { $set: { state: 'sent' } } }], { now: after(INTAKE, 62_000) })).toEqual([false]);
    expect((await read()).state).toBe('scheduled');
  });
});

describe('delivery with a pinned clock', () => {
  test('not yet due: nothing; due: the invitation with key survey:<id>:invitation, a link and one-click unsubscribe', async () => {
    const { surveys, contact } = await dealWithSurveys();
    const six = surveys[0];
    expect(await sendDueInvitations(task(after(SIX, -1)))).toMatchObject({ claimed: 0 });

    expect(await sendDueInvitations(task(SIX))).toMatchObject({ claimed: 1, sent: 1 });
    const message = await EmailMessage.findOne({ idempotencyKey: `survey:${six._id}:invitation` }).lean();
    expect(message).toMatchObject({ to: contact.email, template: 'survey-invitation', state: 'captured' });
    expect(message!.batchKey).toMatch(/^survey-invitations:/);
    expect(message!.text).toContain('Promise 1: cut onboarding time in half');
    expect(message!.text).toMatch(/Answer the survey http:\/\/localhost:3000\/s\/[A-Za-z0-9_-]{43}/);
    expect(message!.headers).toEqual({
      'List-Unsubscribe': expect.stringMatching(/^<http:\/\/localhost:3000\/u\/[A-Za-z0-9_-]{43}>$/),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(message!.text).toMatch(/Unsubscribe http:\/\/localhost:3000\/u\//);
    const sent = await Survey.findById(six._id).lean();
    expect(sent).toMatchObject({ state: 'sent' });
    expect(sent!.remindAt!.toISOString()).toBe(after(SIX, 7 * DAY).toISOString());
    expect(sent!.expiresAt!.toISOString()).toBe(after(SIX, 30 * DAY).toISOString());

    // Later cycles send nothing again; the other waves are not due.
    expect(await sendDueInvitations(task(after(SIX, DAY)))).toMatchObject({ claimed: 0 });
    expect(await EmailMessage.countDocuments({})).toBe(1);
  });

  test('one reminder after 7 days without an answer, then expiry after 30 days', async () => {
    const { surveys } = await dealWithSurveys();
    const id = surveys[0]._id;
    await sendDueInvitations(task(SIX));
    expect(await sendDueReminders(task(after(SIX, 7 * DAY - 1)))).toMatchObject({ claimed: 0 });
    expect(await sendDueReminders(task(after(SIX, 7 * DAY)))).toMatchObject({ sent: 1 });
    expect(await EmailMessage.findOne({ idempotencyKey: `survey:${id}:reminder` }).lean()).toMatchObject({ subject: expect.stringMatching(/^Reminder: /) });
    expect(await sendDueReminders(task(after(SIX, 8 * DAY)))).toMatchObject({ claimed: 0 });
    expect((await Survey.findById(id).lean())!.state).toBe('reminded');

    // Both links work until the expiry, none after it.
    const invitationLink = await linkIn(`survey:${id}:invitation`);
    const reminderLink = await linkIn(`survey:${id}:reminder`);
    expect(await getSurveyPage({ token: invitationLink, now: after(SIX, 30 * DAY - 1) })).toMatchObject({ state: 'open' });
    expect(await getSurveyPage({ token: reminderLink, now: after(SIX, 30 * DAY - 1) })).toMatchObject({ state: 'open' });
    // A link stored before links kept their deal and account shows the same page (both read after the survey).
    const withDeal = await getSurveyPage({ token: invitationLink, now: after(SIX, DAY) });
    expect(withDeal.state === 'open' && withDeal.promises.length && withDeal.accountName).toBeTruthy();
    const { dealId, accountId, ...bare } = (await SurveyToken.findById(hashLinkToken(invitationLink)).lean())!;
    expect([dealId, accountId].every(Boolean)).toBe(true);
    const older = newLinkToken();
    await SurveyToken.create({ ...bare, _id: older.hash });
    expect(await getSurveyPage({ token: older.token, now: after(SIX, DAY) })).toEqual(withDeal);
    expect(await expireDueSurveys(task(after(SIX, 30 * DAY - 1)))).toMatchObject({ expired: 0 });
    expect(await expireDueSurveys(task(after(SIX, 30 * DAY)))).toMatchObject({ expired: 1 });
    expect((await Survey.findById(id).lean())!.state).toBe('expired');
    expect(await getSurveyPage({ token: reminderLink, now: after(SIX, 30 * DAY) })).toEqual({ state: 'closed' });
    expect(await EmailMessage.countDocuments({})).toBe(2);
  });

  test('reminder and expiry delays come from SURVEY_REMINDER_DAYS and SURVEY_EXPIRY_DAYS', async () => {
    process.env.SURVEY_REMINDER_DAYS = '3';
    process.env.SURVEY_EXPIRY_DAYS = '10';
    resetEnvCache();
    try {
      const { surveys } = await dealWithSurveys();
      await sendDueInvitations(task(SIX));
      const sent = await Survey.findById(surveys[0]._id).lean();
      expect(sent!.remindAt!.toISOString()).toBe(after(SIX, 3 * DAY).toISOString());
      expect(sent!.expiresAt!.toISOString()).toBe(after(SIX, 10 * DAY).toISOString());
    } finally {
      delete process.env.SURVEY_REMINDER_DAYS;
      delete process.env.SURVEY_EXPIRY_DAYS;
      resetEnvCache();
    }
  });

  test('an answered survey gets no reminder and does not expire', async () => {
    const { surveys, deal } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const token = await linkIn(`survey:${surveys[0]._id}:invitation`);
    expect(await submitSurveyAnswer({ token, formData: answerForm(deal.promiseIds), now: after(SIX, DAY) })).toEqual({ status: 'answered', locale: 'en' });
    expect(await sendDueReminders(task(after(SIX, 7 * DAY)))).toMatchObject({ sent: 0 });
    expect(await expireDueSurveys(task(after(SIX, 31 * DAY)))).toMatchObject({ expired: 0 });
    expect((await Survey.findById(surveys[0]._id).lean())!.state).toBe('answered');
  });

  test('the recipient is the account’s primary contact on the due date unless CS chose one', async () => {
    const { surveys, account, contact } = await dealWithSurveys();
    const newPrimary = await makeContact(account.id, { isPrimary: false, name: 'Ken Ito' });
    await Contact.updateOne({ _id: contact.id }, { $set: { isPrimary: false } });
    await Contact.updateOne({ _id: newPrimary.id }, { $set: { isPrimary: true } });
    await sendDueInvitations(task(SIX));
    expect(await EmailMessage.findOne({ idempotencyKey: `survey:${surveys[0]._id}:invitation` }).lean()).toMatchObject({ to: newPrimary.email });
    expect(await Survey.findById(surveys[0]._id).lean()).toMatchObject({ contactEmail: newPrimary.email });
  });

  test('with the contacts index loaded (contacts found in memory, read by _id), the recipient is the same primary contact of today', async () => {
    const { surveys, account, contact } = await dealWithSurveys();
    contactChildren.index.reset();
    await contactChildren.index.warm();
    expect(contactChildren.index.ready).toBe(true);
    // Changes after the index loaded reach it through the change feed.
    const newPrimary = await makeContact(account.id, { isPrimary: false, name: 'Ken Ito' });
    await Contact.updateOne({ _id: contact.id }, { $set: { isPrimary: false } });
    await Contact.updateOne({ _id: newPrimary.id }, { $set: { isPrimary: true } });
    expect(await sendDueInvitations(task(SIX))).toMatchObject({ sent: 1 });
    expect(await EmailMessage.findOne({ idempotencyKey: `survey:${surveys[0]._id}:invitation` }).lean()).toMatchObject({ to: newPrimary.email });
    expect(contactChildren.index.ready).toBe(true);
  });
});

describe('the survey link', () => {
  test('GET never consumes; the POST does, once; invalid answers consume nothing', async () => {
    const { surveys, deal } = await dealWithSurveys({ promises: 2 });
    await sendDueInvitations(task(SIX));
    const token = await linkIn(`survey:${surveys[0]._id}:invitation`);
    const now = after(SIX, DAY);
    for (let i = 0; i < 3; i++) {
      const page = await getSurveyPage({ token, now });
      expect(page).toMatchObject({ wave: 6, contactName: 'Maria Lopez', promises: [{ id: deal.promiseIds[0] }, { id: deal.promiseIds[1] }] });
    }
    const missing = await submitSurveyAnswer({ token, formData: answerForm([deal.promiseIds[0]], { nps: '11' }), now });
    expect(missing).toMatchObject({
      status: 'invalid',
      errors: { [`promise.${deal.promiseIds[1]}.verdict`]: ['Choose delivered, partly or not yet.'], nps: ['Choose a score from 0 to 10.'] },
    });
    expect(await SurveyResponse.countDocuments({})).toBe(0);

    const form = answerForm(deal.promiseIds, {
      [`promise.${deal.promiseIds[1]}.verdict`]: 'partly',
      [`promise.${deal.promiseIds[1]}.comment`]: 'Half the teams',
      consentReference: 'yes',
      comment: 'Good year',
    });
    expect(await submitSurveyAnswer({ token, formData: form, now })).toEqual({ status: 'answered', locale: 'en' });
    // A second submit and a later visit: the answer is already in (not "this link cannot be used").
    expect(await submitSurveyAnswer({ token, formData: form, now })).toEqual({ status: 'already' });
    expect(await getSurveyPage({ token, now })).toEqual({ state: 'answered', locale: 'en' });
    const stored = await SurveyResponse.findById(surveys[0]._id).lean();
    expect(stored).toMatchObject({ overall: 'yes', nps: 9, consentReference: true, consentCaseStudy: false, comment: 'Good year' });
    expect(stored!.promises.map((p) => [p.verdict, p.comment])).toEqual([
      ['delivered', ''],
      ['partly', 'Half the teams'],
    ]);
    expect(await Survey.findById(surveys[0]._id).lean()).toMatchObject({ state: 'answered' });
  });

  test('a submit that read the answer before it was stored and the survey after it was applied is told the answer is in', async () => {
    const { surveys, deal } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const token = await linkIn(`survey:${surveys[0]._id}:invitation`);
    const now = after(SIX, DAY);
    expect(await submitSurveyAnswer({ token, formData: answerForm(deal.promiseIds), now })).toEqual({ status: 'answered', locale: 'en' });
    // The racing submit's two reads run at once: its answer read was served before the winner's
    // insert, its survey read after the winner's apply (seen on two web servers under load).
    const stale = vi.spyOn(SurveyResponse, 'findById').mockImplementationOnce((() => ({ select: () => ({ lean: async () => null }) })) as never);
    try {
      expect(await submitSurveyAnswer({ token, formData: answerForm(deal.promiseIds), now })).toEqual({ status: 'already' });
    } finally {
      stale.mockRestore();
    }
  });

  test('two concurrent submissions of one link store exactly one response', async () => {
    const { surveys, deal } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const token = await linkIn(`survey:${surveys[0]._id}:invitation`);
    const results = await Promise.all(
      ['yes', 'no', 'partly', 'yes'].map((overall) => submitSurveyAnswer({ token, formData: answerForm(deal.promiseIds, { overall }), now: after(SIX, DAY) })),
    );
    expect(results.filter((r) => r.status === 'answered')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already')).toHaveLength(3);
    expect(await SurveyResponse.countDocuments({})).toBe(1);
    const [row] = await readMetrics(SURVEY_METRICS.answer);
    expect(row.counts.answered).toBe(1);
  });

  test('random, expired and superseded links all give the same answer: nothing to show; an answered one is answered', async () => {
    const { surveys, deal, account } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const token = await linkIn(`survey:${surveys[0]._id}:invitation`);
    expect(await getSurveyPage({ token: 'x'.repeat(43), now: SIX })).toEqual({ state: 'closed' });
    expect(await getSurveyPage({ token: 'not-a-token', now: SIX })).toEqual({ state: 'closed' });
    expect(await getSurveyPage({ token, now: after(SIX, 30 * DAY) })).toEqual({ state: 'closed' });

    // A resend to another contact starts a new cycle: the first link stops working.
    const cs = await makeUser({ role: 'cs' });
    const other = await makeContact(account.id, { isPrimary: false });
    expect(await runSurveyAction({ user: cs, surveyId: String(surveys[0]._id), action: { intent: 'resend', contactId: other.id }, now: after(SIX, DAY) })).toMatchObject({
      ok: true,
    });
    expect(await getSurveyPage({ token, now: after(SIX, DAY) })).toEqual({ state: 'closed' });
    await sendDueInvitations(task(after(SIX, DAY)));
    const resent = await EmailMessage.findOne({ idempotencyKey: `survey:${surveys[0]._id}:invitation:1` }).lean();
    expect(resent).toMatchObject({ to: other.email });
    const newToken = await linkIn(`survey:${surveys[0]._id}:invitation:1`);
    expect(await submitSurveyAnswer({ token: newToken, formData: answerForm(deal.promiseIds), now: after(SIX, 2 * DAY) })).toEqual({ status: 'answered', locale: 'en' });
    expect(await getSurveyPage({ token: newToken, now: after(SIX, 2 * DAY) })).toEqual({ state: 'answered', locale: 'en' });
    // The superseded link stays closed: the answer came from someone else's link.
    expect(await getSurveyPage({ token, now: after(SIX, 2 * DAY) })).toEqual({ state: 'closed' });
  });
});

describe('CS actions', () => {
  test('change the recipient before sending, cancel; sales and marketing cannot', async () => {
    const { surveys, account } = await dealWithSurveys();
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const other = await makeContact(account.id, { isPrimary: false, name: 'Ken Ito' });
    const id = String(surveys[1]._id);
    await expect(runSurveyAction({ user: rep, surveyId: id, action: { intent: 'cancel', confirm: 'yes' } })).rejects.toMatchObject({ status: 403 });

    expect(await runSurveyAction({ user: cs, surveyId: id, action: { intent: 'recipient', contactId: other.id } })).toMatchObject({ ok: true });
    await sendDueInvitations(task(new Date('2026-10-15T00:00:00Z')));
    expect(await EmailMessage.findOne({ idempotencyKey: `survey:${id}:invitation` }).lean()).toMatchObject({ to: other.email });
    // After sending, the recipient can no longer be changed (resend instead).
    expect(await runSurveyAction({ user: cs, surveyId: id, action: { intent: 'recipient', contactId: other.id } })).toMatchObject({ ok: false });

    const twelve = String(surveys[2]._id);
    // Cancelling needs the explicit confirmation; without it nothing changes.
    expect(SurveyActionSchema.safeParse({ intent: 'cancel' }).success).toBe(false);
    expect(SurveyActionSchema.safeParse({ intent: 'cancel', confirm: 'yes' }).success).toBe(true);
    expect(await runSurveyAction({ user: cs, surveyId: twelve, action: { intent: 'cancel', confirm: 'yes' } })).toMatchObject({ ok: true });
    // The audit trail names the signed-in user, and the survey page shows who cancelled it.
    const audit = await AuditEvent.findOne({ entityType: 'survey', entityId: twelve, action: 'survey.cancelled' }).lean();
    expect(String(audit?.actorId)).toBe(cs.id);
    expect((await getSurveyDetail({ user: cs, surveyId: twelve }))?.cancelled).toMatchObject({ byName: cs.name });
    await sendDueInvitations(task(new Date('2027-02-01T00:00:00Z')));
    expect(await EmailMessage.countDocuments({ idempotencyKey: `survey:${twelve}:invitation` })).toBe(0);
    expect(await Survey.findById(twelve).lean()).toMatchObject({ state: 'cancelled', stopReason: 'cancelled' });
  });

  test('a contact who cannot receive email cannot be chosen', async () => {
    const { surveys, account } = await dealWithSurveys();
    const cs = await makeUser({ role: 'cs' });
    const bounced = await makeContact(account.id, { isPrimary: false });
    await Contact.updateOne({ _id: bounced.id }, { $set: { emailStatus: 'bounced' } });
    expect(await runSurveyAction({ user: cs, surveyId: String(surveys[0]._id), action: { intent: 'recipient', contactId: bounced.id } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot receive surveys \(bounced\)/),
    });
  });

  test('a sales rep sees the answers about their own deals only', async () => {
    const { surveys, deal, rep } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    await submitSurveyAnswer({ token: await linkIn(`survey:${surveys[0]._id}:invitation`), formData: answerForm(deal.promiseIds), now: after(SIX, DAY) });
    const own = await listDealSurveys({ user: rep, dealId: deal.id });
    expect(own.surveys.map((s) => s.state)).toEqual(['answered', 'scheduled', 'scheduled']);
    expect(own.surveys[0].answer).toMatchObject({ overall: 'yes', nps: 9, promises: [{ verdict: 'delivered' }, { verdict: 'delivered' }] });
    expect(own.canManage).toBe(false);
    const otherRep = await makeUser({ role: 'sales' });
    expect((await listDealSurveys({ user: otherRep, dealId: deal.id })).surveys).toEqual([]);
  });
});

describe('a wave due before the customer is live (docs/surveys.md)', () => {
  /** A deal whose journey started at intake and is still in handoff. */
  async function notLiveDeal() {
    const setup = await dealWithSurveys();
    const { journeyId } = await startJourneyForDeal({ dealId: setup.deal.id, now: INTAKE });
    return { ...setup, journeyId: String(journeyId) };
  }
  const invitations = () => EmailMessage.countDocuments({ template: 'survey-invitation' });
  const heldAlerts = (to: string) => EmailMessage.find({ template: 'survey-held-alert', to }).lean();
  const invitedFunnel = async () => (await readMetrics(SURVEY_METRICS.funnel)).reduce((n, r) => n + (r.counts.invited ?? 0), 0);

  test('is held, not sent: the CSM is told once, the pages show it, and the funnel does not count it as invited', async () => {
    const { surveys, csm, deal, rep } = await notLiveDeal();
    const six = surveys[0];
    expect(await sendDueInvitations(task(SIX))).toMatchObject({ claimed: 1, sent: 0, held: 1 });
    expect(await invitations()).toBe(0);
    expect(await Survey.findById(six._id).lean()).toMatchObject({ state: 'scheduled', held: 'not-live' });

    const alerts = await heldAlerts(csm.email);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].subject).toContain('waits until the customer is live');
    expect(alerts[0].text).toContain('the journey is in Handoff');
    expect(alerts[0].text).toContain(`/surveys/${six._id}`);

    // Later cycles neither send it nor tell the CSM again.
    for (const day of [1, 2, 10]) expect(await sendDueInvitations(task(after(SIX, day * DAY)))).toMatchObject({ claimed: 0, sent: 0 });
    expect(await heldAlerts(csm.email)).toHaveLength(1);
    expect(await invitations()).toBe(0);

    const cs = { id: csm.id, role: 'cs' as const, name: 'CSM', email: csm.email };
    const listed = await listDealSurveys({ user: cs, dealId: deal.id });
    expect(listed.surveys[0]).toMatchObject({ wave: 6, state: 'scheduled', held: 'not-live', actions: { sendAnyway: true } });
    expect(listed.surveys[1]).toMatchObject({ wave: 9, held: null, actions: { sendAnyway: false } });
    const salesView = await listDealSurveys({ user: { id: rep.id, role: 'sales', name: 'Rep', email: rep.email }, dealId: deal.id });
    expect(salesView.surveys[0]).toMatchObject({ held: 'not-live', actions: null });

    expect(await invitedFunnel()).toBe(0);
    await rebuildSurveyMetrics();
    expect(await invitedFunnel()).toBe(0);
  });

  test('goes out on the first invitation run after the journey reaches live', async () => {
    const { surveys, contact, journeyId } = await notLiveDeal();
    const admin = await makeUser({ role: 'admin' });
    const adminUser = { id: admin.id, role: 'admin' as const, name: 'Admin', email: admin.email };
    await sendDueInvitations(task(SIX));
    expect(await invitations()).toBe(0);

    const live = after(SIX, 20 * DAY);
    await advanceJourney({ user: adminUser, journeyId, fromStage: 'handoff', overrideReason: 'Kickoff confirmed by phone', now: live });
    await advanceJourney({ user: adminUser, journeyId, fromStage: 'implementation', overrideReason: 'Buyer confirmed production readiness by phone', now: live });
    expect(await sendDueInvitations(task(after(live, 60_000)))).toMatchObject({ sent: 1 });
    const message = await EmailMessage.findOne({ idempotencyKey: `survey:${surveys[0]._id}:invitation` }).lean();
    expect(message).toMatchObject({ to: contact.email, template: 'survey-invitation' });
    expect(await Survey.findById(surveys[0]._id).lean()).toMatchObject({ state: 'sent', held: null });
    expect(await invitedFunnel()).toBe(1);
  });

  test('"send it anyway" by CS sends it on the next run and records who did it', async () => {
    const { surveys, csm } = await notLiveDeal();
    const cs = { id: csm.id, role: 'cs' as const, name: 'CSM', email: csm.email };
    const id = String(surveys[0]._id);
    // Not held yet (not due): nothing to send anyway.
    expect(await runSurveyAction({ user: cs, surveyId: id, action: { intent: 'send-anyway' }, now: INTAKE })).toMatchObject({ ok: false });

    await sendDueInvitations(task(SIX));
    const at = after(SIX, 2 * DAY);
    expect(await runSurveyAction({ user: cs, surveyId: id, action: { intent: 'send-anyway' }, now: at })).toMatchObject({ ok: true });
    const audit = await AuditEvent.findOne({ entityType: 'survey', entityId: id, action: 'survey.sent-anyway' }).lean();
    expect(String(audit?.actorId)).toBe(csm.id);
    expect(audit?.at.toISOString()).toBe(at.toISOString());

    expect(await sendDueInvitations(task(after(at, 60_000)))).toMatchObject({ sent: 1, held: 0 });
    expect(await invitations()).toBe(1);
    const sent = await Survey.findById(id).lean();
    expect(sent).toMatchObject({ state: 'sent', held: null });
    expect(String(sent!.sendAnywayById)).toBe(csm.id);
    // The CSM was told once, when it was held; sending it anyway is no new alert.
    expect(await heldAlerts(csm.email)).toHaveLength(1);
  });
});

describe('unsubscribe, bounce and complaint', () => {
  test('an unsubscribe stops the reminder and the next wave, and alerts the CSM', async () => {
    const { surveys, csm } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const message = await EmailMessage.findOne({ idempotencyKey: `survey:${surveys[0]._id}:invitation` }).lean();
    const unsubscribeToken = /\/u\/([A-Za-z0-9_-]{43})>/.exec(message!.headers['List-Unsubscribe'])![1];
    const result = await unsubscribeByToken({ token: unsubscribeToken });
    expect(result?.contactIds).toHaveLength(1);
    expect(await stopSurveysForContacts({ contactIds: result!.contactIds, reason: 'unsubscribed', now: after(SIX, DAY) })).toEqual({ stopped: 1, flagged: 2 });

    expect(await sendDueReminders(task(after(SIX, 7 * DAY)))).toMatchObject({ sent: 0 });
    expect(await sendDueInvitations(task(new Date('2026-10-15T00:00:00Z')))).toMatchObject({ stopped: 1, sent: 0 });
    expect(await Survey.findById(surveys[1]._id).lean()).toMatchObject({ state: 'cancelled', stopReason: 'unsubscribed', attentionReason: 'unsubscribed' });
    expect(await EmailMessage.countDocuments({ template: 'survey-invitation' })).toBe(1);
    // One alert per survey, cycle and reason, to the account's CSM.
    const alerts = await EmailMessage.find({ template: 'survey-contact-alert' }).lean();
    expect(alerts.map((a) => a.to)).toEqual([csm.email, csm.email, csm.email]);
    expect(alerts[0].text).toContain('They unsubscribed from these emails.');
  });

  test('a bounce stops a sent survey (bounced) and flags the later waves', async () => {
    const { surveys, contact } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    await stopSurveysForContacts({ contactIds: [contact.id], reason: 'bounced', now: after(SIX, 1000) });
    const after6 = await Survey.find({ dealId: surveys[0].dealId }).sort({ wave: 1 }).lean();
    expect(after6.map((s) => [s.state, s.attentionReason])).toEqual([
      ['bounced', 'bounced'],
      ['scheduled', 'bounced'],
      ['scheduled', 'bounced'],
    ]);
    expect(await getSurveyPage({ token: await linkIn(`survey:${surveys[0]._id}:invitation`), now: after(SIX, DAY) })).toEqual({ state: 'closed' });
  });
});

describe('value-delivered read model', () => {
  test('each answer bumps value and promise-kept counters by wave, cohort, rep, segment, category; rebuild gives the same', async () => {
    const a = await dealWithSurveys({ segment: 'smb', promises: 2 });
    const b = await dealWithSurveys({ segment: 'enterprise', promises: 1, closedWonAt: new Date('2026-04-02T00:00:00Z'), now: new Date('2026-04-03T00:00:00Z') });
    await sendDueInvitations(task(new Date('2026-10-03T00:00:00Z')));
    await submitSurveyAnswer({
      token: await linkIn(`survey:${a.surveys[0]._id}:invitation`),
      formData: answerForm(a.deal.promiseIds, { [`promise.${a.deal.promiseIds[1]}.verdict`]: 'not_yet', overall: 'partly', nps: '6', consentCaseStudy: 'yes' }),
      now: new Date('2026-10-04T00:00:00Z'),
    });
    await submitSurveyAnswer({
      token: await linkIn(`survey:${b.surveys[0]._id}:invitation`),
      formData: answerForm(b.deal.promiseIds, { [`promise.${b.deal.promiseIds[0]}.verdict`]: 'partly', nps: '10' }),
      now: new Date('2026-10-04T00:00:00Z'),
    });

    const sortRows = (rows: Awaited<ReturnType<typeof readMetrics>>) => [...rows].sort((x, y) => JSON.stringify(x.dims).localeCompare(JSON.stringify(y.dims)));
    const incremental = Object.fromEntries(await Promise.all(Object.values(SURVEY_METRICS).map(async (k) => [k, sortRows(await readMetrics(k))])));
    const answers = incremental[SURVEY_METRICS.answer];
    expect(answers).toHaveLength(2);
    expect(answers.find((r: { dims: { segment: string } }) => r.dims.segment === 'smb')).toEqual({
      dims: { wave: '6', cohort: '2026Q1', rep: a.rep.id, segment: 'smb' },
      counts: expect.objectContaining({ answered: 1, valuePartly: 1, valueScore: 0.5, npsSum: 6, npsDetractors: 1, consentCaseStudy: 1 }),
    });
    expect(
      incremental[SURVEY_METRICS.promise].map((r: { dims: { segment: string; category: string }; counts: Record<string, number> }) => [
        r.dims.segment,
        r.dims.category,
        r.counts.promises,
        r.counts.keptScore,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['smb', 'time-savings', 2, 1],
        ['enterprise', 'time-savings', 1, 0.5],
      ]),
    );
    expect(incremental[SURVEY_METRICS.funnel].map((r: { counts: Record<string, number> }) => r.counts)).toEqual([
      { invited: 1, answered: 1 },
      { invited: 1, answered: 1 },
    ]);

    await rebuildSurveyMetrics();
    const rebuilt = Object.fromEntries(await Promise.all(Object.values(SURVEY_METRICS).map(async (k) => [k, sortRows(await readMetrics(k))])));
    expect(rebuilt).toEqual(incremental);
  });

  test('an answer stored by a process that died before applying it is applied by the worker', async () => {
    const { surveys, deal } = await dealWithSurveys();
    await sendDueInvitations(task(SIX));
    const s = surveys[0];
    await SurveyResponse.create({
      _id: s._id,
      dealId: s.dealId,
      accountId: s.accountId,
      aeId: s.aeId,
      wave: 6,
      segment: s.segment,
      closedWonAt: s.closedWonAt,
      answeredAt: after(SIX, DAY),
      overall: 'yes',
      nps: 10,
      promises: deal.promiseIds.map((promiseId) => ({ promiseId, text: 'p', category: 'adoption', verdict: 'delivered' })),
    });
    expect(await applyPendingResponses({ now: after(SIX, DAY), owner: 'w' })).toEqual({ pending: 1, applied: 1, more: false });
    expect(await Survey.findById(s._id).lean()).toMatchObject({ state: 'answered' });
    expect((await readMetrics(SURVEY_METRICS.answer))[0].counts).toMatchObject({ answered: 1, valueYes: 1 });
    expect(await applyPendingResponses({ now: after(SIX, DAY), owner: 'w' })).toEqual({ pending: 0, applied: 0, more: false });
    expect((await readMetrics(SURVEY_METRICS.answer))[0].counts.answered).toBe(1);
  });
});
