// Value-delivery surveys: one per closed-won deal and wave (6, 9, 12 months), the buyer's answer
// through a tokenised link, the value-delivered rollups, and what CS can do with a survey.
// Sending (invitations, reminders, expiry, bounces) is in survey-delivery.server.ts.
//
// Read model (app/platform/metrics.server.ts). Dimensions of every kind: wave ('6' | '9' | '12'),
// cohort (closed-won quarter, cohortOf(closedWonAt), e.g. '2026Q1'), rep (the deal's AE user id),
// segment ('smb' | 'mid-market' | 'enterprise'), all snapshotted on the survey at intake.
//
//   survey.answer   one bump per answer.
//                   answered; valueYes / valuePartly / valueNo (overall "Have we delivered the value
//                   we promised?"); valueScore (yes = 1, partly = 0.5, no = 0); npsSum, npsPromoters
//                   (9-10), npsPassives (7-8), npsDetractors (0-6); consentReference,
//                   consentCaseStudy, consentReferral.
//                   Value delivered % = valueYes / answered (docs/product-rules.md); with partial credit,
//                   valueScore / answered. NPS = (npsPromoters - npsDetractors) / answered * 100.
//   survey.promise  + dimension category (the promise category). One bump per answer and category.
//                   promises (promises judged); delivered / partly / notYet; keptScore (delivered = 1,
//                   partly = 0.5, not yet = 0). Promise kept % = keptScore / promises.
//   survey.funnel   invited (a survey's first invitation), answered.
//                   Response rate = answered / invited.
//   survey.quarter  + dimensions quarter (the quarter the answer came in, e.g. '2026Q3') and
//                   currency (the deal's). One bump per answer: the leadership headline's trend and
//                   its ARR-weighted share. answered, valueYes, promises, keptScore (as above); arr
//                   (the deal's ARR, when the deal is found) and arrYes (the same when the overall
//                   verdict is yes). ARR-weighted value % = arrYes / arr, per currency.
//
// rebuildSurveyMetrics() recomputes all four from the Survey, SurveyResponse and Deal documents.
import { buyerLocale } from '#app/i18n/locale.server';
import { isLocale, type Locale } from '#app/i18n/locales';
import { Types } from 'mongoose';
import { z } from 'zod';
import { Account } from '#models/account';
import { AuditEvent, recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Survey, SURVEY_STATES, type SurveyDoc, type SurveyState } from '#models/survey';
import { OVERALL_VERDICTS, PROMISE_VERDICTS, SurveyResponse, type SurveyResponseDoc } from '#models/survey-response';
import { SurveyToken } from '#models/survey-token';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { insertIgnoringDuplicates, trusted, isDuplicateKey } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { accountListIndex } from '#app/accounts/accounts.server';
import { claimOnce } from '#app/platform/claims.server';
import { recorded } from '#app/platform/events.server';
import { bumpMetric, clearMetrics, cohortOf, metricKey } from '#app/platform/metrics.server';
import { planWaves } from '#app/surveys/survey-waves.server';
import { fieldErrors, formValues } from '#app/utils/forms.server';
import { hashLinkToken, isLinkToken, newLinkToken } from '#app/utils/link-token.server';
import { logError, orLogged } from '#app/utils/log.server';
import { Lru } from '#app/utils/lru';
import { may } from '#app/auth/permissions';
import { claimMany, completeMany, retryLostRaces, writeUnheld, type Lease, type LeaseUpdate } from '#app/platform/lease.server';
import { contactsOfAccount } from '#app/journeys/children.server';

export const SURVEY_METRICS = { answer: 'survey.answer', promise: 'survey.promise', funnel: 'survey.funnel', quarter: 'survey.quarter' } as const;

const DAY_MS = 86_400_000;
const isObjectId = (id: string) => /^[a-f0-9]{24}$/i.test(id);
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export type SurveyLean = SurveyDoc & { _id: Types.ObjectId };

/** Reminder and expiry delays (SURVEY_REMINDER_DAYS, SURVEY_EXPIRY_DAYS), counted from the invitation. */
export function surveyTiming() {
  const env = getEnv();
  return { reminderMs: env.SURVEY_REMINDER_DAYS * DAY_MS, expiryMs: env.SURVEY_EXPIRY_DAYS * DAY_MS };
}

export const waveLabel = (wave: number) => `${wave} months`;

