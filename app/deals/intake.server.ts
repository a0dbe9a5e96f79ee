// Closed-won intake from CRMs: the signed webhook (one deal per event) and the shared deal-creation
// step it uses. CSV imports batch the same steps in import.server.ts.
import { LOCALES, type Locale } from '#app/i18n/locales';
import { Types } from 'mongoose';
import { z } from 'zod';
import { SEGMENTS } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Deal, PROMISE_CATEGORIES, type DEAL_SOURCES } from '#models/deal';
import { User } from '#models/user';
import { findOrCreateAccount, findOrCreateContact } from '#app/accounts/accounts.server';
import { claimOnce, releaseClaim } from '#app/platform/claims.server';
import { recordDealWon } from '#app/deals/deal-metrics.server';
import { recorded } from '#app/platform/events.server';
import { closeDateProblem, parseIsoCloseDate } from '#app/deals/close-date';
import { scheduleSurveysSafely } from '#app/surveys/surveys.server';
import { startJourneySafely } from '#app/journeys/journey.server';
import { objectIdFrom } from '#app/utils/ids.server';
import { insertOnce } from '#app/platform/db.server';

export type DealSource = (typeof DEAL_SOURCES)[number];

/** Deals from a CRM get an _id derived from (source, crmId): a re-import or replay finds the same deal by _id. */
export const dealIdFor = (source: DealSource, crmId: string) => objectIdFrom(`deal:${source}:${crmId}`);

/** A closed-won deal's own fields, as a CRM, the CSV import or the deal form gives them. */
export type DealFields = {
  crmId: string;
  /** The company / account id in the deal's CRM (the CRM write-back updates that record too). */
  crmAccountId?: string;
  name: string;
  closedWonAt: Date;
  arr: number;
  currency: string;
  grossMarginPct?: number;
  cac?: number;
  promises: { text: string; successCriterion: string; category: (typeof PROMISE_CATEGORIES)[number] }[];
};

/** A deal from a CRM or a CSV row: its fields, its rep and account, and maybe its contact and referral. */
export type IntakeDeal = DealFields & {
  source: DealSource;
  aeId: string;
  account: { name: string; domain?: string; segment: (typeof SEGMENTS)[number] };
  /** `language`: the language the contact reads Kept in (docs/i18n.md). */
  contact?: { name: string; email: string; title?: string; language?: Locale };
  /** The Kept referral this deal came from (advocacy attribution), if the CRM carries it. */
  referralId?: string;
};

/** A new deal's stored fields, complete for lean inserts: each promise gets its own id for life (surveys refer to it). */
export function newDealDoc(
  deal: DealFields,
  refs: { source: DealSource; accountId: Types.ObjectId; aeId: Types.ObjectId; createdBy?: Types.ObjectId | string; now?: Date; promiseId?: (index: number) => Types.ObjectId },
) {
  return {
    source: refs.source,
    crmId: deal.crmId,
    ...(deal.crmAccountId ? { crmAccountId: deal.crmAccountId } : {}),
    name: deal.name,
    accountId: refs.accountId,
    aeId: refs.aeId,
    closedWonAt: deal.closedWonAt,
    arr: deal.arr,
    currency: deal.currency,
    ...(deal.grossMarginPct !== undefined ? { grossMarginPct: deal.grossMarginPct } : {}),
    ...(deal.cac !== undefined ? { cac: deal.cac } : {}),
    promises: deal.promises.map((p, i) => ({ _id: refs.promiseId?.(i) ?? new Types.ObjectId(), ...p })),
    ...(refs.createdBy ? { createdBy: refs.createdBy } : {}),
    ...(refs.now ? { createdAt: refs.now, updatedAt: refs.now } : {}),
  };
}

/**
 * Records one closed-won deal from a CRM, starts its journey and schedules its surveys. Idempotent on (source, crmId):
 * a second delivery finds the deal and changes nothing. Each step is one single-document write.
 */
