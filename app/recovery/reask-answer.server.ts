// The buyer's side of a re-ask: the page behind /r/<token>, the answer (its insert consumes the
// link, once), and what the answer does: "Delivered" closes the recovery case as recovered,
// "Partly" / "Not yet" keep it open; the CSM is told once either way. The answer becomes the
// promise's latest verdict (latestPromiseVerdicts). docs/reask.md.
import type { Types } from 'mongoose';
import { createElement } from 'react';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { PromiseReask, PromiseReaskAnswer, PromiseReaskToken } from '#models/promise-reask';
import { CLOSED_RECOVERY_STATUSES, RecoveryCase } from '#models/recovery-case';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { sendEmail } from '#app/email/email.server';
import { isDuplicateKey, trusted } from '#app/platform/db.server';
import { recorded } from '#app/platform/events.server';
import { retryLostRaces, writeUnheld } from '#app/platform/lease.server';
import { REASK_VERDICT_LABELS, ReaskAnswerSchema, latestVerdict, type ReaskVerdict, type VerdictSource } from '#app/recovery/reask-rules';
import { fieldErrors, formValues } from '#app/utils/forms.server';
import { buyerLocale } from '#app/i18n/locale.server';
import { isLocale, type Locale } from '#app/i18n/locales';
import { appUrl, hashLinkToken, isLinkToken } from '#app/utils/link-token.server';
import { log, logError } from '#app/utils/log.server';
import { ReaskAnswerAlertEmail } from '#emails/reask-answer-alert';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const OPEN_STATES = ['sent', 'reminded'];

type LinkState =
  | { state: 'open'; reask: NonNullable<Awaited<ReturnType<typeof readReask>>>; locale?: string | null }
  | { state: 'answered'; locale?: string | null }
  | { state: 'expired'; locale?: string | null }
  | { state: 'closed' };

const readReask = (id: unknown) =>
  PromiseReask.findById(id).select('caseId dealId accountId promiseId promiseText planText planDueBy state contactId contactName expiresAt leaseGen').lean();

/**
 * What a link can do now: `open`, `answered` (its re-ask has its answer), `expired` (its time ran
 * out) or `closed` (unknown, cancelled, or not this recipient's link). Read-only: a mail scanner
 * that opens the link changes nothing.
 */
async function linkState(token: string, now: Date): Promise<LinkState> {
  if (!isLinkToken(token)) return { state: 'closed' };
  const link = await PromiseReaskToken.findById(hashLinkToken(token)).select('reaskId contactId locale').lean();
  if (!link) return { state: 'closed' };
  const [reask, answered] = await Promise.all([readReask(link.reaskId), PromiseReaskAnswer.findById(link.reaskId).select('_id').lean()]);
  if (!reask || String(reask.contactId) !== String(link.contactId)) return { state: 'closed' };
  const { locale } = link;
  if (answered || reask.state === 'answered') return { state: 'answered', locale };
  if (reask.state === 'expired' || (OPEN_STATES.includes(reask.state) && (!reask.expiresAt || reask.expiresAt <= now))) return { state: 'expired', locale };
  if (!OPEN_STATES.includes(reask.state)) return { state: 'closed' };
  return { state: 'open', reask, locale };
}

export type ReaskPageState =
  | { state: 'open'; locale: Locale; accountName: string; contactName: string; promise: string; plan: string; planDueBy: string; expiresAt: string | null }
  | { state: 'answered'; locale: Locale }
  | { state: 'expired'; locale: Locale }
  | { state: 'closed' };

/** What the buyer's re-ask page shows: the question, a thank-you for an answer already in, or why the link cannot be used. */
export async function getReaskPage({ token, now = new Date() }: { token: string; now?: Date }): Promise<ReaskPageState> {
  const found = await linkState(token, now);
  if (found.state === 'closed') return found;
  // The language of the link's email; a link from before links kept one: the admin's default.
  const locale = isLocale(found.locale) ? found.locale : await buyerLocale({});
  if (found.state !== 'open') return { state: found.state, locale };
  const { reask } = found;
  const account = await Account.findById(reask.accountId).select('name').lean();
  return {
    state: 'open',
    locale,
    accountName: account?.name ?? '',
    contactName: reask.contactName ?? '',
    promise: reask.promiseText,
    plan: reask.planText,
    planDueBy: reask.planDueBy.toISOString(),
    expiresAt: iso(reask.expiresAt),
  };
}

export type ReaskSubmitResult =
  | { status: 'answered'; verdict: ReaskVerdict; locale?: Locale }
  | { status: 'already' }
  | { status: 'expired' }
  | { status: 'closed' }
  | { status: 'invalid'; errors: Record<string, string[]>; values: Record<string, string> };

/**
 * The buyer's submit. Inserting the PromiseReaskAnswer (unique _id = the re-ask's id) is the one
 * atomic step that consumes the link: of concurrent submissions one is stored, the others are told
 * `already`. An invalid form consumes nothing and keeps what was typed.
 */