/** The email keys of a survey's cycle: `survey:<id>:invitation` / `:reminder`, suffixed with the cycle after a resend. */
export function surveyEmailKey(survey: { _id: unknown; cycle?: number | null }, kind: 'invitation' | 'reminder') {
  const cycle = survey.cycle ?? 0;
  return `survey:${String(survey._id)}:${kind}${cycle > 0 ? `:${cycle}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Writing a survey document
//
// Several writers change a survey (the worker, CS, a webhook), so no write may rest on a stale
// read. A worker that must queue an email before it records it *holds* the survey with the lease
// of lease.server.ts (claimed only if unchanged since read), and records it by completing the
// lease. A one-step change (updateSurvey) writes only if the survey is unchanged since it was read
// and nobody holds it; every claim and such write moves `leaseGen` on, which is what "unchanged" is.

/** A survey as held by this worker: pass it back to finishSurveys. */
export type HeldSurvey = SurveyLean & Lease;

/**
 * Holds surveys as just read (a worker's page of candidates) for a multi-step change (queue an
 * email, then record it), with one bulkWrite: nobody else can write them until finishSurveys, or
 * until `holdMs` passes (the holder is presumed dead). Candidates `accept` refuses, and those
 * another writer holds or changed since the read, are left out.
 */
export async function holdSurveys(input: {
  candidates: SurveyLean[];
  owner: string;
  now: Date;
  holdMs: number;
  accept: (survey: SurveyLean) => boolean;
  due?: Record<string, unknown>;
}): Promise<HeldSurvey[]> {
  const { owner, now, holdMs, accept, due } = input;
  return claimMany({ model: Survey, docs: input.candidates.filter(accept), now, owner, leaseMs: holdMs, filter: due });
}

/**
 * Ends holds, each with its update (or none, to let others write at once), with one bulkWrite.
 * Returns, per hold in order, whether it was written (false: the hold had expired or another
 * writer took over, and nothing was written).
 */
export async function finishSurveys(items: Array<{ held: HeldSurvey; update?: LeaseUpdate }>, input: { now: Date }): Promise<boolean[]> {
  return completeMany({ model: Survey, items: items.map(({ held, update }) => ({ lease: held, update })), now: input.now });
}

export type UpdateResult = { ok: true; before: SurveyLean } | { ok: false; reason: 'missing' | 'refused' | 'busy' };

/**
 * One change to one survey: `change(survey)` is computed from the survey as read and written only
 * if the survey is unchanged since and nobody holds it; otherwise it reads again and retries, for
 * up to `waitMs`. `accept` is checked on each read, so a change never applies to a survey that
 * moved on meanwhile.
 */
export async function updateSurvey(input: {
  id: string | Types.ObjectId;
  now: Date;
  accept: (survey: SurveyLean) => boolean;
  change: (survey: SurveyLean) => LeaseUpdate;
  waitMs?: number;
}): Promise<UpdateResult> {
  const { id, now, accept, change, waitMs = 3_000 } = input;
  const result = await retryLostRaces<UpdateResult>(
    async () => {
      const survey = (await Survey.findById(id).lean()) as SurveyLean | null;
      if (!survey) return { ok: false, reason: 'missing' };
      if (!accept(survey)) return { ok: false, reason: 'refused' };
      const write = writeUnheld({ filter: { _id: survey._id, leaseGen: survey.leaseGen ?? null }, update: change(survey), now });
      return (await Survey.updateOne(write.filter, write.update)).matchedCount === 1 ? { ok: true, before: survey } : null;
    },
    { waitMs },
  );
  return result ?? { ok: false, reason: 'busy' };
}

// ---------------------------------------------------------------------------------------------
// Intake

/** `createdAt`: when the deal was taken in; passed waves are judged by it (the sweep runs later). */
export type DealForSurveys = { _id: Types.ObjectId; accountId: Types.ObjectId; aeId: Types.ObjectId; closedWonAt: Date; createdAt?: Date | null };
type Recipient = { _id: Types.ObjectId; name: string; email: string };

/**
 * The three survey documents of a deal, complete (for a lean insert): waves 6, 9, 12 months after
 * the close, those already past at the deal's intake (its createdAt, else `now`) recorded as
 * skipped. A wave that fell due between the intake and a later scheduling (the worker's sweep) is
 * scheduled: the worker invites it on its next cycle.
 */
export function surveyDocsFor({ deal, segment, primary, now }: { deal: DealForSurveys; segment: string; primary: Recipient | null; now: Date }) {
  const intakeAt = deal.createdAt && deal.createdAt.getTime() < now.getTime() ? deal.createdAt : now;
  return planWaves(deal.closedWonAt, intakeAt).map(({ wave, dueAt, state }) => ({
    _id: new Types.ObjectId(),
    dealId: deal._id,
    wave,
    dueAt,
    state: state as SurveyState,
    accountId: deal.accountId,
    aeId: deal.aeId,
    segment,
    closedWonAt: deal.closedWonAt,
    // Shown until the wave is due; the primary contact of that day is the one invited.
    ...(primary ? { contactId: primary._id, contactEmail: primary.email, contactName: primary.name } : {}),
    recipientChosen: false,
    cycle: 0,
    leaseGen: 0,
    createdAt: now,
    updatedAt: now,
  }));
}

/**
 * Creates the surveys of many closed-won deals with one query per collection and one insert (CSV
 * imports, the worker's safety net). Idempotent: the unique (deal, wave) index refuses a wave a
 * deal already has, so a second call, or a racing one, creates nothing.
 */
export async function scheduleSurveysForDeals({ deals, now = new Date() }: { deals: DealForSurveys[]; now?: Date }) {
  if (deals.length === 0) return { created: 0, deals: 0 };
  const accountIds = [...new Set(deals.map((d) => String(d.accountId)))];
  const [accounts, primaries] = await Promise.all([
    Account.find({ _id: trusted({ $in: accountIds }) })
      .select('segment')
      .lean(),
    Contact.find({ accountId: trusted({ $in: accountIds }), isPrimary: true })
      .select('accountId name email')
      .lean(),
  ]);
  const segmentOf = new Map(accounts.map((a) => [String(a._id), a.segment]));
  const primaryOf = new Map(primaries.map((c) => [String(c.accountId), c]));
  const docs = deals.flatMap((deal) =>
    surveyDocsFor({ deal, segment: segmentOf.get(String(deal.accountId)) ?? 'smb', primary: primaryOf.get(String(deal.accountId)) ?? null, now }),
  );
  const inserted = await insertIgnoringDuplicates(Survey, docs);
  return { created: inserted.size, deals: new Set([...inserted].map((i) => String(docs[i].dealId))).size };
}

/** Creates the three surveys of one closed-won deal (see scheduleSurveysForDeals); idempotent. */
export async function scheduleSurveysForDeal({ dealId, now = new Date() }: { dealId: string | Types.ObjectId; now?: Date }) {
  const deal = await Deal.findById(dealId).select('accountId aeId closedWonAt createdAt').lean();
  if (!deal) throw new Error(`deal ${String(dealId)} not found`);
  const { created } = await scheduleSurveysForDeals({ deals: [deal], now });
  return { created };
}

/** scheduleSurveysForDeal for intake paths where the deal is already saved: logs instead of throwing (the worker repairs). */
export async function scheduleSurveysSafely(input: { dealId: string | Types.ObjectId; now?: Date }) {
  return orLogged(() => scheduleSurveysForDeal(input), { where: 'scheduleSurveysForDeal', dealId: String(input.dealId) });
}

/** Which of these deals already have their surveys (by deal id as a string). */
export async function dealsWithSurveys(dealIds: Types.ObjectId[]) {
  const found = await Survey.find({ dealId: trusted({ $in: dealIds }) })
    .select('dealId')
    .lean();
  return new Set(found.map((s) => String(s.dealId)));
}

/**
 * Safety net for every intake path (manual, CRM webhook, CSV import: each schedules at intake):
 * schedules the surveys of deals recorded since `since` that have none (a crash between saving
 * the deal and scheduling), judged by each deal's intake time. Run by the worker.
 */
export async function scheduleMissingSurveys({ since, now = new Date() }: { since: Date; now?: Date }) {
  let scheduled = 0;
  const cursor = Deal.find({ createdAt: trusted({ $gte: since }) })
    .select('_id accountId aeId closedWonAt createdAt')
    .lean()
    .cursor({ batchSize: 500 });
  let page: DealForSurveys[] = [];
  const flush = async () => {
    const have = await dealsWithSurveys(page.map((d) => d._id));
    const missing = page.filter((d) => !have.has(String(d._id)));
    page = [];
    try {
      scheduled += (await scheduleSurveysForDeals({ deals: missing, now })).deals;
    } catch (error) {
      logError(error, { where: 'scheduleMissingSurveys', deals: missing.length });
    }
  };
  for await (const deal of cursor) {
    page.push(deal);
    if (page.length >= 500) await flush();
  }
  if (page.length) await flush();
  return { scheduled };
}

// ---------------------------------------------------------------------------------------------
// Links

/**
 * A new link to a survey for its current cycle and recipient, and the record to store before the
 * email is queued (saveSurveyLinks). Links are inserts, never overwrites: a retried send can never
 * invalidate a link already in someone's inbox.
 */
export function newSurveyLink({
  survey,
  contactId,
  locale,
  now,
}: {
  survey: { _id: Types.ObjectId; dealId: Types.ObjectId; accountId?: Types.ObjectId; cycle?: number | null };
  contactId: Types.ObjectId;
  /** The language its email is written in: the page speaks it too. */
  locale?: Locale;
  now: Date;
}) {
  const { token, hash } = newLinkToken();
  return {
    token,
    record: {
      _id: hash,
      surveyId: survey._id,
      dealId: survey.dealId,
      accountId: survey.accountId,
      cycle: survey.cycle ?? 0,
      contactId,
      ...(locale ? { locale } : {}),
      createdAt: now,
    },
  };
}

/** Stores the records of links from newSurveyLink (one insert for a whole chunk). */
export async function saveSurveyLinks(records: ReturnType<typeof newSurveyLink>['record'][]) {
  if (records.length) await SurveyToken.insertMany(records);
}

const isAnswerable = (s: Pick<SurveyLean, 'state' | 'expiresAt'>, now: Date) => (s.state === 'sent' || s.state === 'reminded') && Boolean(s.expiresAt && s.expiresAt > now);

type LinkLean = { surveyId: Types.ObjectId; dealId?: Types.ObjectId | null; accountId?: Types.ObjectId | null; cycle: number; contactId: Types.ObjectId; locale?: string | null };
type DealPromise = { id: string; text: string; successCriterion: string; category: string };

// A link record and a deal's promises never change once written (a link is an insert, never an
// overwrite; promises are fixed at the deal's intake), so each process keeps those it has read:
// a link's next visit (a reload, the POST after the GET, the buyer after a mail scanner) reads
// only what can change, the survey and whether it was answered. Only found ones are kept (a
// guessed token costs no memory). Each database read is ~1 ms of CPU on FerretDB and ~0.5 ms in
// this process: docs/performance-survey-page.md.
const knownLinks = new Lru<LinkLean>(20_000);
const knownPromises = new Lru<DealPromise[]>(5_000);

async function linkOf(token: string) {
  if (!isLinkToken(token)) return null;
  const hash = hashLinkToken(token);
  const known = knownLinks.get(hash);
  if (known) return known;
  const link = (await SurveyToken.findById(hash).select('surveyId dealId accountId cycle contactId locale').lean()) as LinkLean | null;
  if (link) knownLinks.set(hash, link);
  return link;
}

/** The survey of `link` if the survey document says it can be answered by it. */
function openSurvey(link: LinkLean, survey: SurveyLean | null, now: Date) {
  if (!survey || !isAnswerable(survey, now)) return null;
  if (!isLinkOf(link, survey)) return null;
  return survey;
}

/** The link is the survey's current one: same cycle (not superseded by a resend) and same recipient. */
const isLinkOf = (link: LinkLean, survey: Pick<SurveyLean, 'cycle' | 'contactId'>) => link.cycle === (survey.cycle ?? 0) && String(link.contactId) === String(survey.contactId);

type LinkState =
  | { state: 'open'; survey: SurveyLean; promises: DealPromise[]; accountName: string | undefined; locale?: string | null }
  | { state: 'answered'; locale?: string | null }
  | { state: 'closed' };

/**
 * What a link can do now: `open` (show and take the form), `answered` (this link's survey has its
 * answer: the buyer, or a second tab, or a mail client, already sent it) or `closed` (unknown,
 * expired, cancelled, superseded: all look the same). Read-only. Two round trips: the link, then
 * its survey, whether it was answered, its deal's promises and (`withAccountName`, for the page)
 * its account's name together; a link made before links kept their deal and account reads those
 * after the survey.
 */
async function linkState(token: string, now: Date, { withAccountName = false } = {}): Promise<LinkState> {
  const link = await linkOf(token);
  if (!link) return { state: 'closed' };
  const [survey, answered, promises, accountName] = await Promise.all([
    Survey.findById(link.surveyId).lean() as Promise<SurveyLean | null>,
    SurveyResponse.findById(link.surveyId).select('contactId').lean(),
    link.dealId ? promisesOf(link.dealId) : undefined,
    withAccountName && link.accountId ? accountNameOf(link.accountId) : undefined,
  ]);
  // An answer stored by this link's recipient (before or after the survey recorded it) is "already in".
  const answeredState = (a: { contactId?: unknown }): LinkState =>
    survey && isLinkOf(link, survey) && String(a.contactId) === String(link.contactId) ? { state: 'answered', locale: link.locale } : { state: 'closed' };
  if (answered) return answeredState(answered);
  const open = openSurvey(link, survey, now);
  if (!open) {
    // The two reads above run at once: a submit racing this one may have stored its answer and
    // marked the survey answered between them. Read the answer again before calling the link closed.
    const late = survey?.state === 'answered' ? await SurveyResponse.findById(link.surveyId).select('contactId').lean() : null;
    return late ? answeredState(late) : { state: 'closed' };
  }
  const [allPromises, name] = await Promise.all([promises ?? promisesOf(open.dealId), withAccountName ? (accountName ?? accountNameOf(open.accountId)) : undefined]);
  return { state: 'open', survey: open, promises: allPromises, accountName: name, locale: link.locale };
}

async function promisesOf(dealId: unknown): Promise<DealPromise[]> {
  const known = knownPromises.get(String(dealId));
  if (known) return known;
  const deal = await Deal.findById(dealId).select('promises').lean();
  if (!deal) return [];
  const promises = deal.promises.map((p) => ({ id: String(p._id), text: p.text, successCriterion: p.successCriterion, category: p.category }));
  knownPromises.set(String(dealId), promises);
  return promises;
}

async function accountNameOf(accountId: unknown) {
  const fromDatabase = async () => (await Account.findById(accountId).select('name').lean())?.name ?? '';
  return accountListIndex.answer({ fromMemory: (rows) => rows.get(String(accountId))?.name ?? fromDatabase(), fromDatabase });
}

export type SurveyPageState =
  | {
      state: 'open';
      locale: Locale;
      accountName: string;
      contactName: string;
      wave: number;
      expiresAt: string | null;
      promises: { id: string; text: string; successCriterion: string }[];
    }
  | { state: 'answered'; locale: Locale }
  | { state: 'closed' };

/** What the buyer's survey page shows: the form, a thank-you for answers already in, or one page for every link that cannot be answered. */
export async function getSurveyPage({ token, now = new Date() }: { token: string; now?: Date }): Promise<SurveyPageState> {
  const found = await linkState(token, now, { withAccountName: true });
  if (found.state === 'closed') return found;
  // The language of the link's email; a link from before links kept one: the buyer's language now.
  const locale = isLocale(found.locale) ? found.locale : await buyerLocale({});
  if (found.state === 'answered') return { state: 'answered', locale };
  const { survey, promises, accountName = '' } = found;
  return {
    state: 'open',
    locale,
    accountName,
    contactName: survey.contactName ?? '',
    wave: survey.wave,
    expiresAt: iso(survey.expiresAt),
    promises: promises.map(({ id, text, successCriterion }) => ({ id, text, successCriterion })),
  };
}

const yes = z.enum(['yes']).optional().transform(Boolean);
const AnswerBaseSchema = z.object({
  overall: z.enum(OVERALL_VERDICTS, { error: 'Tell us whether we delivered the value we promised.' }),
  nps: z
    .string({ error: 'Choose a score from 0 to 10.' })
    .regex(/^(10|[0-9])$/, 'Choose a score from 0 to 10.')
    .transform(Number),
  consentReference: yes,
  consentCaseStudy: yes,
  consentReferral: yes,
  comment: z.string().trim().max(5000, 'Keep this under 5,000 characters.').optional().default(''),
});
const VerdictSchema = z.enum(PROMISE_VERDICTS, { error: 'Choose delivered, partly or not yet.' });
const PromiseCommentSchema = z.string().trim().max(2000, 'Keep the comment under 2,000 characters.').optional().default('');

/** The survey form: `promise.<id>.verdict` and `promise.<id>.comment` per promise, then the overall questions. */
export function parseSurveyAnswer(values: Record<string, string>, promiseIds: string[]) {
  const schema = AnswerBaseSchema.extend(
    Object.fromEntries(
      promiseIds.flatMap((id) => [
        [`promise.${id}.verdict`, VerdictSchema],
        [`promise.${id}.comment`, PromiseCommentSchema],
      ]),
    ) as Record<string, typeof VerdictSchema | typeof PromiseCommentSchema>,
  );
  const parsed = schema.safeParse(values);
  if (!parsed.success) return { ok: false as const, errors: fieldErrors(parsed.error) };
  const data = parsed.data as z.infer<typeof AnswerBaseSchema> & Record<string, string>;
  return {
    ok: true as const,
    data: {
      overall: data.overall,
      nps: data.nps,
      consentReference: data.consentReference,
      consentCaseStudy: data.consentCaseStudy,
      consentReferral: data.consentReferral,
      comment: data.comment,
      promises: promiseIds.map((id) => ({ promiseId: id, verdict: data[`promise.${id}.verdict`], comment: data[`promise.${id}.comment`] ?? '' })),
    },
  };
}

export type SubmitResult =
  { status: 'answered'; locale?: Locale } | { status: 'already' } | { status: 'closed' } | { status: 'invalid'; errors: Record<string, string[]>; values: Record<string, string> };

/**
 * The buyer's submit. Inserting the SurveyResponse (unique _id = the survey's id) is the one
 * atomic step that consumes the link: of concurrent submissions exactly one is stored and told
 * `answered`; the others (a double click, a second tab, a mail client) are told `already`: the
 * answer is in. An invalid form consumes nothing.
 */
export async function submitSurveyAnswer({ token, formData, now = new Date() }: { token: string; formData: FormData; now?: Date }): Promise<SubmitResult> {
  const found = await linkState(token, now);
  if (found.state === 'answered') return { status: 'already' };
  if (found.state === 'closed') return { status: 'closed' };
  const { survey, promises } = found;
  const values = formValues(formData);
  const parsed = parseSurveyAnswer(
    values,
    promises.map((p) => p.id),
  );
  if (!parsed.ok) return { status: 'invalid', errors: parsed.errors, values };
  const byId = new Map(promises.map((p) => [p.id, p]));
  try {
    await SurveyResponse.create({
      _id: survey._id,
      dealId: survey.dealId,
      accountId: survey.accountId,
      aeId: survey.aeId,
      contactId: survey.contactId,
      contactEmail: survey.contactEmail,
      wave: survey.wave,
      segment: survey.segment,
      closedWonAt: survey.closedWonAt,
      answeredAt: now,
      ...parsed.data,
      promises: parsed.data.promises.map((a) => ({ ...a, text: byId.get(a.promiseId)!.text, category: byId.get(a.promiseId)!.category })),
    });
  } catch (error) {
    // Another submit of this link stored its answer first (or the driver retried our own insert).
    if (isDuplicateKey(error)) return { status: 'already' };
    throw error;
  }
  try {
    await applySurveyResponse({ surveyId: survey._id, now });
  } catch (error) {
    // The answer is stored; the worker's reconcile task finishes applying it.
    logError(error, { where: 'applySurveyResponse', surveyId: String(survey._id) });
  }
  return { status: 'answered', locale: isLocale(found.locale) ? found.locale : await buyerLocale({}) };
}

// ---------------------------------------------------------------------------------------------
// Applying an answer: survey state + rollups

/** Metric dimensions of a survey or response (snapshotted at intake). */
export function surveyDims(s: { wave: number; closedWonAt: Date; aeId: unknown; segment: string }) {
  return { wave: String(s.wave), cohort: cohortOf(s.closedWonAt), rep: String(s.aeId), segment: s.segment };
}

type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };
export type AnswerFacts = Pick<
  SurveyResponseDoc,
  'wave' | 'closedWonAt' | 'aeId' | 'segment' | 'overall' | 'nps' | 'consentReference' | 'consentCaseStudy' | 'consentReferral' | 'answeredAt' | 'dealId'
