// Getting surveys to buyers: the worker's tasks (invitations at the due date, one reminder,
// expiry) and what stops them (bounce, complaint, unsubscribe), with an alert to the account's
// CSM. Emails go through the outbox (email.server.ts) with deterministic keys and in batches of up
// to 100, so a crash or a second worker never sends one twice.
import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import { createElement } from 'react';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Survey, type SurveyStopReason } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { trusted } from '#app/db.server';
import { MAX_BATCH_SIZE, sealEmailBatch, sendEmail } from '#app/services/email.server';
import {
  applySurveyResponse,
  bumpInvitedMetric,
  claimSurvey,
  createSurveyLink,
  surveyEmailKey,
  surveyTiming,
  updateSurvey,
  waveLabel,
  type SurveyLean,
} from '#app/services/surveys.server';
import { createUnsubscribeLink } from '#app/services/unsubscribe.server';
import { formatDate } from '#app/utils/format';
import { appUrl } from '#app/utils/link-token.server';
import { log, logError } from '#app/utils/log.server';
import { leaseIsFree, release, complete, type LeaseUpdate } from '#app/worker/lease.server';
import { SurveyContactAlertEmail } from '#emails/survey-contact-alert';
import { SurveyInvitationEmail } from '#emails/survey-invitation';

// Long enough for a chunk of 100 (links, render, outbox insert each); a dead worker's surveys
// are picked up again after it.
const WORKER_LEASE_MS = 2 * 60_000;
// Surveys handled at once inside a chunk: overlaps database round trips without flooding SQLite.
const CONCURRENCY = 4;

type TaskInput = { now: Date; owner: string; signal?: AbortSignal; limit?: number };

const STOP_TEXT: Record<SurveyStopReason, string> = {
  bounced: 'Their mail server rejected the survey email (a bounce).',
  complained: 'They marked a survey email as spam.',
  unsubscribed: 'They unsubscribed from these emails.',
  'no-recipient': 'The account has no primary contact to send it to.',
  cancelled: 'It was cancelled.',
};

async function inPool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  }));
}

/** Deals, accounts and contacts of a chunk of surveys, loaded with one query each. */
async function loadChunkContext(surveys: SurveyLean[]) {
  const [deals, accounts, contacts] = await Promise.all([
    Deal.find({ _id: trusted({ $in: surveys.map((s) => s.dealId) }) }).select('name promises').lean(),
    Account.find({ _id: trusted({ $in: surveys.map((s) => s.accountId) }) }).select('name csmId').lean(),
    Contact.find({ accountId: trusted({ $in: surveys.map((s) => s.accountId) }) }).select('accountId name email isPrimary emailStatus').lean(),
  ]);
  return {
    deal: new Map(deals.map((d) => [String(d._id), d])),
    account: new Map(accounts.map((a) => [String(a._id), a])),
    contacts,
  };
}
type ChunkContext = Awaited<ReturnType<typeof loadChunkContext>>;
type ContactLean = ChunkContext['contacts'][number];

/**
 * Who gets this cycle's email: the contact CS chose, else the account's primary contact of today
 * (it may have changed since the deal closed), else nobody.
 */
function recipientOf(survey: SurveyLean, ctx: ChunkContext): ContactLean | null {
  if (survey.recipientChosen && survey.contactId) return ctx.contacts.find((c) => String(c._id) === String(survey.contactId)) ?? null;
  return ctx.contacts.find((c) => String(c.accountId) === String(survey.accountId) && c.isPrimary) ?? null;
}

