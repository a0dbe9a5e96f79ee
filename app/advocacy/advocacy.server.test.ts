import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contactChildren } from '#app/journeys/children.server';
import { Types } from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { AskBudgetSlot } from '#models/ask-budget-slot';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { EmailMessage } from '#models/email-message';
import { Journey } from '#models/journey';
import { Metric } from '#models/metric';
import { Referral } from '#models/referral';
import { ReviewCampaign } from '#models/review-campaign';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { trusted } from '#app/platform/db.server';
import { getEnv, resetEnvCache } from '#app/env.server';
import { goLive } from '#scripts/seed/advocacy';
import { DAY_MS, drawSample } from '#app/advocacy/advocacy-rules.server';
import {
  AskFormSchema,
  createAsk,
  createReferral,
  createReviewCampaign,
  expireUnansweredAsks,
  exportAsksCsv,
  exportCandidatesCsv,
  getAdvocacyFigures,
  getAsk,
  getCandidate,
  getReviewCampaign,
  linkReferralToDeal,
  listCandidates,
  listExpansionCandidates,
  listReferrals,
  rebuildAdvocacyMetrics,
  updateAsk,
} from '#app/advocacy/advocacy.server';
import { ADVOCACY_METRICS, advocacyConfig } from '#app/advocacy/shared.server';
import { budgetStatus, takeBudgetSlots } from '#app/advocacy/ask-budget.server';
import { REVIEW_ROUNDS_ONLY, type AskFormInput, type AskUpdateInput } from '#app/advocacy/forms';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';
import { CrmWebhookSchema, handleCrmEvent } from '#app/deals/intake.server';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { applySurveyResponse } from '#app/surveys/surveys.server';
import { readMetrics } from '#app/platform/metrics.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

const NOW = new Date('2026-09-01T12:00:00Z');
const daysAgo = (n: number, from = NOW) => new Date(from.getTime() - n * DAY_MS);
const later = (n: number, from = NOW) => new Date(from.getTime() + n * DAY_MS);
let seq = 0;
const requestId = () => `req-${Date.now().toString(36)}-${++seq}`;

type Answer = { nps: number; overall: 'yes' | 'partly' | 'no'; referral?: boolean; reference?: boolean; caseStudy?: boolean; answeredAt?: Date; surveyId?: Types.ObjectId };

let marketing: Awaited<ReturnType<typeof makeUser>>;
let rep: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  marketing = await makeUser({ role: 'marketing' });
  rep = await makeUser({ role: 'sales' });
});

/** A closed-won deal with a journey (live `liveDays` ago, or not live) and its primary contact. */
async function customer(opts: { liveDays?: number | null; name?: string; arr?: number } = {}) {
  const account = await makeAccount(opts.name ? { name: opts.name } : {});
  const contact = await makeContact(account.id, { isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: daysAgo(400), promises: 2, arr: opts.arr });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: daysAgo(400) });
  const liveDays = opts.liveDays === undefined ? 200 : opts.liveDays;
  if (liveDays !== null) await Journey.updateOne({ _id: journeyId }, { $set: { stage: 'live', liveAt: daysAgo(liveDays) } });
  return { account, contact, deal };
}

/** The buyer's answer to one survey of the deal (the surveys service stores exactly this). */
async function answer(c: Awaited<ReturnType<typeof customer>>, a: Answer, contactId = c.contact.id) {
  const dealDoc = await Deal.findById(c.deal.id).lean();
  const contact = await Contact.findById(contactId).lean();
  const id = a.surveyId ?? new Types.ObjectId();
  await SurveyResponse.create({
    _id: id,
    dealId: c.deal.id,
    accountId: c.account.id,
    aeId: rep.id,
    contactId,
    contactEmail: contact!.email,
    wave: 6,
    segment: 'mid-market',
    closedWonAt: dealDoc!.closedWonAt,
    answeredAt: a.answeredAt ?? daysAgo(5),
    promises: dealDoc!.promises.map((p, i) => ({ promiseId: p._id, text: p.text, category: p.category, verdict: i === 0 ? 'delivered' : 'partly' })),
    overall: a.overall,
    nps: a.nps,
    consentReferral: a.referral ?? false,
    consentReference: a.reference ?? false,
    consentCaseStudy: a.caseStudy ?? false,
  });
  // As the submit path does (applyPendingResponses): the answer just stored is named, so the
  // refresh reads it by _id instead of querying the deal's responses.
  return refreshAdvocacyForDeal({ dealId: c.deal.id, now: NOW, surveyId: id });
}

const promoter: Answer = { nps: 10, overall: 'yes', referral: true, reference: true, caseStudy: true };
const form = (over: Partial<AskFormInput> = {}): AskFormInput => ({
  requestId: requestId(),
  type: 'referral',
  channel: 'email',
  platform: undefined,
  reviewUrlToVisit: '',
  incentive: '',
  message: '',
  phoneStatus: 'sent',
  ...over,
});
const update = (over: Partial<AskUpdateInput>): AskUpdateInput => ({
  status: 'accepted',
  reviewUrl: '',
  referenceDate: '',
  caseStudyUrl: '',
  referredCompany: '',
  referredDomain: '',
  referredContactName: '',
  referredContactEmail: '',
  estimatedArr: 0,
  note: '',
  ...over,
});
const counts = async (kind: string, match: Record<string, string>) => {
  const rows = (await readMetrics(kind)).filter((r) => Object.entries(match).every(([k, v]) => r.dims[k] === v));
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, n] of Object.entries(r.counts)) out[k] = (out[k] ?? 0) + n;
  return out;
};

