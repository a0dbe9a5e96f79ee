import crypto from 'node:crypto';
import { z } from 'zod';
import { Account, SEGMENTS } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Deal, PROMISE_CATEGORIES } from '#models/deal';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { readEachById } from '#app/platform/pool';
import { findOrCreateAccount, findOrCreateContact } from '#app/accounts/accounts.server';
import { newDealDoc } from '#app/deals/intake.server';
import { recordDealWon } from '#app/deals/deal-metrics.server';
import { recorded } from '#app/platform/events.server';
import { csmBook, journeyIdForDeal, startJourneySafely } from '#app/journeys/journey.server';
import { scheduleSurveysSafely } from '#app/surveys/surveys.server';

import { CURRENCIES, MAX_PROMISE_ROWS } from '#app/utils/format';
import type { FieldErrors } from '#app/utils/forms.server';
import { moneyField, optionalMoneyField } from '#app/utils/money';

export { MAX_PROMISE_ROWS };
const isObjectId = (id: string) => /^[a-f0-9]{24}$/i.test(id);
const optionalNumber = (label: string, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? Number(v.replace(/[,\s%]/g, '')) : undefined))
    .pipe(
      z
        .number({ error: `Enter ${label} as a number.` })
        .min(0, `${label} cannot be negative.`)
        .max(max, `${label} must be at most ${max}.`)
        .optional(),
    );

const PromiseRowSchema = z.object({
  text: z.string().trim().min(5, 'Describe the promise (at least 5 characters).').max(300),
  successCriterion: z.string().trim().min(5, 'Say how the buyer will know it was delivered.').max(300),
  category: z.enum(PROMISE_CATEGORIES, { error: 'Choose a category.' }),
});

/** The manual closed-won deal form. Promise rows arrive as promises.N.text / .successCriterion / .category. */
export const CreateDealSchema = z
  .object({
    accountName: z.string().trim().min(2, 'Enter the customer’s company name.').max(120),
    accountDomain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'Enter a domain such as example.com.'),
    segment: z.enum(SEGMENTS, { error: 'Choose a segment.' }),
    contactName: z.string().trim().max(120).optional().default(''),
    contactEmail: z
      .union([z.literal(''), z.string().trim().toLowerCase().email('Enter a valid email address.')])
      .optional()
      .default(''),
    dealName: z.string().trim().min(2, 'Enter a deal name.').max(160),
    closedWonAt: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the close date as YYYY-MM-DD.')
      .transform((v) => new Date(`${v}T00:00:00.000Z`))
      .refine((d) => !Number.isNaN(d.getTime()), 'Enter a real date.')
      .refine((d) => d.getTime() <= Date.now() + 86_400_000, 'A closed-won date cannot be in the future.')
      .refine((d) => d.getUTCFullYear() >= 2000, 'Enter a date after the year 2000.'),
    arr: moneyField({ label: 'annual recurring revenue' }),
    currency: z.enum(CURRENCIES, { error: 'Choose a currency.' }),
    grossMarginPct: optionalNumber('Gross margin', 100),
    cac: optionalMoneyField({ label: 'CAC', max: 1e9 }),
    aeId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the account executive.'),
  })
  .refine((v) => !v.contactName || v.contactEmail, { path: ['contactEmail'], message: 'Enter the contact’s email too.' });

export type ParsedDealForm = z.infer<typeof CreateDealSchema> & { promises: z.infer<typeof PromiseRowSchema>[] };

/** Parses the deal form, including the numbered promise rows (empty rows are ignored, at least one required). */
export function parseDealForm(values: Record<string, string>): { ok: true; data: ParsedDealForm } | { ok: false; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const base = CreateDealSchema.safeParse(values);
  if (!base.success) for (const i of base.error.issues) (errors[i.path.join('.')] ??= []).push(i.message);
  const promises: z.infer<typeof PromiseRowSchema>[] = [];
  for (let n = 0; n < MAX_PROMISE_ROWS; n++) {
    const row = {
      text: values[`promises.${n}.text`] ?? '',
      successCriterion: values[`promises.${n}.successCriterion`] ?? '',
      category: values[`promises.${n}.category`] ?? '',
    };
    if (!row.text.trim() && !row.successCriterion.trim()) continue;
    const parsed = PromiseRowSchema.safeParse(row);
    if (parsed.success) promises.push(parsed.data);
    else for (const i of parsed.error.issues) (errors[`promises.${n}.${i.path.join('.')}`] ??= []).push(i.message);
  }
  if (promises.length === 0 && !Object.keys(errors).some((k) => k.startsWith('promises.'))) {
    errors['promises'] = ['Record at least one promise the buyer was made.'];
  }
  if (Object.keys(errors).length || !base.success) return { ok: false, errors };
  return { ok: true, data: { ...base.data, promises } };
}

/** Account executives a user may assign: a sales rep only themself; admin and CS any active rep. */
export async function listAssignableReps(user: SessionUser) {
  const filter: Record<string, unknown> = user.role === 'sales' ? { _id: user.id } : { role: 'sales', active: true };
  const reps = await User.find(filter).select('name').sort({ name: 1 }).lean();
  return reps.map((r) => ({ id: String(r._id), name: r.name }));
}

/**
 * Records a closed-won deal entered by hand: finds or creates the account by domain (and the
 * contact), then creates the deal. Each step is a single-document atomic write, so a retry after
 * a failure finds what was already written (no multi-document transactions on FerretDB).
 */
