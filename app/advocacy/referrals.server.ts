// Referrals and attribution: advocate -> referral -> new deal -> referred revenue. A referral is
// recorded from a completed referral ask or directly; the deal it became is linked by the CRM
// webhook or CSV import (a reaction to `deal.referred`, reactions.server.ts) or by hand, one deal
// per referral and one referral per deal, each held by a unique Claim.
import { Types } from 'mongoose';
import { z } from 'zod';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { recordAudit } from '#models/audit-event';
import { Deal } from '#models/deal';
import { Referral, type ReferralDoc } from '#models/referral';
import type { SessionUser } from '#app/auth/session.server';
import { isDuplicateKey } from '#app/platform/db.server';
import { compareReferredCompany } from '#app/advocacy/advocacy-rules.server';
import { claimOnce, getClaim, releaseClaim, releaseClaims } from '#app/platform/claims.server';
import { bumpMetric } from '#app/platform/metrics.server';
import { REFERRAL_STATUSES } from '#app/advocacy/advocacy-types';
import { may } from '#app/auth/permissions';
import { idOf, isObjectId, objectIdFrom } from '#app/utils/ids.server';
import { iso } from '#app/utils/iso';
import { ADVOCACY_METRICS, forbidden, namesOf, requireAdvocacyWriter } from '#app/advocacy/shared.server';
import { revise } from '#app/advocacy/revise.server';
import { recorded } from '#app/platform/events.server';
import type { AdvocateLean } from '#app/advocacy/advocates.server';
import type { ReferralForm } from '#app/advocacy/forms';

export type ReferralLean = ReferralDoc & { _id: Types.ObjectId; rev?: number };

export function referralView(r: ReferralLean) {
  return {
    id: String(r._id),
    status: r.status as (typeof REFERRAL_STATUSES)[number],
    referredCompany: r.referredCompany,
    referredDomain: r.referredDomain ?? '',
    referredContactName: r.referredContactName ?? '',
    referredContactEmail: r.referredContactEmail ?? '',
    estimatedArr: r.estimatedArr ?? 0,
    currency: r.currency ?? 'USD',
    advocate: { id: String(r.advocateId), name: r.advocateName, accountId: String(r.advocateAccountId), accountName: r.advocateAccountName },
    originDeal: { id: String(r.originDealId), name: r.originDealName },
    aeId: String(r.aeId),
    askId: idOf(r.askId),
    newDeal: r.newDealId
      ? { id: String(r.newDealId), name: r.newDealName ?? '', arr: r.newDealArr ?? 0, currency: r.newDealCurrency ?? 'USD', closedWonAt: iso(r.newDealClosedWonAt) }
      : null,
    linkedAt: iso(r.linkedAt),
    linkedVia: r.linkedVia ?? null,
    createdAt: iso(r.createdAt),
  };
}
export type ReferralView = ReturnType<typeof referralView>;

export const referralDims = (r: Pick<ReferralLean, 'advocateId' | 'originDealId' | 'aeId'>, currency: string) => ({
  advocate: String(r.advocateId),
  origin: String(r.originDealId),
  rep: String(r.aeId),
  currency,
});

/** Records that an advocate referred a company (from a completed referral ask, or directly); marketing only. */
export async function createReferral({
  user,
  advocateId,
  askId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  advocateId: string;
  askId?: string;
  input: ReferralForm;
  now?: Date;
}) {
  requireAdvocacyWriter(user);
  if (!isObjectId(advocateId)) throw new Response('That advocate was not found.', { status: 404 });
  const advocate = (await Advocate.findById(advocateId).lean()) as AdvocateLean | null;
  if (!advocate) throw new Response('That advocate was not found.', { status: 404 });
  const _id = askId ? objectIdFrom(`referral:ask:${askId}`) : new Types.ObjectId();
  try {
    await Referral.create({
      _id,
      advocateId: advocate._id,
      askId,
      advocateContactId: advocate.contactId,
      advocateName: advocate.contactName,
      advocateAccountId: advocate.accountId,
      advocateAccountName: advocate.accountName,
      originDealId: advocate.dealId,
      originDealName: advocate.dealName,
      aeId: advocate.aeId,
      referredCompany: input.referredCompany,
      referredDomain: input.referredDomain || undefined,
      referredContactName: input.referredContactName || undefined,
      referredContactEmail: input.referredContactEmail || undefined,
      estimatedArr: input.estimatedArr,
      currency: advocate.currency ?? 'USD',
      note: input.note,
      createdById: user.id,
    });
  } catch (error) {
    if (isDuplicateKey(error)) return { ok: true as const, referralId: String(_id), duplicate: true };
    throw error;
  }
  if (await claimOnce({ key: `referral:${String(_id)}:created-metric`, owner: 'advocacy', now: new Date() })) {
    await bumpMetric(ADVOCACY_METRICS.referral, referralDims({ advocateId: advocate._id, originDealId: advocate.dealId, aeId: advocate.aeId }, advocate.currency ?? 'USD'), {
      referrals: 1,
      open: 1,
      pipeline: input.estimatedArr,
    });
  }
  await recordAudit({ actorId: user.id, action: 'referral.created', entityType: 'referral', entityId: _id, data: { advocateId, referredCompany: input.referredCompany }, now });
  return { ok: true as const, referralId: String(_id), duplicate: false };
}