describe('candidates appear and disappear with survey answers', () => {
  test('a promoter who said the value was delivered and consented appears, ranked, with why, origin deal and rep', async () => {
    const c = await customer();
    const result = await answer(c, promoter);
    expect(result.qualifies).toEqual(['referral', 'reference', 'case_study']);
    expect(result.expansion).toBe(true);

    const list = await listCandidates({ query: { type: 'referral', view: 'ready', page: 1 }, now: NOW });
    const row = list.candidates.find((r) => r.deal.id === c.deal.id)!;
    expect(row).toBeTruthy();
    expect(row.rep.name).toBe(rep.name);
    expect(row.contact.id).toBe(c.contact.id);
    expect(row.promisesKept).toBe(1);
    expect(row.promisesTotal).toBe(2);
    expect(row.why).toEqual([
      'Live customer',
      'Latest survey: we delivered the promised value',
      'NPS 10 (promoter)',
      'Said yes: agreed to refer other companies',
      'Contact can be emailed',
    ]);
    expect((await counts(ADVOCACY_METRICS.candidate, { type: 'referral', rep: rep.id })).n).toBeGreaterThanOrEqual(1);
  });

  test('the list served from memory (rows included) equals the list the database gives, every type and view', async () => {
    const c = await customer();
    await answer(c, promoter);
    const other = await customer();
    await answer(other, promoter);
    const lists = async () => {
      const out = [];
      for (const type of ['referral', 'reference', 'case_study'] as const)
        for (const view of ['ready', 'waiting'] as const) {
          out.push(await listCandidates({ query: { type, view, page: 1 }, now: NOW }));
          // Pages of one: the walk to a page and the counts agree with skip/limit and countDocuments.
          for (const page of [1, 2, 3]) out.push(await listCandidates({ query: { type, view, page }, now: NOW, perPage: 1 }));
        }
      return out;
    };
    const fromMemory = await lists();
    process.env.READ_INDEX = 'off';
    resetEnvCache();
    try {
      expect(fromMemory).toEqual(await lists());
    } finally {
      delete process.env.READ_INDEX;
      resetEnvCache();
    }
    expect(fromMemory[0].candidates.some((r) => r.deal.id === c.deal.id)).toBe(true);
  });

  test('a contact who bounced after answering leaves the list at once, from memory as from the database', async () => {
    const c = await customer();
    await answer(c, promoter);
    const listed = async () => (await listCandidates({ query: { type: 'referral', view: 'ready', page: 1 }, now: NOW })).candidates.some((r) => r.deal.id === c.deal.id);
    await contactChildren.index.warm();
    expect(await listed()).toBe(true);
    expect(contactChildren.index.ready).toBe(true);
    await Contact.updateOne({ _id: c.contact.id }, { $set: { emailStatus: 'bounced' } });
    expect(await listed()).toBe(false);
    process.env.READ_INDEX = 'off';
    resetEnvCache();
    try {
      expect(await listed()).toBe(false);
    } finally {
      delete process.env.READ_INDEX;
      resetEnvCache();
    }
  });

  test('a later answer that does not qualify removes the candidate (and the rollup follows)', async () => {
    const c = await customer();
    await answer(c, promoter, c.contact.id);
    const before = (await counts(ADVOCACY_METRICS.candidate, { type: 'reference', rep: rep.id })).n ?? 0;
    await answer(c, { nps: 6, overall: 'partly', referral: true, reference: true, answeredAt: daysAgo(1) });
    const adv = await Advocate.findOne({ dealId: c.deal.id }).lean();
    expect(adv!.qualifies).toEqual([]);
    expect(adv!.expansion).toBe(false);
    expect((await counts(ADVOCACY_METRICS.candidate, { type: 'reference', rep: rep.id })).n ?? 0).toBe(before - 1);
    const list = await listCandidates({ query: { type: 'reference', view: 'ready', page: 1 }, now: NOW });
    expect(list.candidates.some((r) => r.deal.id === c.deal.id)).toBe(false);
  });

  test('an older answer applied after a newer one does not replace it', async () => {
    const c = await customer();
    const older = new Types.ObjectId();
    await SurveyResponse.create({
      _id: older,
      dealId: c.deal.id,
      accountId: c.account.id,
      aeId: rep.id,
      contactId: c.contact.id,
      contactEmail: 'x@example.com',
      wave: 6,
      segment: 'mid-market',
      closedWonAt: daysAgo(400),
      answeredAt: daysAgo(30),
      promises: [],
      overall: 'no',
      nps: 2,
      consentReferral: false,
      consentReference: false,
      consentCaseStudy: false,
    });
    await answer(c, promoter, c.contact.id);
    await refreshAdvocacyForDeal({ dealId: c.deal.id, now: NOW, surveyId: older });
    const adv = await Advocate.findOne({ dealId: c.deal.id, current: true }).lean();
    expect(String(adv!.surveyId)).not.toBe(String(older));
    expect(adv!.qualifies).toContain('referral');
  });

  test('a later answer by another contact supersedes the earlier advocate of the deal', async () => {
    const c = await customer();
    await answer(c, promoter);
    const other = await makeContact(c.account.id, { isPrimary: false });
    await answer(c, { nps: 9, overall: 'yes', referral: true, answeredAt: daysAgo(1) }, other.id);
    const advocates = await Advocate.find({ dealId: c.deal.id }).lean();
    expect(advocates).toHaveLength(2);
    const first = advocates.find((a) => String(a.contactId) === c.contact.id)!;
    const second = advocates.find((a) => String(a.contactId) === other.id)!;
    expect([first.current, first.qualifies]).toEqual([false, []]);
    expect([second.current, second.qualifies]).toEqual([true, ['referral']]);
  });

  test('the survey submit path refreshes the deal: applying a stored answer makes the candidate', async () => {
    const c = await customer();
    const dealDoc = await Deal.findById(c.deal.id).lean();
    const surveyId = new Types.ObjectId();
    await SurveyResponse.create({
      _id: surveyId,
      dealId: c.deal.id,
      accountId: c.account.id,
      aeId: rep.id,
      contactId: c.contact.id,
      contactEmail: c.contact.email,
      wave: 6,
      segment: 'mid-market',
      closedWonAt: dealDoc!.closedWonAt,
      answeredAt: daysAgo(1),
      promises: [],
      overall: 'yes',
      nps: 9,
      consentReference: true,
    });
    expect(await Advocate.countDocuments({ dealId: c.deal.id })).toBe(0);
    await applySurveyResponse({ surveyId, now: NOW });
    expect((await Advocate.findOne({ dealId: c.deal.id }).lean())!.qualifies).toEqual(['reference']);
  });

  test('a customer who answered before going live becomes a candidate when the journey reaches live', async () => {
    const c = await customer({ liveDays: null });
    expect((await answer(c, promoter)).qualifies).toEqual([]);
    const cs = await makeUser({ role: 'cs' });
    const journey = await Journey.findOne({ dealId: c.deal.id }).lean();
    await goLive({ journeyId: String(journey!._id), cs, contact: { id: c.contact.id, name: 'Buyer', email: c.contact.email }, start: daysAgo(60) });
    expect((await Journey.findById(journey!._id).lean())!.liveAt).toBeTruthy();
    expect((await Advocate.findOne({ dealId: c.deal.id }).lean())!.qualifies).toEqual(['referral', 'reference', 'case_study']);
  });

  test('not live yet, or an unsubscribed contact: no candidate; refreshing again changes nothing', async () => {
    const notLive = await customer({ liveDays: null });
    expect((await answer(notLive, promoter)).qualifies).toEqual([]);
    const unsub = await customer();
    await Contact.updateOne({ _id: unsub.contact.id }, { $set: { emailStatus: 'unsubscribed' } });
    expect((await answer(unsub, promoter)).qualifies).toEqual([]);
    const rev = (await Advocate.findOne({ dealId: unsub.deal.id }).lean())!.rev;
    await refreshAdvocacyForDeal({ dealId: unsub.deal.id, now: NOW });
    expect((await Advocate.findOne({ dealId: unsub.deal.id }).lean())!.rev).toBe(rev);
  });
});