> & {
  promises: Array<{ category: string; verdict: string }>;
};
/** The deal's ARR and currency an answer is weighted by (survey.quarter); null when the deal is gone. */
export type AnswerDeal = { arr: number; currency?: string | null } | null | undefined;

/** ARR and currency of the answers' deals, by deal id (one query per thousand deals). */
export async function answerDeals(dealIds: Iterable<unknown>) {
  const ids = [...new Set([...dealIds].map(String))];
  const deals = new Map<string, { arr: number; currency: string }>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const d of await Deal.find({ _id: trusted({ $in: ids.slice(i, i + 1000) }) })
      .select('arr currency')
      .lean())
      deals.set(String(d._id), { arr: d.arr, currency: d.currency ?? 'USD' });
  }
  return deals;
}

const KEPT_SCORE: Record<string, number> = { delivered: 1, partly: 0.5, not_yet: 0 };

/** The rollup rows one answer contributes; used by the incremental bump and by the rebuild alike. */
export function answerMetricRows(r: AnswerFacts, deal?: AnswerDeal): MetricRow[] {
  const dims = surveyDims(r);
  const nps = r.nps;
  const yes = r.overall === 'yes' ? 1 : 0;
  const rows: MetricRow[] = [
    {
      kind: SURVEY_METRICS.answer,
      dims,
      counts: {
        answered: 1,
        valueYes: r.overall === 'yes' ? 1 : 0,
        valuePartly: r.overall === 'partly' ? 1 : 0,
        valueNo: r.overall === 'no' ? 1 : 0,
        valueScore: r.overall === 'yes' ? 1 : r.overall === 'partly' ? 0.5 : 0,
        npsSum: nps,
        npsPromoters: nps >= 9 ? 1 : 0,
        npsPassives: nps >= 7 && nps <= 8 ? 1 : 0,
        npsDetractors: nps <= 6 ? 1 : 0,
        consentReference: r.consentReference ? 1 : 0,
        consentCaseStudy: r.consentCaseStudy ? 1 : 0,
        consentReferral: r.consentReferral ? 1 : 0,
      },
    },
    { kind: SURVEY_METRICS.funnel, dims, counts: { answered: 1 } },
  ];
  const byCategory = new Map<string, Record<string, number>>();
  for (const p of r.promises) {
    const c = byCategory.get(p.category) ?? { promises: 0, delivered: 0, partly: 0, notYet: 0, keptScore: 0 };
    c.promises++;
    if (p.verdict === 'delivered') c.delivered++;
    else if (p.verdict === 'partly') c.partly++;
    else c.notYet++;
    c.keptScore += KEPT_SCORE[p.verdict] ?? 0;
    byCategory.set(p.category, c);
  }
  for (const [category, counts] of byCategory) rows.push({ kind: SURVEY_METRICS.promise, dims: { ...dims, category }, counts });
  const judged = [...byCategory.values()];
  rows.push({
    kind: SURVEY_METRICS.quarter,
    dims: { ...dims, quarter: cohortOf(r.answeredAt), currency: deal?.currency ?? 'USD' },
    counts: {
      answered: 1,
      valueYes: yes,
      promises: judged.reduce((a, c) => a + c.promises, 0),
      keptScore: judged.reduce((a, c) => a + c.keptScore, 0),
      ...(deal ? { arr: deal.arr, arrYes: yes * deal.arr } : {}),
    },
  });
  return rows;
}

