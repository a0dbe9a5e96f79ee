// The e2e fixture that mints a buyer link (test/e2e/harness.ts openSurveyLink) must leave a history
// the real code could produce: a survey it sends is invited (invitedAt, counted in survey.funnel),
// so answering it never makes the response rate go above 100 % (docs/figures.md).
import mongoose from 'mongoose';
import { beforeEach, expect, test } from 'vitest';
import { Survey } from '#models/survey';
import { checkFigureInvariants } from '#app/dashboards/figure-invariants.server';
import { submitSurveyAnswer } from '#app/surveys/surveys.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { openSurveyLink } from './e2e/harness';

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

test('a survey the fixture sends and the buyer answers counts as invited: no response rate above 100 %', async () => {
  const now = new Date();
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ segment: 'smb' });
  const contact = await makeContact(account.id);
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date(now.getTime() - 200 * 86_400_000), promises: 1 });
  const dealDoc = await mongoose.model('Deal').findById(deal.id).lean<{ closedWonAt: Date; promises: { _id: unknown }[] }>();
  await Survey.create({
    dealId: deal.id,
    wave: 6,
    dueAt: now,
    state: 'scheduled',
    accountId: account.id,
    aeId: rep.id,
    segment: 'smb',
    closedWonAt: dealDoc!.closedWonAt,
    contactId: contact.id,
    contactEmail: contact.email,
  });

  const link = await openSurveyLink(now);
  expect(link).not.toBeNull();
  const form = new FormData();
  form.set('overall', 'yes');
  form.set('nps', '9');
  form.set(`promise.${deal.promiseIds[0]}.verdict`, 'delivered');
  expect(await submitSurveyAnswer({ token: link!.token, formData: form, now })).toEqual({ status: 'answered', locale: 'en' });

  expect(await checkFigureInvariants()).toEqual([]);
});