/** Queues the invitation or reminder of one claimed survey; the link and unsubscribe link are new inserts. */
async function queueSurveyEmail(input: { survey: SurveyLean; contact: ContactLean; kind: 'invitation' | 'reminder'; expiresAt: Date; ctx: ChunkContext; batchKey: string; now: Date }) {
  const { survey, contact, kind, expiresAt, ctx, batchKey, now } = input;
  const accountName = ctx.account.get(String(survey.accountId))?.name ?? 'your company';
  const promises = (ctx.deal.get(String(survey.dealId))?.promises ?? []).map((p) => p.text);
  const token = await createSurveyLink({ survey, contactId: contact._id, now });
  const unsubscribe = await createUnsubscribeLink({ contact: { id: contact._id, email: contact.email }, source: `survey:${String(survey._id)}`, now });
  return sendEmail({
    key: surveyEmailKey(survey, kind),
    template: 'survey-invitation',
    to: contact.email,
    subject: `${kind === 'reminder' ? 'Reminder: ' : ''}${accountName}, did we deliver what we promised?`,
    react: createElement(SurveyInvitationEmail, {
      contactName: contact.name,
      accountName,
      waveLabel: waveLabel(survey.wave),
      promises,
      surveyUrl: appUrl(`/s/${token}`),
      unsubscribeUrl: unsubscribe.url,
      // The last full day the link works.
      expiresOn: formatDate(new Date(expiresAt.getTime() - 1).toISOString()),
      reminder: kind === 'reminder',
    }),
    headers: unsubscribe.headers,
    meta: { entityType: 'survey', entityId: String(survey._id), kind },
    batchKey,
    now,
  });
}

/** Sets the CSM's flag on a survey and emails them once per survey, cycle and reason. */
export async function alertCsm(input: { survey: Pick<SurveyLean, '_id' | 'accountId' | 'dealId' | 'wave' | 'cycle' | 'contactEmail'>; reason: SurveyStopReason; contactEmail?: string; now: Date }) {
  const { survey, reason, now } = input;
  const account = await Account.findById(survey.accountId).select('name csmId').lean();
  const csm = account?.csmId ? await User.findOne({ _id: account.csmId, active: true }).select('name email').lean() : null;
  if (!account || !csm) {
    log('warn', 'Survey needs another contact but its account has no active CSM to alert', { surveyId: String(survey._id), reason });
    return;
  }
  const deal = await Deal.findById(survey.dealId).select('name').lean();
  const result = await sendEmail({
    key: `survey:${String(survey._id)}:alert:${survey.cycle ?? 0}:${reason}`,
    template: 'survey-contact-alert',
    to: csm.email,
    subject: `${account.name}: the ${waveLabel(survey.wave)} survey needs another contact`,
    react: createElement(SurveyContactAlertEmail, {
      csmName: csm.name,
      accountName: account.name,
      dealName: deal?.name ?? '',
      waveLabel: waveLabel(survey.wave),
      contactEmail: input.contactEmail ?? survey.contactEmail ?? '',
      reason: STOP_TEXT[reason],
      surveyUrl: appUrl(`/surveys/${String(survey._id)}`),
    }),
    meta: { entityType: 'survey', entityId: String(survey._id), kind: 'alert' },
    now,
  });
  if (!result.ok) log('error', 'Could not queue the CSM alert', { surveyId: String(survey._id), error: result.error });
}

const attention = (reason: SurveyStopReason, now: Date) => ({ attentionReason: reason, attentionAt: now });

/**
 * The common shape of the invitation and reminder tasks: take up to 100 due surveys at a time,
 * claim each (a lease, so a second worker skips it), handle it, then seal the chunk's emails as
 * one Resend batch. Stops after `limit` surveys or when the worker is asked to stop.
 */
