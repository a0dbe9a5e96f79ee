import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { Webhook } from 'svix';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { Contact } from '#models/contact';
import { EmailEvent } from '#models/email-event';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { action } from './api.webhooks.resend';

// Resend webhooks as Svix delivers them: signed over the raw body with id and timestamp headers.
const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;
const signer = new Webhook(SECRET);

function deliver(body: unknown, options: { id?: string; at?: Date; secret?: string; tamper?: boolean } = {}) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${crypto.randomBytes(8).toString('hex')}`;
  const at = options.at ?? new Date();
  const signature = (options.secret ? new Webhook(options.secret) : signer).sign(id, at, raw);
  const request = new Request('http://localhost:3000/api/webhooks/resend', {
    method: 'POST',
    body: options.tamper ? raw.replace('bounced', 'delivered') : raw,
    headers: { 'Content-Type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature },
  });
  return action({ request, params: {}, context: { nonce: '', clientIp: '' } }) as Promise<Response>;
}

async function sentSurvey() {
  const rep = await makeUser({ role: 'sales' });
  const csm = await makeUser({ role: 'cs' });
  const account = await makeAccount({ csmId: csm.id });
  const contact = await makeContact(account.id);
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date('2026-01-15T00:00:00Z') });
  await scheduleSurveysForDeal({ dealId: deal.id, now: new Date('2026-01-16T00:00:00Z') });
  await sendDueInvitations({ now: new Date('2026-07-15T00:00:00Z'), owner: 'test' });
  const survey = await Survey.findOne({ dealId: deal.id, wave: 6 }).lean();
  return { csm, contact, surveyId: String(survey!._id), dealId: deal.id };
}

const bounce = (to: string, surveyId: string, type = 'Permanent') => ({
  type: 'email.bounced',
  created_at: '2026-07-15T00:05:00.000Z',
  data: {
    email_id: crypto.randomUUID(),
    to: [to],
    subject: 'Northwind, did we deliver what we promised?',
    tags: [
      { name: 'entityType', value: 'survey' },
      { name: 'entityId', value: surveyId },
    ],
    bounce: { type, subType: 'General', message: 'Mailbox does not exist' },
  },
});

beforeEach(async () => {
  process.env.RESEND_WEBHOOK_SECRET = SECRET;
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});
afterAll(() => {
  delete process.env.RESEND_WEBHOOK_SECRET;
  resetEnvCache();
});

describe('POST /api/webhooks/resend', () => {
  test('a signed bounce marks the contact, stops the survey, flags the later waves and alerts the CSM', async () => {
    const { contact, surveyId, dealId, csm } = await sentSurvey();
    const res = await deliver(bounce(contact.email, surveyId));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, effect: 'bounced', stopped: 1, flagged: 2 });
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('bounced');
    const surveys = await Survey.find({ dealId }).sort({ wave: 1 }).lean();
    expect(surveys.map((s) => s.state)).toEqual(['bounced', 'scheduled', 'scheduled']);
    expect(surveys.every((s) => s.attentionReason === 'bounced')).toBe(true);
    expect(await EmailMessage.countDocuments({ template: 'survey-contact-alert', to: csm.email })).toBe(3);
    expect(await EmailEvent.findOne({}).lean()).toMatchObject({ type: 'email.bounced', entityType: 'survey', entityId: surveyId, to: [contact.email] });
  });

  test('a complaint marks the contact complained; a transient bounce and other events are only recorded', async () => {
    const { contact, surveyId } = await sentSurvey();
    expect(await (await deliver(bounce(contact.email, surveyId, 'Transient'))).json()).toMatchObject({ effect: 'recorded' });
    expect(await (await deliver({ type: 'email.delivered', data: { email_id: 'x', to: [contact.email] } })).json()).toMatchObject({ effect: 'recorded' });
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('ok');
    await deliver({ type: 'email.complained', data: { email_id: 'y', to: [contact.email.toUpperCase()] } });
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('complained');
    expect((await Survey.findById(surveyId).lean())!.stopReason).toBe('complained');
    expect(await EmailEvent.countDocuments({})).toBe(3);
  });

  test('a redelivery with the same Svix id is acknowledged without a second effect', async () => {
    const { contact, surveyId, csm } = await sentSurvey();
    const body = bounce(contact.email, surveyId);
    const results = await Promise.all([deliver(body, { id: 'msg_same' }), deliver(body, { id: 'msg_same' })]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const bodies = await Promise.all(results.map((r) => r.json()));
    expect(bodies.filter((b) => b.duplicate)).toHaveLength(1);
    expect((await (await deliver(body, { id: 'msg_same' })).json()).duplicate).toBe(true);
    expect(await EmailEvent.countDocuments({})).toBe(1);
    expect(await EmailMessage.countDocuments({ template: 'survey-contact-alert', to: csm.email })).toBe(3);
  });

  test('a bad signature, a tampered body, a stale timestamp and a missing header are refused with 401 and change nothing', async () => {
    const { contact, surveyId } = await sentSurvey();
    const body = bounce(contact.email, surveyId);
    expect((await deliver(body, { secret: `whsec_${crypto.randomBytes(24).toString('base64')}` })).status).toBe(401);
    expect((await deliver(body, { tamper: true })).status).toBe(401);
    expect((await deliver(body, { at: new Date(Date.now() - 10 * 60_000) })).status).toBe(401);
    const unsigned = new Request('http://localhost:3000/api/webhooks/resend', { method: 'POST', body: JSON.stringify(body) });
    expect((await (action({ request: unsigned, params: {}, context: { nonce: '', clientIp: '' } }) as Promise<Response>)).status).toBe(401);
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('ok');
    expect(await EmailEvent.countDocuments({})).toBe(0);
  });

  test('without RESEND_WEBHOOK_SECRET the endpoint answers 503', async () => {
    delete process.env.RESEND_WEBHOOK_SECRET;
    resetEnvCache();
    expect((await deliver({ type: 'email.delivered', data: {} })).status).toBe(503);
  });
});
