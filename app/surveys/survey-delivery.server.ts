// Getting surveys to buyers: the worker's tasks (invitations at the due date, one reminder,
// expiry) and what stops them (bounce, complaint, unsubscribe), with an alert to the account's
// CSM. Emails go through the outbox (email.server.ts) with deterministic keys and in batches of up
// to 100, so a crash or a second worker never sends one twice.
import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import { createElement } from 'react';
import { Account } from '#models/account';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey, type SurveyStopReason } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { trusted } from '#app/platform/db.server';
import { journeyIdForDeal } from '#app/journeys/journey.server';
import { contactsOfAccounts } from '#app/journeys/children.server';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { MAX_BATCH_SIZE, releaseEmailBatches, sealEmailBatch, sendEmail, sendEmails, type SendEmailInput } from '#app/email/email.server';
import {
  applySurveyResponse,
  bumpSurveyMetrics,
  holdSurveys,
  finishSurveys,
  newSurveyLink,
  saveSurveyLinks,
  surveyEmailKey,
  surveyTiming,
  updateSurvey,
  waveLabel,
  type SurveyLean,
} from '#app/surveys/surveys.server';
import { newUnsubscribeLink, saveUnsubscribeLinks } from '#app/email/unsubscribe.server';
import { appUrl } from '#app/utils/link-token.server';
import { log, logError } from '#app/utils/log.server';
import { inPool, readEachById } from '#app/platform/pool';
import { writeUnheld, type LeaseUpdate } from '#app/platform/lease.server';
import { recordBatchWrite } from '#app/platform/change-feed.server';
import { SurveyContactAlertEmail } from '#emails/survey-contact-alert';
import { SurveyHeldAlertEmail } from '#emails/survey-held-alert';
import { SurveyInvitationEmail, surveyInvitationSubject } from '#emails/survey-invitation';
import { formatDate } from '#app/i18n/format';
import { buyerLocale } from '#app/i18n/locale.server';
import { pickLocale } from '#app/i18n/locales';
import { buyerEmailBrand } from '#app/branding/brand.server';

// Long enough for a chunk of 100 (links, render, one outbox insert); a dead worker's surveys are
// picked up again after it.
const HOLD_MS = 2 * 60_000;
// Surveys handled at once inside a chunk: overlaps database round trips without flooding SQLite.
const CONCURRENCY = 4;
// Due surveys read at once (one scan of the collection on FerretDB: ~0.8 s at 10,000), then
// handled in chunks of 100; also a run's default limit (the worker goes again at once when it is hit).
const PAGE_SIZE = 2500;

type TaskInput = {
  now: Date;
  owner: string;
  signal?: AbortSignal;
  limit?: number;
  /** Called after each batch this task sealed (the worker sends it while the next chunk is prepared). */
  onBatch?: () => void;
};

const STOP_TEXT: Record<SurveyStopReason, string> = {
  bounced: 'Their mail server rejected the survey email (a bounce).',
  complained: 'They marked a survey email as spam.',
  unsubscribed: 'They unsubscribed from these emails.',
  'no-recipient': 'The account has no primary contact to send it to.',
  cancelled: 'It was cancelled.',
};

// `seen`: what this run already read, so a deal with several waves due at once is read once.
const byIds = <T>(ids: unknown[], read: (id: string) => Promise<T | null>, seen: Map<string, T | null>) => readEachById(ids, read, { size: CONCURRENCY * 2, seen });

type RunMemo = { deals: Map<string, DealForEmail | null>; accounts: Map<string, AccountForEmail | null>; journeys: Map<string, JourneyForEmail | null> };
type DealForEmail = { _id: Types.ObjectId; name: string; promises: { text: string }[] };
type AccountForEmail = { _id: Types.ObjectId; name: string; csmId?: Types.ObjectId | null; language?: string | null };
type JourneyForEmail = { _id: Types.ObjectId; dealId: Types.ObjectId; stage: string; playbookKey?: string | null; playbookVersion: number; liveAt?: Date | null };
const readJourney = (id: string) => Journey.findById(id).select('dealId stage playbookKey playbookVersion liveAt').lean() as Promise<JourneyForEmail | null>;