const invitedRow = (s: Parameters<typeof surveyDims>[0]): MetricRow => ({ kind: SURVEY_METRICS.funnel, dims: surveyDims(s), counts: { invited: 1 } });

/** Rollup totals: rows added up by (kind, dims), so each sum is one bump. */
function metricTotals() {
  const totals = new Map<string, MetricRow>();
  return {
    add(row: MetricRow) {
      const key = metricKey(row.kind, row.dims);
      const into = totals.get(key) ?? { kind: row.kind, dims: row.dims, counts: {} };
      for (const [name, n] of Object.entries(row.counts)) into.counts[name] = (into.counts[name] ?? 0) + n;
      totals.set(key, into);
    },
    async bump() {
      for (const row of totals.values()) await bumpMetric(row.kind, row.dims, row.counts);
      return totals.size;
    },
  };
}

/** Counts surveys' first invitations and answers in the rollups, one bump per dimension group (the worker, the demo seed). */
export async function bumpSurveyMetrics({ invited = [], answers = [] }: { invited?: Parameters<typeof surveyDims>[0][]; answers?: AnswerFacts[] }) {
  const totals = metricTotals();
  const deals = answers.length ? await answerDeals(answers.map((r) => r.dealId)) : new Map();
  for (const s of invited) totals.add(invitedRow(s));
  for (const r of answers) for (const row of answerMetricRows(r, deals.get(String(r.dealId)))) totals.add(row);
  return totals.bump();
}