describe('asks and the ask budget', () => {
  test('a referral ask by email goes through the outbox with neutral wording and a one-click unsubscribe', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const result = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ message: 'Thanks for the kind words.' }), now: NOW });
    expect(result).toMatchObject({ ok: true, duplicate: false });
    const ask = await Ask.findById((result as { askId: string }).askId).lean();
    expect(ask).toMatchObject({ type: 'referral', status: 'sent', channel: 'email' });
    expect(ask!.dueBy).toEqual(later(getEnv().ASK_NO_RESPONSE_DAYS));
    const email = await EmailMessage.findOne({ idempotencyKey: `ask:${String(ask!._id)}` }).lean();
    expect(email!.template).toBe('advocacy-ask');
    expect(email!.to).toBe(c.contact.email);
    expect(email!.text).toMatch(/Saying no, or not answering, is perfectly fine/);
    expect(email!.text).toContain('Thanks for the kind words.');
    expect((email!.headers as Record<string, string>)['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect((email!.headers as Record<string, string>)['List-Unsubscribe']).toMatch(/\/u\/[A-Za-z0-9_-]{43}>$/);
  });

  test('the same request id twice records one ask; a second ask within 90 days is refused with the next available date; after the window it goes', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const f = form();
    const first = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: f, now: NOW });
    const replay = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: f, now: NOW });
    expect(replay).toMatchObject({ ok: true, duplicate: true, askId: (first as { askId: string }).askId });
    expect(await Ask.countDocuments({ contactId: c.contact.id })).toBe(1);

    // Another type, later, same contact: still one budget.
    const refused = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'reference' }), now: later(30) });
    expect(refused.ok).toBe(false);
    expect((refused as { nextAvailableAt: string }).nextAvailableAt).toBe(later(90).toISOString());
    expect((refused as { error: string }).error).toMatch(/Next available on 30 Nov 2026/);
    const caseStudy = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'case_study', channel: 'phone' }), now: later(89) });
    expect((caseStudy as { error: string }).error).toMatch(/Next available on 30 Nov 2026/);

    const ok = await createAsk({
      user: marketing,
      target: { advocateId: advocateId! },
      form: form({ type: 'reference', channel: 'phone', phoneStatus: 'accepted' }),
      now: later(90),
    });
    expect(ok.ok).toBe(true);
    expect(await Ask.countDocuments({ contactId: c.contact.id })).toBe(2);
    expect(await EmailMessage.countDocuments({ to: c.contact.email })).toBe(1);
  });

  test('the advocate shows as waiting for its budget, then ready again', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'case_study', channel: 'phone' }), now: NOW });
    const waiting = await listCandidates({ query: { type: 'referral', view: 'waiting', page: 1 }, now: NOW });
    expect(waiting.candidates.find((r) => r.id === advocateId)?.budgetClearAt).toBe(later(90).toISOString());
    const ready = await listCandidates({ query: { type: 'referral', view: 'ready', page: 1 }, now: NOW });
    expect(ready.candidates.some((r) => r.id === advocateId)).toBe(false);
    expect((await listCandidates({ query: { type: 'referral', view: 'ready', page: 1 }, now: later(91) })).candidates.some((r) => r.id === advocateId)).toBe(true);
    const detail = await getCandidate({ advocateId: advocateId!, now: NOW });
    expect(detail!.canAsk.referral).toBe(false);
    expect(detail!.nextAvailable.referral).toBe(later(90).toISOString());
    // One budget answer for the contact wherever the page shows it, in the page's date format.
    expect(detail!.budgetClearAt).toBe(later(90).toISOString());
    const budgetTexts = Object.values(detail!.eligibility).map((conditions) => conditions.find((x) => x.key === 'budget')!.text);
    expect(new Set(budgetTexts)).toEqual(new Set(['Ask budget used: next ask on 30 Nov 2026']));
    expect(detail!.asks).toHaveLength(1);
  });

  test('the account budget counts asks of all its contacts (configurable per account)', async () => {
    const c = await customer();
    const contacts = [c.contact.id, (await makeContact(c.account.id, { isPrimary: false })).id, (await makeContact(c.account.id, { isPrimary: false })).id];
    const config = { windowDays: 90, perContact: 1, perAccount: 2 };
    const results = [];
    for (const contactId of contacts) results.push(await takeBudgetSlots({ contactId, accountId: c.account.id, askId: new Types.ObjectId(), type: 'reference', now: NOW, config }));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ scope: 'account', nextAvailableAt: later(90) });
    // The refused ask released its contact slot: that contact is still free once the account is.
    expect(await AskBudgetSlot.countDocuments({ scope: 'contact', ownerId: contacts[2] })).toBe(0);
    expect((await takeBudgetSlots({ contactId: contacts[2], accountId: c.account.id, askId: new Types.ObjectId(), type: 'reference', now: later(90), config })).ok).toBe(true);
  });

  test('configuration: ASK_BUDGET_DAYS and ASK_BUDGET_PER_CONTACT come from the environment', async () => {
    const saved = { days: process.env.ASK_BUDGET_DAYS, per: process.env.ASK_BUDGET_PER_CONTACT };
    try {
      process.env.ASK_BUDGET_DAYS = '30';
      process.env.ASK_BUDGET_PER_CONTACT = '2';
      resetEnvCache();
      expect(advocacyConfig().budget).toMatchObject({ windowDays: 30, perContact: 2 });
      const c = await customer();
      const { advocateId } = await answer(c, promoter);
      const kinds = ['referral', 'reference', 'case_study'] as const;
      const results = [];
      for (const type of kinds) results.push((await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type, channel: 'phone' }), now: NOW })).ok);
      expect(results).toEqual([true, true, false]);
      expect((await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'case_study', channel: 'phone' }), now: later(30) })).ok).toBe(true);
    } finally {
      process.env.ASK_BUDGET_DAYS = saved.days;
      process.env.ASK_BUDGET_PER_CONTACT = saved.per;
      if (saved.days === undefined) delete process.env.ASK_BUDGET_DAYS;
      if (saved.per === undefined) delete process.env.ASK_BUDGET_PER_CONTACT;
      resetEnvCache();
    }
  });

  test('a survey email counts in the budget; a consented follow-up of that same survey may follow it, a review invitation may not', async () => {
    const c = await customer();
    const dealDoc = await Deal.findById(c.deal.id).lean();
    const surveyId = new Types.ObjectId();
    await Survey.create({
      _id: surveyId,
      dealId: c.deal.id,
      wave: 6,
      dueAt: daysAgo(20),
      state: 'answered',
      accountId: c.account.id,
      aeId: rep.id,
      segment: 'mid-market',
      closedWonAt: dealDoc!.closedWonAt,
      contactId: c.contact.id,
      contactEmail: c.contact.email,
      sentAt: daysAgo(20),
      invitedAt: daysAgo(20),
    });
    const { advocateId } = await answer(c, { nps: 9, overall: 'yes', referral: true, surveyId });
    const review = await budgetStatus({ contactId: c.contact.id, accountId: c.account.id, type: 'review', now: NOW });
    expect(review.clearAt).toEqual(later(70));
    expect((await budgetStatus({ contactId: c.contact.id, accountId: c.account.id, type: 'referral', now: NOW })).clearAt).toBeNull();
    expect((await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'referral' }), now: NOW })).ok).toBe(true);
  });

  test('unsubscribed, bounced and complained contacts are never asked, by any channel', async () => {
    for (const status of ['unsubscribed', 'bounced', 'complained'] as const) {
      const c = await customer();
      const { advocateId } = await answer(c, promoter);
      await Contact.updateOne({ _id: c.contact.id }, { $set: { emailStatus: status } });
      for (const channel of ['email', 'phone'] as const) {
        const r = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ channel }), now: NOW });
        expect(r).toMatchObject({ ok: false });
        expect((r as { error: string }).error).toContain(status);
      }
      expect(await Ask.countDocuments({ contactId: c.contact.id })).toBe(0);
      expect(await AskBudgetSlot.countDocuments({ ownerId: c.contact.id })).toBe(0);
    }
  });

  test('a referral ask needs the matching consent; review invitations go out in rounds, by tenure, not satisfaction', async () => {
    const c = await customer({ liveDays: 200 });
    const { advocateId } = await answer(c, { nps: 2, overall: 'no', referral: false });
    const referral = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'referral' }), now: NOW });
    expect(referral.ok).toBe(false);
    expect((referral as { error: string }).error).toMatch(/Has not agreed to refer other companies/);
    // No review invitation one by one (that would let marketing pick the happy ones).
    expect(
      await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'review', platform: 'g2', reviewUrlToVisit: 'https://g2.example/r' }), now: NOW }),
    ).toEqual({ ok: false, error: REVIEW_ROUNDS_ONLY });
    expect(AskFormSchema.safeParse({ requestId: 'abcdefgh1', type: 'review', channel: 'email' }).success).toBe(false);

    const fresh = await customer({ liveDays: 10 });
    await answer(fresh, promoter);
    // A round to everyone eligible: the detractor with tenure is invited, the promoter without tenure is not.
    const round = await createReviewCampaign({
      user: marketing,
      input: { platform: 'g2', reviewUrl: 'https://g2.example/r', incentive: 'a USD 25 gift card', mode: 'all', sampleSize: undefined },
      now: NOW,
      sendNow: 1000,
    });
    expect(round.ok).toBe(true);
    const invited = await Ask.findOne({ contactId: c.contact.id, type: 'review' }).lean();
    expect(invited).toMatchObject({ status: 'sent', platform: 'g2', incentive: 'a USD 25 gift card' });
    expect(await Ask.countDocuments({ contactId: fresh.contact.id, type: 'review' })).toBe(0);
    const email = await EmailMessage.findOne({ to: c.contact.email, template: 'review-invitation' }).lean();
    expect(email!.text).toContain('everyone who writes a review receives the same thing, whatever their rating: a USD 25 gift card');
    expect(email!.text).toMatch(/honest opinion, whatever it is: positive, critical or mixed/);
  });

  test('a review round skips contacts whose budget is used, and records why', async () => {
    const c = await customer({ liveDays: 300 });
    const { advocateId } = await answer(c, promoter);
    await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'reference', channel: 'phone' }), now: daysAgo(10) });
    const round = await createReviewCampaign({
      user: marketing,
      input: { platform: 'trustradius', reviewUrl: 'https://tr.example/r', incentive: '', mode: 'all', sampleSize: undefined },
      now: NOW,
      sendNow: 1000,
    });
    const detail = await getReviewCampaign({ campaignId: (round as { campaignId: string }).campaignId });
    const member = detail!.members.find((m) => m.contactEmail === c.contact.email)!;
    expect(member.result).toBe('skipped');
    expect(member.reason).toMatch(/Next available on/);
  });

  test('only marketing makes asks', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    for (const role of ['leadership', 'admin', 'cs', 'sales'] as const) {
      const user = await makeUser({ role });
      const thrown = await createAsk({ user, target: { advocateId: advocateId! }, form: form(), now: NOW }).catch((e: Response) => e);
      expect((thrown as Response).status).toBe(403);
    }
  });
});

