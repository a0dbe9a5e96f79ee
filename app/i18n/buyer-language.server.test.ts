// Where the buyer's language is set (account page service, CSV import column, closed-won webhook,
// admin default) and what follows from it: the survey email and page in the contact's language.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { setBuyerLanguage } from '#app/accounts/language.server';
import { forgetBrand } from '#app/branding/brand.server';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';
import { CrmWebhookSchema, handleCrmEvent } from '#app/deals/intake.server';
import { resetEnvCache } from '#app/env.server';
import { trusted } from '#app/platform/db.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { getSurveyPage, scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { Account } from '#models/account';
import { BRAND_ID, Brand } from '#models/brand';
import { Contact } from '#models/contact';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { buyerLocale } from './locale.server';

beforeEach(async () => {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  forgetBrand();
});

const sessionUser = (u: Awaited<ReturnType<typeof makeUser>>) => u as unknown as Parameters<typeof setBuyerLanguage>[0]['user'];

describe('choosing the language', () => {
  test('the contact’s, else the account’s, else the admin’s default, else English', async () => {
    const admin = await makeUser({ role: 'admin' });
    const account = await makeAccount();
    const contact = await makeContact(account.id);
    const read = async () => {
      const [c, a] = await Promise.all([Contact.findById(contact.id).lean(), Account.findById(account.id).lean()]);
      return buyerLocale({ contact: c, account: a });
    };
    expect(await read()).toBe('en');
    await Brand.create({ _id: BRAND_ID, name: 'Nordljus', accentColor: '#0f766e', defaultLanguage: 'sv' });
    forgetBrand();
    expect(await read()).toBe('sv');
    await setBuyerLanguage({ user: sessionUser(admin), accountId: account.id, input: { language: 'en' } });
    expect(await read()).toBe('en');
    await setBuyerLanguage({ user: sessionUser(admin), accountId: account.id, input: { language: 'sv', contactId: contact.id } });
    expect(await read()).toBe('sv');
    // Cleared: the contact follows the account again.
    await setBuyerLanguage({ user: sessionUser(admin), accountId: account.id, input: { language: '', contactId: contact.id } });
    expect(await read()).toBe('en');
  });

  test('sales may not change a buyer’s language; a contact of another account is not found', async () => {
    const sales = await makeUser({ role: 'sales' });
    const cs = await makeUser({ role: 'cs' });
    const [a, b] = await Promise.all([makeAccount(), makeAccount()]);
    const other = await makeContact(b.id);
    await expect(setBuyerLanguage({ user: sessionUser(sales), accountId: a.id, input: { language: 'sv' } })).rejects.toMatchObject({ status: 403 });
    expect(await setBuyerLanguage({ user: sessionUser(cs), accountId: a.id, input: { language: 'sv', contactId: other.id } })).toBeNull();
    expect((await Contact.findById(other.id).lean())!.language).toBeUndefined();
  });
});

describe('setting it at intake', () => {
  test('an import column sets the contact’s language in any case; an unknown code is a row error naming the codes', async () => {
    const cs = await makeUser({ role: 'cs' });
    await makeUser({ role: 'sales', email: 'lang.rep@kept.test' });
    const header = 'crm_id,deal_name,stage,close_date,arr,ae_email,account_name,contact_email,Language,promise_1,promise_1_criterion';
    const row = (id: string, lang: string) =>
      `${id},Deal ${id},Closed Won,2026-03-14,45000,lang.rep@kept.test,Lang Co ${id},buyer-${id.toLowerCase()}@lang.example,${lang},Every team uses it weekly,Twelve teams weekly`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kept-lang-')), 'lang.csv');
    fs.writeFileSync(file, [header, row('L-1', 'SV'), row('L-2', 'en'), row('L-3', 'de')].join('\n'));
    const jobId = await createImportJob({ user: cs, file: { path: file, name: 'lang.csv', size: fs.statSync(file).size } });
    const now = new Date('2026-06-01T12:00:00Z');
    const view = await getImportView({ user: cs, jobId, now });
    expect(view!.mapping).toMatchObject({ language: 'Language' });
    expect(view!.preview.map((p) => p.result.message ?? 'ok')).toEqual(['ok', 'ok', 'Language “de” is unknown: use en (English) or sv (Svenska).']);
    const values: Record<string, string> = { source: view!.source, defaultSegment: 'mid-market', dateOrder: 'mdy', currency: 'USD' };
    for (const [field, h] of Object.entries(view!.mapping)) values[`map.${field}`] = h;
    expect((await saveMapping({ user: cs, jobId, values }))?.ok).toBe(true);
    const started = await startImport({ user: cs, jobId, now });
    await runImport({ jobId, attempt: started!.ok ? started!.attempt : 0, now });
    const contacts = await Contact.find({ email: trusted({ $in: ['buyer-l-1@lang.example', 'buyer-l-2@lang.example'] }) })
      .sort({ email: 1 })
      .lean();
    expect(contacts.map((c) => c.language)).toEqual(['sv', 'en']);
  });

  test('the closed-won webhook’s primaryContact.language sets the contact’s; another value is refused with the field named', async () => {
    await makeUser({ role: 'sales', email: 'hook.rep@kept.test' });
    const event = (language: string) => ({
      id: `evt_${Math.random().toString(36).slice(2)}`,
      type: 'deal.closed_won',
      deal: {
        crmId: `hs-${Math.random().toString(36).slice(2)}`,
        name: 'Nordljus — Platform',
        closedWonAt: '2026-05-04',
        arr: 84000,
        ownerEmail: 'hook.rep@kept.test',
        account: { name: 'Nordljus', domain: 'nordljus.example', segment: 'enterprise' },
        primaryContact: { name: 'Anna Berg', email: 'anna@nordljus.example', language },
        promises: [{ text: 'Cut onboarding to two weeks', successCriterion: 'New hires productive in 10 days', category: 'time-savings' }],
      },
    });
    const bad = CrmWebhookSchema.safeParse(event('de'));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['deal', 'primaryContact', 'language'], message: 'Use one of: en, sv.' });
    const parsed = CrmWebhookSchema.parse(event('SV'));
    expect((await handleCrmEvent({ event: parsed })).status).toBe(200);
    expect((await Contact.findOne({ email: 'anna@nordljus.example' }).lean())!.language).toBe('sv');
  });
});

describe('what the buyer gets', () => {
  test('a Swedish account’s survey email and page are in Swedish, with a Swedish subject and date', async () => {
    const rep = await makeUser({ role: 'sales' });
    const admin = await makeUser({ role: 'admin' });
    const account = await makeAccount();
    await makeContact(account.id);
    await setBuyerLanguage({ user: sessionUser(admin), accountId: account.id, input: { language: 'sv' } });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date(Date.now() - 200 * 86_400_000) });
    const now = new Date();
    await scheduleSurveysForDeal({ dealId: deal.id, now: new Date(now.getTime() - 190 * 86_400_000) });
    await sendDueInvitations({ now, owner: 'test' });
    const survey = await Survey.findOne({ dealId: deal.id, wave: 6 }).lean();
    const message = await EmailMessage.findOne({ idempotencyKey: `survey:${survey!._id}:invitation` }).lean();
    expect(message!.subject).toMatch(/, levererade vi det vi lovade\?$/);
    expect(message!.text).toContain('Det har gått 6 månader sedan');
    expect(message!.text).toMatch(/fungerar till och med \d{1,2} [a-zåäö]{3,4}\.? \d{4}/);
    const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(message!.text)![1];
    expect(await getSurveyPage({ token })).toMatchObject({ state: 'open', locale: 'sv' });
  });
});