export async function intakeClosedWonDeal({ input, now = new Date(), actorId }: { input: IntakeDeal; now?: Date; actorId?: string }) {
  const dealId = dealIdFor(input.source, input.crmId);
  const existing = await Deal.findById(dealId).select('accountId').lean();
  if (existing) {
    const journey = await startJourneySafely({ dealId, now, actorId });
    await scheduleSurveysSafely({ dealId, now });
    if (input.referralId) await recorded('deal.referred', { dealId, referralId: input.referralId, via: 'webhook', now });
    return { dealId: String(dealId), accountId: String(existing.accountId), journeyId: journey?.journeyId ?? null, created: false };
  }

  const account = await findOrCreateAccount({ ...input.account, aeId: input.aeId });
  if (input.contact) await findOrCreateContact(account._id, input.contact);

  // False when a concurrent delivery of the same deal won.
  const created = await insertOnce(Deal, { _id: dealId, ...newDealDoc(input, { source: input.source, accountId: account._id, aeId: new Types.ObjectId(input.aeId) }) });
  if (created)
    await recordAudit({
      actorId,
      action: 'deal.created',
      entityType: 'deal',
      entityId: dealId,
      data: { source: input.source, crmId: input.crmId, promises: input.promises.length },
      now,
    });
  // The money rollups (profitability dashboard), once per new deal; never throws.
  if (created) await recordDealWon({ dealId, now });
  const found = created ? { _id: dealId } : await Deal.findOne({ source: input.source, crmId: input.crmId }).select('_id').lean();
  const journey = found ? await startJourneySafely({ dealId: found._id, now, actorId }) : null;
  // Its value-delivery surveys, at once and judged by this intake's time (idempotent; a failure
  // is logged and the worker's sweep repairs it).
  if (found) await scheduleSurveysSafely({ dealId: found._id, now });
  if (found && input.referralId) await recorded('deal.referred', { dealId: found._id, referralId: input.referralId, via: 'webhook', now });
  // For the areas that react to a new customer (outgoing webhooks, Slack); not for a replayed event.
  if (created) await recorded('deal.closed_won', { dealId, now });
  return { dealId: String(found?._id ?? dealId), accountId: String(account._id), journeyId: journey?.journeyId ?? null, created };
}

// ---------------------------------------------------------------------------------------------
// The CRM webhook

// The signature scheme is shared with Kept's outgoing webhooks (app/utils/hmac-signature.server.ts).
export { SIGNATURE_TOLERANCE_SECONDS as WEBHOOK_TOLERANCE_SECONDS, signPayload as signCrmPayload, verifySignature as verifyCrmSignature } from '#app/utils/hmac-signature.server';
export { WEBHOOK_MAX_BYTES } from '#app/utils/body-limits.server';

