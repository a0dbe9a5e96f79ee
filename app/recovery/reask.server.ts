// The re-ask of a broken promise, delivered: once the recovery plan's date has passed, the worker
// schedules one re-ask per case and plan (a unique insert), then sends it under a lease, through the
// outbox with a deterministic key, under the ask budget and never to a contact who cannot receive
// email; one reminder, then the link expires (docs/reask.md). The buyer's side is reask-answer.server.ts.
import type { Types } from 'mongoose';
import { createElement } from 'react';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { PromiseReask, PromiseReaskAnswer, PromiseReaskToken, type PromiseReaskDoc } from '#models/promise-reask';
import { RecoveryCase } from '#models/recovery-case';
import { takeBudgetSlots } from '#app/advocacy/ask-budget.server';
import { buyerEmailBrand } from '#app/branding/brand.server';
import { sendEmail } from '#app/email/email.server';
import { newUnsubscribeLink, saveUnsubscribeLinks } from '#app/email/unsubscribe.server';
import { trusted } from '#app/platform/db.server';
import { insertIgnoringDuplicates } from '#app/platform/inserts.server';
import { claim, complete, release, writeUnheld, type Lease, type LeaseUpdate } from '#app/platform/lease.server';
import { reaskTiming } from '#app/recovery/reask-rules';
import { getRecoverySettings } from '#app/recovery/settings.server';
import { appUrl, newLinkToken } from '#app/utils/link-token.server';
import { log } from '#app/utils/log.server';
import { STOP_REASON_LABELS } from '#app/surveys/survey-labels';
import type { SessionUser } from '#app/auth/session.server';
import { PromiseReaskEmail, promiseReaskSubject } from '#emails/promise-reask';
import { formatDate } from '#app/i18n/format';
import { buyerLocale } from '#app/i18n/locale.server';

// Long enough to read a case, take budget, store a link and queue one email.
const HOLD_MS = 2 * 60_000;
const PAGE = 500;

type TaskInput = { now: Date; owner: string; signal?: AbortSignal; limit?: number };
export type ReaskLean = PromiseReaskDoc & { _id: Types.ObjectId };
type HeldReask = ReaskLean & Lease;

/** Cases whose re-ask is due: a plan agreed (or escalated with one) whose date has passed, about one promise. */
const dueCases = (now: Date) => ({
  status: trusted({ $in: ['plan_agreed' as const, 'escalated' as const] }),
  'plan.dueBy': trusted({ $lte: now }),
  promiseKey: trusted({ $ne: 'overall' }),
});

/**
 * Worker task: one scheduled re-ask per case and plan whose date has passed. The unique index on
 * (case, plan) makes a second one impossible, whichever worker or retry inserts it.
 */
export async function scheduleDueReasks({ now }: { now: Date }) {
  let scheduled = 0;
  let seen = 0;
  const cursor = RecoveryCase.find(dueCases(now)).select('_id dealId accountId surveyId promiseKey promiseText category plan').lean().cursor({ batchSize: PAGE });
  let page: Array<Record<string, unknown>> = [];
  const flush = async () => {
    const cases = page as Array<{
      _id: Types.ObjectId;
      dealId: Types.ObjectId;
      accountId: Types.ObjectId;
      surveyId: Types.ObjectId;
      promiseKey: string;
      promiseText?: string;
      category?: string | null;
      plan: { text: string; dueBy: Date; agreedAt: Date };
    }>;
    page = [];
    const existing = await PromiseReask.find({ caseId: trusted({ $in: cases.map((c) => c._id) }) })
      .select('caseId planAgreedAt')
      .lean();
    const has = new Set(existing.map((r) => `${String(r.caseId)}:${r.planAgreedAt.getTime()}`));
    const fresh = cases.filter((c) => !has.has(`${String(c._id)}:${c.plan.agreedAt.getTime()}`));
    const docs = fresh.map((c) => ({
      caseId: c._id,
      planAgreedAt: c.plan.agreedAt,
      dealId: c.dealId,
      accountId: c.accountId,
      surveyId: c.surveyId,
      promiseId: c.promiseKey,
      promiseText: c.promiseText || 'the promise',
      category: c.category ?? null,
      planText: c.plan.text,
      planDueBy: c.plan.dueBy,
      state: 'scheduled',
      dueAt: c.plan.dueBy,
      verdict: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseGen: 0,
      createdAt: now,
      updatedAt: now,
    }));
    scheduled += (await insertIgnoringDuplicates(PromiseReask, docs)).size;
  };
  for await (const c of cursor) {
    seen++;
    page.push(c as Record<string, unknown>);
    if (page.length >= PAGE) await flush();
  }
  if (page.length) await flush();
  return { due: seen, scheduled };
}