describe('concurrency', () => {
  test('20 concurrent asks for one contact: exactly one takes the budget', async () => {
    const c = await customer();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        takeBudgetSlots({
          contactId: c.contact.id,
          accountId: c.account.id,
          askId: new Types.ObjectId(),
          type: 'referral',
          now: NOW,
          config: { windowDays: 90, perContact: 1, perAccount: 50 },
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await AskBudgetSlot.countDocuments({ scope: 'contact', ownerId: c.contact.id })).toBe(1);
    expect(await AskBudgetSlot.countDocuments({ scope: 'account', ownerId: c.account.id })).toBe(1);
  });

  test('a budget of 2 per contact: 12 concurrent asks, exactly 2 go', async () => {
    const c = await customer();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        takeBudgetSlots({
          contactId: c.contact.id,
          accountId: c.account.id,
          askId: new Types.ObjectId(),
          type: 'reference',
          now: NOW,
          config: { windowDays: 90, perContact: 2, perAccount: 50 },
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(2);
  });

  test('8 concurrent asks through the full flow (different types, both channels): one ask, at most one email', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const types = ['referral', 'reference', 'case_study'] as const;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: types[i % 3], channel: i % 2 ? 'phone' : 'email' }), now: NOW }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await Ask.countDocuments({ contactId: c.contact.id })).toBe(1);
    expect(await EmailMessage.countDocuments({ to: c.contact.email })).toBeLessThanOrEqual(1);
    expect((await counts(ADVOCACY_METRICS.ask, {})).asked).toBeGreaterThanOrEqual(1);
  });

  test('concurrent refreshes of one advocate: each revision applies once, so the candidate rollup moves once', async () => {
    const c = await customer({ liveDays: null });
    const surveyId = new Types.ObjectId();
    expect((await answer(c, { ...promoter, surveyId })).qualifies).toEqual([]);
    const before = await counts(ADVOCACY_METRICS.candidate, { type: 'referral', rep: rep.id });
    await Journey.updateOne({ dealId: c.deal.id }, { $set: { liveAt: daysAgo(200) } });
    const refreshed = await Promise.all(Array.from({ length: 10 }, () => refreshAdvocacyForDeal({ dealId: c.deal.id, now: NOW, surveyId })));
    expect(refreshed.every((r) => r.qualifies.includes('referral'))).toBe(true);
    const after = await counts(ADVOCACY_METRICS.candidate, { type: 'referral', rep: rep.id });
    expect((after.n ?? 0) - (before.n ?? 0)).toBe(1);
    const advocate = await Advocate.findOne({ dealId: c.deal.id }).lean();
    expect(advocate!.qualifies).toEqual(['referral', 'reference', 'case_study']);
  });

  test('an ask stored before revisions were counted (no rev field) still takes status changes', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'reference', channel: 'phone' }), now: NOW });
    const askId = (made as { askId: string }).askId;
    await Ask.collection.updateOne({ _id: new Types.ObjectId(askId) }, { $unset: { rev: '' } });
    expect(await updateAsk({ user: marketing, askId, input: update({ status: 'accepted' }), now: NOW })).toMatchObject({ ok: true });
    expect(await Ask.findById(askId).lean()).toMatchObject({ status: 'accepted', rev: 1 });
  });

  test('concurrent status changes of one ask: one transition wins, the rollup moves once', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'case_study', channel: 'phone' }), now: NOW });
    const askId = (made as { askId: string }).askId;
    const before = await counts(ADVOCACY_METRICS.ask, { type: 'case_study' });
    const outcomes = await Promise.all(
      ['declined', 'accepted', 'declined', 'accepted', 'declined', 'no_response'].map((status) =>
        updateAsk({ user: marketing, askId, input: update({ status: status as AskUpdateInput['status'] }), now: NOW }),
      ),
    );
    const after = await counts(ADVOCACY_METRICS.ask, { type: 'case_study' });
    const ask = await Ask.findById(askId).lean();
    // sent -> X, then possibly accepted -> declined: every applied change is a legal step, recorded once.
    const applied = outcomes.filter((o) => o.ok).length;
    expect(ask!.history).toHaveLength(1 + applied);
    expect(after.asked - before.asked).toBe(0);
    const final = ask!.status;
    expect(['declined', 'accepted', 'no_response']).toContain(final);
    expect((after.declined ?? 0) - (before.declined ?? 0)).toBe(final === 'declined' ? 1 : 0);
  });
});