/** Deals, accounts and contacts of a chunk of surveys (deals and accounts read once per run). */
async function loadChunkContext(surveys: SurveyLean[], memo: RunMemo) {
  const [deals, accounts, journeys, contacts, letterhead, defaultLocale] = await Promise.all([
    // One survey's deal and account per read: the `$in` over a chunk's deals scanned every deal (263 ms per chunk at 3,300 deals).
    byIds(
      surveys.map((s) => s.dealId),
      (id) => Deal.findById(id).select('name promises').lean() as Promise<DealForEmail | null>,
      memo.deals,
    ),
    byIds(
      surveys.map((s) => s.accountId),
      (id) => Account.findById(id).select('name csmId language').lean() as Promise<AccountForEmail | null>,
      memo.accounts,
    ),
    // The journey's id follows from the deal's, so each is one read by `_id`.
    byIds(
      surveys.map((s) => journeyIdForDeal(s.dealId)),
      readJourney,
      memo.journeys,
    ),
    // Read fresh per chunk: a bounce since the last chunk counts.
    contactsOfAccounts(
      surveys.map((s) => s.accountId),
      'accountId name email isPrimary emailStatus language',
    ),
    // The vendor's brand and sender (cached per process, docs/branding.md).
    buyerEmailBrand(),
    // The buyers' language when neither contact nor account sets one (docs/i18n.md).
    buyerLocale({}),
  ]);
  return {
    letterhead,
    defaultLocale,
    deal: new Map(deals.map((d) => [String(d._id), d])),
    account: new Map(accounts.map((a) => [String(a._id), a])),
    journey: new Map(journeys.map((j) => [String(j.dealId), j])),
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

/**
 * Emails the account's CSM once per survey, cycle and reason: a contact that cannot receive the
 * survey (pick another one), or a due wave held because the customer is not live yet.
 */
export async function alertCsm(
  input: { survey: Pick<SurveyLean, '_id' | 'accountId' | 'dealId' | 'wave' | 'cycle' | 'contactEmail'>; now: Date } & (
    { reason: SurveyStopReason; contactEmail?: string } | { reason: 'not-live'; stageName: string }
  ),
) {
  const { survey, reason, now } = input;
  const account = await Account.findById(survey.accountId).select('name csmId').lean();
  const csm = account?.csmId ? await User.findOne({ _id: account.csmId, active: true }).select('name email').lean() : null;
  if (!account || !csm) {
    log('warn', 'Survey needs the CSM but its account has no active CSM to alert', { surveyId: String(survey._id), reason });
    return;
  }
  const deal = await Deal.findById(survey.dealId).select('name').lean();
  const common = {
    csmName: csm.name,
    accountName: account.name,
    dealName: deal?.name ?? '',
    waveLabel: waveLabel(survey.wave),
    surveyUrl: appUrl(`/surveys/${String(survey._id)}`),
  };
  const result = await sendEmail({
    key: `survey:${String(survey._id)}:alert:${survey.cycle ?? 0}:${reason}`,
    to: csm.email,
    ...(input.reason === 'not-live'
      ? {
          template: 'survey-held-alert',
          subject: `${account.name}: the ${waveLabel(survey.wave)} survey waits until the customer is live`,
          react: createElement(SurveyHeldAlertEmail, { ...common, stageName: input.stageName }),
        }
      : {
          template: 'survey-contact-alert',
          subject: `${account.name}: the ${waveLabel(survey.wave)} survey needs another contact`,
          react: createElement(SurveyContactAlertEmail, { ...common, contactEmail: input.contactEmail ?? survey.contactEmail ?? '', reason: STOP_TEXT[input.reason] }),
        }),
    meta: { entityType: 'survey', entityId: String(survey._id), kind: 'alert' },
    now,
  });
  if (!result.ok) log('error', 'Could not queue the CSM alert', { surveyId: String(survey._id), error: result.error });
}

const attention = (reason: SurveyStopReason, now: Date) => ({ attentionReason: reason, attentionAt: now });

/** What a task decided for one claimed survey. */
type Plan =
  | { kind: 'send'; email: 'invitation' | 'reminder'; contact: ContactLean; expiresAt: Date; update: LeaseUpdate }
  | { kind: 'stop'; reason: SurveyStopReason; contactEmail?: string; update: LeaseUpdate }
  | { kind: 'hold'; stageName: string; update: LeaseUpdate }
  | { kind: 'skip'; update: LeaseUpdate | null };

/** The outbox entry of one planned invitation or reminder, with its two new links. */
function surveyEmail(input: { survey: SurveyLean; plan: Extract<Plan, { kind: 'send' }>; ctx: ChunkContext; batchKey: string; now: Date }) {
  const { survey, plan, ctx, batchKey, now } = input;
  const { contact, email: kind, expiresAt } = plan;
  const account = ctx.account.get(String(survey.accountId));
  const accountName = account?.name ?? 'your company';
  // The buyer's language; the link keeps it, so the survey page speaks the email's language.
  const locale = pickLocale((contact as { language?: string | null }).language, account?.language, ctx.defaultLocale);
  const link = newSurveyLink({ survey, contactId: contact._id, locale, now });
  const unsubscribe = newUnsubscribeLink({ contact: { id: contact._id, email: contact.email }, source: `survey:${String(survey._id)}`, now });
  const email: SendEmailInput = {
    key: surveyEmailKey(survey, kind),
    template: 'survey-invitation',
    to: contact.email,
    subject: surveyInvitationSubject(locale, { accountName, reminder: kind === 'reminder' }),
    from: ctx.letterhead.from,
    replyTo: ctx.letterhead.replyTo,
    react: createElement(SurveyInvitationEmail, {
      brand: ctx.letterhead.brand,
      locale,
      contactName: contact.name,
      accountName,
      waveMonths: survey.wave,
      promises: (ctx.deal.get(String(survey.dealId))?.promises ?? []).map((p) => p.text),
      surveyUrl: appUrl(`/s/${link.token}`),
      unsubscribeUrl: unsubscribe.url,
      // The last full day the link works.
      expiresOn: formatDate(locale, new Date(expiresAt.getTime() - 1)),
      reminder: kind === 'reminder',
    }),
    headers: unsubscribe.headers,
    meta: { entityType: 'survey', entityId: String(survey._id), kind },
    batchKey,
    now,
  };
  return { email, linkRecord: link.record, unsubscribeRecord: unsubscribe.record };
}

/**
 * The common shape of the invitation and reminder tasks, per chunk of up to 100 due surveys:
 * hold each (so a second worker, or CS, waits), plan it, store all links and queue all emails
 * with one insert each (the database is the bottleneck, not the provider), record each survey,
 * then seal the chunk's emails as one Resend batch. A crash anywhere leaves the holds to expire;
 * the next worker redoes the chunk and the email keys make the redo harmless.
 */
async function runChunks(
  input: TaskInput & {
    due: Record<string, unknown>;
    accept: (s: SurveyLean) => boolean;
    batchPrefix: string;
    plan: (survey: SurveyLean, ctx: ChunkContext) => Promise<Plan>;
    /** After a survey's email was recorded (e.g. to count its first invitation). */
    onSent?: (sent: SurveyLean[]) => Promise<unknown>;
  },
) {
  const { now, owner, signal, limit = PAGE_SIZE, due, accept, batchPrefix, plan, onSent } = input;
  const totals = { claimed: 0, sent: 0, stopped: 0, held: 0, skipped: 0, batches: 0 };
  const seen = new Set<string>();
  const memo: RunMemo = { deals: new Map(), accounts: new Map(), journeys: new Map() };
  while (totals.claimed < limit && !signal?.aborted) {
    // One read of the due list per run of up to `limit` (1,000 by default): the filter scans the
    // surveys on FerretDB, so reading it once per chunk of 100 cost ten scans.
    const candidates = (await Survey.find(due)
      .sort({ _id: 1 })
      .limit(Math.min(limit - totals.claimed, PAGE_SIZE) + seen.size)
      .lean()) as SurveyLean[];
    // Two workers see the same candidates; shuffling makes them claim mostly different ones.
    const fresh = candidates.filter((c) => !seen.has(String(c._id))).sort(() => Math.random() - 0.5);
    if (fresh.length === 0) break;
    for (let at = 0; at < fresh.length && totals.claimed < limit && !signal?.aborted; at += MAX_BATCH_SIZE) {
      const chunk = fresh.slice(at, at + Math.min(MAX_BATCH_SIZE, limit - totals.claimed));
      for (const c of chunk) seen.add(String(c._id));
      await runChunk(chunk);
    }
  }
  // Hit the limit: more may be due, so the worker runs its next cycle at once.
  return { ...totals, more: totals.claimed >= limit };

  async function runChunk(fresh: SurveyLean[]) {
    // `due` again in each claim: a candidate another worker finished since the read is not due any more.
    const held = await holdSurveys({ candidates: fresh, owner, now, holdMs: HOLD_MS, accept, due });
    if (held.length === 0) return;
    totals.claimed += held.length;
    try {
      const ctx = await loadChunkContext(held, memo);
      const plans = await Promise.all(held.map((s) => plan(s, ctx)));
      const batchKey = `${batchPrefix}:${now.toISOString()}:${crypto.randomBytes(6).toString('hex')}`;
      const sends = held.flatMap((h, i) => {
        const p = plans[i];
        return p.kind === 'send' ? [{ held: h, plan: p, ...surveyEmail({ survey: h, plan: p, ctx, batchKey, now }) }] : [];
      });
      // Links first: an email is only ever queued with links that work.
      await saveSurveyLinks(sends.map((x) => x.linkRecord));
      await saveUnsubscribeLinks(sends.map((x) => x.unsubscribeRecord));
      const queued = await sendEmails(sends.map((x) => x.email));
      // A duplicate still queued under another key was queued by a producer that died before sealing
      // its batch (its holds on these surveys expired, or we could not have taken them): seal that
      // batch now instead of leaving it to the dispatcher's sweep, minutes later.
      const orphaned = new Set(queued.flatMap((q) => (q.ok && q.duplicate && q.state === 'queued' && q.batchKey && q.batchKey !== batchKey ? [q.batchKey] : [])));
      const holdUntil = new Date(now.getTime() + HOLD_MS);
      for (const key of orphaned) await sealEmailBatch({ batchKey: key, now, holdUntil });
      // This chunk's batch is sealed before the surveys record their emails: a producer that dies
      // after this leaves surveys whose holds expire and whose redo finds every email queued in a
      // sealed batch; one that died between recording the surveys and sealing left a batch no redo
      // would come for (the sweep sealed it only after 5 minutes). Found by the SIGKILL test once
      // batches left while the next chunk was prepared.
      // But it is sealed on hold: no email may reach a buyer before its survey records it, or a
      // buyer (or a mail scanner) who opens the link at once finds it "cannot be used" (issue 21:
      // both racing submits refused). It is released once the surveys are recorded; after a crash,
      // by the redo that records them, or when the holds run out.
      // Members: the emails this chunk recorded itself (a duplicate belongs to an earlier batch).
      const members = queued.flatMap((q) => (q.ok && !q.duplicate && q.state === 'queued' ? [q] : []));
      const payloads = new Map(members.flatMap((q) => (q.payload ? [[q.id, q.payload] as const] : [])));
      const sealed = members.length > 0 && (await sealEmailBatch({ batchKey, now, messageIds: members.map((q) => q.id), payloads, holdUntil })).sealed;
      // Every hold ends in one go: a queued email's survey records it; a failed queue, a stop or a skip writes its own update (or none).
      const queuedOf = new Map(sends.map((x, i) => [x.held, queued[i]]));
      const endings = held.map((h, i) => {
        const plan = plans[i];
        const emailQueued = plan.kind === 'send' && queuedOf.get(h)?.ok === true;
        return { held: h, plan, emailQueued, update: plan.kind === 'send' ? (emailQueued ? plan.update : undefined) : (plan.update ?? undefined) };
      });
      const written = await finishSurveys(endings, { now });
      // The surveys are recorded: this chunk's batch, and any batch of an earlier producer whose
      // emails this chunk just recorded, may leave now.
      await releaseEmailBatches({ batchKeys: [...(sealed ? [batchKey] : []), ...orphaned], now });
      if (sealed) {
        totals.batches++;
        input.onBatch?.();
      }
      const recorded = endings.flatMap((e, i) => (e.emailQueued && written[i] ? [e.held] : []));
      totals.sent += endings.filter((e) => e.emailQueued).length;
      await inPool(
        endings.filter((e) => e.plan.kind !== 'send'),
        CONCURRENCY,
        async ({ held: h, plan: p }) => {
          if (p.kind === 'stop') {
            await alertCsm({ survey: h, reason: p.reason, contactEmail: p.contactEmail, now });
            totals.stopped++;
          } else if (p.kind === 'hold') {
            await alertCsm({ survey: h, reason: 'not-live', stageName: p.stageName, now });
            totals.held++;
          } else totals.skipped++;
        },
      );
      if (recorded.length && onSent) await onSent(recorded);
    } catch (error) {
      // Give the chunk back at once; the next cycle redoes it with the same email keys.
      logError(error, { where: `${batchPrefix} task` });
      await finishSurveys(
        held.map((h) => ({ held: h })),
        { now },
      ).catch(() => undefined);
      throw error;
    }
  }
}

/** The stage a not-live journey is in, by its playbook's name for it. */
async function stageNameOf(journey: JourneyForEmail) {
  const playbook = await getPlaybookVersion(journey.playbookVersion, journey.playbookKey);
  return playbook?.stages.find((s) => s.key === journey.stage)?.name ?? journey.stage;
}

/**
 * Held surveys (a wave that came due before the customer was live) whose journey has reached live
 * since: the hold is lifted (one bulkWrite), so the invitation task sends them in the same run.
 */
export async function releaseHeldSurveys({ now, limit = PAGE_SIZE }: { now: Date; limit?: number }) {
  const notLive = { state: 'scheduled' as const, held: 'not-live' as const };
  const held = (await Survey.find(notLive).select('_id dealId').limit(limit).lean()) as Array<{ _id: Types.ObjectId; dealId: Types.ObjectId }>;
  const journeys = new Map<string, JourneyForEmail | null>();
  await byIds(
    held.map((s) => journeyIdForDeal(s.dealId)),
    readJourney,
    journeys,
  );
  const live = held.filter((s) => journeys.get(String(journeyIdForDeal(s.dealId)))?.liveAt);
  if (live.length === 0) return { held: held.length, released: 0 };
  const { modifiedCount } = await Survey.bulkWrite(live.map(({ _id }) => ({ updateOne: writeUnheld({ filter: { _id, ...notLive }, update: { $set: { held: null } }, now }) })));
  await recordBatchWrite(
    Survey,
    live.map(({ _id }) => _id),
  );
  return { held: held.length, released: modifiedCount };
}

/**
 * Worker task: every scheduled survey whose wave is due gets its invitation (key
 * `survey:<id>:invitation`), unless its recipient cannot receive email: then it is cancelled
 * with the reason and the CSM is alerted to pick another contact. A wave due before the deal's
 * journey reached live is held instead (the CSM is told once) and goes out once it is live, or
 * when CS sends it anyway (docs/surveys.md).
 */
export async function sendDueInvitations(input: TaskInput) {
  const { now } = input;
  const { reminderMs, expiryMs } = surveyTiming();
  await releaseHeldSurveys({ now });
  return runChunks({
    ...input,
    // `$ne` also matches surveys written before the field existed.
    due: { state: 'scheduled', dueAt: trusted({ $lte: now }), held: trusted({ $ne: 'not-live' }) },
    accept: (s) => s.state === 'scheduled' && s.dueAt <= now && s.held !== 'not-live',
    batchPrefix: 'survey-invitations',
    plan: async (survey, ctx) => {
      // Not live yet: the buyer has not had the value they were promised, so do not ask yet. A deal
      // without a journey (legacy data; the worker starts missing ones) is not held.
      const journey = ctx.journey.get(String(survey.dealId));
      if (journey && !journey.liveAt && !survey.sendAnywayAt) {
        return { kind: 'hold', stageName: await stageNameOf(journey), update: { $set: { held: 'not-live', heldAt: now } } };
      }
      const contact = recipientOf(survey, ctx);
      const stop: SurveyStopReason | null = !contact ? 'no-recipient' : contact.emailStatus && contact.emailStatus !== 'ok' ? (contact.emailStatus as SurveyStopReason) : null;
      if (stop) {
        return { kind: 'stop', reason: stop, contactEmail: contact?.email, update: { $set: { state: 'cancelled', stopReason: stop, stoppedAt: now, ...attention(stop, now) } } };
      }
      const expiresAt = new Date(now.getTime() + expiryMs);
      return {
        kind: 'send',
        email: 'invitation',
        contact: contact!,
        expiresAt,
        update: {
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
        },
      };
    },
    // The funnel counts a survey's first invitation once; a resend is not a new invitation.
    onSent: (sent) => bumpSurveyMetrics({ invited: sent.filter((s) => !s.invitedAt) }),
  });
}

/**
 * Worker task: one reminder (key `survey:<id>:reminder`) for a sent survey without an answer
 * once its reminder date has come, unless the link expires first or the contact stopped receiving.
 */
export async function sendDueReminders(input: TaskInput) {
  const { now } = input;
  return runChunks({
    ...input,
    due: { state: 'sent', remindAt: trusted({ $lte: now }) },
    accept: (s) => s.state === 'sent' && Boolean(s.remindAt && s.remindAt <= now),
    batchPrefix: 'survey-reminders',
    plan: async (survey, ctx) => {
      // Answered but not applied yet: the survey-answers task applies it; no reminder meanwhile.
      if (await SurveyResponse.exists({ _id: survey._id })) return { kind: 'skip', update: null };
      const contact = ctx.contacts.find((c) => String(c._id) === String(survey.contactId));
      if (!survey.expiresAt || survey.expiresAt <= now || !contact || contact.emailStatus !== 'ok') return { kind: 'skip', update: { $set: { remindAt: null } } };
      return { kind: 'send', email: 'reminder', contact, expiresAt: survey.expiresAt, update: { $set: { state: 'reminded', remindedAt: now, remindAt: null } } };
    },
  });
}

/** Worker task: sent surveys whose link ran out without an answer become `expired` (one bulkWrite). */
export async function expireDueSurveys({ now, owner, limit = 1000, signal }: TaskInput) {
  const expiring = { state: trusted({ $in: ['sent' as const, 'reminded' as const] }), expiresAt: trusted({ $lte: now }) };
  const due = (await Survey.find(expiring).select('_id').limit(limit).lean()) as Array<{ _id: Types.ObjectId }>;
  // An answer stored at the last second wins over the expiry (and one stored after this look is applied over it).
  const answered = new Set<string>();
  await inPool(due, CONCURRENCY * 2, async ({ _id }) => {
    if (await SurveyResponse.exists({ _id })) answered.add(String(_id));
  });
  for (const surveyId of answered) if (!signal?.aborted) await applySurveyResponse({ surveyId, now, owner });
  const expire = due.filter(({ _id }) => !answered.has(String(_id)));
  if (expire.length === 0 || signal?.aborted) return { due: due.length, expired: 0, more: due.length >= limit };
  const { modifiedCount } = await Survey.bulkWrite(
    expire.map(({ _id }) => ({ updateOne: writeUnheld({ filter: { _id, ...expiring }, update: { $set: { state: 'expired', expiredAt: now, remindAt: null } }, now }) })),
  );
  await recordBatchWrite(
    Survey,
    expire.map(({ _id }) => _id),
  );
  return { due: due.length, expired: modifiedCount, more: due.length >= limit };
}

/**
 * A contact stopped receiving email (bounce, complaint, unsubscribe): their sent surveys stop
 * (a bounce or complaint makes the survey `bounced`; after an unsubscribe the link still works
 * but no reminder follows), their scheduled surveys are flagged, and each survey's CSM is alerted
 * to pick another contact.
 */
export async function stopSurveysForContacts({
  contactIds,
  reason,
  now,
}: {
  contactIds: Array<string | Types.ObjectId>;
  reason: 'bounced' | 'complained' | 'unsubscribed';
  now: Date;
}) {
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