export type LinkResult = { ok: true; duplicate: boolean; message: string } | { ok: false; error: string };

/**
 * Links the deal a referral became (CRM webhook or CSV import carrying the referral id, or marketing
 * by hand): the deal points back to the referral and its ARR counts as referred revenue for the
 * advocate, the origin deal and the rep. One deal per referral and one referral per deal, each
 * held by a unique claim; idempotent and resumable.
 */
export async function linkReferralToDeal(input: {
  referralId: string;
  dealId: string;
  via: 'webhook' | 'import' | 'manual' | 'seed';
  actorId?: string;
  now?: Date;
}): Promise<LinkResult> {
  const { referralId, dealId, via, actorId } = input;
  const now = input.now ?? new Date();
  if (!isObjectId(referralId)) return { ok: false, error: 'That is not a referral id.' };
  if (!isObjectId(dealId)) return { ok: false, error: 'That is not a deal id.' };
  const [referral, deal] = await Promise.all([
    Referral.findById(referralId).lean() as Promise<ReferralLean | null>,
    Deal.findById(dealId).select('name accountId aeId arr currency closedWonAt referralId').lean(),
  ]);
  if (!referral) return { ok: false, error: `No referral has the id ${referralId}.` };
  if (!deal) return { ok: false, error: 'That deal was not found.' };
  if (String(deal._id) === String(referral.originDealId) || String(deal.accountId) === String(referral.advocateAccountId)) {
    return { ok: false, error: 'A customer cannot be its own referral: that deal is on the advocate’s own account.' };
  }
  if (referral.newDealId && String(referral.newDealId) === dealId && deal.referralId && String(deal.referralId) === referralId) {
    return { ok: true, duplicate: true, message: 'This deal is already linked to that referral.' };
  }
  if (deal.referralId && String(deal.referralId) !== referralId) return { ok: false, error: 'This deal is already linked to another referral.' };

  // Two unique claims: the referral's one deal, the deal's one referral.
  const referralKey = `referral:${referralId}:deal`;
  if (!(await claimOnce({ key: referralKey, owner: via, now: new Date(), data: { dealId } }))) {
    const held = await getClaim(referralKey);
    if (held?.data.dealId !== dealId) return { ok: false, error: 'That referral is already linked to another deal.' };
  }
  const dealKey = `deal:${dealId}:referral`;
  if (!(await claimOnce({ key: dealKey, owner: via, now: new Date(), data: { referralId } }))) {
    const held = await getClaim(dealKey);
    if (held?.data.referralId !== referralId) {
      const mine = await getClaim(referralKey);
      if (mine?.data.dealId === dealId && mine.owner === via) await releaseClaim({ key: referralKey, owner: via });
      return { ok: false, error: 'This deal is already linked to another referral.' };
    }
  }

  await Deal.updateOne({ _id: deal._id }, { $set: { referralId: referral._id } });
  const linked = await revise<ReferralLean>({
    model: Referral,
    id: referral._id,
    change: (r) =>
      r.newDealId && String(r.newDealId) === dealId
        ? null
        : {
            $set: {
              status: 'won',
              newDealId: deal._id,
              newDealName: deal.name,
              newDealArr: deal.arr,
              newDealCurrency: deal.currency,
              newDealAeId: deal.aeId,
              newDealClosedWonAt: deal.closedWonAt,
              linkedAt: now,
              linkedVia: via,
              linkedById: actorId,
            },
          },
  });
  // Only the revision's winner bumps (a crash in between is repaired by rebuildAdvocacyMetrics).
  if (linked.ok) {
    const before = linked.before;
    if (before.status === 'open') await bumpMetric(ADVOCACY_METRICS.referral, referralDims(before, before.currency ?? 'USD'), { open: -1, pipeline: -(before.estimatedArr ?? 0) });
    await bumpMetric(ADVOCACY_METRICS.referral, referralDims(before, deal.currency), { won: 1, revenue: deal.arr });
    await recorded('referral.won', { referralId: referral._id, dealId: deal._id, now });
  } else if (linked.reason === 'refused') {
    return { ok: true, duplicate: true, message: 'This deal is already linked to that referral.' };
  }
  // A link by hand records what the person saw when confirming: the two companies and domains compared.
  const compared =
    via === 'manual'
      ? await Account.findById(deal.accountId)
          .select('name domain')
          .lean()
          .then((a) => compareReferredCompany({ company: referral.referredCompany, domain: referral.referredDomain ?? '' }, { company: a?.name ?? '', domain: a?.domain ?? '' }))
      : null;
  await recordAudit({ actorId, action: 'referral.linked', entityType: 'referral', entityId: referralId, data: { dealId, via, ...(compared ? { compared } : {}) }, now });
  return { ok: true, duplicate: false, message: `${deal.name} is linked to the referral by ${referral.advocateName} (${referral.advocateAccountName}).` };
}