/** The webhook body. Unknown fields are ignored; every field Kept reads is checked here. */
export const CrmWebhookSchema = z.object({
  id: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'Use letters, digits and _ . : - in the event id.'),
  type: z.literal('deal.closed_won'),
  crm: z.enum(['hubspot', 'salesforce', 'other']).default('other'),
  deal: z.object({
    crmId: z.string().trim().min(1).max(200),
    name: z.string().trim().min(2).max(160),
    // The CSV import's strict reading (app/deals/close-date.ts): 2026-02-30 is refused.
    closedWonAt: z
      .string()
      .refine((v) => parseIsoCloseDate(v) !== null, 'Use a date that exists, as YYYY-MM-DD or an ISO date-time.')
      .transform((v) => parseIsoCloseDate(v)!)
      .superRefine((d, ctx) => {
        const problem = closeDateProblem(d, new Date());
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    arr: z.number().min(0).max(1e10),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'Use a three-letter currency code such as USD.')
      .default('USD'),
    grossMarginPct: z.number().min(0).max(100).optional(),
    cac: z.number().min(0).max(1e10).optional(),
    ownerEmail: z.string().trim().toLowerCase().email(),
    account: z.object({
      /** The company (HubSpot) or account (Salesforce) id: the CRM write-back updates that record too. */
      crmId: z.string().trim().min(1).max(200).optional(),
      name: z.string().trim().min(2).max(120),
      domain: z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'Use a domain such as example.com.')
        .optional(),
      segment: z.enum(SEGMENTS).default('mid-market'),
    }),
    primaryContact: z
      .object({
        name: z.string().trim().min(1).max(120),
        email: z.string().trim().toLowerCase().email(),
        title: z.string().trim().max(120).optional(),
        /** The language the contact reads Kept in: "en" or "sv", any case (docs/i18n.md). */
        language: z
          .string()
          .trim()
          .toLowerCase()
          .pipe(z.enum(LOCALES, { error: `Use one of: ${LOCALES.join(', ')}.` }))
          .optional(),
      })
      .optional(),
    promises: z
      .array(
        z.object({
          text: z.string().trim().min(5).max(300),
          successCriterion: z.string().trim().min(5).max(300),
          category: z.enum(PROMISE_CATEGORIES).default('other'),
        }),
      )
      .max(10)
      .default([]),
    /** The referral id Kept gave marketing for the referred company: links the new deal back to its advocate. */
    referralId: z
      .string()
      .trim()
      .regex(/^[a-f0-9]{24}$/i, 'A Kept referral id is 24 hexadecimal characters.')
      .optional(),
  }),
});
export type CrmWebhookEvent = z.infer<typeof CrmWebhookSchema>;

const SOURCE_OF: Record<CrmWebhookEvent['crm'], DealSource> = { hubspot: 'hubspot', salesforce: 'salesforce', other: 'webhook' };

export type WebhookOutcome =
  | { status: 200; body: { ok: true; duplicate: boolean; dealId: string | null; journeyId: string | null } }
  | { status: 400; body: { ok: false; error: string; issues: { path: (string | number)[]; message: string }[] } };

/**
 * Applies one verified, validated event. The event id is claimed first (unique insert), so a
 * redelivery is acknowledged without a second effect; a failure frees the claim for the retry.
 */
export async function handleCrmEvent({ event, now = new Date() }: { event: CrmWebhookEvent; now?: Date }): Promise<WebhookOutcome> {
  const key = `crm-webhook:${event.id}`;
  if (!(await claimOnce({ key, owner: 'crm-webhook', now, data: { crm: event.crm, crmId: event.deal.crmId } }))) {
    return { status: 200, body: { ok: true, duplicate: true, dealId: null, journeyId: null } };
  }
  try {
    const ae = await User.findOne({ email: event.deal.ownerEmail, role: 'sales', active: true }).select('_id').lean();
    if (!ae) {
      await releaseClaim({ key, owner: 'crm-webhook' });
      return {
        status: 400,
        body: {
          ok: false,
          error: 'The deal owner is not an active sales user in Kept.',
          issues: [{ path: ['deal', 'ownerEmail'], message: 'No active sales user has this email.' }],
        },
      };
    }
    const d = event.deal;
    const result = await intakeClosedWonDeal({
      input: {
        source: SOURCE_OF[event.crm],
        crmId: d.crmId,
        crmAccountId: d.account.crmId,
        name: d.name,
        closedWonAt: d.closedWonAt,
        arr: d.arr,
        currency: d.currency,
        grossMarginPct: d.grossMarginPct,
        cac: d.cac,
        aeId: String(ae._id),
        account: { name: d.account.name, domain: d.account.domain, segment: d.account.segment },
        contact: d.primaryContact,
        promises: d.promises,
        referralId: d.referralId,
      },
      now,
    });
    return { status: 200, body: { ok: true, duplicate: !result.created, dealId: result.dealId, journeyId: result.journeyId } };
  } catch (error) {
    await releaseClaim({ key, owner: 'crm-webhook' });
    throw error;
  }
}