/** What a re-ask's own email says, and the link and unsubscribe records to store before it is queued. */
async function reaskEmail(input: {
  reask: ReaskLean;
  contact: { _id: Types.ObjectId; name: string; email: string; language?: string | null };
  kind: 'invitation' | 'reminder';
  expiresAt: Date;
  now: Date;
}) {
  const { reask, contact, kind, expiresAt, now } = input;
  const account = await Account.findById(reask.accountId).select('name language').lean();
  const accountName = account?.name ?? 'your company';
  // The buyer's language; the link keeps it, so the re-ask page speaks the email's language.
  const locale = await buyerLocale({ contact, account });
  const { token, hash } = newLinkToken();
  const unsubscribe = newUnsubscribeLink({ contact: { id: contact._id, email: contact.email }, source: `reask:${String(reask._id)}`, now });
  // Links first: an email is only ever queued with links that work.
  await PromiseReaskToken.create({ _id: hash, reaskId: reask._id, contactId: contact._id, locale, createdAt: now });
  await saveUnsubscribeLinks([unsubscribe.record]);
  const { brand, ...sender } = await buyerEmailBrand();
  return sendEmail({
    ...sender,
    key: `reask:${String(reask._id)}:${kind}`,
    template: 'promise-reask',
    to: contact.email,
    subject: promiseReaskSubject(locale, { accountName, reminder: kind === 'reminder' }),
    react: createElement(PromiseReaskEmail, {
      brand,
      locale,
      contactName: contact.name,
      accountName,
      promise: reask.promiseText,
      plan: reask.planText,
      planDueBy: formatDate(locale, reask.planDueBy),
      reaskUrl: appUrl(`/r/${token}`),
      unsubscribeUrl: unsubscribe.url,
      expiresOn: formatDate(locale, new Date(expiresAt.getTime() - 1)),
      reminder: kind === 'reminder',
    }),
    headers: unsubscribe.headers,
    meta: { entityType: 'reask', entityId: String(reask._id), kind },
    now,
  });
}

/**
 * The case's contact when they can receive email, else the account's primary contact when they can;
 * else whoever of the two exists (so the stop names why), else null.
 */
async function recipientOf(reask: { accountId: Types.ObjectId }, caseContactId: Types.ObjectId | null | undefined) {
  const select = 'name email emailStatus accountId language';
  const chosen = caseContactId ? await Contact.findOne({ _id: caseContactId, accountId: reask.accountId }).select(select).lean() : null;
  if (chosen && (chosen.emailStatus ?? 'ok') === 'ok') return chosen;
  const primary = await Contact.findOne({ accountId: reask.accountId, isPrimary: true }).select(select).lean();
  if (primary && (primary.emailStatus ?? 'ok') === 'ok') return primary;
  return chosen ?? primary;
}

/** Why nobody can receive the re-ask, or null when the contact can. */
const stopReasonOf = (contact: { emailStatus?: string | null } | null) =>
  !contact ? 'no-recipient' : contact.emailStatus && contact.emailStatus !== 'ok' ? contact.emailStatus : null;

type Decision = { update: LeaseUpdate } | { giveBack: true };

