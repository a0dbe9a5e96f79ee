// Asks: a referral, reference, case-study ask or review invitation to one contact, by email through
// the outbox (with its own unsubscribe link) or logged as a phone call. Each takes the ask budget
// (ask-budget.server.ts); statuses move sent -> accepted -> completed, or declined, or no response
// (the worker, after ASK_NO_RESPONSE_DAYS), and the `advocacy.ask` rollup moves with them.
import { Types } from 'mongoose';
import { createElement } from 'react';
import { z } from 'zod';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { Ask, type AskDoc } from '#models/ask';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Referral } from '#models/referral';
import type { SessionUser } from '#app/auth/session.server';
import { isDuplicateKey, trusted } from '#app/platform/db.server';
import { askCounters, candidateConditions, canMoveAsk, counterDiff, DAY_MS, reviewConditions } from '#app/advocacy/advocacy-rules.server';
import { claimOnce } from '#app/platform/claims.server';
import { sendEmail } from '#app/email/email.server';
import { bumpMetric } from '#app/platform/metrics.server';
import { createUnsubscribeLink } from '#app/email/unsubscribe.server';
import {
  ASK_STATUSES,
  ASK_TYPE_LABELS,
  ASK_TYPES,
  type AskChannel,
  type AskStatus,
  type AskType,
  type CandidateType,
  PLATFORM_LABELS,
  type ReviewPlatform,
} from '#app/advocacy/advocacy-types';
import { logError } from '#app/utils/log.server';
import { formatDate } from '#app/utils/format';
import { AdvocacyAskEmail, advocacyAskSubject } from '#emails/advocacy-ask';
import { ReviewInvitationEmail, reviewInvitationSubject } from '#emails/review-invitation';
import { buyerLocale } from '#app/i18n/locale.server';
import { buyerEmailBrand } from '#app/branding/brand.server';
import { idOf, isObjectId, objectIdFrom } from '#app/utils/ids.server';
import { iso } from '#app/utils/iso';
import { ADVOCACY_METRICS, advocacyConfig, namesOf, requireAdvocacyWriter } from '#app/advocacy/shared.server';
import { revise } from '#app/advocacy/revise.server';
import { releaseBudgetSlots, takeBudgetSlots } from '#app/advocacy/ask-budget.server';
import { type AdvocateLean, factsOf } from '#app/advocacy/advocates.server';
import { refreshContactBudget } from '#app/advocacy/refresh.server';
import { type AskFormInput, type AskUpdateInput, REVIEW_ROUNDS_ONLY } from '#app/advocacy/forms';
import { createReferral, type ReferralLean, referralView } from '#app/advocacy/referrals.server';

export type AskLean = AskDoc & { _id: Types.ObjectId; rev?: number };

export function askView(a: AskLean) {
  return {
    id: String(a._id),
    type: a.type as AskType,
    channel: a.channel as AskChannel,
    status: a.status as AskStatus,
    contact: { id: String(a.contactId), name: a.contactName, email: a.contactEmail },
    account: { id: String(a.accountId), name: a.accountName },
    advocateId: idOf(a.advocateId),
    dealId: idOf(a.dealId),
    aeId: idOf(a.aeId),
    platform: (a.platform as ReviewPlatform | null) ?? null,
    reviewUrlToVisit: a.reviewUrlToVisit ?? null,
    incentive: a.incentive ?? '',
    campaignId: idOf(a.campaignId),
    message: a.message ?? '',
    sentAt: iso(a.sentAt),
    dueBy: iso(a.dueBy),
    // Only an ask still waiting for its first answer turns into "no response" (expireUnansweredAsks).
    noResponseBy: a.status === 'sent' ? iso(a.dueBy) : null,
    respondedAt: iso(a.respondedAt),
    completedAt: iso(a.completedAt),
    reviewUrl: a.reviewUrl ?? null,
    referenceDate: iso(a.referenceDate),
    caseStudyUrl: a.caseStudyUrl ?? null,
    referredCompany: a.referredCompany ?? null,
    referralId: idOf(a.referralId),
    outcomeNote: a.outcomeNote ?? '',
    emailMessageId: idOf(a.emailMessageId),
    createdByName: a.createdByName ?? '',
    history: (a.history ?? []).map((h) => ({ status: h.status as AskStatus, at: iso(h.at), byName: h.byName ?? '', note: h.note ?? '' })),
  };
}
export type AskView = ReturnType<typeof askView>;