/** Marks an open referral lost (the company did not buy); marketing only. */
export async function closeReferral({ user, referralId, now = new Date() }: { user: SessionUser; referralId: string; now?: Date }): Promise<LinkResult> {
  requireAdvocacyWriter(user);
  if (!isObjectId(referralId)) throw new Response('That referral was not found.', { status: 404 });
  const result = await revise<ReferralLean>({ model: Referral, id: referralId, change: (r) => (r.status === 'open' ? { $set: { status: 'lost' } } : null) });
  if (!result.ok) return { ok: false, error: result.reason === 'busy' ? 'Try again in a moment.' : 'Only an open referral can be marked lost.' };
  await bumpMetric(ADVOCACY_METRICS.referral, referralDims(result.before, result.before.currency ?? 'USD'), { open: -1, pipeline: -(result.before.estimatedArr ?? 0) });
  await recordAudit({ actorId: user.id, action: 'referral.lost', entityType: 'referral', entityId: referralId, now });
  return { ok: true, duplicate: false, message: 'The referral is marked lost.' };
}

/**
 * Undoes a referral's link to a deal, with a reason: the deal no longer counts as referred revenue,
 * the referral is open again (and can be linked to the right deal), and the undo is audited.
 */
export async function unlinkReferral({ user, referralId, reason, now = new Date() }: { user: SessionUser; referralId: string; reason: string; now?: Date }): Promise<LinkResult> {
  if (!may(user.role, 'referrals.unlink')) forbidden('Only marketing and admins undo a referral link.');
  if (!isObjectId(referralId)) throw new Response('That referral was not found.', { status: 404 });
  const result = await revise<ReferralLean>({
    model: Referral,
    id: referralId,
    change: (r) =>
      r.status === 'won' && r.newDealId
        ? {
            $set: {
              status: 'open',
              newDealId: null,
              newDealName: null,
              newDealArr: null,
              newDealCurrency: null,
              newDealAeId: null,
              newDealClosedWonAt: null,
              linkedAt: null,
              linkedVia: null,
              linkedById: null,
            },
          }
        : null,
  });
  if (!result.ok) {
    if (result.reason === 'missing') throw new Response('That referral was not found.', { status: 404 });
    return { ok: false, error: result.reason === 'busy' ? 'Try again in a moment.' : 'This referral is not linked to a deal.' };
  }
  const before = result.before;
  const dealId = String(before.newDealId);
  await Deal.updateOne({ _id: before.newDealId, referralId: before._id }, { $set: { referralId: null } });
  // Free both one-to-one claims so the referral and the deal can each be linked again.
  await releaseClaims([`referral:${referralId}:deal`, `deal:${dealId}:referral`]);
  await bumpMetric(ADVOCACY_METRICS.referral, referralDims(before, before.newDealCurrency ?? before.currency ?? 'USD'), { won: -1, revenue: -(before.newDealArr ?? 0) });
  await bumpMetric(ADVOCACY_METRICS.referral, referralDims(before, before.currency ?? 'USD'), { open: 1, pipeline: before.estimatedArr ?? 0 });
  await recordAudit({
    actorId: user.id,
    action: 'referral.unlinked',
    entityType: 'referral',
    entityId: referralId,
    data: { dealId, dealName: before.newDealName ?? '', reason },
    now,
  });
  return { ok: true, duplicate: false, message: `The link to ${before.newDealName ?? 'the deal'} is undone; the referral is open again.` };
}