/** Decides and does one claimed scheduled re-ask: cancel, stop, defer (ask budget) or send. */
async function deliverOne(reask: HeldReask, now: Date): Promise<Decision & { outcome: 'sent' | 'cancelled' | 'stopped' | 'deferred' | 'retry' }> {
  const kase = await RecoveryCase.findById(reask.caseId).select('status plan contactId').lean();
  const samePlan = kase?.plan?.agreedAt && kase.plan.agreedAt.getTime() === reask.planAgreedAt.getTime();
  if (!kase || !['plan_agreed', 'escalated'].includes(kase.status) || !samePlan) {
    const reason = !kase || !['plan_agreed', 'escalated'].includes(kase.status) ? 'case-closed' : 'plan-replaced';
    return { outcome: 'cancelled', update: { $set: { state: 'cancelled', stopReason: reason, stoppedAt: now } } };
  }
  const contact = await recipientOf(reask, kase.contactId);
  const stop = stopReasonOf(contact);
  if (stop || !contact) {
    log('warn', 'Re-ask not sent: nobody can receive it', { reaskId: String(reask._id), reason: stop });
    // The case says so, which puts it in its CSM's work queue until a new plan or a resend clears it.
    await RecoveryCase.updateOne({ _id: reask.caseId, 'plan.agreedAt': reask.planAgreedAt }, { $set: { reaskStopReason: stop, reaskStoppedAt: now } });
    return { outcome: 'stopped', update: { $set: { state: 'stopped', stopReason: stop, stoppedAt: now, contactEmail: contact?.email } } };
  }
  const budget = await takeBudgetSlots({
    contactId: String(contact._id),
    accountId: String(reask.accountId),
    askId: reask._id,
    type: 'reask',
    exemptSurveyIds: [String(reask.surveyId)],
    now,
  });
  if (!budget.ok) {
    // Asked too recently: it goes out when the contact's (or account's) budget is next free.
    if (budget.nextAvailableAt) return { outcome: 'deferred', update: { $set: { dueAt: budget.nextAvailableAt, deferredAt: now } } };
    return { outcome: 'retry', giveBack: true };
  }
  const settings = await getRecoverySettings();
  const { remindAt, expiresAt } = reaskTiming(now, { reminderDays: settings.reaskReminderDays, expiryDays: settings.reaskExpiryDays });
  const queued = await reaskEmail({ reask, contact, kind: 'invitation', expiresAt, now });
  if (!queued.ok) {
    // The slots stay ours (keyed by this re-ask): the next claim takes the same ones again.
    log('error', 'Could not queue the re-ask', { reaskId: String(reask._id), error: queued.error });
    return { outcome: 'retry', giveBack: true };
  }
  return {
    outcome: 'sent',
    update: { $set: { state: 'sent', sentAt: now, remindAt, expiresAt, contactId: contact._id, contactEmail: contact.email, contactName: contact.name } },
  };
}

/** Claims due re-asks one at a time (of several workers, one holds each) and runs `handle` on each. */
async function eachClaimed(input: TaskInput & { filter: Record<string, unknown>; handle: (held: HeldReask) => Promise<Decision & { outcome: string }> }) {
  const { now, owner, signal, limit = 200, filter, handle } = input;
  const counts: Record<string, number> = {};
  let claimed = 0;
  while (claimed < limit && !signal?.aborted) {
    const held = await claim<ReaskLean>({ model: PromiseReask, filter, now, owner, leaseMs: HOLD_MS, sort: { dueAt: 1, _id: 1 } });
    if (!held) break;
    claimed++;
    let decision: Decision & { outcome: string };
    try {
      decision = await handle(held);
    } catch (error) {
      await release({ model: PromiseReask, lease: held }).catch(() => undefined);
      throw error;
    }
    counts[decision.outcome] = (counts[decision.outcome] ?? 0) + 1;
    if ('giveBack' in decision) {
      await release({ model: PromiseReask, lease: held });
      // Not due again this run: the next cycle retries it.
      break;
    }
    const written = await complete({ model: PromiseReask, lease: held, now, update: decision.update });
    if (!written) log('warn', 'Re-ask lease lost before its outcome was recorded', { reaskId: String(held._id) });
  }
  return { claimed, ...counts, more: claimed >= limit };
}

/**
 * CS fixed the contact after a re-ask stopped: the stopped re-ask of the case's current plan is
 * scheduled again (one conditional write on its state, so two clicks schedule it once) and goes out
 * on the worker's next cycle. Refused while still nobody can receive it.
 */