async function runChunks(input: TaskInput & {
  due: Record<string, unknown>;
  accept: (s: SurveyLean) => boolean;
  batchPrefix: string;
  handle: (survey: SurveyLean, ctx: ChunkContext, batchKey: string) => Promise<'sent' | 'stopped' | 'skipped'>;
}) {
  const { now, owner, signal, limit = 1000, due, accept, batchPrefix, handle } = input;
  const totals = { claimed: 0, sent: 0, stopped: 0, skipped: 0, batches: 0 };
  const seen = new Set<string>();
  while (totals.claimed < limit && !signal?.aborted) {
    const candidates = (await Survey.find({ $and: [due, leaseIsFree(now)] })
      .sort({ _id: 1 })
      .limit(MAX_BATCH_SIZE * 2)
      .lean()) as SurveyLean[];
    // Two workers see the same candidates; shuffling makes them claim mostly different ones.
    const fresh = candidates.filter((c) => !seen.has(String(c._id))).sort(() => Math.random() - 0.5).slice(0, Math.min(MAX_BATCH_SIZE, limit - totals.claimed));
    if (fresh.length === 0) break;
    for (const c of fresh) seen.add(String(c._id));
    const claimed: SurveyLean[] = [];
    await inPool(fresh, CONCURRENCY, async (candidate) => {
      const result = await claimSurvey({ id: candidate._id, owner, now, leaseMs: WORKER_LEASE_MS, accept });
      if ('survey' in result) claimed.push(result.survey);
    });
    if (claimed.length === 0) continue;
    totals.claimed += claimed.length;
    const ctx = await loadChunkContext(claimed);
    const batchKey = `${batchPrefix}:${now.toISOString()}:${crypto.randomBytes(6).toString('hex')}`;
    await inPool(claimed, CONCURRENCY, async (survey) => {
      try {
        totals[await handle(survey, ctx, batchKey)]++;
      } catch (error) {
        logError(error, { where: `${batchPrefix} task`, surveyId: String(survey._id) });
        // Give it back at once; the next cycle retries with the same email key.
        await release({ model: Survey, id: survey._id, owner, now }).catch(() => undefined);
      }
    });
    if ((await sealEmailBatch({ batchKey, now })).sealed) totals.batches++;
  }
  return totals;
}

/**
 * Worker task: every scheduled survey whose wave is due gets its invitation (key
 * `survey:<id>:invitation`), unless its recipient cannot receive email: then it is cancelled
 * with the reason and the CSM is alerted to pick another contact.
 */
export async function sendDueInvitations(input: TaskInput) {
  const { now, owner } = input;
  const { reminderMs, expiryMs } = surveyTiming();
  return runChunks({
    ...input,
    due: { state: 'scheduled', dueAt: trusted({ $lte: now }) },
    accept: (s) => s.state === 'scheduled' && s.dueAt <= now,
    batchPrefix: 'survey-invitations',
    handle: async (survey, ctx, batchKey) => {
      const contact = recipientOf(survey, ctx);
      const stop: SurveyStopReason | null = !contact ? 'no-recipient' : contact.emailStatus && contact.emailStatus !== 'ok' ? (contact.emailStatus as SurveyStopReason) : null;
      if (stop) {
        await complete({
          model: Survey,
          id: survey._id,
          owner,
          now,
          update: { $set: { state: 'cancelled', stopReason: stop, stoppedAt: now, ...attention(stop, now) } },
        });
        await alertCsm({ survey, reason: stop, contactEmail: contact?.email, now });
        return 'stopped';
      }
      const expiresAt = new Date(now.getTime() + expiryMs);
      const queued = await queueSurveyEmail({ survey, contact: contact!, kind: 'invitation', expiresAt, ctx, batchKey, now });
      if (!queued.ok) throw new Error(`invitation not queued: ${queued.error}`);
      const update: LeaseUpdate = {
        $set: {
          state: 'sent',
          sentAt: now,
          invitedAt: survey.invitedAt ?? now,
          // No reminder when it would come after the expiry.
          remindAt: reminderMs < expiryMs ? new Date(now.getTime() + reminderMs) : null,
          expiresAt,
          contactId: contact!._id,
          contactEmail: contact!.email,
          contactName: contact!.name,
        },
      };
      const recorded = await complete({ model: Survey, id: survey._id, owner, now, update });
      // The funnel counts a survey's first invitation once; a resend is not a new invitation.
      if (recorded && !survey.invitedAt) await bumpInvitedMetric(survey);
      return 'sent';
    },
  });
}

/**
 * Worker task: one reminder (key `survey:<id>:reminder`) for a sent survey without an answer
 * once its reminder date has come, unless the link expires first or the contact stopped receiving.
 */