describe('ask outcomes and expiry', () => {
  test('statuses follow the allowed steps; completing needs its outcome', async () => {
    const c = await customer({ liveDays: 500 });
    await createReviewCampaign({
      user: marketing,
      input: { platform: 'trustradius', reviewUrl: 'https://tr.example/r', incentive: '', mode: 'all', sampleSize: undefined },
      now: later(200),
      sendNow: 1000,
    });
    const askId = String((await Ask.findOne({ contactId: c.contact.id, type: 'review' }).lean())!._id);
    expect(await updateAsk({ user: marketing, askId, input: update({ status: 'completed' }), now: later(200) })).toEqual({
      ok: false,
      errors: { reviewUrl: ['Paste the link to the published review.'] },
    });
    expect((await getAsk({ askId }))!.ask.noResponseBy).not.toBeNull();
    expect((await updateAsk({ user: marketing, askId, input: update({ status: 'accepted' }), now: later(201) })).ok).toBe(true);
    expect((await updateAsk({ user: marketing, askId, input: update({ status: 'completed', reviewUrl: 'https://tr.example/reviews/123' }), now: later(203) })).ok).toBe(true);
    const back = await updateAsk({ user: marketing, askId, input: update({ status: 'declined' }), now: later(204) });
    expect(back).toEqual({ ok: false, error: 'An ask that is completed cannot become declined.' });
    const ask = await Ask.findById(askId).lean();
    expect(ask).toMatchObject({ status: 'completed', reviewUrl: 'https://tr.example/reviews/123' });
    expect(ask!.history.map((h) => h.status)).toEqual(['sent', 'accepted', 'completed']);
    // A completed ask no longer waits for an answer: the page drops its "no answer by" line.
    expect((await getAsk({ askId }))!.ask.noResponseBy).toBeNull();
    const figures = await getAdvocacyFigures();
    expect(figures.reviewsByPlatform.find((p) => p.platform === 'trustradius')!.published).toBeGreaterThanOrEqual(1);
  });

  test('no answer after ASK_NO_RESPONSE_DAYS: no_response (once), and a late answer still counts', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'reference' }), now: NOW });
    const askId = (made as { askId: string }).askId;
    const days = getEnv().ASK_NO_RESPONSE_DAYS;
    await expireUnansweredAsks({ now: later(days - 1) });
    expect((await Ask.findById(askId).lean())!.status).toBe('sent');
    await Promise.all([expireUnansweredAsks({ now: later(days) }), expireUnansweredAsks({ now: later(days) })]);
    const ask = await Ask.findById(askId).lean();
    expect(ask!.status).toBe('no_response');
    expect(ask!.history.filter((h) => h.status === 'no_response')).toHaveLength(1);
    expect((await updateAsk({ user: marketing, askId, input: update({ status: 'completed', referenceDate: '2026-10-15' }), now: later(days + 2) })).ok).toBe(true);
  });
});