/** How a deal's company and domain compare with the company a referral named: shown before linking by hand. */
export async function getReferralLinkPreview({ referralId, dealId }: { referralId: string; dealId: string }) {
  if (!isObjectId(referralId) || !isObjectId(dealId)) return null;
  const [referral, deal] = await Promise.all([
    Referral.findById(referralId).select('referredCompany referredDomain advocateName advocateAccountName status newDealId').lean(),
    Deal.findById(dealId).select('name accountId arr currency').lean(),
  ]);
  if (!referral || !deal) return null;
  const account = await Account.findById(deal.accountId).select('name domain').lean();
  const referred = { company: referral.referredCompany, domain: referral.referredDomain ?? '' };
  const dealSide = { company: account?.name ?? '', domain: account?.domain ?? '' };
  return {
    referral: {
      id: String(referral._id),
      advocateName: referral.advocateName,
      advocateAccountName: referral.advocateAccountName,
      open: referral.status === 'open' && !referral.newDealId,
      ...referred,
    },
    deal: { id: String(deal._id), name: deal.name, arr: deal.arr, currency: deal.currency ?? 'USD', ...dealSide },
    ...compareReferredCompany(referred, dealSide),
  };
}

export const ReferralListQuerySchema = z.object({
  status: z
    .enum(REFERRAL_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  link: z
    .string()
    .regex(/^[a-f0-9]{24}$/i)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** The referral chosen for `link`: the page asks to confirm, showing both companies side by side. */
  confirm: z
    .string()
    .regex(/^[a-f0-9]{24}$/i)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type ReferralListQuery = z.infer<typeof ReferralListQuerySchema>;

/** Referrals, newest first; a sales rep sees only those from their own customers (origin deals they won). */
export async function listReferrals({ user, query, perPage = 25 }: { user: SessionUser; query: ReferralListQuery; perPage?: number }) {
  const filter: Record<string, unknown> = user.role === 'sales' ? { aeId: user.id } : {};
  if (query.status) filter.status = query.status;
  const [rows, total, linkDeal] = await Promise.all([
    Referral.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .skip((query.page - 1) * perPage)
      .limit(perPage)
      .lean(),
    Referral.countDocuments(filter),
    query.link && may(user.role, 'advocacy.act') ? Deal.findById(query.link).select('name referralId accountId').lean() : null,
  ]);
  const reps = await namesOf(rows.map((r) => r.aeId));
  return {
    referrals: (rows as ReferralLean[]).map((r) => ({ ...referralView(r), repName: reps.get(String(r.aeId)) ?? '' })),
    total,
    page: query.page,
    pageCount: Math.max(1, Math.ceil(total / perPage)),
    linkDeal: linkDeal ? { id: String(linkDeal._id), name: linkDeal.name, linked: Boolean(linkDeal.referralId) } : null,
    linkPreview: linkDeal && !linkDeal.referralId && query.confirm ? await getReferralLinkPreview({ referralId: query.confirm, dealId: String(linkDeal._id) }) : null,
    canWrite: may(user.role, 'advocacy.act'),
    canUndo: may(user.role, 'referrals.unlink'),
  };
}

/** The deal page's "Referral origin": the referral this deal came from, if any. */
export async function getReferralOrigin({ user, dealId }: { user: SessionUser; dealId: string }) {
  if (!isObjectId(dealId)) return null;
  const deal = await Deal.findById(dealId).select('referralId').lean();
  if (!deal) return null;
  const referral = deal.referralId ? ((await Referral.findById(deal.referralId).lean()) as ReferralLean | null) : null;
  const rep = referral ? ((await namesOf([referral.aeId])).get(String(referral.aeId)) ?? '') : '';
  return {
    referral: referral ? { ...referralView(referral), repName: rep } : null,
    canLink: may(user.role, 'advocacy.act') && !referral,
  };
}