/**
 * Finishes an answer: the survey becomes `answered` (whatever it was: a stored answer wins over
 * an expiry that raced it) and the rollups are bumped once (guarded by a claim). Idempotent and
 * resumable: the submit calls it, and the worker calls it again for answers not yet applied.
 */
export async function applySurveyResponse({ surveyId, now, owner }: { surveyId: string | Types.ObjectId; now: Date; owner?: string }) {
  const response = await SurveyResponse.findById(surveyId).lean();
  if (!response) return { applied: false };
  if (!response.appliedAt) {
    const survey = await Survey.findById(surveyId).select('state').lean();
    if (survey && survey.state !== 'answered') {
      const updated = await updateSurvey({
        id: surveyId,
        now,
        accept: (s) => s.state !== 'answered',
        change: () => ({
          $set: { state: 'answered', answeredAt: response.answeredAt, remindAt: null, attentionReason: null, attentionAt: null },
        }),
      });
      if (!updated.ok && updated.reason === 'busy') return { applied: false };
    }
    if (await claimOnce({ key: `survey:${String(surveyId)}:answer-metrics`, owner: owner ?? 'web', now })) {
      const deal = await Deal.findById(response.dealId).select('arr currency').lean();
      for (const row of answerMetricRows(response, deal)) await bumpMetric(row.kind, row.dims, row.counts);
    }
    // For the areas that react to an answer (advocacy: it may make or unmake a candidate). Before
    // appliedAt, so a process that dies here leaves the answer pending and the worker records it again.
    await recorded('survey.answered', { dealId: response.dealId, surveyId, now });
    await SurveyResponse.updateOne({ _id: surveyId }, { $set: { appliedAt: now } });
  }
  return { applied: true };
}

