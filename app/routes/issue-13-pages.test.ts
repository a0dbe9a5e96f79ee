// Pages from issue 13, through their loaders and actions: the survey cancel confirmation, the
// top-level 404 keeping the shell, and the referral link confirmation and undo form.
import { Types } from 'mongoose';
import { describe, expect, test } from 'vitest';
import { Referral } from '#models/referral';
import { Survey } from '#models/survey';
import { linkReferralToDeal } from '#app/advocacy/advocacy.server';
import { scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser, requestAs } from '#test/factories';
import * as notFoundRoute from './$';
import * as referrals from './_staff.advocacy.referrals';
import * as surveyPage from './_staff.surveys.$surveyId';

const ctx = { nonce: '', clientIp: '10.9.1.3' };

type Fn = (args: any) => Promise<unknown>;
async function call(fn: Fn, request: Request, params: Record<string, string> = {}) {
  try {
    const result = (await fn({ request, params, context: ctx })) as { init?: { status?: number }; data?: unknown } | Response;
    if (result instanceof Response) return { status: result.status, data: null as unknown };
    return result && typeof result === 'object' && 'init' in result ? { status: result.init?.status ?? 200, data: result.data } : { status: 200, data: result as unknown };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, data: null as unknown };
    throw thrown;
  }
}

describe('cancelling a survey', () => {
  test('without the confirmation box nothing is cancelled and the error is for the box', async () => {
    const cs = await makeUser({ role: 'cs' });
    const account = await makeAccount();
    await makeContact(account.id, { isPrimary: true });
    const deal = await makeDeal({ accountId: account.id, aeId: (await makeUser({ role: 'sales' })).id, closedWonAt: new Date(Date.now() - 30 * 86_400_000) });
    await scheduleSurveysForDeal({ dealId: deal.id });
    const survey = await Survey.findOne({ dealId: deal.id }).sort({ wave: -1 }).lean();
    const id = String(survey!._id);
    const refused = await call(surveyPage.action, await formRequest(cs, `/surveys/${id}`, { intent: 'cancel' }), { surveyId: id });
    expect(refused.status).toBe(400);
    expect(refused.data).toMatchObject({ ok: false, errors: { confirm: ['Tick the box to confirm the cancellation.'] } });
    expect((await Survey.findById(id).lean())!.state).toBe('scheduled');
    const done = await call(surveyPage.action, await formRequest(cs, `/surveys/${id}`, { intent: 'cancel', confirm: 'yes' }), { surveyId: id });
    expect(done).toMatchObject({ status: 200, data: { ok: true } });
    const page = await call(surveyPage.loader, await requestAs(cs, `/surveys/${id}`), { surveyId: id });
    expect(page.data).toMatchObject({ survey: { state: 'cancelled' }, cancelled: { byName: cs.name } });
  });
});

describe('an unknown address', () => {
  test('is a 404 that keeps the navigation for a signed-in user, a bare 404 otherwise', async () => {
    const cs = await makeUser({ role: 'cs' });
    const signedIn = await call(notFoundRoute.loader, await requestAs(cs, '/no-such-page'));
    expect(signedIn).toMatchObject({ status: 404, data: { user: { name: cs.name, role: 'cs' } } });
    expect((await call(notFoundRoute.loader, await requestAs(null, '/no-such-page'))).status).toBe(404);
    expect((await call(notFoundRoute.loader, await requestAs(null, '/no-such-page'))).data).toBeNull();
  });
});

describe('linking and unlinking a referral on the referrals page', () => {
  test('choosing a referral shows the comparison; undoing needs a reason, kept on error', async () => {
    const marketing = await makeUser({ role: 'marketing' });
    const rep = await makeUser({ role: 'sales' });
    const origin = await makeAccount();
    const contact = await makeContact(origin.id);
    const originDeal = await makeDeal({ accountId: origin.id, aeId: rep.id });
    const referral = await Referral.create({
      advocateId: new Types.ObjectId(),
      advocateContactId: contact.id,
      advocateName: 'Ada',
      advocateAccountId: origin.id,
      advocateAccountName: 'Origin',
      originDealId: originDeal.id,
      aeId: rep.id,
      referredCompany: 'Umbrella Corp',
      referredDomain: 'umbrella.example',
    });
    const referralId = String(referral._id);
    const deal = await makeDeal({ accountId: (await makeAccount({ name: 'Umbrella', domain: 'umbrella.example' })).id, aeId: rep.id });
    const page = await call(referrals.loader, await requestAs(marketing, `/advocacy/referrals?link=${deal.id}&confirm=${referralId}`));
    expect(page.data).toMatchObject({
      linkPreview: { referral: { id: referralId, company: 'Umbrella Corp' }, deal: { id: deal.id, company: 'Umbrella' }, company: 'same', domain: 'same' },
    });
    // Without `confirm` no preview: the row's button only leads to the confirmation.
    expect((await call(referrals.loader, await requestAs(marketing, `/advocacy/referrals?link=${deal.id}`))).data).toMatchObject({ linkPreview: null });

    await linkReferralToDeal({ referralId, dealId: deal.id, via: 'manual', actorId: marketing.id });
    const noReason = await call(referrals.action, await formRequest(marketing, '/advocacy/referrals', { intent: 'unlink', referralId, reason: ' no' }));
    expect(noReason.status).toBe(400);
    expect(noReason.data).toMatchObject({ errors: { reason: ['Say why the link is wrong (at least 5 characters).'] }, values: { reason: ' no' } });
    expect((await Referral.findById(referralId).lean())!.status).toBe('won');
    const leadership = await makeUser({ role: 'leadership' });
    expect((await call(referrals.action, await formRequest(leadership, '/advocacy/referrals', { intent: 'unlink', referralId, reason: 'not from this referral' }))).status).toBe(
      403,
    );
    const undone = await call(
      referrals.action,
      await formRequest(await makeUser({ role: 'admin' }), '/advocacy/referrals', { intent: 'unlink', referralId, reason: 'not from this referral' }),
    );
    expect(undone).toMatchObject({ status: 200, data: { ok: true } });
    expect((await Referral.findById(referralId).lean())!.status).toBe('open');
  });
});