describe('attribution: deal -> advocate -> referral -> new deal -> referred revenue', () => {
  test('a completed referral ask records the referral; the new deal links back; revenue per advocate, origin deal and rep', async () => {
    const c = await customer({ name: 'Origin Co' });
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ type: 'referral' }), now: NOW });
    const askId = (made as { askId: string }).askId;
    const done = await updateAsk({
      user: marketing,
      askId,
      input: update({
        status: 'completed',
        referredCompany: 'Referred Inc',
        referredDomain: 'referred.example',
        referredContactName: 'Rae Ferred',
        referredContactEmail: 'rae@referred.example',
        estimatedArr: 40_000,
      }),
      now: later(5),
    });
    expect(done.ok).toBe(true);
    const referralId = (done as { referralId: string }).referralId;
    const referral = await Referral.findById(referralId).lean();
    expect(referral).toMatchObject({ status: 'open', referredCompany: 'Referred Inc', estimatedArr: 40_000 });
    expect(String(referral!.originDealId)).toBe(c.deal.id);
    expect(String(referral!.aeId)).toBe(rep.id);
    let byOrigin = await counts(ADVOCACY_METRICS.referral, { origin: c.deal.id });
    expect(byOrigin).toMatchObject({ referrals: 1, open: 1, pipeline: 40_000 });

    // The referred company closes.
    const newAccount = await makeAccount({ name: 'Referred Inc' });
    const otherRep = await makeUser({ role: 'sales' });
    const newDeal = await makeDeal({ accountId: newAccount.id, aeId: otherRep.id, arr: 72_000 });
    const linked = await linkReferralToDeal({ referralId, dealId: newDeal.id, via: 'webhook', now: later(60) });
    expect(linked.ok).toBe(true);
    expect(String((await Deal.findById(newDeal.id).lean())!.referralId)).toBe(referralId);
    // Replayed: nothing moves twice.
    expect(await linkReferralToDeal({ referralId, dealId: newDeal.id, via: 'webhook', now: later(61) })).toMatchObject({ ok: true, duplicate: true });

    byOrigin = await counts(ADVOCACY_METRICS.referral, { origin: c.deal.id });
    expect(byOrigin).toMatchObject({ referrals: 1, open: 0, pipeline: 0, won: 1, revenue: 72_000 });
    const figures = await getAdvocacyFigures({ top: 1000 });
    expect(figures.byAdvocate.find((g) => g.id === advocateId)).toMatchObject({ revenue: 72_000, won: 1 });
    expect(figures.byOrigin.find((g) => g.id === c.deal.id)).toMatchObject({ revenue: 72_000, name: (await Deal.findById(c.deal.id).lean())!.name });
    expect(figures.byRep.find((g) => g.id === rep.id)!.revenue).toBeGreaterThanOrEqual(72_000);

    // One deal per referral, one referral per deal; never the advocate's own account.
    const another = await makeDeal({ accountId: (await makeAccount()).id, aeId: otherRep.id });
    expect(await linkReferralToDeal({ referralId, dealId: another.id, via: 'manual', now: later(62) })).toEqual({
      ok: false,
      error: 'That referral is already linked to another deal.',
    });
    const own = await makeDeal({ accountId: c.account.id, aeId: rep.id });
    const second = await updateAsk({ user: marketing, askId, input: update({ status: 'declined' }), now: later(63) });
    expect(second.ok).toBe(false);
    const r2 = await createReferral({
      user: marketing,
      advocateId: advocateId!,
      input: { referredCompany: 'Second Co', referredDomain: '', referredContactName: '', referredContactEmail: '', estimatedArr: 0, note: '' },
      now: later(63),
    });
    expect((await linkReferralToDeal({ referralId: r2.referralId, dealId: own.id, via: 'manual' })).ok).toBe(false);
    expect(await linkReferralToDeal({ referralId: r2.referralId, dealId: newDeal.id, via: 'manual' })).toEqual({
      ok: false,
      error: 'This deal is already linked to another referral.',
    });

    // A sales rep sees referrals from their own customers only.
    const repView = await listReferrals({ user: rep, query: { page: 1 } });
    expect(repView.referrals.every((r) => r.aeId === rep.id)).toBe(true);
    expect(repView.referrals.some((r) => r.id === referralId)).toBe(true);
    expect((await listReferrals({ user: otherRep, query: { page: 1 } })).referrals.some((r) => r.id === referralId)).toBe(false);
    expect((await listExpansionCandidates({ user: otherRep })).accounts).toHaveLength(0);
  });

  test('the referred deal arrives by CRM webhook carrying the referral id (replayed: counted once)', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form(), now: NOW });
    const done = await updateAsk({
      user: marketing,
      askId: (made as { askId: string }).askId,
      input: update({ status: 'completed', referredCompany: 'Hooked Co', estimatedArr: 5_000 }),
      now: NOW,
    });
    const referralId = (done as { referralId: string }).referralId;
    const event = CrmWebhookSchema.parse({
      id: `evt-${referralId}`,
      type: 'deal.closed_won',
      crm: 'hubspot',
      deal: {
        crmId: `hs-${referralId}`,
        name: 'Hooked Co - Platform',
        closedWonAt: '2026-08-20',
        arr: 33_000,
        ownerEmail: rep.email,
        account: { name: 'Hooked Co', domain: 'hooked.example' },
        referralId,
      },
    });
    const first = await handleCrmEvent({ event, now: NOW });
    expect(first.status).toBe(200);
    const dealId = (first.body as { dealId: string }).dealId;
    expect(String((await Deal.findById(dealId).lean())!.referralId)).toBe(referralId);
    expect(await Referral.findById(referralId).lean()).toMatchObject({ status: 'won', newDealArr: 33_000, linkedVia: 'webhook' });
    await handleCrmEvent({ event: { ...event, id: `${event.id}-again` }, now: NOW });
    expect(await counts(ADVOCACY_METRICS.referral, { origin: c.deal.id })).toMatchObject({ referrals: 1, won: 1, revenue: 33_000, open: 0, pipeline: 0 });
    // A malformed referral id is refused by the schema; an unknown one is logged and the deal still arrives.
    expect(CrmWebhookSchema.safeParse({ ...event, deal: { ...event.deal, referralId: 'nope' } }).success).toBe(false);
    const unknown = await handleCrmEvent({
      event: { ...event, id: 'evt-unknown-ref', deal: { ...event.deal, crmId: 'hs-unknown', referralId: new Types.ObjectId().toHexString() } },
      now: NOW,
    });
    expect(unknown.status).toBe(200);
  });

  test('the referred deal arrives by CSV import with a referral_id column', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form(), now: NOW });
    const done = await updateAsk({ user: marketing, askId: (made as { askId: string }).askId, input: update({ status: 'completed', referredCompany: 'Imported Co' }), now: NOW });
    const referralId = (done as { referralId: string }).referralId;
    const cs = await makeUser({ role: 'cs' });
    const csv = [
      'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,referral_id',
      `imp-${referralId},Imported Co - Suite,closed won,2026-08-01,27000,USD,${rep.email},Imported Co,imported-${referralId}.example,${referralId}`,
      `imp-bad-${referralId},Bad Ref Co - Suite,closed won,2026-08-01,1000,USD,${rep.email},Bad Ref Co,badref-${referralId}.example,not-a-referral`,
    ].join('\r\n');
    const file = path.join(os.tmpdir(), `kept-referral-import-${referralId}.csv`);
    fs.writeFileSync(file, csv);
    const jobId = await createImportJob({ user: cs, file: { path: file, name: 'referred.csv', size: fs.statSync(file).size } });
    const view = await getImportView({ user: cs, jobId, now: NOW });
    expect(view!.mapping.referralId).toBe('referral_id');
    const values: Record<string, string> = { source: view!.source, defaultSegment: 'mid-market', dateOrder: 'mdy', currency: 'USD' };
    for (const [field, header] of Object.entries(view!.mapping)) values[`map.${field}`] = header as string;
    expect((await saveMapping({ user: cs, jobId, values }))?.ok).toBe(true);
    const started = await startImport({ user: cs, jobId, now: NOW });
    await runImport({ jobId, attempt: (started as { attempt: number }).attempt, now: NOW });
    const referral = await Referral.findById(referralId).lean();
    expect(referral).toMatchObject({ status: 'won', newDealArr: 27_000, linkedVia: 'import' });
    expect(String((await Deal.findById(referral!.newDealId).lean())!.referralId)).toBe(referralId);
    // The malformed id is a row error, not an imported deal.
    expect(await Deal.countDocuments({ crmId: `imp-bad-${referralId}` })).toBe(0);
  });

  test('concurrent links of one referral to two deals: exactly one wins', async () => {
    const c = await customer();
    const { advocateId } = await answer(c, promoter);
    const made = await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form(), now: NOW });
    const done = await updateAsk({ user: marketing, askId: (made as { askId: string }).askId, input: update({ status: 'completed', referredCompany: 'Race Co' }), now: NOW });
    const referralId = (done as { referralId: string }).referralId;
    const deals = await Promise.all([1, 2, 3, 4].map(async () => makeDeal({ accountId: (await makeAccount()).id, aeId: rep.id, arr: 10_000 })));
    const results = await Promise.all(deals.map((d) => linkReferralToDeal({ referralId, dealId: d.id, via: 'webhook' })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await Deal.countDocuments({ referralId })).toBe(1);
    expect((await counts(ADVOCACY_METRICS.referral, { origin: c.deal.id })).revenue).toBe(10_000);
  });
});

