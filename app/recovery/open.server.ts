// Opening recovery cases from an applied survey answer (the reaction to `survey.answered`), and the
// repair for a reaction that failed or never ran. Exactly once: the unique index on (deal, wave,
// promiseKey) refuses a second opening, whoever tries (concurrent applies, the worker's retry, the
// sweep); the CSM's and the rep's emails are keyed per case, so a retry never sends them twice.
import { createElement } from 'react';
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { RecoveryCase } from '#models/recovery-case';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { RecoveryCaseOpenedEmail } from '#emails/recovery-case-opened';
import { RecoveryRepNoticeEmail } from '#emails/recovery-rep-notice';
import { sendEmail } from '#app/email/email.server';
import { getEnv } from '#app/env.server';
import { recorded } from '#app/platform/events.server';
import { insertIgnoringDuplicates } from '#app/platform/inserts.server';
import { trusted } from '#app/platform/db.server';
import { addBusinessDays, casesForAnswer } from '#app/recovery/recovery-rules';
import { getRecoverySettings } from '#app/recovery/settings.server';
import { formatDate } from '#app/utils/format';

type Id = string | Types.ObjectId;

export const caseUrl = (caseId: Id) => `${getEnv().APP_URL.replace(/\/+$/, '')}/recovery/${String(caseId)}`;

/** What the emails and pages call the thing that was not kept. */
export const caseSubject = (c: { promiseText?: string | null; trigger: string; nps?: number | null }) =>
  c.promiseText ? c.promiseText : c.trigger === 'overall_no' ? 'The value we promised, as a whole (the buyer answered “No”)' : `The relationship as a whole (NPS ${c.nps ?? '—'})`;

/**
 * Opens the cases an applied answer calls for (docs/recovery.md, "Which answers open a case") and
 * emails their CSM and rep. Idempotent: run it any number of times, concurrently or not; each case
 * exists once and each email is queued once.
 */
export async function openCasesForAnswer({ surveyId, now }: { surveyId: Id; now: Date }) {
  const response = await SurveyResponse.findById(surveyId).lean();
  if (!response) return { opened: 0 };
  const [account, settings] = await Promise.all([Account.findById(response.accountId).select('csmId recoverPartly').lean(), getRecoverySettings()]);
  const wanted = casesForAnswer(
    {
      promises: response.promises.map((p) => ({ ...p, promiseId: String(p.promiseId), verdict: p.verdict as 'delivered' | 'partly' | 'not_yet' })),
      overall: response.overall as 'yes' | 'partly' | 'no',
      nps: response.nps,
      comment: response.comment,
    },
    { npsThreshold: settings.npsThreshold, recoverPartly: Boolean(account?.recoverPartly) },
  );
  if (wanted.length === 0) return { opened: 0 };
  const [deal, journey] = await Promise.all([Deal.findById(response.dealId).select('arr').lean(), Journey.findOne({ dealId: response.dealId }).select('csmId').lean()]);
  const csmId = account?.csmId ?? journey?.csmId ?? undefined;
  const docs = wanted.map((w) => ({
    _id: new Types.ObjectId(),
    dealId: response.dealId,
    accountId: response.accountId,
    surveyId: response._id,
    wave: response.wave,
    promiseKey: w.promiseKey,
    trigger: w.trigger,
    promiseText: w.promiseText,
    category: w.category,
    buyerWords: w.buyerWords,
    nps: response.nps,
    contactId: response.contactId,
    aeId: response.aeId,
    csmId,
    segment: response.segment,
    closedWonAt: response.closedWonAt,
    arr: deal?.arr ?? 0,
    status: 'open',
    openedAt: now,
    slaDueAt: addBusinessDays(now, settings.slaBusinessDays),
    rev: 0,
    createdAt: now,
    updatedAt: now,
  }));
  const inserted = await insertIgnoringDuplicates(RecoveryCase, docs);
  for (const index of inserted) {
    const doc = docs[index];
    await recordAudit({ action: 'recovery.opened', entityType: 'recovery_case', entityId: doc._id, data: { trigger: doc.trigger, surveyId: String(surveyId) }, now });
    if (doc.trigger === 'promise_not_yet') await recorded('promise.not_kept', { dealId: doc.dealId, surveyId: doc.surveyId, promiseId: doc.promiseKey, now });
    await recorded('recovery.opened', { caseId: doc._id, dealId: doc.dealId, now });
  }
  await notifyOpenedCases({ dealId: response.dealId, wave: response.wave, now });
  return { opened: inserted.size };
}