/** Worker task: applies answers whose submit stopped between storing and applying them. */
export async function applyPendingResponses({ now, owner, limit = 200 }: { now: Date; owner: string; limit?: number }) {
  const pending = await SurveyResponse.find({ appliedAt: null }).select('_id').limit(limit).lean();
  let applied = 0;
  for (const r of pending) if ((await applySurveyResponse({ surveyId: r._id, now, owner })).applied) applied++;
  // At the limit: more may be waiting, so the worker goes again at once.
  return { pending: pending.length, applied, more: pending.length >= limit };
}

/**
 * Recomputes the survey rollups from the source documents (clear, then bump): the repair for a
 * process that died between storing an answer and bumping, and the proof that the rollups are
 * only a cache. Returns how many rows it wrote.
 */
export async function rebuildSurveyMetrics() {
  const totals = metricTotals();
  for await (const s of Survey.find({ invitedAt: trusted({ $ne: null }) })
    .select('wave closedWonAt aeId segment')
    .lean()
    .cursor())
    totals.add(invitedRow(s));
  // Answers in pages of a thousand, each page's deals read at once (ARR for survey.quarter).
  let page: AnswerFacts[] = [];
  const flush = async () => {
    const deals = await answerDeals(page.map((r) => r.dealId));
    for (const r of page) for (const row of answerMetricRows(r, deals.get(String(r.dealId)))) totals.add(row);
    page = [];
  };
  for await (const r of SurveyResponse.find({})
    .select('dealId answeredAt wave closedWonAt aeId segment overall nps consentReference consentCaseStudy consentReferral promises')
    .lean()
    .cursor()) {
    page.push(r);
    if (page.length >= 1000) await flush();
  }
  await flush();
  for (const kind of Object.values(SURVEY_METRICS)) await clearMetrics(kind);
  return { rows: await totals.bump() };
}

// ---------------------------------------------------------------------------------------------
// What staff see

const canManage = (user: SessionUser) => may(user.role, 'surveys.manage');

/** What CS may do with a survey in its state (and hold: a wave held until the customer is live). */
export function surveyActions(state: SurveyState, held?: string | null) {
  return {
    changeRecipient: state === 'scheduled',
    resend: ['sent', 'reminded', 'expired', 'bounced', 'cancelled'].includes(state),
    cancel: ['scheduled', 'sent', 'reminded', 'bounced'].includes(state),
    sendAnyway: state === 'scheduled' && held === 'not-live',
  };
}

const findResponses = (ids: Types.ObjectId[]) =>
  SurveyResponse.find({ _id: trusted({ $in: ids }) })
    .select('answeredAt overall nps consentReference consentCaseStudy consentReferral comment promises contactEmail')
    .lean();
type ResponseLean = Awaited<ReturnType<typeof findResponses>>[number];
const loadResponses = async (ids: Types.ObjectId[]): Promise<ResponseLean[]> => (ids.length ? findResponses(ids) : []);

function answerView(r: ResponseLean | undefined) {
  if (!r) return null;
  return {
    answeredAt: iso(r.answeredAt),
    overall: r.overall,
    nps: r.nps,
    consents: { reference: Boolean(r.consentReference), caseStudy: Boolean(r.consentCaseStudy), referral: Boolean(r.consentReferral) },
    comment: r.comment ?? '',
    contactEmail: r.contactEmail ?? '',
    promises: r.promises.map((p) => ({ promiseId: String(p.promiseId), text: p.text, category: p.category, verdict: p.verdict, comment: p.comment ?? '' })),
  };
}