export const askDims = (a: { type: string; channel: string; platform?: string | null }) => ({
  type: a.type,
  channel: a.channel,
  platform: a.type === 'review' ? (a.platform ?? 'custom') : undefined,
});
export const everAccepted = (a: Pick<AskLean, 'history'>) => (a.history ?? []).some((h) => h.status === 'accepted' || h.status === 'completed');

export type AskResult = { ok: true; askId: string; duplicate: boolean; message: string } | { ok: false; error: string; nextAvailableAt?: string | null };

/** The email an ask sends, with its own unsubscribe link (one-click, List-Unsubscribe). */
async function queueAskEmail(input: { ask: AskLean; senderName: string; senderEmail: string; now: Date }) {
  const { ask, senderName, senderEmail, now } = input;
  const unsubscribe = await createUnsubscribeLink({ contact: { id: ask.contactId, email: ask.contactEmail }, source: `ask:${String(ask._id)}`, now });
  const key = `ask:${String(ask._id)}`;
  const [{ brand, ...sender }, contact, account] = await Promise.all([
    buyerEmailBrand(),
    Contact.findById(ask.contactId).select('language').lean(),
    Account.findById(ask.accountId).select('language').lean(),
  ]);
  // The buyer's language (docs/i18n.md).
  const locale = await buyerLocale({ contact, account });
  if (ask.type === 'review') {
    const label = PLATFORM_LABELS[(ask.platform as ReviewPlatform) ?? 'custom'];
    // The vendor's own review page is "our review page" in the buyer's language.
    const platformName = label === 'Custom URL' ? null : label;
    return sendEmail({
      key,
      template: 'review-invitation',
      to: ask.contactEmail,
      ...sender,
      subject: reviewInvitationSubject(locale, platformName),
      react: createElement(ReviewInvitationEmail, {
        brand,
        locale,
        contactName: ask.contactName,
        accountName: ask.accountName,
        platformName,
        reviewUrl: ask.reviewUrlToVisit ?? '',
        incentive: ask.incentive ?? '',
        senderName,
        unsubscribeUrl: unsubscribe.url,
      }),
      headers: unsubscribe.headers,
      meta: { entityType: 'ask', entityId: String(ask._id), type: ask.type },
      now,
    });
  }
  return sendEmail({
    key,
    template: 'advocacy-ask',
    to: ask.contactEmail,
    ...sender,
    subject: advocacyAskSubject(locale, ask.type as CandidateType),
    react: createElement(AdvocacyAskEmail, {
      brand,
      locale,
      askType: ask.type as CandidateType,
      contactName: ask.contactName,
      accountName: ask.accountName,
      message: ask.message ?? '',
      senderName,
      senderEmail,
      unsubscribeUrl: unsubscribe.url,
    }),
    headers: unsubscribe.headers,
    meta: { entityType: 'ask', entityId: String(ask._id), type: ask.type },
    now,
  });
}

/**
 * Records one ask and sends it: checks the rule for its type (review: live + tenure; the others:
 * the candidate rule), refuses contacts we may not email, takes the budget slots (refusing with
 * the next available date), then queues the email through the outbox or logs the phone call.
 * Idempotent on the form's request id.
 */