/**
 * Queues the CSM's and the rep's email for each case of the answer not yet notified, then marks it.
 * A process that dies in between leaves `notifiedAt` unset: the next run queues the same keys again,
 * which the outbox answers as duplicates (one email each).
 */
async function notifyOpenedCases({ dealId, wave, now }: { dealId: Id; wave: number; now: Date }) {
  const cases = await RecoveryCase.find({ dealId, wave, notifiedAt: null }).lean();
  if (cases.length === 0) return;
  const userIds = [
    ...new Set(
      cases
        .flatMap((c) => [c.aeId, c.csmId])
        .filter(Boolean)
        .map(String),
    ),
  ];
  const [users, account] = await Promise.all([
    User.find({ _id: trusted({ $in: userIds }) })
      .select('name email active')
      .lean(),
    Account.findById(cases[0].accountId).select('name').lean(),
  ]);
  const byId = new Map(users.map((u) => [String(u._id), u]));
  const accountName = account?.name ?? 'an account';
  for (const c of cases) {
    const csm = c.csmId ? byId.get(String(c.csmId)) : undefined;
    const rep = byId.get(String(c.aeId));
    const promise = caseSubject(c);
    const results = [];
    if (csm?.active) {
      results.push(
        await sendEmail({
          key: `recovery:${String(c._id)}:csm-opened`,
          template: 'recovery-case-opened',
          to: csm.email,
          subject: `A promise was not kept at ${accountName}`,
          react: createElement(RecoveryCaseOpenedEmail, {
            csmName: csm.name,
            accountName,
            promise,
            buyerWords: c.buyerWords ?? '',
            repName: rep?.name ?? 'The rep',
            slaDue: formatDate(c.slaDueAt.toISOString()),
            caseUrl: caseUrl(c._id),
          }),
          meta: { entityType: 'recovery_case', entityId: String(c._id) },
          now,
        }),
      );
    }
    // The rep is told about the promises they made; the answer as a whole goes to the CSM only.
    if (rep?.active && c.promiseKey !== 'overall') {
      results.push(
        await sendEmail({
          key: `recovery:${String(c._id)}:rep-notice`,
          template: 'recovery-rep-notice',
          to: rep.email,
          subject: `${accountName}: a promise you made was not kept`,
          react: createElement(RecoveryRepNoticeEmail, {
            repName: rep.name,
            accountName,
            promise,
            buyerWords: c.buyerWords ?? '',
            csmName: csm?.name ?? 'Customer success (no CSM assigned yet)',
            caseUrl: caseUrl(c._id),
          }),
          meta: { entityType: 'recovery_case', entityId: String(c._id) },
          now,
        }),
      );
    }
    // An email that could not be recorded leaves the case for the repair to notify again.
    if (results.every((r) => r.ok)) await RecoveryCase.updateOne({ _id: c._id, notifiedAt: null }, { $set: { notifiedAt: now } });
  }
}

/**
 * The repair (worker task `recovery-open-missing`, hourly): opens the cases of answers applied since
 * `since` that should have them, and finishes notifying cases whose emails were not queued. Reactions
 * run in process after the save, so a process that died right after applying an answer, or a
 * reaction that failed, left them unopened.
 */
export async function openMissingCases({ since, now, limit = 500 }: { since: Date; now: Date; limit?: number }) {
  const { npsThreshold } = await getRecoverySettings();
  const answers = await SurveyResponse.find({
    appliedAt: trusted({ $gte: since }),
    $or: [{ 'promises.verdict': trusted({ $in: ['not_yet', 'partly'] }) }, { overall: 'no' }, { nps: trusted({ $lte: npsThreshold }) }],
  })
    .select('_id')
    .sort({ appliedAt: 1 })
    .limit(limit)
    .lean();
  let opened = 0;
  for (const a of answers) opened += (await openCasesForAnswer({ surveyId: a._id, now })).opened;
  // Cases opened whose emails were not queued (a failure after the insert).
  const unnotified = await RecoveryCase.find({ notifiedAt: null, openedAt: trusted({ $gte: since }) })
    .select('dealId wave')
    .limit(limit)
    .lean();
  const seen = new Set<string>();
  for (const c of unnotified) {
    const key = `${String(c.dealId)}:${c.wave}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await notifyOpenedCases({ dealId: c.dealId, wave: c.wave, now });
  }
  return { answers: answers.length, opened, more: answers.length >= limit };
}