function surveyView(s: SurveyLean, response: ResponseLean | undefined) {
  return {
    id: String(s._id),
    dealId: String(s.dealId),
    wave: s.wave,
    state: s.state as SurveyState,
    dueAt: iso(s.dueAt),
    contact: s.contactEmail ? { id: s.contactId ? String(s.contactId) : null, name: s.contactName ?? '', email: s.contactEmail } : null,
    recipientChosen: Boolean(s.recipientChosen),
    cycle: s.cycle ?? 0,
    sentAt: iso(s.sentAt),
    remindAt: iso(s.remindAt),
    remindedAt: iso(s.remindedAt),
    expiresAt: iso(s.expiresAt),
    answeredAt: iso(s.answeredAt),
    expiredAt: iso(s.expiredAt),
    stoppedAt: iso(s.stoppedAt),
    stopReason: s.stopReason ?? null,
    attentionReason: s.attentionReason ?? null,
    /** 'not-live' while the due wave waits for the customer to go live. */
    held: s.state === 'scheduled' && s.held ? s.held : null,
    heldAt: iso(s.heldAt),
    sendAnywayAt: iso(s.sendAnywayAt),
    answer: answerView(response),
  };
}
export type SurveyView = ReturnType<typeof surveyView>;

/** Who may see a survey: sales only their own deals' surveys; everyone else (staff) all of them. */
const scopeFor = (user: SessionUser): Record<string, unknown> => (user.role === 'sales' ? { aeId: user.id } : {});

/** The surveys of one deal, by wave, with their answers. */
export async function listDealSurveys({ user, dealId }: { user: SessionUser; dealId: string }) {
  if (!isObjectId(dealId)) return { surveys: [], canManage: false };
  const surveys = (await Survey.find({ dealId, ...scopeFor(user) })
    .sort({ wave: 1 })
    .lean()) as SurveyLean[];
  const responses = await loadResponses(surveys.filter((s) => s.state === 'answered').map((s) => s._id));
  const byId = new Map(responses.map((r) => [String(r._id), r]));
  return {
    surveys: surveys.map((s) => ({ ...surveyView(s, byId.get(String(s._id))), actions: canManage(user) ? surveyActions(s.state as SurveyState, s.held) : null })),
    canManage: canManage(user),
  };
}

export const SurveyListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  state: z
    .enum(SURVEY_STATES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  wave: z
    .enum(['6', '9', '12'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  attention: z.enum(['1']).optional(),
  held: z.enum(['1']).optional(),
  mine: z.enum(['1']).optional(),
});
export type SurveyListQuery = z.infer<typeof SurveyListQuerySchema>;

/** One page of surveys, next due first within the filter; CS can narrow to their accounts, sales see their deals. */
export async function listSurveys({ user, query, perPage = 25 }: { user: SessionUser; query: SurveyListQuery; perPage?: number }) {
  const filter: Record<string, unknown> = { ...scopeFor(user) };
  if (query.state) filter.state = query.state;
  if (query.wave) filter.wave = Number(query.wave);
  if (query.attention) filter.attentionAt = trusted({ $ne: null });
  if (query.held) Object.assign(filter, { state: 'scheduled', held: 'not-live' });
  if (query.mine && user.role !== 'sales') {
    const accounts = await Account.find({ csmId: user.id }).select('_id').lean();
    filter.accountId = trusted({ $in: accounts.map((a) => a._id) });
  }
  const [rows, total] = await Promise.all([
    Survey.find(filter)
      .sort({ attentionAt: -1, dueAt: -1, _id: -1 })
      .skip((query.page - 1) * perPage)
      .limit(perPage)
      .lean() as Promise<SurveyLean[]>,
    Survey.countDocuments(filter),
  ]);
  const [deals, accounts, responses] = await Promise.all([
    Deal.find({ _id: trusted({ $in: rows.map((r) => r.dealId) }) })
      .select('name')
      .lean(),
    Account.find({ _id: trusted({ $in: rows.map((r) => r.accountId) }) })
      .select('name')
      .lean(),
    loadResponses(rows.filter((r) => r.state === 'answered').map((r) => r._id)),
  ]);
  const dealName = new Map(deals.map((d) => [String(d._id), d.name]));
  const accountName = new Map(accounts.map((a) => [String(a._id), a.name]));
  const responseOf = new Map(responses.map((r) => [String(r._id), r]));
  return {
    surveys: rows.map((s) => ({
      ...surveyView(s, responseOf.get(String(s._id))),
      dealName: dealName.get(String(s.dealId)) ?? '',
      accountId: String(s.accountId),
      accountName: accountName.get(String(s.accountId)) ?? '',
    })),
    total,
    page: query.page,
    pageCount: Math.max(1, Math.ceil(total / perPage)),
    canFilterMine: user.role !== 'sales',
  };
}

/** One survey with its deal, account, answer, and (for CS) the account's contacts to choose from. */
export async function getSurveyDetail({ user, surveyId }: { user: SessionUser; surveyId: string }) {
  if (!isObjectId(surveyId)) return null;
  const survey = (await Survey.findOne({ _id: surveyId, ...scopeFor(user) }).lean()) as SurveyLean | null;
  if (!survey) return null;
  const [deal, account, responses, contacts, cancelled] = await Promise.all([
    Deal.findById(survey.dealId).select('name').lean(),
    Account.findById(survey.accountId).select('name csmId').lean(),
    loadResponses([survey._id]),
    canManage(user) ? contactsOfAccount(String(survey.accountId)) : [],
    survey.state === 'cancelled' ? cancellationOf(String(survey._id)) : null,
  ]);
  return {
    survey: surveyView(survey, responses[0]),
    deal: { id: String(survey.dealId), name: deal?.name ?? '' },
    account: { id: String(survey.accountId), name: account?.name ?? '' },
    contacts: contacts.map((c) => ({ id: String(c._id), name: c.name, email: c.email, title: c.title ?? '', isPrimary: Boolean(c.isPrimary), emailStatus: c.emailStatus ?? 'ok' })),
    actions: canManage(user) ? surveyActions(survey.state as SurveyState, survey.held) : null,
    cancelled,
  };
}

/** Who cancelled a survey and when, from the audit trail (null for cancellations from before it was audited). */
async function cancellationOf(surveyId: string) {
  const event = await AuditEvent.findOne({ entityType: 'survey', entityId: surveyId, action: 'survey.cancelled' }).sort({ at: -1 }).select('actorId at').lean();
  if (!event) return null;
  const actor = event.actorId ? await User.findById(event.actorId).select('name').lean() : null;
  return { at: iso(event.at), byName: actor?.name ?? 'a former user' };
}

// ---------------------------------------------------------------------------------------------
// What CS can do

const objectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a contact.');
export const SurveyActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('recipient'), contactId: objectId }),
  z.object({ intent: z.literal('resend'), contactId: objectId }),
  // Cancelling kills the buyer's links and cannot be undone: the form asks for an explicit yes.
  z.object({ intent: z.literal('cancel'), confirm: z.literal('yes', { error: 'Tick the box to confirm the cancellation.' }) }),
  z.object({ intent: z.literal('send-anyway') }),
]);
export type SurveyAction = z.infer<typeof SurveyActionSchema>;

