import mongoose from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { createUnsubscribeLink } from '#app/email/unsubscribe.server';
import { AuditEvent } from '#models/audit-event';
import { Contact } from '#models/contact';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { action, loader } from './u.$token';

const ctx = { nonce: '', clientIp: '10.21.0.1' };
const DAY = 86_400_000;

beforeEach(async () => {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

describe('/u/<token> one-click unsubscribe', () => {
  test('GET only shows a confirm button; a mail client’s one-click POST (no cookie, no Origin) unsubscribes; the next wave is not sent', async () => {
    const rep = await makeUser({ role: 'sales' });
    const csm = await makeUser({ role: 'cs' });
    const account = await makeAccount({ csmId: csm.id });
    const contact = await makeContact(account.id);
    const closed = new Date('2026-01-15T00:00:00Z');
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: closed });
    await scheduleSurveysForDeal({ dealId: deal.id, now: new Date('2026-01-16T00:00:00Z') });
    await sendDueInvitations({ now: new Date('2026-07-15T00:00:00Z'), owner: 'test' });
    const message = await EmailMessage.findOne({ template: 'survey-invitation' }).lean();
    const header = (message!.headers as Record<string, string>)['List-Unsubscribe'];
    const token = /\/u\/([A-Za-z0-9_-]{43})>$/.exec(header)![1];

    for (let i = 0; i < 2; i++) {
      const page = (await loader({ request: new Request(`http://localhost:3000/u/${token}`), params: { token }, context: ctx })) as unknown as { data: unknown };
      expect(page.data).toEqual({ valid: true, maskedEmail: expect.stringMatching(/^b\*\*\*@example\.com$/), unsubscribed: false, locale: 'en' });
    }
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('ok');

    const request = new Request(`http://localhost:3000/u/${token}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const done = (await action({ request, params: { token }, context: ctx })) as unknown as { data: unknown };
    expect(done.data).toEqual({ valid: true, done: 'unsubscribed' });
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('unsubscribed');

    await sendDueInvitations({ now: new Date(new Date('2026-10-15T00:00:00Z').getTime() + DAY), owner: 'test' });
    expect(await EmailMessage.countDocuments({ template: 'survey-invitation' })).toBe(1);
    const nine = await Survey.findOne({ dealId: deal.id, wave: 9 }).lean();
    expect(nine).toMatchObject({ state: 'cancelled', stopReason: 'unsubscribed' });
    expect(await EmailMessage.countDocuments({ template: 'survey-contact-alert', to: csm.email })).toBeGreaterThan(0);
  });

  test('a second visit says the address is unsubscribed; re-subscribing (a POST, audited) lets the contact receive surveys again', async () => {
    const rep = await makeUser({ role: 'sales' });
    const csm = await makeUser({ role: 'cs' });
    const account = await makeAccount({ csmId: csm.id });
    const contact = await makeContact(account.id);
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date('2026-01-15T00:00:00Z') });
    await scheduleSurveysForDeal({ dealId: deal.id, now: new Date('2026-01-16T00:00:00Z') });
    const { url } = await createUnsubscribeLink({ contact: { id: contact.id, email: contact.email }, source: 'test', now: new Date('2026-01-16T00:00:00Z') });
    const token = url.split('/u/')[1];
    const get = async () => ((await loader({ request: new Request(url), params: { token }, context: ctx })) as unknown as { data: { unsubscribed?: boolean } }).data;
    const post = async (body: string) =>
      (
        (await action({
          request: new Request(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
          params: { token },
          context: ctx,
        })) as unknown as { data: unknown }
      ).data;

    expect(await post('intent=unsubscribe')).toEqual({ valid: true, done: 'unsubscribed' });
    expect(await get()).toMatchObject({ valid: true, unsubscribed: true });
    // The 6-month wave is flagged for CS while the contact is unsubscribed.
    expect(await Survey.findOne({ dealId: deal.id, wave: 6 }).lean()).toMatchObject({ attentionReason: 'unsubscribed' });

    expect(await post('intent=resubscribe')).toEqual({ valid: true, done: 'resubscribed' });
    expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('ok');
    expect(await get()).toMatchObject({ unsubscribed: false, locale: 'en' });
    const audit = await AuditEvent.find({ action: 'contact.resubscribed', entityId: contact.id }).lean();
    expect(audit).toHaveLength(1);
    // A second click records nothing more.
    await post('intent=resubscribe');
    expect(await AuditEvent.countDocuments({ action: 'contact.resubscribed' })).toBe(1);
    expect(await Survey.findOne({ dealId: deal.id, wave: 6 }).lean()).toMatchObject({ attentionReason: null });

    await sendDueInvitations({ now: new Date('2026-07-15T00:00:00Z'), owner: 'test' });
    expect(await EmailMessage.countDocuments({ template: 'survey-invitation', to: contact.email })).toBe(1);
  });

  test('a mail client’s one-click POST never re-subscribes, even on an unsubscribed address', async () => {
    const account = await makeAccount();
    const contact = await makeContact(account.id);
    const { url } = await createUnsubscribeLink({ contact: { id: contact.id, email: contact.email }, source: 'test', now: new Date() });
    const token = url.split('/u/')[1];
    for (let i = 0; i < 2; i++) {
      const request = new Request(url, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(((await action({ request, params: { token }, context: ctx })) as unknown as { data: unknown }).data).toEqual({ valid: true, done: 'unsubscribed' });
      expect((await Contact.findById(contact.id).lean())!.emailStatus).toBe('unsubscribed');
    }
  });

  test('an unknown link is a 404 page for GET and POST', async () => {
    const token = 'B'.repeat(43);
    const get = (await loader({ request: new Request(`http://localhost:3000/u/${token}`), params: { token }, context: ctx })) as unknown as {
      data: unknown;
      init: { status: number };
    };
    expect(get).toMatchObject({ data: { valid: false }, init: { status: 404 } });
    const post = (await action({ request: new Request(`http://localhost:3000/u/${token}`, { method: 'POST' }), params: { token }, context: ctx })) as unknown as {
      data: unknown;
      init: { status: number };
    };
    expect(post).toMatchObject({ data: { valid: false }, init: { status: 404 } });
  });
});