export async function submitReaskAnswer({ token, formData, now = new Date() }: { token: string; formData: FormData; now?: Date }): Promise<ReaskSubmitResult> {
  const found = await linkState(token, now);
  if (found.state === 'answered') return { status: 'already' };
  if (found.state !== 'open') return { status: found.state };
  const { reask } = found;
  const values = formValues(formData);
  const parsed = ReaskAnswerSchema.safeParse(values);
  if (!parsed.success) return { status: 'invalid', errors: fieldErrors(parsed.error), values };
  try {
    await PromiseReaskAnswer.create({
      _id: reask._id,
      caseId: reask.caseId,
      dealId: reask.dealId,
      accountId: reask.accountId,
      promiseId: reask.promiseId,
      contactId: reask.contactId,
      verdict: parsed.data.verdict,
      comment: parsed.data.comment,
      answeredAt: now,
    });
  } catch (error) {
    if (isDuplicateKey(error)) return { status: 'already' };
    throw error;
  }
  try {
    await applyReaskAnswer({ reaskId: reask._id, now });
  } catch (error) {
    // The answer is stored; the worker's `reask-answers` task finishes applying it.
    logError(error, { where: 'applyReaskAnswer', reaskId: String(reask._id) });
  }
  return { status: 'answered', verdict: parsed.data.verdict, locale: isLocale(found.locale) ? found.locale : undefined };
}

/**
 * What a stored answer does; safe to run again (the submit, then the worker's safety net): the
 * re-ask records it, "Delivered" closes the case as recovered (one conditional write on the case's
 * rev and status, audited, `recovery.closed` recorded once), and the CSM is emailed once.
 */
export async function applyReaskAnswer({ reaskId, now }: { reaskId: string | Types.ObjectId; now: Date }) {
  const answer = await PromiseReaskAnswer.findById(reaskId).lean();
  if (!answer) return { applied: false as const };
  const reask = await PromiseReask.findById(reaskId).select('state').lean();
  const recordedOnReask =
    reask?.state === 'answered' ||
    (await retryLostRaces(
      async () => {
        const r = await PromiseReask.findById(reaskId).select('state leaseGen').lean();
        if (!r || r.state === 'answered') return true;
        const { filter, update } = writeUnheld({
          filter: { _id: reaskId, leaseGen: r.leaseGen },
          update: { $set: { state: 'answered', answeredAt: answer.answeredAt, verdict: answer.verdict, remindAt: null } },
          now,
        });
        const { matchedCount } = await PromiseReask.updateOne(filter, update);
        return matchedCount === 1 ? true : null;
      },
      { waitMs: 3000 },
    ));
  const closed = answer.verdict === 'delivered' ? await closeCaseAsRecovered({ caseId: answer.caseId, reaskId: answer._id, now }) : false;
  const told = await tellCsm({ answer, recovered: answer.verdict === 'delivered', now });
  // Busy (a worker held the re-ask for 3 s) or the CSM email not queued: the safety net tries again.
  if (recordedOnReask && told) await PromiseReaskAnswer.updateOne({ _id: answer._id, appliedAt: null }, { $set: { appliedAt: now } });
  return { applied: true as const, closed };
}

/** "Delivered": the case is recovered. One conditional write on {_id, rev, status}; a lost race reads again. */
async function closeCaseAsRecovered({ caseId, reaskId, now }: { caseId: Types.ObjectId; reaskId: Types.ObjectId; now: Date }) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const kase = await RecoveryCase.findById(caseId).select('status rev dealId').lean();
    if (!kase || (CLOSED_RECOVERY_STATUSES as readonly string[]).includes(kase.status)) return false;
    const { modifiedCount } = await RecoveryCase.updateOne(
      { _id: caseId, rev: kase.rev ?? 0, status: kase.status },
      { $set: { status: 'delivered', recoveredAt: now, closedAt: now }, $inc: { rev: 1 } },
    );
    if (modifiedCount !== 1) continue;
    await recordAudit({ action: 'recovery.recovered', entityType: 'recovery_case', entityId: caseId, data: { via: 'reask', reaskId: String(reaskId), from: kase.status }, now });
    await recorded('recovery.closed', { caseId, dealId: kase.dealId, status: 'delivered', now });
    return true;
  }
  log('warn', 'Recovery case busy; the re-ask answer did not close it', { caseId: String(caseId) });
  return false;
}