export async function createManualDeal({ user, input, now = new Date() }: { user: SessionUser; input: ParsedDealForm; now?: Date }) {
  if (user.role === 'sales' && input.aeId !== user.id) throw new Response('Sales reps record their own deals.', { status: 403 });
  const ae = await User.findOne({ _id: input.aeId, role: 'sales', active: true }).select('_id').lean();
  if (!ae) return { ok: false as const, errors: { aeId: ['Choose an active account executive.'] } as FieldErrors };
  // A rep typing another rep's customer's domain would join that account (its contacts, surveys and
  // dashboards). Only CS or an admin, who see every account, may add a deal to an account a rep is not on.
  if (user.role === 'sales') {
    const existing = await Account.findOne({ domain: input.accountDomain }).select('aeIds').lean();
    if (existing && !existing.aeIds.some((id) => String(id) === user.id)) {
      return {
        ok: false as const,
        errors: {
          accountDomain: ['An account with this domain already exists and is looked after by another account executive. Ask customer success or an admin to record this deal.'],
        } as FieldErrors,
      };
    }
  }

  const account = await findOrCreateAccount({ name: input.accountName, domain: input.accountDomain, segment: input.segment, aeId: ae._id });

  if (input.contactEmail) await findOrCreateContact(account._id, { name: input.contactName, email: input.contactEmail });

  const deal = await Deal.create(
    newDealDoc({ ...input, crmId: `manual-${crypto.randomUUID()}`, name: input.dealName }, { source: 'manual', accountId: account._id, aeId: ae._id, createdBy: user.id }),
  );
  await recordAudit({ actorId: user.id, action: 'deal.created', entityType: 'deal', entityId: deal._id, data: { source: 'manual', promises: input.promises.length }, now });
  // Every closed-won deal gets its post-sale journey; a failure is logged and repaired by the worker.
  await startJourneySafely({ dealId: deal._id, now, actorId: user.id });
  // Its money figures (ARR, margin, CAC by cohort) for the profitability dashboard; never throws.
  await recordDealWon({ dealId: deal._id, now });
  // Its value-delivery surveys (6, 9, 12 months); a failure is logged and repaired by the worker.
  await scheduleSurveysSafely({ dealId: deal._id, now });
  // For the areas that react to a new customer (outgoing webhooks, Slack).
  await recorded('deal.closed_won', { dealId: deal._id, now });
  return { ok: true as const, dealId: String(deal._id), accountId: String(account._id) };
}

/** One deal with its account and promises; a sales rep sees only their own deals (null otherwise). */
export async function getDealDetail({ user, dealId }: { user: SessionUser; dealId: string }) {
  if (!isObjectId(dealId)) return null;
  const filter: Record<string, unknown> = { _id: dealId };
  if (user.role === 'sales') filter.aeId = user.id;
  const deal = await Deal.findOne(filter).select('name source crmId accountId aeId closedWonAt arr currency grossMarginPct cac promises createdAt').lean();
  if (!deal) return null;
  const [account, ae, journey] = await Promise.all([
    Account.findById(deal.accountId).select('name domain segment').lean(),
    User.findById(deal.aeId).select('name email').lean(),
    Journey.findById(journeyIdForDeal(deal._id)).select('stage liveAt').lean(),
  ]);
  return {
    id: String(deal._id),
    name: deal.name,
    source: deal.source,
    crmId: deal.crmId,
    closedWonAt: deal.closedWonAt.toISOString(),
    arr: deal.arr,
    currency: deal.currency,
    grossMarginPct: deal.grossMarginPct ?? null,
    cac: deal.cac ?? null,
    account: account ? { id: String(account._id), name: account.name, domain: account.domain ?? '', segment: account.segment } : null,
    ae: ae ? { name: ae.name, email: ae.email } : null,
    journey: journey ? { id: String(journey._id), stage: journey.stage, liveAt: journey.liveAt?.toISOString() ?? null } : null,
    promises: deal.promises.map((p) => ({ id: String(p._id), text: p.text, successCriterion: p.successCriterion, category: p.category })),
  };
}

/**
 * Counts for home pages: a rep's own deals, a CSM's book (the deals of the journeys they own),
 * everyone else all deals.
 */
export async function dealStats({ user, since }: { user: SessionUser; since: Date }) {
  const select = 'name accountId closedWonAt arr currency promises';
  const scope: Record<string, unknown> = user.role === 'sales' ? { aeId: user.id } : {};
  const [total, recent] =
    user.role === 'cs'
      ? await (async () => {
          const book = await csmBook({ csmId: user.id, since });
          const journeys = await readEachById(book.recentJourneyIds, (id) => Journey.findById(id).select('dealId').lean(), { size: 8 });
          const deals = await readEachById(
            journeys.map((j) => j.dealId),
            (id) => Deal.findById(id).select(select).lean(),
            { size: 8 },
          );
          return [book.total, deals] as const;
        })()
      : await Promise.all([
          Deal.countDocuments(scope),
          Deal.find({ ...scope, closedWonAt: trusted({ $gte: since }) })
            .select(select)
            .sort({ closedWonAt: -1 })
            .limit(8)
            .lean(),
        ]);
  const accounts = await Account.find({ _id: trusted({ $in: recent.map((d) => d.accountId) }) })
    .select('name')
    .lean();
  const accountName = new Map(accounts.map((a) => [String(a._id), a.name]));
  return {
    total,
    recent: recent.map((d) => ({
      id: String(d._id),
      name: d.name,
      account: accountName.get(String(d.accountId)) ?? '',
      accountId: String(d.accountId),
      closedWonAt: d.closedWonAt.toISOString(),
      arr: d.arr,
      currency: d.currency,
      promises: d.promises.length,
    })),
  };
}
