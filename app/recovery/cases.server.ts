// Working a recovery case: who may see it, the list, the case page's facts and history, and every
// status change as one conditional write on {_id, rev, status in allowed-from} (docs/recovery.md).
import { createElement } from 'react';
import { z } from 'zod';
import { Account } from '#models/account';
import { AuditEvent, recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { PlanToken } from '#models/plan-token';
import { RecoveryCase, RECOVERY_STATUSES, type RecoveryStatus } from '#models/recovery-case';
import { User } from '#models/user';
import { RecoveryPlanRequestEmail, recoveryPlanRequestSubject } from '#emails/recovery-plan-request';
import { formatDate as formatBuyerDate } from '#app/i18n/format';
import { buyerLocale } from '#app/i18n/locale.server';
import { may } from '#app/auth/permissions';
import type { SessionUser } from '#app/auth/session.server';
import { buyerEmailBrand } from '#app/branding/brand.server';
import { sendEmail } from '#app/email/email.server';
import { getEnv } from '#app/env.server';
import { createPlanToken, hashPlanToken, PLAN_TOKEN_DAYS } from '#app/journeys/plan.server';
import { trusted } from '#app/platform/db.server';
import { recorded } from '#app/platform/events.server';
import { caseSubject } from '#app/recovery/open.server';
import { ALLOWED_FROM, actionsFor, isClosed, slaDaysLeft, slaLabel, type RecoveryAction } from '#app/recovery/recovery-rules';
import { formatDate } from '#app/utils/format';
import { iso } from '#app/utils/iso';
import { accountNamesById } from '#app/accounts/accounts.server';
import { userNamesById } from '#app/users/users.server';

const OBJECT_ID = /^[a-f0-9]{24}$/i;
const DAY = 86_400_000;

/** A case a user may read: CS and admin every case; a rep the cases of promises they made. */
function readableBy(user: SessionUser) {
  if (!may(user.role, 'recovery.view')) throw new Response(`Your role (${user.role}) cannot open recovery cases.`, { status: 403 });
  return user.role === 'sales' ? { aeId: user.id } : {};
}

function requireActor(user: SessionUser) {
  if (!may(user.role, 'recovery.act')) throw new Response(`Your role (${user.role}) cannot work recovery cases.`, { status: 403 });
}

// ---------------------------------------------------------------------------------------------
// The list

export const LIST_VIEWS = ['active', 'open', 'plan_agreed', 'escalated', 'delivered', 'wont_deliver', 'all'] as const;
export const CaseListQuerySchema = z.object({
  status: z.enum(LIST_VIEWS).catch('active'),
  mine: z.enum(['1']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type CaseListQuery = z.infer<typeof CaseListQuerySchema>;

const ACTIVE: RecoveryStatus[] = ['open', 'plan_agreed', 'escalated'];
const statusFilter = (view: CaseListQuery['status']): { status?: RecoveryStatus | { $in: RecoveryStatus[] } } =>
  view === 'all' ? {} : view === 'active' ? { status: trusted({ $in: ACTIVE }) } : { status: view };

/** Cases sorted by SLA (the most overdue first), 25 a page; sales see their own, `mine` a CSM's own. */
export async function listCases({ user, query, now = new Date(), perPage = 25 }: { user: SessionUser; query: CaseListQuery; now?: Date; perPage?: number }) {
  const filter = { ...readableBy(user), ...statusFilter(query.status), ...(query.mine && user.role !== 'sales' ? { csmId: user.id } : {}) };
  const total = await RecoveryCase.countDocuments(filter);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const page = Math.min(query.page, pages);
  const rows = await RecoveryCase.find(filter)
    .sort({ slaDueAt: 1, _id: 1 })
    .skip((page - 1) * perPage)
    .limit(perPage)
    .select('accountId promiseText trigger nps status slaDueAt csmId aeId arr openedAt plan.buyerConfirmedAt plan.dueBy')
    .lean();
  const [accountName, userName] = await Promise.all([accountNamesById(rows.map((r) => r.accountId)), userNamesById(rows.flatMap((r) => [r.csmId, r.aeId]))]);
  return {
    total,
    page,
    pages,
    cases: rows.map((r) => {
      // Once a plan is agreed, what the CSM works to is the plan's date.
      const planned = r.status === 'plan_agreed' && r.plan?.dueBy ? r.plan.dueBy : null;
      const due = planned ?? r.slaDueAt;
      return {
        id: String(r._id),
        account: accountName.get(String(r.accountId)) ?? '—',
        subject: caseSubject(r),
        status: r.status as RecoveryStatus,
        arr: r.arr,
        csm: r.csmId ? (userName.get(String(r.csmId)) ?? '—') : null,
        rep: userName.get(String(r.aeId)) ?? '—',
        dueAt: due.toISOString(),
        dueKind: planned ? ('plan' as const) : ('sla' as const),
        sla: isClosed(r.status as RecoveryStatus) ? null : slaLabel(due, now),
        overdue: !isClosed(r.status as RecoveryStatus) && due < now,
        planConfirmed: Boolean(r.plan?.buyerConfirmedAt),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The case page

const ACTION_LABELS: Record<string, string> = {
  'recovery.opened': 'Opened from the buyer’s answer',
  'recovery.agree_plan': 'Plan agreed',
  'recovery.deliver': 'Marked delivered',
  'recovery.wont_deliver': 'Closed: won’t deliver',
  'recovery.escalate': 'Escalated',
  'recovery.reassign': 'CSM reassigned',
  'recovery.plan_sent': 'Plan sent to the buyer',
  'recovery.buyer_confirmed': 'The buyer confirmed the plan',
  'recovery.reask_resent': 'Re-ask scheduled again after a contact fix',
  'recovery.recovered': 'The buyer answered “Delivered”',
};

/** Everything the case page shows, or null when the case does not exist or is not the user's to read (404). */
export async function getCase({ user, caseId, now = new Date() }: { user: SessionUser; caseId: string; now?: Date }) {
  const scope = readableBy(user);
  if (!OBJECT_ID.test(caseId)) return null;
  const c = await RecoveryCase.findOne({ _id: caseId, ...scope }).lean();
  if (!c) return null;
  const [account, deal, contact, audit, csms] = await Promise.all([
    Account.findById(c.accountId).select('name').lean(),
    Deal.findById(c.dealId).select('name currency').lean(),
    c.contactId ? Contact.findById(c.contactId).select('name email').lean() : null,
    AuditEvent.find({ entityType: 'recovery_case', entityId: String(c._id) })
      .sort({ at: 1 })
      .limit(200)
      .lean(),
    may(user.role, 'recovery.act') ? User.find({ role: 'cs', active: true }).select('name').sort({ name: 1 }).limit(200).lean() : [],
  ]);
  const ids = [c.aeId, c.csmId, c.plan?.agreedById, ...audit.map((a) => a.actorId)].filter(Boolean).map(String);
  const people = await User.find({ _id: trusted({ $in: [...new Set(ids)] }) })
    .select('name email')
    .lean();
  const name = new Map(people.map((p) => [String(p._id), p.name]));
  const status = c.status as RecoveryStatus;
  const canAct = may(user.role, 'recovery.act');
  return {
    case: {
      id: String(c._id),
      rev: c.rev ?? 0,
      status,
      trigger: c.trigger,
      subject: caseSubject(c),
      promiseText: c.promiseText ?? '',
      category: c.category ?? null,
      buyerWords: c.buyerWords ?? '',
      nps: c.nps ?? null,
      wave: c.wave,
      arr: c.arr,
      currency: deal?.currency ?? 'USD',
      openedAt: c.openedAt.toISOString(),
      slaDueAt: c.slaDueAt.toISOString(),
      sla: isClosed(status) ? null : { label: slaLabel(c.slaDueAt, now), daysLeft: slaDaysLeft(c.slaDueAt, now), overdue: c.slaDueAt < now },
      closedAt: iso(c.closedAt),
      escalatedAt: iso(c.escalatedAt),
      wontDeliverReason: c.wontDeliverReason ?? null,
      reaskStop: c.reaskStopReason && !isClosed(status) ? { reason: c.reaskStopReason, at: iso(c.reaskStoppedAt) } : null,
      plan: c.plan
        ? {
            text: c.plan.text,
            dueBy: c.plan.dueBy.toISOString(),
            agreedAt: c.plan.agreedAt.toISOString(),
            agreedBy: name.get(String(c.plan.agreedById)) ?? '—',
            buyerConfirmedAt: iso(c.plan.buyerConfirmedAt),
            buyerConfirmedBy: c.plan.buyerConfirmedBy ?? null,
          }
        : null,
    },
    account: { id: String(c.accountId), name: account?.name ?? '—' },
    deal: { id: String(c.dealId), name: deal?.name ?? '—' },
    surveyId: String(c.surveyId),
    contact: contact ? { name: contact.name, email: contact.email } : null,
    rep: { id: String(c.aeId), name: name.get(String(c.aeId)) ?? '—' },
    csm: c.csmId ? { id: String(c.csmId), name: name.get(String(c.csmId)) ?? '—' } : null,
    history: audit.map((a) => ({
      at: a.at.toISOString(),
      what: ACTION_LABELS[a.action] ?? a.action,
      by: a.actorId ? (name.get(String(a.actorId)) ?? '—') : a.action === 'recovery.buyer_confirmed' ? String((a.data as { by?: string } | undefined)?.by ?? 'the buyer') : 'Kept',
      note: historyNote(a.action, a.data as Record<string, unknown> | undefined),
    })),
    canAct,
    actions: canAct ? actionsFor(status) : [],
    canSendPlan: canAct && Boolean(c.plan) && !isClosed(status) && Boolean(contact),
    csmOptions: csms.map((u) => ({ id: String(u._id), name: u.name })),
  };
}

function historyNote(action: string, data: Record<string, unknown> | undefined) {
  if (!data) return null;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  if (action === 'recovery.agree_plan') return `${text(data.text) ?? ''} (by ${formatDate(text(data.dueBy))})`;
  if (action === 'recovery.wont_deliver') return text(data.reason);
  if (action === 'recovery.escalate') return data.by === 'sla' ? 'Past its SLA: escalated by the daily digest' : text(data.note);
  if (action === 'recovery.deliver') return text(data.note);
  if (action === 'recovery.reassign') return text(data.toName) ? `to ${text(data.toName)}` : null;
  if (action === 'recovery.plan_sent') return text(data.to) ? `to ${text(data.to)}` : null;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Status changes

const rev = z.coerce.number().int().min(0).max(1_000_000);
const note = z.string().trim().max(2000, 'Keep the note under 2,000 characters.').optional().default('');

export const AgreePlanSchema = z.object({
  rev,
  planText: z.string().trim().min(10, 'Say what will be done (at least 10 characters).').max(2000, 'Keep the plan under 2,000 characters.'),
  dueBy: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date it will be done by.')
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'Enter a real date.'),
});
export const DeliverSchema = z.object({ rev, note });
export const WontDeliverSchema = z.object({
  rev,
  reason: z.string().trim().min(5, 'Give the reason (the buyer and the rep will ask).').max(2000, 'Keep the reason under 2,000 characters.'),
  confirm: z.literal('yes', { message: 'Tick the box to confirm: this closes the case for good.' }),
});
export const EscalateSchema = z.object({ rev, note });
export const ReassignSchema = z.object({ rev, csmId: z.string().regex(OBJECT_ID, 'Choose the CSM who takes the case over.') });

type ChangeResult = { ok: true; message: string } | { ok: false; status: 400 | 409; message?: string; errors?: Record<string, string[]> } | null;

/**
 * One status change: a single conditional write on {_id, rev, status in allowed-from}; a stale page
 * (another change since it loaded) or a status the action is not allowed from changes nothing (409).
 */
async function change({
  user,
  caseId,
  action,
  expectedRev,
  set,
  unset,
  audit,
  now,
}: {
  user: SessionUser;
  caseId: string;
  action: RecoveryAction;
  expectedRev: number;
  set: Record<string, unknown>;
  unset?: Record<string, 1>;
  audit: Record<string, unknown>;
  now: Date;
}): Promise<ChangeResult> {
  requireActor(user);
  if (!OBJECT_ID.test(caseId)) return null;
  const updated = await RecoveryCase.findOneAndUpdate(
    { _id: caseId, rev: expectedRev, status: trusted({ $in: [...ALLOWED_FROM[action]] as RecoveryStatus[] }) },
    { $set: { ...set, updatedAt: now }, ...(unset ? { $unset: unset } : {}), $inc: { rev: 1 } },
    // No projection: FerretDB 1.24's findAndModify does not implement `fields`.
    { returnDocument: 'after' },
  ).lean();
  if (!updated) {
    const current = await RecoveryCase.findById(caseId).select('status rev').lean();
    if (!current) return null;
    return {
      ok: false,
      status: 409,
      message:
        current.rev !== expectedRev
          ? 'Someone changed this case while you were looking at it. The page now shows what it is; check it and try again.'
          : `That is not possible for a case that is ${current.status.replace('_', ' ')}.`,
    };
  }
  await recordAudit({ actorId: user.id, action: `recovery.${action}`, entityType: 'recovery_case', entityId: caseId, data: audit, now });
  if (updated.status === 'delivered' || updated.status === 'wont_deliver') {
    await recorded('recovery.closed', { caseId, dealId: updated.dealId, status: updated.status, now });
  }
  return { ok: true, message: '' };
}

export async function agreePlan({
  user,
  caseId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  caseId: string;
  input: z.infer<typeof AgreePlanSchema>;
  now?: Date;
}): Promise<ChangeResult> {
  const dueBy = new Date(`${input.dueBy}T00:00:00Z`);
  const today = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  if (dueBy < today) return { ok: false, status: 400, errors: { dueBy: ['The date has passed: choose today or a later date.'] } };
  if (dueBy.getTime() > today.getTime() + 366 * DAY) return { ok: false, status: 400, errors: { dueBy: ['Choose a date within a year.'] } };
  const result = await change({
    user,
    caseId,
    action: 'agree_plan',
    expectedRev: input.rev,
    // A new plan is a new agreement: the buyer confirms it again.
    set: { status: 'plan_agreed', plan: { text: input.planText, dueBy, agreedAt: now, agreedById: user.id }, reaskStopReason: null, reaskStoppedAt: null },
    audit: { text: input.planText, dueBy: dueBy.toISOString() },
    now,
  });
  return result?.ok ? { ok: true, message: `Plan agreed: done by ${formatDate(dueBy.toISOString())}. Send it to the buyer to confirm.` } : result;
}

export async function markDelivered({ user, caseId, input, now = new Date() }: { user: SessionUser; caseId: string; input: z.infer<typeof DeliverSchema>; now?: Date }) {
  const result = await change({
    user,
    caseId,
    action: 'deliver',
    expectedRev: input.rev,
    set: { status: 'delivered', closedAt: now, recoveredAt: now },
    audit: { note: input.note },
    now,
  });
  return result?.ok ? { ok: true as const, message: 'Marked delivered: the case is closed as recovered.' } : result;
}

export async function markWontDeliver({ user, caseId, input, now = new Date() }: { user: SessionUser; caseId: string; input: z.infer<typeof WontDeliverSchema>; now?: Date }) {
  const result = await change({
    user,
    caseId,
    action: 'wont_deliver',
    expectedRev: input.rev,
    set: { status: 'wont_deliver', closedAt: now, wontDeliverReason: input.reason },
    audit: { reason: input.reason },
    now,
  });
  return result?.ok ? { ok: true as const, message: 'Closed: we won’t deliver this promise.' } : result;
}

export async function escalateCase({ user, caseId, input, now = new Date() }: { user: SessionUser; caseId: string; input: z.infer<typeof EscalateSchema>; now?: Date }) {
  const result = await change({
    user,
    caseId,
    action: 'escalate',
    expectedRev: input.rev,
    set: { status: 'escalated', escalatedAt: now, escalatedBy: user.id },
    audit: { note: input.note },
    now,
  });
  return result?.ok ? { ok: true as const, message: 'Escalated: the admins see it in tomorrow’s digest.' } : result;
}

export async function reassignCase({ user, caseId, input, now = new Date() }: { user: SessionUser; caseId: string; input: z.infer<typeof ReassignSchema>; now?: Date }) {
  const to = await User.findOne({ _id: input.csmId, role: 'cs', active: true }).select('name').lean();
  if (!to) return { ok: false as const, status: 400 as const, errors: { csmId: ['Choose an active CSM.'] } };
  const result = await change({ user, caseId, action: 'reassign', expectedRev: input.rev, set: { csmId: to._id }, audit: { toId: input.csmId, toName: to.name }, now });
  return result?.ok ? { ok: true as const, message: `${to.name} owns the case now.` } : result;
}

/**
 * Emails the buyer who answered a link to the shared plan page, where they see the agreed plan and
 * confirm it. Once per plan: the key names the plan's agreement time, so a double click sends one.
 */
export async function sendPlanToBuyer({ user, caseId, now = new Date() }: { user: SessionUser; caseId: string; now?: Date }) {
  requireActor(user);
  if (!OBJECT_ID.test(caseId)) return null;
  const c = await RecoveryCase.findById(caseId).select('dealId accountId contactId plan status promiseText trigger nps csmId').lean();
  if (!c) return null;
  if (!c.plan || isClosed(c.status as RecoveryStatus))
    return { ok: false as const, status: 409 as const, message: 'Agree a plan first (an open case has none; a closed one needs none).' };
  const [contact, journey, account] = await Promise.all([
    c.contactId ? Contact.findById(c.contactId).select('name email emailStatus language').lean() : null,
    Journey.findOne({ dealId: c.dealId }).select('stage csmId').lean(),
    Account.findById(c.accountId).select('name language').lean(),
  ]);
  if (!contact) return { ok: false as const, status: 409 as const, message: 'The buyer who answered is no longer a contact of this account.' };
  if (contact.emailStatus && contact.emailStatus !== 'ok')
    return { ok: false as const, status: 409 as const, message: `${contact.email} is marked “${contact.emailStatus}”: reach the buyer another way.` };
  if (!journey) return { ok: false as const, status: 409 as const, message: 'This deal has no journey, so it has no shared plan page.' };
  const csm = c.csmId ? await User.findById(c.csmId).select('name').lean() : null;
  const token = await createPlanToken({
    journeyId: String(journey._id),
    contact: { id: String(contact._id), name: contact.name, email: contact.email },
    stage: journey.stage,
    purpose: 'recovery_plan',
    createdById: user.id,
    now,
  });
  const { brand, ...sender } = await buyerEmailBrand();
  // The buyer's language (docs/i18n.md).
  const locale = await buyerLocale({ contact, account });
  const sent = await sendEmail({
    ...sender,
    key: `recovery:${caseId}:plan-request:${c.plan.agreedAt.toISOString()}`,
    template: 'recovery-plan-request',
    to: contact.email,
    subject: recoveryPlanRequestSubject(locale, account?.name ?? ''),
    react: createElement(RecoveryPlanRequestEmail, {
      brand,
      locale,
      contactName: contact.name,
      accountName: account?.name ?? '',
      promise: caseSubject(c),
      planText: c.plan.text,
      dueBy: formatBuyerDate(locale, c.plan.dueBy),
      csmName: csm?.name ?? user.name,
      planUrl: `${getEnv().APP_URL.replace(/\/+$/, '')}/plan/${token}`,
      expiresOn: formatBuyerDate(locale, new Date(now.getTime() + PLAN_TOKEN_DAYS * DAY)),
    }),
    meta: { entityType: 'recovery_case', entityId: caseId },
    now,
  });
  if (!sent.ok || sent.duplicate) {
    // Nothing new went out: the link in this call's email does not exist for anyone, so void it.
    await PlanToken.updateOne({ tokenHash: hashPlanToken(token) }, { $set: { revokedAt: now } });
    if (!sent.ok) return { ok: false as const, status: 409 as const, message: 'The email could not be queued. Try again in a moment.' };
    return { ok: true as const, message: `This plan was already sent to ${contact.email}.` };
  }
  await recordAudit({ actorId: user.id, action: 'recovery.plan_sent', entityType: 'recovery_case', entityId: caseId, data: { to: contact.email, emailId: sent.id }, now });
  return { ok: true as const, message: `Sent to ${contact.email}: they can confirm the plan from the link.` };
}

export { RECOVERY_STATUSES };