export async function createAsk(input: {
  user: SessionUser;
  target: { advocateId: string } | { contactId: string; dealId: string; campaignId?: string };
  form: AskFormInput;
  askId?: Types.ObjectId;
  now?: Date;
}): Promise<AskResult> {
  const { user, form } = input;
  const now = input.now ?? new Date();
  requireAdvocacyWriter(user);
  const config = advocacyConfig();

  // Review platforms forbid choosing who to invite: review invitations only go out in rounds to
  // every eligible customer or an impartial sample (createReviewCampaign), never one by one from
  // a list of happy customers.
  if (form.type === 'review' && !('campaignId' in input.target && input.target.campaignId)) {
    return { ok: false, error: REVIEW_ROUNDS_ONLY };
  }
  // Who: an advocate (origin deal and rep from the survey answer) or, for review invitations, a
  // contact of a live deal's account.
  let advocate: AdvocateLean | null = null;
  let contactId: string;
  let dealId: string;
  if ('advocateId' in input.target) {
    if (!isObjectId(input.target.advocateId)) throw new Response('That advocate was not found.', { status: 404 });
    advocate = (await Advocate.findById(input.target.advocateId).lean()) as AdvocateLean | null;
    if (!advocate) throw new Response('That advocate was not found.', { status: 404 });
    contactId = String(advocate.contactId);
    dealId = String(advocate.dealId);
  } else {
    if (form.type !== 'review') return { ok: false, error: 'Only review invitations go to contacts who are not advocates.' };
    contactId = input.target.contactId;
    dealId = input.target.dealId;
  }
  const [contact, deal, journey] = await Promise.all([
    Contact.findById(contactId).select('name email emailStatus accountId').lean(),
    Deal.findById(dealId).select('name accountId aeId').lean(),
    Journey.findOne({ dealId }).select('liveAt').lean(),
  ]);
  if (!contact || !deal || String(contact.accountId) !== String(deal.accountId)) return { ok: false, error: 'That contact or deal no longer exists.' };
  const account = await Account.findById(deal.accountId).select('name status').lean();
  const contactStatus = contact.emailStatus ?? 'ok';
  if (contactStatus !== 'ok') return { ok: false, error: `${contact.email} is ${contactStatus}: Kept never asks them, by email or by phone.` };

  const facts = { liveAt: journey?.liveAt ?? null, accountChurned: account?.status === 'churned', contactStatus };
  const conditions =
    form.type === 'review'
      ? reviewConditions(facts, { minTenureDays: config.minTenureDays, now })
      : advocate
        ? candidateConditions(form.type, { ...factsOf(advocate), ...facts, budgetClearAt: null }, now).concat(
            advocate.current ? [] : [{ key: 'current', ok: false, text: 'A later survey answer on this deal came from someone else' }],
          )
        : [];
  const failing = conditions.filter((c) => !c.ok);
  if (failing.length) return { ok: false, error: `Not eligible for a ${ASK_TYPE_LABELS[form.type].toLowerCase()}: ${failing.map((c) => c.text).join('; ')}.` };

  const askId = input.askId ?? objectIdFrom(`ask:manual:${form.requestId}`);
  const existing = (await Ask.findById(askId).lean()) as AskLean | null;
  if (existing) {
    if (String(existing.contactId) !== contactId || existing.type !== form.type) return { ok: false, error: 'Reload the page and try again.' };
    return { ok: true, askId: String(askId), duplicate: true, message: 'This ask was already recorded.' };
  }

  const slots = await takeBudgetSlots({ contactId, accountId: String(deal.accountId), askId, type: form.type, now, config: config.budget });
  if (!slots.ok) {
    if (slots.scope === 'busy') return { ok: false, error: 'Another ask for this contact is being recorded right now; try again in a moment.' };
    const when = slots.nextAvailableAt ? formatDate(slots.nextAvailableAt.toISOString()) : 'later';
    const who = slots.scope === 'contact' ? `${contact.name} was asked (or surveyed) recently` : `${account?.name ?? 'This account'} has used its ask budget`;
    return {
      ok: false,
      error: `${who}: one ask budget of ${slots.scope === 'contact' ? config.budget.perContact : config.budget.perAccount} per ${config.budget.windowDays} days. Next available on ${when}.`,
      nextAvailableAt: iso(slots.nextAvailableAt),
    };
  }

  const status: AskStatus = form.channel === 'phone' ? form.phoneStatus : 'sent';
  const doc = {
    _id: askId,
    type: form.type,
    channel: form.channel,
    status,
    contactId: contact._id,
    contactName: contact.name,
    contactEmail: contact.email,
    accountId: deal.accountId,
    accountName: account?.name ?? '',
    advocateId: advocate?._id,
    dealId: deal._id,
    aeId: deal.aeId,
    platform: form.type === 'review' ? (form.platform ?? 'custom') : undefined,
    reviewUrlToVisit: form.type === 'review' ? form.reviewUrlToVisit || undefined : undefined,
    incentive: form.type === 'review' ? form.incentive : '',
    campaignId: 'campaignId' in input.target && input.target.campaignId ? input.target.campaignId : undefined,
    message: form.message,
    sentAt: now,
    dueBy: new Date(now.getTime() + config.noResponseDays * DAY_MS),
    respondedAt: status === 'sent' ? undefined : now,
    slotIds: slots.slotIds,
    history: [{ status, at: now, byId: user.id, byName: user.name, note: form.channel === 'phone' ? 'Asked by phone' : 'Email queued' }],
    createdById: user.id,
    createdByName: user.name,
    emailKey: form.channel === 'email' ? `ask:${String(askId)}` : undefined,
  };
  try {
    await Ask.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) return { ok: true, askId: String(askId), duplicate: true, message: 'This ask was already recorded.' };
    await releaseBudgetSlots({ askId });
    throw error;
  }

  if (form.channel === 'email') {
    const sent = await queueAskEmail({ ask: doc as unknown as AskLean, senderName: user.name, senderEmail: user.email, now }).catch((error) => {
      logError(error, { where: 'queueAskEmail', askId: String(askId) });
      return { ok: false as const, error: 'The email could not be queued.' };
    });
    if (!sent.ok) {
      // Never made: no email left Kept, so the ask and its budget slots go.
      await Ask.deleteOne({ _id: askId });
      await releaseBudgetSlots({ askId });
      return { ok: false, error: `${sent.error} Nothing was sent; try again.` };
    }
    await Ask.updateOne({ _id: askId }, { $set: { emailMessageId: sent.id } });
  }
  if (await claimOnce({ key: `ask:${String(askId)}:metric`, owner: 'advocacy', now: new Date() })) {
    await bumpMetric(ADVOCACY_METRICS.ask, askDims(doc), askCounters({ status, everAccepted: status === 'accepted' }));
  }
  await recordAudit({ actorId: user.id, action: 'ask.created', entityType: 'ask', entityId: askId, data: { type: form.type, channel: form.channel, contactId, status }, now });
  await refreshContactBudget({ contactId, now });
  const label = ASK_TYPE_LABELS[form.type].toLowerCase();
  return {
    ok: true,
    askId: String(askId),
    duplicate: false,
    message: form.channel === 'email' ? `The ${label} to ${contact.email} is queued in the outbox.` : `The ${label} by phone is logged.`,
  };
}