describe('review invitations: all eligible or a recorded random sample', () => {
  test('the population is live + tenure (detractors included, promoters without tenure excluded); the sample is recorded and reproducible', async () => {
    const detractor = await customer({ liveDays: 300 });
    await answer(detractor, { nps: 1, overall: 'no' });
    const newPromoter = await customer({ liveDays: 20 });
    await answer(newPromoter, promoter);
    const plain = await customer({ liveDays: 150 });
    const result = await createReviewCampaign({
      user: marketing,
      input: { platform: 'g2', reviewUrl: 'https://www.g2.com/products/kept/take_survey', incentive: '', mode: 'sample', sampleSize: 2 },
      now: NOW,
    });
    expect(result.ok).toBe(true);
    const campaign = await ReviewCampaign.findById((result as { campaignId: string }).campaignId).lean();
    const { reviewPopulation } = await import('#app/advocacy/review-campaigns.server');
    const population = await reviewPopulation({ now: NOW, minTenureDays: 90 });
    const ids = population.map((m) => m.contactId);
    expect(ids).toContain(detractor.contact.id);
    expect(ids).toContain(plain.contact.id);
    expect(ids).not.toContain(newPromoter.contact.id);
    expect(campaign!.populationSize).toBe(population.length);
    expect(campaign!.members).toHaveLength(2);
    // Anyone can replay the draw from the recorded seed.
    expect(campaign!.members.map((m) => String(m.contactId))).toEqual(drawSample({ population, size: 2, seed: campaign!.seed }).map((m) => m.contactId));
    const invites = await Ask.find({ campaignId: campaign!._id }).lean();
    expect(invites.length + (result as { skipped: number }).skipped).toBe(2);
    for (const a of invites) expect(a).toMatchObject({ type: 'review', platform: 'g2', incentive: '' });
    const emails = await EmailMessage.find({ idempotencyKey: trustedIn(invites.map((a) => `ask:${String(a._id)}`)) }).lean();
    expect(emails).toHaveLength(invites.length);
    for (const e of emails) expect(e.text).toContain('There is no reward for reviewing');
  });
});