export async function sendDueReminders(input: TaskInput) {
  const { now, owner } = input;
  return runChunks({
    ...input,
    due: { state: 'sent', remindAt: trusted({ $lte: now }) },
    accept: (s) => s.state === 'sent' && Boolean(s.remindAt && s.remindAt <= now),
    batchPrefix: 'survey-reminders',
    handle: async (survey, ctx, batchKey) => {
      const noReminder = () => complete({ model: Survey, id: survey._id, owner, now, update: { $set: { remindAt: null } } });
      if (await SurveyResponse.exists({ _id: survey._id })) {
        await release({ model: Survey, id: survey._id, owner, now });
        await applySurveyResponse({ surveyId: survey._id, now, owner });
        return 'skipped';
      }
      const contact = ctx.contacts.find((c) => String(c._id) === String(survey.contactId));
      if (!survey.expiresAt || survey.expiresAt <= now || !contact || contact.emailStatus !== 'ok') {
        await noReminder();
        return 'skipped';
      }
      const queued = await queueSurveyEmail({ survey, contact, kind: 'reminder', expiresAt: survey.expiresAt, ctx, batchKey, now });
      if (!queued.ok) throw new Error(`reminder not queued: ${queued.error}`);
      await complete({ model: Survey, id: survey._id, owner, now, update: { $set: { state: 'reminded', remindedAt: now, remindAt: null } } });
      return 'sent';
    },
  });
}

/** Worker task: sent surveys whose link ran out without an answer become `expired`. */
export async function expireDueSurveys({ now, owner, limit = 1000, signal }: TaskInput) {
  const due = (await Survey.find({ $and: [{ state: trusted({ $in: ['sent', 'reminded'] }), expiresAt: trusted({ $lte: now }) }, leaseIsFree(now)] })
    .select('_id')
    .limit(limit)
    .lean()) as Array<{ _id: Types.ObjectId }>;
  let expired = 0;
  for (const { _id } of due) {
    if (signal?.aborted) break;
    // An answer stored at the last second wins over the expiry.
    if (await SurveyResponse.exists({ _id })) {
      await applySurveyResponse({ surveyId: _id, now, owner });
      continue;
    }
    const result = await updateSurvey({
      id: _id,
      now,
      owner,
      waitMs: 0,
      accept: (s) => (s.state === 'sent' || s.state === 'reminded') && Boolean(s.expiresAt && s.expiresAt <= now),
      change: () => ({ $set: { state: 'expired', expiredAt: now, remindAt: null } }),
    });
    if (result.ok) expired++;
  }
  return { due: due.length, expired };
}

/**
 * A contact stopped receiving email (bounce, complaint, unsubscribe): their sent surveys stop
 * (a bounce or complaint makes the survey `bounced`; after an unsubscribe the link still works
 * but no reminder follows), their scheduled surveys are flagged, and each survey's CSM is alerted
 * to pick another contact.
 */
export async function stopSurveysForContacts({ contactIds, reason, now, owner }: { contactIds: Array<string | Types.ObjectId>; reason: 'bounced' | 'complained' | 'unsubscribed'; now: Date; owner?: string }) {
  if (contactIds.length === 0) return { stopped: 0, flagged: 0 };
  const open = (await Survey.find({ contactId: trusted({ $in: contactIds }), state: trusted({ $in: ['scheduled', 'sent', 'reminded'] }) })
    .select('_id')
    .lean()) as Array<{ _id: Types.ObjectId }>;
  let stopped = 0;
  let flagged = 0;
  for (const { _id } of open) {
    const result = await updateSurvey({
      id: _id,
      now,
      owner,
      accept: (s) => ['scheduled', 'sent', 'reminded'].includes(s.state) && contactIds.some((id) => String(id) === String(s.contactId)),
      change: (s) => {
        if (s.state === 'scheduled') return { $set: attention(reason, now) };
        if (reason === 'unsubscribed') return { $set: { stopReason: reason, remindAt: null, ...attention(reason, now) } };
        return { $set: { state: 'bounced', stopReason: reason, stoppedAt: now, remindAt: null, ...attention(reason, now) } };
      },
    });
    if (!result.ok) {
      if (result.reason === 'busy') log('warn', 'Survey busy; contact stop not applied', { surveyId: String(_id), reason });
      continue;
    }
    if (result.before.state === 'scheduled') flagged++;
    else stopped++;
    await alertCsm({ survey: result.before, reason, now });
  }
  return { stopped, flagged };
}