/** What a completed ask must record, by type. */
function outcomeErrors(type: AskType, input: AskUpdateInput): Record<string, string[]> {
  if (input.status !== 'completed') return {};
  if (type === 'review' && !input.reviewUrl) return { reviewUrl: ['Paste the link to the published review.'] };
  if (type === 'reference' && !input.referenceDate) return { referenceDate: ['Enter the date of the reference call.'] };
  if (type === 'referral' && !input.referredCompany) return { referredCompany: ['Enter the company they referred.'] };
  return {};
}

export type AskUpdateResult = { ok: true; message: string; referralId?: string } | { ok: false; error?: string; errors?: Record<string, string[]> };

/** Moves an ask to a new status with its outcome (review URL, reference date, referred company); marketing only. */
export async function updateAsk({ user, askId, input, now = new Date() }: { user: SessionUser; askId: string; input: AskUpdateInput; now?: Date }): Promise<AskUpdateResult> {
  requireAdvocacyWriter(user);
  if (!isObjectId(askId)) throw new Response('That ask was not found.', { status: 404 });
  const current = (await Ask.findById(askId).select('type status').lean()) as AskLean | null;
  if (!current) throw new Response('That ask was not found.', { status: 404 });
  const errors = outcomeErrors(current.type as AskType, input);
  if (Object.keys(errors).length) return { ok: false, errors };

  const result = await revise<AskLean>({
    model: Ask,
    id: askId,
    change: (a) => {
      if (!canMoveAsk(a.status as AskStatus, input.status)) return null;
      const set: Record<string, unknown> = { status: input.status };
      if (!a.respondedAt && input.status !== 'no_response') set.respondedAt = now;
      if (input.status === 'completed') set.completedAt = now;
      if (input.reviewUrl) set.reviewUrl = input.reviewUrl;
      if (input.referenceDate) set.referenceDate = new Date(`${input.referenceDate}T00:00:00.000Z`);
      if (input.caseStudyUrl) set.caseStudyUrl = input.caseStudyUrl;
      if (input.referredCompany) set.referredCompany = input.referredCompany;
      if (input.note) set.outcomeNote = input.note;
      return { $set: set, $push: { history: { status: input.status, at: now, byId: user.id, byName: user.name, note: input.note } } };
    },
  });
  if (!result.ok) {
    if (result.reason === 'busy') return { ok: false, error: 'Someone is updating this ask right now; try again in a moment.' };
    if (result.reason === 'missing') throw new Response('That ask was not found.', { status: 404 });
    return { ok: false, error: `An ask that is ${result.doc?.status?.replace('_', ' ')} cannot become ${input.status.replace('_', ' ')}.` };
  }
  const before = result.before;
  const after = { status: input.status, everAccepted: everAccepted(before) || input.status === 'accepted' || input.status === 'completed' };
  const diff = counterDiff(askCounters({ status: before.status as AskStatus, everAccepted: everAccepted(before) }), askCounters(after));
  await bumpMetric(ADVOCACY_METRICS.ask, askDims(before), diff);
  await recordAudit({ actorId: user.id, action: 'ask.status_changed', entityType: 'ask', entityId: askId, data: { from: before.status, to: input.status }, now });

  let referralId: string | undefined;
  if (before.type === 'referral' && input.status === 'completed' && before.advocateId) {
    const referral = await createReferral({
      user,
      advocateId: String(before.advocateId),
      askId,
      input: {
        referredCompany: input.referredCompany,
        referredDomain: input.referredDomain,
        referredContactName: input.referredContactName,
        referredContactEmail: input.referredContactEmail,
        estimatedArr: input.estimatedArr,
        note: input.note,
      },
      now,
    });
    if (referral.ok) {
      referralId = referral.referralId;
      await Ask.updateOne({ _id: askId }, { $set: { referralId } }).catch(() => undefined);
    }
  }
  return {
    ok: true,
    message: referralId
      ? `The ask is completed and the referral to ${input.referredCompany} is recorded (referral id ${referralId}).`
      : `The ask is now ${input.status.replace('_', ' ')}.`,
    referralId,
  };
}