export async function resendStoppedReask({ user, caseId, now = new Date() }: { user: SessionUser; caseId: string; now?: Date }) {
  const kase = await RecoveryCase.findOne({ _id: caseId, status: trusted({ $in: ['plan_agreed' as const, 'escalated' as const] }) })
    .select('accountId contactId plan reaskStopReason')
    .lean();
  if (!kase?.plan?.agreedAt || !kase.reaskStopReason) return { ok: false as const, status: 409 as const, message: 'No stopped re-ask waits on this case.' };
  const contact = await recipientOf(kase, kase.contactId);
  const stop = stopReasonOf(contact);
  if (stop)
    return {
      ok: false as const,
      status: 409 as const,
      message: `Still nobody can receive it: ${(STOP_REASON_LABELS[stop] ?? stop).toLowerCase()}. Fix the account’s contacts first.`,
    };
  const { modifiedCount } = await PromiseReask.updateOne(
    { caseId: kase._id, planAgreedAt: kase.plan.agreedAt, state: 'stopped' },
    { $set: { state: 'scheduled', dueAt: now, updatedAt: now }, $unset: { stopReason: 1, stoppedAt: 1 } },
  );
  await RecoveryCase.updateOne({ _id: kase._id, 'plan.agreedAt': kase.plan.agreedAt }, { $set: { reaskStopReason: null, reaskStoppedAt: null } });
  if (modifiedCount === 0) return { ok: false as const, status: 409 as const, message: 'The re-ask is already scheduled again.' };
  await recordAudit({ actorId: user.id, action: 'recovery.reask_resent', entityType: 'recovery_case', entityId: String(kase._id), data: { to: contact!.email }, now });
  return { ok: true as const, message: `The re-ask goes to ${contact!.name} (${contact!.email}) within a few minutes.` };
}

/** Worker task: every scheduled re-ask whose time has come goes out once (key `reask:<id>:invitation`). */
export async function sendDueReasks(input: TaskInput) {
  const { now } = input;
  return eachClaimed({ ...input, filter: { state: 'scheduled', dueAt: trusted({ $lte: now }) }, handle: (held) => deliverOne(held, now) });
}

/** Worker task: one reminder (key `reask:<id>:reminder`) for a sent re-ask without an answer, unless its link expires first or the contact stopped receiving. */
export async function sendDueReaskReminders(input: TaskInput) {
  const { now } = input;
  return eachClaimed({
    ...input,
    filter: { state: 'sent', remindAt: trusted({ $lte: now }) },
    handle: async (held) => {
      const skip = { outcome: 'skipped', update: { $set: { remindAt: null } } };
      if (await PromiseReaskAnswer.exists({ _id: held._id })) return skip;
      const contact = held.contactId ? await Contact.findById(held.contactId).select('name email emailStatus').lean() : null;
      if (!held.expiresAt || held.expiresAt <= now || !contact || contact.emailStatus !== 'ok') return skip;
      const queued = await reaskEmail({ reask: held, contact, kind: 'reminder', expiresAt: held.expiresAt, now });
      if (!queued.ok) return { outcome: 'retry', giveBack: true as const };
      return { outcome: 'reminded', update: { $set: { state: 'reminded', remindedAt: now, remindAt: null } } };
    },
  });
}

/**
 * Worker task: sent re-asks whose link ran out without an answer become `expired` (the budget they
 * took stays taken: the buyer was asked). An answer stored at the last second wins over the expiry.
 */
export async function expireDueReasks({ now, limit = 500 }: TaskInput) {
  const expiring = { state: trusted({ $in: ['sent' as const, 'reminded' as const] }), expiresAt: trusted({ $lte: now }) };
  const due = (await PromiseReask.find(expiring).select('_id').limit(limit).lean()) as Array<{ _id: Types.ObjectId }>;
  const answered = new Set(
    (
      await PromiseReaskAnswer.find({ _id: trusted({ $in: due.map((d) => d._id) }) })
        .select('_id')
        .lean()
    ).map((a) => String(a._id)),
  );
  const expire = due.filter(({ _id }) => !answered.has(String(_id)));
  if (expire.length === 0) return { due: due.length, expired: 0, more: due.length >= limit };
  const { modifiedCount } = await PromiseReask.bulkWrite(
    expire.map(({ _id }) => ({ updateOne: writeUnheld({ filter: { _id, ...expiring }, update: { $set: { state: 'expired', expiredAt: now, remindAt: null } }, now }) })),
  );
  return { due: due.length, expired: modifiedCount, more: due.length >= limit };
}
