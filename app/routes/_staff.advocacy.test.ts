// Role scoping of the advocacy pages, through their loaders and actions: marketing writes;
// leadership and admin read; sales read only the referrals from their own customers; CS nothing.
import { Types } from 'mongoose';
import { describe, expect, test } from 'vitest';
import { Ask } from '#models/ask';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { SurveyResponse } from '#models/survey-response';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser, requestAs } from '#test/factories';
import * as asksIndex from './_staff.advocacy.asks._index';
import * as askPage from './_staff.advocacy.asks.$askId';
import * as candidatePage from './_staff.advocacy.candidates.$advocateId';
import * as candidates from './_staff.advocacy._index';
import * as exportAsks from './_staff.advocacy.export.asks';
import * as exportCandidates from './_staff.advocacy.export.candidates';
import * as figures from './_staff.advocacy.figures';
import * as referrals from './_staff.advocacy.referrals';
import * as reviews from './_staff.advocacy.reviews';

const ctx = { nonce: '', clientIp: '10.9.0.2' };
type User = Awaited<ReturnType<typeof makeUser>>;

type Fn = (args: any) => Promise<unknown>;

async function status(fn: Fn, request: Request, params: Record<string, string> = {}) {
  try {
    const result = (await fn({ request, params, context: ctx })) as { init?: { status?: number } } | Response | undefined;
    if (result instanceof Response) return result.status;
    return result && typeof result === 'object' && 'init' in result ? (result.init?.status ?? 200) : 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

async function world() {
  const users = {} as Record<'marketing' | 'leadership' | 'admin' | 'cs' | 'sales', User>;
  for (const role of ['marketing', 'leadership', 'admin', 'cs', 'sales'] as const) users[role] = await makeUser({ role });
  const account = await makeAccount();
  const contact = await makeContact(account.id);
  const deal = await makeDeal({ accountId: account.id, aeId: users.sales.id, closedWonAt: new Date(Date.now() - 400 * 86_400_000) });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id });
  await Journey.updateOne({ _id: journeyId }, { $set: { stage: 'live', liveAt: new Date(Date.now() - 200 * 86_400_000) } });
  const d = await Deal.findById(deal.id).lean();
  const c = await Contact.findById(contact.id).lean();
  await SurveyResponse.create({
    _id: new Types.ObjectId(),
    dealId: deal.id,
    accountId: account.id,
    aeId: users.sales.id,
    contactId: contact.id,
    contactEmail: c!.email,
    wave: 6,
    segment: 'mid-market',
    closedWonAt: d!.closedWonAt,
    answeredAt: new Date(Date.now() - 86_400_000),
    promises: [],
    overall: 'yes',
    nps: 10,
    consentReferral: true,
    consentReference: true,
  });
  const { advocateId } = await refreshAdvocacyForDeal({ dealId: deal.id });
  return { users, advocateId: advocateId!, dealId: deal.id };
}

describe('advocacy pages: who may read', () => {
  test('candidates, asks, reviews, figures and exports: marketing, leadership and admin; not CS or sales', async () => {
    const { users, advocateId } = await world();
    const pages: [Fn, string, Record<string, string>?][] = [
      [candidates.loader, '/advocacy'],
      [candidatePage.loader, `/advocacy/candidates/${advocateId}`, { advocateId }],
      [asksIndex.loader, '/advocacy/asks'],
      [reviews.loader, '/advocacy/reviews'],
      [figures.loader, '/advocacy/figures'],
      [exportCandidates.loader, '/advocacy/export/candidates'],
      [exportAsks.loader, '/advocacy/export/asks'],
    ];
    for (const [loader, url, params] of pages) {
      for (const role of ['marketing', 'leadership', 'admin'] as const) expect(await status(loader, await requestAs(users[role], url), params), `${url} as ${role}`).toBe(200);
      for (const role of ['cs', 'sales'] as const) expect(await status(loader, await requestAs(users[role], url), params), `${url} as ${role}`).toBe(403);
    }
  });

  test('referrals: sales reads (scoped to their customers); CS does not', async () => {
    const { users } = await world();
    expect(await status(referrals.loader, await requestAs(users.sales, '/advocacy/referrals'))).toBe(200);
    expect(await status(referrals.loader, await requestAs(users.cs, '/advocacy/referrals'))).toBe(403);
  });
});

describe('advocacy pages: only marketing writes', () => {
  test('the ask form: marketing asks (then the budget refuses a second ask with 409); leadership and admin get 403', async () => {
    const { users, advocateId } = await world();
    const fields = (requestId: string) => ({ intent: 'ask', requestId, type: 'referral', channel: 'email', message: '' });
    for (const role of ['leadership', 'admin', 'cs', 'sales'] as const) {
      expect(await status(candidatePage.action, await formRequest(users[role], `/advocacy/candidates/${advocateId}`, fields(`r-${role}-12345678`)), { advocateId })).toBe(403);
    }
    expect(await Ask.countDocuments({ advocateId })).toBe(0);
    expect(await status(candidatePage.action, await formRequest(users.marketing, `/advocacy/candidates/${advocateId}`, fields('r-first-12345678')), { advocateId })).toBe(200);
    expect(await Ask.countDocuments({ advocateId })).toBe(1);
    const refused = (await candidatePage.action({
      request: await formRequest(users.marketing, `/advocacy/candidates/${advocateId}`, { ...fields('r-second-1234567'), type: 'reference' }),
      params: { advocateId },
      context: ctx,
    })) as unknown as {
      data: { message: string };
      init: { status: number };
    };
    expect(refused.init.status).toBe(409);
    expect(refused.data.message).toMatch(/Next available on \d{1,2} [A-Z][a-z]{2} \d{4}/);
    // An empty form is a 400 for marketing.
    expect(await status(candidatePage.action, await formRequest(users.marketing, `/advocacy/candidates/${advocateId}`, {}), { advocateId })).toBe(400);
  });

  test('ask updates, review rounds and referral links: marketing 400 on an empty form, everyone else 403', async () => {
    const { users, advocateId } = await world();
    await candidatePage.action({
      request: await formRequest(users.marketing, `/advocacy/candidates/${advocateId}`, { intent: 'ask', requestId: 'r-upd-123456789', type: 'reference', channel: 'phone' }),
      params: { advocateId },
      context: ctx,
    });
    const askId = String((await Ask.findOne({ advocateId }).lean())!._id);
    const actions: [Fn, string, Record<string, string>?][] = [
      [askPage.action, `/advocacy/asks/${askId}`, { askId }],
      [reviews.action, '/advocacy/reviews'],
      [referrals.action, '/advocacy/referrals'],
    ];
    for (const [action, url, params] of actions) {
      expect(await status(action, await formRequest(users.marketing, url, {}), params), `${url} as marketing`).toBe(400);
      for (const role of ['leadership', 'admin', 'cs', 'sales'] as const)
        expect(await status(action, await formRequest(users[role], url, {}), params), `${url} as ${role}`).toBe(403);
    }
    expect(await status(askPage.action, await formRequest(users.marketing, `/advocacy/asks/${askId}`, { status: 'accepted' }), { askId })).toBe(200);
    expect((await Ask.findById(askId).lean())!.status).toBe('accepted');
  });
});