/** Worker: asks sent with no answer after ASK_NO_RESPONSE_DAYS become no_response. */
export async function expireUnansweredAsks({ now, limit = 200 }: { now: Date; limit?: number }) {
  const due = await Ask.find({ status: 'sent', dueBy: trusted({ $lte: now }) })
    .limit(limit)
    .select('_id')
    .lean();
  let expired = 0;
  for (const { _id } of due) {
    const result = await revise<AskLean>({
      model: Ask,
      id: _id,
      attempts: 3,
      change: (a) =>
        a.status === 'sent' && a.dueBy <= now
          ? {
              $set: { status: 'no_response' },
              $push: { history: { status: 'no_response', at: now, byName: 'Kept', note: `No answer after ${advocacyConfig().noResponseDays} days` } },
            }
          : null,
    });
    if (!result.ok) continue;
    await bumpMetric(
      ADVOCACY_METRICS.ask,
      askDims(result.before),
      counterDiff(askCounters({ status: 'sent', everAccepted: false }), askCounters({ status: 'no_response', everAccepted: false })),
    );
    expired++;
  }
  return { due: due.length, expired };
}

export const AskListQuerySchema = z.object({
  type: z
    .enum(ASK_TYPES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  status: z
    .enum(ASK_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type AskListQuery = z.infer<typeof AskListQuerySchema>;

/** One page of asks, newest first. */
export async function listAsks({ query, perPage = 25 }: { query: AskListQuery; perPage?: number }) {
  const filter: Record<string, unknown> = {};
  if (query.type) filter.type = query.type;
  if (query.status) filter.status = query.status;
  const [rows, total] = await Promise.all([
    Ask.find(filter)
      .sort({ sentAt: -1, _id: -1 })
      .skip((query.page - 1) * perPage)
      .limit(perPage)
      .lean(),
    Ask.countDocuments(filter),
  ]);
  return { asks: (rows as AskLean[]).map(askView), total, page: query.page, pageCount: Math.max(1, Math.ceil(total / perPage)) };
}

/** One ask with its origin deal and rep names. */
export async function getAsk({ askId }: { askId: string }) {
  if (!isObjectId(askId)) return null;
  const a = (await Ask.findById(askId).lean()) as AskLean | null;
  if (!a) return null;
  const [deal, reps, referral] = await Promise.all([
    a.dealId ? Deal.findById(a.dealId).select('name').lean() : null,
    namesOf([a.aeId]),
    a.referralId ? Referral.findById(a.referralId).lean() : null,
  ]);
  return {
    ask: askView(a),
    deal: a.dealId ? { id: String(a.dealId), name: deal?.name ?? '' } : null,
    rep: a.aeId ? { id: String(a.aeId), name: reps.get(String(a.aeId)) ?? '' } : null,
    referral: referral ? referralView(referral as ReferralLean) : null,
    next: ASK_STATUSES.filter((s) => canMoveAsk(a.status as AskStatus, s)),
  };
}