const trustedIn = (values: string[]) => trusted({ $in: values }) as unknown as string;

describe('read model and exports', () => {
  test('rebuild == incremental', async () => {
    const kinds = Object.values(ADVOCACY_METRICS);
    const norm = (rows: { dims: Record<string, string>; counts: Record<string, number> }[]) =>
      rows
        .map((r) => ({
          dims: JSON.stringify(Object.entries(r.dims).sort()),
          counts: Object.fromEntries(
            Object.entries(r.counts)
              .filter(([, n]) => n !== 0)
              .sort(),
          ),
        }))
        .filter((r) => Object.keys(r.counts).length)
        .sort((a, b) => a.dims.localeCompare(b.dims));
    const incremental = await Promise.all(kinds.map((k) => readMetrics(k).then(norm)));
    expect(incremental.flat().length).toBeGreaterThan(3);
    await rebuildAdvocacyMetrics();
    const rebuilt = await Promise.all(kinds.map((k) => readMetrics(k).then(norm)));
    expect(rebuilt).toEqual(incremental);
    expect(await Metric.countDocuments({ kind: ADVOCACY_METRICS.ask })).toBeGreaterThan(0);
  });

  test('CSV exports escape formula cells', async () => {
    const c = await customer();
    await Contact.updateOne({ _id: c.contact.id }, { $set: { name: '=HYPERLINK("http://evil","x")' } });
    const { advocateId } = await answer(c, promoter);
    await createAsk({ user: marketing, target: { advocateId: advocateId! }, form: form({ channel: 'phone' }), now: NOW });
    const read = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
    const candidates = await read(exportCandidatesCsv({ now: NOW }));
    expect(candidates.split('\r\n')[0]).toMatch(/^advocate_id,contact,email,account,origin_deal_id/);
    expect(candidates).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(candidates).not.toMatch(/(^|,)=HYPERLINK/m);
    const asks = await read(exportAsksCsv());
    expect(asks).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
  });
});