export type ActionResult = { ok: true; message: string } | { ok: false; error: string };

const REFUSED: Record<SurveyAction['intent'], string> = {
  recipient: 'The recipient can only be changed before the survey is sent.',
  resend: 'This survey cannot be resent: it was answered, skipped or is not sent yet.',
  cancel: 'This survey can no longer be cancelled.',
  'send-anyway': 'This survey is not waiting for the customer to go live.',
};

const ACTION_OF: Record<SurveyAction['intent'], keyof ReturnType<typeof surveyActions>> = {
  recipient: 'changeRecipient',
  resend: 'resend',
  cancel: 'cancel',
  'send-anyway': 'sendAnyway',
};
const AUDIT_OF: Record<SurveyAction['intent'], string> = {
  recipient: 'survey.recipient-changed',
  resend: 'survey.resent',
  cancel: 'survey.cancelled',
  'send-anyway': 'survey.sent-anyway',
};

/** Changes the recipient before sending, resends to another contact, cancels, or sends a held wave anyway; CS and admin only, audited. */
export async function runSurveyAction({
  user,
  surveyId,
  action,
  now = new Date(),
}: {
  user: SessionUser;
  surveyId: string;
  action: SurveyAction;
  now?: Date;
}): Promise<ActionResult> {
  if (!canManage(user)) throw new Response('Only customer success and admins manage surveys.', { status: 403 });
  if (!isObjectId(surveyId)) throw new Response('That survey was not found.', { status: 404 });
  const survey = await Survey.findById(surveyId).select('accountId').lean();
  if (!survey) throw new Response('That survey was not found.', { status: 404 });

  let contact: { _id: Types.ObjectId; name: string; email: string } | null = null;
  if (action.intent === 'recipient' || action.intent === 'resend') {
    const found = await Contact.findOne({ _id: action.contactId, accountId: survey.accountId }).select('name email emailStatus').lean();
    if (!found) return { ok: false, error: 'Choose a contact of this account.' };
    if (found.emailStatus !== 'ok') return { ok: false, error: `${found.email} cannot receive surveys (${found.emailStatus}).` };
    contact = found;
  }
  const recipient = contact ? { contactId: contact._id, contactEmail: contact.email, contactName: contact.name, recipientChosen: true } : {};
  const clearAttention = { attentionReason: null, attentionAt: null };

  const result = await updateSurvey({
    id: surveyId,
    now,
    accept: (s) => surveyActions(s.state as SurveyState, s.held)[ACTION_OF[action.intent]],
    change: (s): LeaseUpdate => {
      if (action.intent === 'recipient') return { $set: { ...recipient, ...clearAttention } };
      if (action.intent === 'cancel') return { $set: { state: 'cancelled', stopReason: 'cancelled', stoppedAt: now, remindAt: null, held: null, ...clearAttention } };
      // The invitation task sends it on its next run and no longer checks whether the customer is live.
      if (action.intent === 'send-anyway') return { $set: { held: null, sendAnywayAt: now, sendAnywayById: user.id } };
      // A resend is a new cycle: new email keys and links; the old links stop working.
      return {
        $set: {
          ...recipient,
          ...clearAttention,
          state: 'scheduled',
          dueAt: s.dueAt > now ? s.dueAt : now,
          sentAt: null,
          remindAt: null,
          remindedAt: null,
          expiresAt: null,
          stoppedAt: null,
          stopReason: null,
        },
        $inc: { cycle: 1 },
      };
    },
  });
  if (!result.ok) {
    if (result.reason === 'busy') return { ok: false, error: 'Kept is updating this survey right now; try again in a moment.' };
    if (result.reason === 'missing') throw new Response('That survey was not found.', { status: 404 });
    return { ok: false, error: REFUSED[action.intent] };
  }
  await recordAudit({
    actorId: user.id,
    action: AUDIT_OF[action.intent],
    entityType: 'survey',
    entityId: surveyId,
    data: { from: result.before.state, ...(contact ? { contactId: String(contact._id), contactEmail: contact.email } : {}) },
    now,
  });
  const message =
    action.intent === 'recipient'
      ? `The survey will go to ${contact!.email}.`
      : action.intent === 'resend'
        ? `The survey will be sent to ${contact!.email} within a minute.`
        : action.intent === 'send-anyway'
          ? 'The survey will be sent within a minute, although the customer is not live yet.'
          : 'The survey is cancelled; its links no longer work.';
  return { ok: true, message };
}