/** Emails the case's CSM (else the account's) what the buyer answered; once per re-ask. True when queued (or nobody to tell). */
async function tellCsm({
  answer,
  recovered,
  now,
}: {
  answer: { _id: Types.ObjectId; caseId: Types.ObjectId; accountId: Types.ObjectId; verdict: string; comment?: string | null };
  recovered: boolean;
  now: Date;
}) {
  const [kase, account, reask] = await Promise.all([
    RecoveryCase.findById(answer.caseId).select('csmId').lean(),
    Account.findById(answer.accountId).select('name csmId').lean(),
    PromiseReask.findById(answer._id).select('promiseText contactName').lean(),
  ]);
  const csmId = kase?.csmId ?? account?.csmId;
  const csm = csmId ? await User.findOne({ _id: csmId, active: true }).select('name email').lean() : null;
  if (!csm) {
    log('warn', 'Re-ask answered but its case has no active CSM to tell', { reaskId: String(answer._id) });
    return true;
  }
  const verdictLabel = REASK_VERDICT_LABELS[answer.verdict as ReaskVerdict] ?? answer.verdict;
  const result = await sendEmail({
    key: `reask:${String(answer._id)}:answer`,
    template: 'reask-answer-alert',
    to: csm.email,
    subject: `${account?.name ?? 'A customer'}: ${recovered ? 'promise delivered, case closed' : `promise ${verdictLabel.toLowerCase()}, agree a new plan`}`,
    react: createElement(ReaskAnswerAlertEmail, {
      csmName: csm.name,
      accountName: account?.name ?? '',
      buyerName: reask?.contactName || 'the buyer',
      promise: reask?.promiseText ?? '',
      verdictLabel,
      comment: answer.comment ?? '',
      recovered,
      caseUrl: appUrl(`/recovery/${String(answer.caseId)}`),
    }),
    meta: { entityType: 'reask', entityId: String(answer._id), kind: 'answer' },
    now,
  });
  if (!result.ok) log('error', 'Could not queue the re-ask answer alert', { reaskId: String(answer._id), error: result.error });
  return result.ok;
}

/** Worker task: the safety net for answers whose inline apply failed or was busy (older than a minute). */
export async function applyPendingReaskAnswers({ now, limit = 200 }: { now: Date; limit?: number }) {
  const pending = await PromiseReaskAnswer.find({ appliedAt: null, answeredAt: trusted({ $lte: new Date(now.getTime() - 60_000) }) })
    .select('_id')
    .limit(limit)
    .lean();
  for (const { _id } of pending) await applyReaskAnswer({ reaskId: _id, now });
  return { applied: pending.length, more: pending.length >= limit };
}

export type PromiseVerdictView = { verdict: string; at: string; source: 'survey' | 'reask'; original: { verdict: string; at: string } | null };

/** One verdict given to a promise, with where it came from (a survey of some wave, or the re-ask). */
export type PromiseVerdictSource = VerdictSource & { dealId: string; promiseId: string; wave: number; comment: string; surveyId: string };

/**
 * Every verdict given to each promise of these deals, by `<dealId>:<promiseId>`: the value surveys'
 * and the re-ask answers' (the original SurveyResponse is never changed). A re-ask answer carries
 * the wave and survey of the newest survey verdict it follows. Read 1,000 deals at a time.
 */
export async function promiseVerdictSources(dealIds: Array<string | Types.ObjectId>) {
  const sources = new Map<string, PromiseVerdictSource[]>();
  const add = (v: PromiseVerdictSource) => {
    const key = `${v.dealId}:${v.promiseId}`;
    sources.set(key, [...(sources.get(key) ?? []), v]);
  };
  for (let i = 0; i < dealIds.length; i += 1000) {
    const chunk = dealIds.slice(i, i + 1000);
    const [responses, answers] = await Promise.all([
      SurveyResponse.find({ dealId: trusted({ $in: chunk }) })
        .select('dealId wave answeredAt promises')
        .lean(),
      PromiseReaskAnswer.find({ dealId: trusted({ $in: chunk }) })
        .select('dealId promiseId verdict comment answeredAt')
        .lean(),
    ]);
    for (const r of responses) {
      for (const p of r.promises) {
        add({
          dealId: String(r.dealId),
          promiseId: String(p.promiseId),
          verdict: p.verdict,
          at: r.answeredAt,
          source: 'survey',
          wave: r.wave,
          comment: p.comment ?? '',
          surveyId: String(r._id),
        });
      }
    }
    for (const a of answers) {
      const surveyed = (sources.get(`${String(a.dealId)}:${a.promiseId}`) ?? []).filter((v) => v.source === 'survey' && v.at <= a.answeredAt);
      const last = surveyed.sort((x, y) => x.at.getTime() - y.at.getTime()).at(-1);
      add({
        dealId: String(a.dealId),
        promiseId: a.promiseId,
        verdict: a.verdict,
        at: a.answeredAt,
        source: 'reask',
        wave: last?.wave ?? 0,
        comment: a.comment ?? '',
        surveyId: last?.surveyId ?? '',
      });
    }
  }
  return sources;
}

/**
 * Each promise's latest verdict on the given deals (latestVerdict: the newest, a re-ask winning a
 * tie), with the survey verdict it replaced. dealId -> promiseId -> verdict.
 */
export async function latestPromiseVerdicts({ dealIds }: { dealIds: Array<string | Types.ObjectId> }) {
  const out = new Map<string, Record<string, PromiseVerdictView>>();
  for (const list of (await promiseVerdictSources(dealIds)).values()) {
    const latest = latestVerdict(list);
    if (!latest) continue;
    const views = out.get(latest.dealId) ?? {};
    views[latest.promiseId] = {
      verdict: latest.verdict,
      at: latest.at.toISOString(),
      source: latest.source,
      original: latest.source === 'reask' && latest.original ? { verdict: latest.original.verdict, at: latest.original.at.toISOString() } : null,
    };
    out.set(latest.dealId, views);
  }
  return out;
}
