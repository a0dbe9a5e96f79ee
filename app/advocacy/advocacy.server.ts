// Advocacy: referral, reference and case-study candidates linked to the deal and rep that won them,
// asks under one ask budget, review invitations that follow the review platforms' rules, and
// referral attribution (advocate -> referral -> new deal -> referred revenue). The rules themselves
// are pure functions in advocacy-rules.server.ts.
//
// Read model (bumpMetric / readMetrics; rebuildAdvocacyMetrics() recomputes all three kinds from
// the Advocate, Ask and Referral documents):
//   advocacy.candidate  dims { type: referral | reference | case_study | expansion, rep }
//                       counts { n }: advocates whose stored conditions hold (live, value delivered,
//                       NPS 9-10, consent, deliverable contact; expansion: live + value + NPS 9-10).
//                       Bumped +1/-1 when a refresh flips them. The ask budget is not part of it.
//   advocacy.ask        dims { type, channel, platform (reviews only) }
//                       counts { asked, accepted, completed, declined, noResponse }: an ask counts in
//                       `asked` once, in `accepted` once it was ever accepted (or completed), and in
//                       the counter of its current final status. Conversion = completed / asked;
//                       reviews published per platform = completed of type review.
//   advocacy.referral   dims { advocate, origin (origin deal id), rep (origin deal's AE), currency }
//                       counts { referrals, open, won, pipeline, revenue }: pipeline = estimated ARR
//                       of open referrals; revenue = ARR of the new deals referrals became.
//
// Concurrency: every write to an Advocate, Ask or Referral goes through revise(), an update
// conditioned on the revision read (`rev`); only its winner bumps the rollups, a loser rereads.
// The ask budget is a chain of unique slot inserts (models/ask-budget-slot.ts).
import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { createElement } from 'react';
import { z } from 'zod';
import { Account } from '#models/account';
import { Advocate, type AdvocateDoc } from '#models/advocate';
import { Ask, type AskDoc } from '#models/ask';
import { AskBudgetSlot } from '#models/ask-budget-slot';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Referral, type ReferralDoc } from '#models/referral';
import { ReviewCampaign } from '#models/review-campaign';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted, isDuplicateKey } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import {
  advocateFields,
  askCounters,
  candidateConditions,
  canMoveAsk,
  compareReferredCompany,
  counterDiff,
  csvRow,
  DAY_MS,
  digestOf,
  drawSample,
  laterOf,
  nextBudgetAvailability,
  reviewConditions,
  type BudgetConfig,
  type CandidateFacts,
} from '#app/advocacy/advocacy-rules.server';
import { claimOnce, countGroupClaims, getClaim, listGroupClaims, releaseClaim, releaseClaims } from '#app/platform/claims.server';
import { sendEmail } from '#app/email/email.server';
import { bumpMetric, clearMetrics, readMetrics } from '#app/platform/metrics.server';
import { createUnsubscribeLink } from '#app/email/unsubscribe.server';
import {
  ASK_CHANNELS,
  ASK_STATUSES,
  ASK_TYPE_LABELS,
  ASK_TYPES,
  CANDIDATE_TYPES,
  PLATFORM_LABELS,
  REFERRAL_STATUSES,
  REVIEW_PLATFORMS,
  type AskChannel,
  type AskStatus,
  type AskType,
  type CandidateType,
  type ReviewPlatform,
} from '#app/advocacy/advocacy-types';
import { contactChildren, journeyIdForDeal } from '#app/journeys/journey.server';
import { log, logError } from '#app/utils/log.server';
import { formatDate } from '#app/utils/format';
import { ReadIndex, derived } from '#app/platform/read-index.server';
import { optionalMoneyField } from '#app/utils/money';
import { AdvocacyAskEmail } from '#emails/advocacy-ask';
import { ReviewInvitationEmail } from '#emails/review-invitation';
import { may } from '#app/auth/permissions';

export const ADVOCACY_METRICS = { candidate: 'advocacy.candidate', ask: 'advocacy.ask', referral: 'advocacy.referral' } as const;

/** Who may do what (docs/product-rules.md, "Who uses it"): marketing writes; leadership and admin read; sales read their own referrals. */

/** A stable ObjectId derived from a text key (same derivation as journey.server, which imports this module). */
const objectIdFrom = (key: string) => new Types.ObjectId(crypto.createHash('sha256').update(key).digest('hex').slice(0, 24));
const isObjectId = (id: unknown): id is string => typeof id === 'string' && /^[a-f0-9]{24}$/i.test(id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const idOf = (v: unknown) => (v ? String(v) : null);

function forbidden(message: string): never {
  throw new Response(message, { status: 403 });
}

/** Refuses anyone but marketing (the only role that changes advocacy data). */
export function requireAdvocacyWriter(user: SessionUser) {
  if (!may(user.role, 'advocacy.act')) forbidden('Only marketing makes asks and records referrals.');
}

/** The advocacy settings (ASK_BUDGET_*, ASK_NO_RESPONSE_DAYS, REVIEW_MIN_TENURE_DAYS). */
export function advocacyConfig() {
  const env = getEnv();
  const budget: BudgetConfig = { windowDays: env.ASK_BUDGET_DAYS, perContact: env.ASK_BUDGET_PER_CONTACT, perAccount: env.ASK_BUDGET_PER_ACCOUNT };
  return { budget, noResponseDays: env.ASK_NO_RESPONSE_DAYS, minTenureDays: env.REVIEW_MIN_TENURE_DAYS };
}
export type AdvocacyConfig = ReturnType<typeof advocacyConfig>;

// ---------------------------------------------------------------------------------------------
// Guarded revisions

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = typeof Advocate | typeof Ask | typeof Referral | any;
type Update = { $set?: Record<string, unknown>; $push?: Record<string, unknown>; $inc?: Record<string, number> };

/**
 * One change to one document, exactly once (optimistic concurrency): reads it, asks `change(doc)`
 * for the update (null = refuse), and writes it only if `rev` is still the one read, bumping it.
 * A writer that lost to another rereads and tries again, so `change` always sees the state it
 * replaces, and the rollups move once per change.
 */
async function revise<D extends { _id: unknown; rev?: number | null }>(input: {
  model: AnyModel;
  id: unknown;
  change: (doc: D) => Update | null;
  attempts?: number;
}): Promise<{ ok: true; before: D; update: Update } | { ok: false; reason: 'missing' | 'refused' | 'busy'; doc?: D }> {
  const { model, id, change, attempts = 12 } = input;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const doc = (await model.findById(id).lean()) as D | null;
    if (!doc) return { ok: false, reason: 'missing' };
    const update = change(doc);
    if (!update) return { ok: false, reason: 'refused', doc };
    // `rev: null` also matches a document written before `rev` existed.
    const written = await model.updateOne({ _id: doc._id, rev: doc.rev ?? null }, { ...update, $set: { ...(update.$set ?? {}), rev: (doc.rev ?? 0) + 1 } });
    if (written.matchedCount === 1) return { ok: true, before: doc, update };
    await sleep(Math.floor(Math.random() * 5 * (attempt + 1)));
  }
  return { ok: false, reason: 'busy' };
}

/** True when `update.$set` would change nothing on `doc` (no write, no revision). */
function unchanged(doc: Record<string, unknown>, set: Record<string, unknown>) {
  const same = (a: unknown, b: unknown): boolean => {
    if (a instanceof Date || b instanceof Date) return (a ? new Date(a as Date).getTime() : null) === (b ? new Date(b as Date).getTime() : null);
    if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
    if (a instanceof Types.ObjectId || b instanceof Types.ObjectId) return String(a ?? '') === String(b ?? '');
    return (a ?? null) === (b ?? null);
  };
  return Object.entries(set).every(([k, v]) => same(doc[k], v));
}

// ---------------------------------------------------------------------------------------------
// The ask budget

type Scope = 'contact' | 'account';
type BudgetRefusal = { ok: false; scope: Scope | 'busy'; nextAvailableAt: Date | null };

/**
 * Survey emails count in the budget too (docs/product-rules.md). One exception: a referral, reference or
 * case-study ask may follow the survey in which the contact said yes to exactly that, because
 * the contact asked for it. Review invitations never get that exception.
 */
async function surveyUses({ contactId, accountId, type, windowDays, now }: { contactId: string; accountId: string; type: AskType; windowDays: number; now: Date }) {
  const since = new Date(now.getTime() - windowDays * DAY_MS);
  const surveys = await Survey.find({ accountId, sentAt: trusted({ $gt: since, $lte: now }) })
    .select('_id contactId sentAt')
    .lean();
  let exempt = new Set<string>();
  if (type !== 'review' && surveys.length) {
    const field = type === 'referral' ? 'consentReferral' : type === 'reference' ? 'consentReference' : 'consentCaseStudy';
    const answers = await SurveyResponse.find({ _id: trusted({ $in: surveys.map((s) => s._id) }) })
      .select(`_id contactId ${field}`)
      .lean();
    exempt = new Set(answers.filter((a) => (a as Record<string, unknown>)[field] === true && String(a.contactId) === String(contactId)).map((a) => String(a._id)));
  }
  const counted = surveys.filter((s) => !exempt.has(String(s._id)) && s.sentAt);
  return {
    contact: counted.filter((s) => String(s.contactId) === String(contactId)).map((s) => s.sentAt as Date),
    account: counted.map((s) => s.sentAt as Date),
  };
}

/**
 * Takes the next slot of one scope's chain for `askId`, or says when the scope is next available.
 * Slot n+1 is inserted only after checking that the k-th most recent slot (k = limit) is older
 * than the window; two concurrent asks both try slot n+1, exactly one insert wins, and the loser
 * rereads the chain (now holding the winner) and is refused.
 */
async function takeSlot(input: { scope: Scope; ownerId: string; limit: number; extra: Date[]; askId: Types.ObjectId; type: AskType; windowDays: number; now: Date }) {
  const { scope, ownerId, limit, extra, askId, type, windowDays, now } = input;
  for (let attempt = 0; attempt < 8; attempt++) {
    const recent = await AskBudgetSlot.find({ scope, ownerId }).sort({ n: -1 }).limit(limit).select('_id n at askId').lean();
    const mine = recent.find((s) => String(s.askId) === String(askId));
    if (mine) return { ok: true as const, slotId: mine._id };
    const next = nextBudgetAvailability({ uses: [...recent.map((s) => s.at), ...extra], limit, windowDays, now });
    if (next) return { ok: false as const, nextAvailableAt: next };
    const n = (recent[0]?.n ?? 0) + 1;
    try {
      const slot = await AskBudgetSlot.create({ _id: `${scope}:${ownerId}:${n}`, scope, ownerId, n, at: now, askId, type });
      return { ok: true as const, slotId: slot._id };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  return { ok: false as const, nextAvailableAt: null };
}

/**
 * Takes the contact's and the account's budget slots for one ask, or refuses with the instant the
 * contact is next available. All or nothing: a refusal releases what was taken.
 */
export async function takeBudgetSlots(input: { contactId: string; accountId: string; askId: Types.ObjectId; type: AskType; now: Date; config?: BudgetConfig }): Promise<{ ok: true; slotIds: string[] } | BudgetRefusal> {
  const { contactId, accountId, askId, type, now } = input;
  const config = input.config ?? advocacyConfig().budget;
  const surveys = await surveyUses({ contactId, accountId, type, windowDays: config.windowDays, now });
  const contact = await takeSlot({ scope: 'contact', ownerId: contactId, limit: config.perContact, extra: surveys.contact, askId, type, windowDays: config.windowDays, now });
  if (!contact.ok) return { ok: false, scope: contact.nextAvailableAt ? 'contact' : 'busy', nextAvailableAt: contact.nextAvailableAt };
  const account = await takeSlot({ scope: 'account', ownerId: accountId, limit: config.perAccount, extra: surveys.account, askId, type, windowDays: config.windowDays, now });
  if (!account.ok) {
    await AskBudgetSlot.deleteOne({ _id: contact.slotId, askId });
    return { ok: false, scope: account.nextAvailableAt ? 'account' : 'busy', nextAvailableAt: account.nextAvailableAt };
  }
  return { ok: true, slotIds: [contact.slotId, account.slotId] };
}

/** Frees the slots of an ask that was never made (its email could not be queued). */
export async function releaseBudgetSlots({ askId }: { askId: Types.ObjectId | string }) {
  await AskBudgetSlot.deleteMany({ askId });
}

/**
 * Contacts' email status by id (absent: no such contact): from the contacts index when it is
 * loaded, else one read by _id each (an $in scans the whole collection on FerretDB).
 */
async function emailStatusesOf(ids: string[]): Promise<Map<string, string>> {
  return contactChildren.answer({
    fromMemory: ({ valuesOf }) => valuesOf(ids),
    fromDatabase: async () => {
      const contacts = await Promise.all(ids.map((id) => Contact.findById(id).select('emailStatus').lean()));
      return new Map(contacts.flatMap((c) => (c ? [[String(c._id), c.emailStatus ?? 'ok'] as const] : [])));
    },
  });
}

/**
 * When a contact may next be asked for `type` (null: now), counting the contact's and the
 * account's asks and survey emails in the window. Read-only; the ask itself takes the slots.
 */
export async function budgetStatus(input: { contactId: string; accountId: string; type: AskType; now: Date; config?: BudgetConfig }) {
  const { contactId, accountId, type, now } = input;
  const config = input.config ?? advocacyConfig().budget;
  const [surveys, contactSlots, accountSlots] = await Promise.all([
    surveyUses({ contactId, accountId, type, windowDays: config.windowDays, now }),
    AskBudgetSlot.find({ scope: 'contact', ownerId: contactId }).sort({ n: -1 }).limit(config.perContact).select('at').lean(),
    AskBudgetSlot.find({ scope: 'account', ownerId: accountId }).sort({ n: -1 }).limit(config.perAccount).select('at').lean(),
  ]);
  const contactNext = nextBudgetAvailability({ uses: [...contactSlots.map((s) => s.at), ...surveys.contact], limit: config.perContact, windowDays: config.windowDays, now });
  const accountNext = nextBudgetAvailability({ uses: [...accountSlots.map((s) => s.at), ...surveys.account], limit: config.perAccount, windowDays: config.windowDays, now });
  return { clearAt: laterOf(contactNext, accountNext), contactNext, accountNext };
}

/** Worker: frees slots whose ask was never recorded (a process died between the two inserts). */
export async function releaseOrphanSlots({ now }: { now: Date }) {
  const before = new Date(Math.min(now.getTime(), Date.now()) - 10 * 60_000);
  const old = await AskBudgetSlot.find({ at: trusted({ $lte: before }) }).sort({ at: -1 }).limit(500).select('_id askId').lean();
  if (old.length === 0) return { released: 0 };
  const asks = new Set((await Ask.find({ _id: trusted({ $in: old.map((s) => s.askId) }) }).select('_id').lean()).map((a) => String(a._id)));
  const orphans = old.filter((s) => !asks.has(String(s.askId)));
  if (orphans.length) await AskBudgetSlot.deleteMany({ _id: trusted({ $in: orphans.map((s) => s._id) }) });
  return { released: orphans.length };
}

// ---------------------------------------------------------------------------------------------
// Candidates: refreshed from a deal's latest answered survey

type AdvocateLean = AdvocateDoc & { _id: Types.ObjectId; rev?: number };

const candidateFlags = (a: Pick<AdvocateLean, 'qualifies' | 'expansion'> | null) => {
  const flags: Record<string, number> = {};
  for (const t of CANDIDATE_TYPES) flags[t] = a?.qualifies?.includes(t) ? 1 : 0;
  flags.expansion = a?.expansion ? 1 : 0;
  return flags;
};

async function bumpCandidateDiff(rep: string, before: Record<string, number>, after: Record<string, number>) {
  for (const [type, n] of Object.entries(counterDiff(before, after))) {
    if (n) await bumpMetric(ADVOCACY_METRICS.candidate, { type, rep }, { n });
  }
}

const factsOf = (a: Pick<AdvocateLean, 'liveAt' | 'accountChurned' | 'overall' | 'nps' | 'consentReferral' | 'consentReference' | 'consentCaseStudy' | 'contactStatus' | 'budgetClearAt'>): CandidateFacts => ({
  liveAt: a.liveAt ?? null,
  accountChurned: Boolean(a.accountChurned),
  overall: (a.overall as CandidateFacts['overall']) ?? null,
  nps: a.nps ?? null,
  consents: { referral: Boolean(a.consentReferral), reference: Boolean(a.consentReference), case_study: Boolean(a.consentCaseStudy) },
  contactStatus: a.contactStatus ?? 'ok',
  budgetClearAt: a.budgetClearAt ?? null,
});

/** Writes an advocate's new facts (if any changed) and moves the candidate rollups by the difference. */
async function writeAdvocate(id: Types.ObjectId, set: Record<string, unknown>) {
  const result = await revise<AdvocateLean>({
    model: Advocate,
    id,
    change: (doc) => (unchanged(doc as unknown as Record<string, unknown>, set) ? null : { $set: set }),
  });
  if (!result.ok) return result.reason === 'refused' ? { changed: false } : { changed: false, busy: true };
  const before = candidateFlags(result.before);
  const after = candidateFlags({ qualifies: (set.qualifies as CandidateType[] | undefined) ?? result.before.qualifies, expansion: (set.expansion as boolean | undefined) ?? result.before.expansion });
  await bumpCandidateDiff(String(result.before.aeId), before, after);
  return { changed: true };
}

type RefreshInput = {
  dealId: string | Types.ObjectId;
  now?: Date;
  /**
   * A survey of the deal known to be answered (the answer being applied, the nightly sweep's latest
   * per deal); the newest of it and the current advocate's survey is taken.
   */
  surveyId?: string | Types.ObjectId | null;
};

/**
 * The deal's latest answer. A response's _id is its survey's, so a known survey is one read by
 * _id; a query by dealId (the last resort: a deal without a known answer) scans every response on
 * FerretDB, which at 100,000 accounts held the candidates page and each survey submission for seconds.
 */
async function latestAnswer({ dealId, known }: { dealId: Types.ObjectId; known: unknown[] }) {
  const ids = [...new Set(known.filter(Boolean).map(String))];
  const found = (await Promise.all(ids.map((id) => SurveyResponse.findById(id).lean()))).filter((r) => r !== null && String(r.dealId) === String(dealId));
  // The newest of the known answers (an older answer applied late must not replace a newer one).
  const newest = found.sort((a, b) => +b!.answeredAt - +a!.answeredAt || (String(b!._id) > String(a!._id) ? 1 : -1))[0];
  return newest ?? SurveyResponse.findOne({ dealId }).sort({ answeredAt: -1, _id: -1 }).lean();
}

/**
 * A deal's advocates: from the candidate index when it is loaded (a walk of ~20,000 rows in memory
 * at 100,000 accounts, where the query by dealId scanned them all on FerretDB for each answer),
 * else from the database. Another process's advocate may show ~250 ms late (docs/decisions/0005-list-pages-read-in-memory-indexes.md):
 * the unique (deal, contact) insert still holds, and the nightly refresh repairs a flag missed.
 */
async function advocatesOfDeal(dealId: Types.ObjectId) {
  const id = String(dealId);
  return candidateIndex.answer<{ _id: Types.ObjectId; contactId: Types.ObjectId; surveyId?: Types.ObjectId | null; current: boolean }[]>({
    fromMemory: (indexed) => [...indexed.values()].flatMap(({ doc }) => (String(doc.dealId) === id ? [{ _id: doc._id, contactId: doc.contactId, surveyId: doc.surveyId, current: doc.current }] : [])),
    fromDatabase: () => Advocate.find({ dealId }).select('_id contactId surveyId current').lean(),
  });
}

/**
 * Recomputes a deal's advocate from its latest answered survey: the answering contact becomes (or
 * stays) a candidate when the answer qualifies them, and stops being one when a later answer does
 * not. Idempotent; called by the survey submit path and nightly by the worker.
 */
export async function refreshAdvocacyForDeal({ dealId, now = new Date(), surveyId }: RefreshInput) {
  const deal = await Deal.findById(dealId).select('name accountId aeId arr currency closedWonAt').lean();
  if (!deal) return { advocateId: null, qualifies: [] as CandidateType[], expansion: false };
  const [journey, account, existing] = await Promise.all([
    // Every journey's _id derives from its deal's (journey.server.ts): read by _id, not by dealId.
    Journey.findById(journeyIdForDeal(deal._id)).select('liveAt').lean(),
    Account.findById(deal.accountId).select('name status').lean(),
    advocatesOfDeal(deal._id),
  ]);
  const latest = await latestAnswer({ dealId: deal._id, known: [surveyId, ...existing.filter((a) => a.current).map((a) => a.surveyId)] });
  const contact = latest
    ? latest.contactId
      ? await Contact.findById(latest.contactId).select('name email emailStatus accountId').lean()
      : latest.contactEmail
        ? await Contact.findOne({ accountId: deal.accountId, email: latest.contactEmail }).select('name email emailStatus accountId').lean()
        : null
    : null;

  let advocateId: Types.ObjectId | null = null;
  let qualifies: CandidateType[] = [];
  let expansion = false;
  if (latest && contact) {
    const built = advocateFields({ deal, account, contact, liveAt: journey?.liveAt ?? null, latest }, now);
    ({ qualifies, expansion } = built.fields);
    // The ask budget sorts candidates into ready and waiting; an answer that makes no candidate
    // needs none. (Reading it is the dear part of an answer on FerretDB: the account's surveys,
    // answers and budget slots are each a scan, ~10 s at 100,000 accounts.)
    const budget = qualifies.length ? await budgetStatus({ contactId: String(contact._id), accountId: String(deal.accountId), type: qualifies[0], now }) : { clearAt: null };
    const set = { ...built.fields, budgetClearAt: budget.clearAt };
    const found = existing.find((a) => String(a.contactId) === String(contact._id));
    if (found) advocateId = found._id;
    else {
      try {
        // Created empty, then filled through writeAdvocate: the one path that bumps the rollups.
        const created = await Advocate.create({ dealId: deal._id, contactId: contact._id, accountId: deal.accountId, aeId: deal.aeId, current: false, refreshedAt: now });
        advocateId = created._id;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        advocateId = (await Advocate.findOne({ dealId: deal._id, contactId: contact._id }).select('_id').lean())?._id ?? null;
      }
    }
    if (advocateId) await writeAdvocate(advocateId, set);
  }
  // Earlier answers by other contacts of this deal no longer speak for it.
  for (const other of existing.filter((a) => !advocateId || String(a._id) !== String(advocateId))) {
    await writeAdvocate(other._id, { current: false, qualifies: [], expansion: false });
  }
  return { advocateId: advocateId ? String(advocateId) : null, qualifies, expansion };
}

/** refreshAdvocacyForDeal for the survey submit path: logs instead of throwing (the nightly refresh repairs). */
export async function refreshAdvocacySafely(input: RefreshInput) {
  try {
    return await refreshAdvocacyForDeal(input);
  } catch (error) {
    logError(error, { where: 'refreshAdvocacyForDeal', dealId: String(input.dealId) });
    return null;
  }
}

/**
 * Worker, once a day: refreshes every deal with an answered survey or an advocate (go-live, churn,
 * unsubscribes, bounces and budgets change without a survey answer).
 */
export async function refreshAllAdvocacy({ now, signal }: { now: Date; signal?: AbortSignal }) {
  // One pass over the answers keeps each deal's latest, so each refresh reads it by _id.
  const latest = new Map<string, { id: string; at: number }>();
  for await (const r of SurveyResponse.find({}).select('dealId answeredAt').lean().cursor({ batchSize: 500 })) {
    const key = String(r.dealId);
    const at = r.answeredAt instanceof Date ? r.answeredAt.getTime() : 0;
    const seen = latest.get(key);
    if (!seen || at > seen.at || (at === seen.at && String(r._id) > seen.id)) latest.set(key, { id: String(r._id), at });
  }
  const seen = new Set<string>();
  let refreshed = 0;
  const visit = async (dealId: unknown) => {
    const key = String(dealId);
    if (seen.has(key) || signal?.aborted) return;
    seen.add(key);
    await refreshAdvocacySafely({ dealId: key, now, surveyId: latest.get(key)?.id ?? null });
    refreshed++;
  };
  for (const key of latest.keys()) await visit(key);
  for await (const a of Advocate.find({}).select('dealId').lean().cursor({ batchSize: 500 })) await visit(a.dealId);
  return { refreshed };
}

/**
 * Worker, once per UTC day across all workers (a unique claim per day): refreshes every advocate
 * and frees orphaned budget slots.
 */
export async function runAdvocacyNightly({ now, owner, signal }: { now: Date; owner: string; signal?: AbortSignal }) {
  const day = now.toISOString().slice(0, 10);
  if (!(await claimOnce({ key: `advocacy:nightly:${day}`, owner, now }))) return { skipped: true };
  const refreshed = await refreshAllAdvocacy({ now, signal });
  const slots = await releaseOrphanSlots({ now });
  return { ...refreshed, ...slots };
}

/** Recomputes the stored budget date of every advocate of a contact (after an ask). Best effort: a cache. */
async function refreshContactBudget({ contactId, now }: { contactId: string; now: Date }) {
  const advocates = await Advocate.find({ contactId }).select('_id accountId qualifies').lean();
  for (const a of advocates) {
    const status = await budgetStatus({ contactId, accountId: String(a.accountId), type: (a.qualifies?.[0] as CandidateType | undefined) ?? 'referral', now });
    await writeAdvocate(a._id, { budgetClearAt: status.clearAt }).catch((error) => logError(error, { where: 'refreshContactBudget' }));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading candidates

export const CandidateQuerySchema = z.object({
  type: z.enum(CANDIDATE_TYPES).default('referral'),
  view: z.enum(['ready', 'waiting']).default('ready'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type CandidateQuery = z.infer<typeof CandidateQuerySchema>;

function candidateFilter(type: CandidateType, view: 'ready' | 'waiting', now: Date): Record<string, unknown> {
  const base = { qualifies: type, current: true };
  return view === 'ready'
    ? { ...base, $or: [{ budgetClearAt: null }, { budgetClearAt: trusted({ $lte: now }) }] }
    : { ...base, budgetClearAt: trusted({ $gt: now }) };
}

async function namesOf(userIds: unknown[]) {
  const users = await User.find({ _id: trusted({ $in: [...new Set(userIds.filter(Boolean).map(String))] }) }).select('name').lean();
  return new Map(users.map((u) => [String(u._id), u.name]));
}

type PastAsk = { id: string; type: AskType; status: AskStatus; sentAt: string | null; channel: AskChannel };
type AskRow = PastAsk & { contactId: string; sentAtMs: number };
/** Asks by contact, in memory (see read-index.server.ts): past asks shown next to each candidate. */
export const askIndex = new ReadIndex<AskRow>({
  feed: 'asks',
  model: Ask,
  select: 'contactId type status sentAt channel',
  toRow: (d) => ({
    id: String(d._id),
    contactId: String(d.contactId),
    type: d.type as AskType,
    status: d.status as AskStatus,
    sentAt: iso(d.sentAt as Date | null),
    sentAtMs: d.sentAt instanceof Date ? d.sentAt.getTime() : -Infinity,
    channel: d.channel as AskChannel,
  }),
});
const asksByContact = derived(askIndex, (rows) => {
  const by = new Map<string, AskRow[]>();
  for (const r of rows.values()) by.set(r.contactId, [...(by.get(r.contactId) ?? []), r]);
  for (const list of by.values()) list.sort((a, b) => b.sentAtMs - a.sentAtMs);
  return by;
});

async function pastAsksOf(contactIds: Types.ObjectId[]) {
  const by = new Map<string, PastAsk[]>();
  return askIndex.answer({
    fromMemory: (indexed) => {
      const all = asksByContact(indexed);
      for (const id of contactIds.map(String)) by.set(id, (all.get(id) ?? []).map(({ id: askId, type, status, sentAt, channel }) => ({ id: askId, type, status, sentAt, channel })));
      return by;
    },
    fromDatabase: async () => {
      const asks = await Ask.find({ contactId: trusted({ $in: contactIds }) })
        .sort({ sentAt: -1 })
        .limit(500)
        .select('contactId type status sentAt channel')
        .lean();
      for (const a of asks) {
        const list = by.get(String(a.contactId)) ?? [];
        list.push({ id: String(a._id), type: a.type as AskType, status: a.status as AskStatus, sentAt: iso(a.sentAt), channel: a.channel as AskChannel });
        by.set(String(a.contactId), list);
      }
      return by;
    },
  });
}

type CandidateRow = { _id: string; qualifies: string[]; current: boolean; budgetClearAt: number | null; rank: number; answeredAt: number | null; doc: AdvocateLean };
/**
 * Candidates in memory (see read-index.server.ts): what the list filters and sorts on, and what a
 * row of the page shows (reading the page's 25 advocates by _id was a third of its time at 100k
 * accounts; ~1 KB per advocate in memory).
 */
export const candidateIndex = new ReadIndex<CandidateRow>({
  feed: 'advocates',
  model: Advocate,
  select:
    'qualifies current budgetClearAt rank answeredAt dealId contactId accountId aeId contactName contactEmail contactStatus accountName dealName dealArr currency closedWonAt liveAt accountChurned surveyId wave overall nps consentReference consentCaseStudy consentReferral promisesKept promisesTotal',
  toRow: (d) => ({
    doc: d as unknown as AdvocateLean,
    _id: String(d._id),
    qualifies: ((d.qualifies as string[]) ?? []).map(String),
    current: d.current === true,
    budgetClearAt: d.budgetClearAt instanceof Date ? d.budgetClearAt.getTime() : null,
    rank: Number(d.rank ?? 0),
    answeredAt: d.answeredAt instanceof Date ? d.answeredAt.getTime() : null,
  }),
});
// rank desc, answeredAt desc (missing last, as MongoDB sorts null lowest), _id asc.
const candidatesInOrder = derived(candidateIndex, (rows) =>
  [...rows.values()].sort((a, b) => b.rank - a.rank || (b.answeredAt ?? -Infinity) - (a.answeredAt ?? -Infinity) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0)),
);

/**
 * Per candidate type, its current candidates in rank order and their budget dates sorted (no
 * budget: -Infinity), kept per index version: a view counts its ready and waiting rows with a
 * binary search and walks the ranked list only to its page (walking all 17,000 candidates of the
 * 100k data set on each view was the largest function of the page's CPU profile).
 */
const candidatesByType = derived(candidateIndex, (rows) => {
  const byType = new Map<string, { ranked: CandidateRow[]; clearAts: number[] }>();
  for (const r of candidatesInOrder(rows)) {
    if (!r.current) continue;
    for (const type of r.qualifies) {
      let list = byType.get(type);
      if (!list) byType.set(type, (list = { ranked: [], clearAts: [] }));
      list.ranked.push(r);
      list.clearAts.push(r.budgetClearAt ?? Number.NEGATIVE_INFINITY);
    }
  }
  for (const list of byType.values()) list.clearAts.sort((a, b) => a - b);
  return byType;
});

/** How many of the ascending `sorted` are <= `t`. */
function countAtMost(sorted: number[], t: number) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const refreshing = new Set<string>();

/** Ranked candidates of one type: ready to ask now, or waiting for their ask budget. */
export async function listCandidates({ query, now = new Date(), perPage = 25 }: { query: CandidateQuery; now?: Date; perPage?: number }) {
  const skip = (query.page - 1) * perPage;
  const { rows, total, readyTotal, waitingTotal } = await candidateIndex.answer<{ rows: AdvocateLean[]; total: number; readyTotal: number; waitingTotal: number }>({
    fromMemory: (indexed) => {
      const t = now.getTime();
      const list = candidatesByType(indexed).get(query.type) ?? { ranked: [], clearAts: [] };
      const readyTotal = countAtMost(list.clearAts, t);
      const waitingTotal = list.ranked.length - readyTotal;
      const ids: string[] = [];
      let inView = 0;
      for (const r of list.ranked) {
        if (ids.length >= perPage) break;
        const ready = r.budgetClearAt === null || r.budgetClearAt <= t;
        if ((query.view === 'ready') === ready && ++inView > skip) ids.push(r._id);
      }
      return { rows: ids.map((id) => indexed.get(id)!.doc), total: query.view === 'ready' ? readyTotal : waitingTotal, readyTotal, waitingTotal };
    },
    fromDatabase: async () => {
      const filter = candidateFilter(query.type, query.view, now);
      const [rows, total, readyTotal, waitingTotal] = await Promise.all([
        Advocate.find(filter)
          .sort({ rank: -1, answeredAt: -1, _id: 1 })
          .skip(skip)
          .limit(perPage)
          .lean() as Promise<AdvocateLean[]>,
        Advocate.countDocuments(filter),
        Advocate.countDocuments(candidateFilter(query.type, 'ready', now)),
        Advocate.countDocuments(candidateFilter(query.type, 'waiting', now)),
      ]);
      return { rows, total, readyTotal, waitingTotal };
    },
  });
  const [statusOf, reps, asks] = await Promise.all([emailStatusesOf(rows.map((r) => String(r.contactId))), namesOf(rows.map((r) => r.aeId)), pastAsksOf(rows.map((r) => r.contactId))]);
  const candidates = [];
  for (const r of rows) {
    const contactStatus = statusOf.get(String(r.contactId)) ?? 'missing';
    if (contactStatus !== r.contactStatus) {
      // The contact unsubscribed or bounced since the last refresh: skip the row and fix the record
      // in the background, once per deal at a time (the refresh reads several collections; done
      // inline, concurrent views of a large data set queued scans behind each other).
      const key = String(r.dealId);
      if (!refreshing.has(key)) {
        refreshing.add(key);
        void refreshAdvocacySafely({ dealId: r.dealId, now, surveyId: r.surveyId }).finally(() => refreshing.delete(key));
      }
      continue;
    }
    const conditions = candidateConditions(query.type, factsOf(r), now);
    candidates.push({
      id: String(r._id),
      contact: { id: String(r.contactId), name: r.contactName, email: r.contactEmail },
      account: { id: String(r.accountId), name: r.accountName },
      deal: { id: String(r.dealId), name: r.dealName, arr: r.dealArr, currency: r.currency, closedWonAt: iso(r.closedWonAt) },
      rep: { id: String(r.aeId), name: reps.get(String(r.aeId)) ?? '' },
      nps: r.nps ?? null,
      overall: r.overall ?? null,
      wave: r.wave ?? null,
      answeredAt: iso(r.answeredAt),
      promisesKept: r.promisesKept,
      promisesTotal: r.promisesTotal,
      rank: r.rank,
      budgetClearAt: iso(r.budgetClearAt),
      why: conditions.filter((c) => c.key !== 'budget' || !c.ok).map((c) => c.text),
      pastAsks: (asks.get(String(r.contactId)) ?? []).slice(0, 5),
    });
  }
  return { candidates, total, readyTotal, waitingTotal, page: query.page, pageCount: Math.max(1, Math.ceil(total / perPage)) };
}

/** One advocate with everything marketing needs before asking: why, origin deal, rep, promises, asks, budget. */
export async function getCandidate({ advocateId, now = new Date() }: { advocateId: string; now?: Date }) {
  if (!isObjectId(advocateId)) return null;
  const a = (await Advocate.findById(advocateId).lean()) as AdvocateLean | null;
  if (!a) return null;
  const config = advocacyConfig();
  const [contact, response, repNames, asks, referrals, budgets] = await Promise.all([
    Contact.findById(a.contactId).select('name email title emailStatus').lean(),
    a.surveyId ? SurveyResponse.findById(a.surveyId).select('promises comment answeredAt wave').lean() : null,
    namesOf([a.aeId]),
    Ask.find({ contactId: a.contactId }).sort({ sentAt: -1 }).limit(50).lean(),
    Referral.find({ advocateId: a._id }).sort({ createdAt: -1 }).limit(50).lean(),
    Promise.all(ASK_TYPES.map((type) => budgetStatus({ contactId: String(a.contactId), accountId: String(a.accountId), type, now, config: config.budget }))),
  ]);
  const contactStatus = contact?.emailStatus ?? 'missing';
  const facts = { ...factsOf(a), contactStatus };
  const budgetOf = Object.fromEntries(ASK_TYPES.map((t, i) => [t, budgets[i]])) as Record<AskType, Awaited<ReturnType<typeof budgetStatus>>>;
  // One budget answer for the contact, the same everywhere on the page: the review count (every ask
  // and survey email). A type whose survey consent exempts that survey says so against the same date.
  const contactBudget = budgetOf.review;
  const budgetCondition = (type: AskType) => {
    const own = budgetOf[type].clearAt;
    if (!contactBudget.clearAt) return { key: 'budget', ok: true, text: 'Ask budget clear' };
    if (!own) return { key: 'budget', ok: true, text: `Ask budget used until ${formatDate(contactBudget.clearAt.toISOString())}, but they said yes to this in their survey` };
    return { key: 'budget', ok: false, text: `Ask budget used: next ask on ${formatDate(own.toISOString())}` };
  };
  const withBudget = (conditions: { key: string; ok: boolean; text: string }[], type: AskType) => [...conditions.filter((c) => c.key !== 'budget'), budgetCondition(type)];
  const eligibility = {
    referral: withBudget(candidateConditions('referral', { ...facts, budgetClearAt: null }, now), 'referral'),
    reference: withBudget(candidateConditions('reference', { ...facts, budgetClearAt: null }, now), 'reference'),
    case_study: withBudget(candidateConditions('case_study', { ...facts, budgetClearAt: null }, now), 'case_study'),
    review: withBudget(reviewConditions({ liveAt: a.liveAt ?? null, accountChurned: Boolean(a.accountChurned), contactStatus }, { minTenureDays: config.minTenureDays, now }), 'review'),
  };
  return {
    advocate: {
      id: String(a._id),
      current: Boolean(a.current),
      contact: { id: String(a.contactId), name: contact?.name ?? a.contactName, email: contact?.email ?? a.contactEmail, title: contact?.title ?? '', status: contactStatus },
      account: { id: String(a.accountId), name: a.accountName },
      deal: { id: String(a.dealId), name: a.dealName, arr: a.dealArr, currency: a.currency, closedWonAt: iso(a.closedWonAt) },
      rep: { id: String(a.aeId), name: repNames.get(String(a.aeId)) ?? '' },
      liveAt: iso(a.liveAt),
      nps: a.nps ?? null,
      overall: a.overall ?? null,
      wave: a.wave ?? null,
      answeredAt: iso(a.answeredAt),
      comment: response?.comment ?? '',
      consents: { referral: Boolean(a.consentReferral), reference: Boolean(a.consentReference), case_study: Boolean(a.consentCaseStudy) },
      promisesKept: a.promisesKept,
      promisesTotal: a.promisesTotal,
      promises: (response?.promises ?? []).map((p) => ({ text: p.text, category: p.category, verdict: p.verdict, comment: p.comment ?? '' })),
      expansion: Boolean(a.expansion),
    },
    eligibility,
    canAsk: Object.fromEntries(Object.entries(eligibility).map(([t, c]) => [t, c.every((x) => x.ok)])) as Record<AskType, boolean>,
    nextAvailable: Object.fromEntries(ASK_TYPES.map((t) => [t, iso(budgetOf[t].clearAt)])) as Record<AskType, string | null>,
    /** When the contact's ask budget is next free (null: now), counting every ask and survey email. */
    budgetClearAt: iso(contactBudget.clearAt),
    asks: asks.map(askView),
    referrals: referrals.map(referralView),
    budget: config.budget,
    minTenureDays: config.minTenureDays,
  };
}

// ---------------------------------------------------------------------------------------------
// Asks

type AskLean = AskDoc & { _id: Types.ObjectId; rev?: number };

function askView(a: AskLean) {
  return {
    id: String(a._id),
    type: a.type as AskType,
    channel: a.channel as AskChannel,
    status: a.status as AskStatus,
    contact: { id: String(a.contactId), name: a.contactName, email: a.contactEmail },
    account: { id: String(a.accountId), name: a.accountName },
    advocateId: idOf(a.advocateId),
    dealId: idOf(a.dealId),
    aeId: idOf(a.aeId),
    platform: (a.platform as ReviewPlatform | null) ?? null,
    reviewUrlToVisit: a.reviewUrlToVisit ?? null,
    incentive: a.incentive ?? '',
    campaignId: idOf(a.campaignId),
    message: a.message ?? '',
    sentAt: iso(a.sentAt),
    dueBy: iso(a.dueBy),
    // Only an ask still waiting for its first answer turns into "no response" (expireUnansweredAsks).
    noResponseBy: a.status === 'sent' ? iso(a.dueBy) : null,
    respondedAt: iso(a.respondedAt),
    completedAt: iso(a.completedAt),
    reviewUrl: a.reviewUrl ?? null,
    referenceDate: iso(a.referenceDate),
    caseStudyUrl: a.caseStudyUrl ?? null,
    referredCompany: a.referredCompany ?? null,
    referralId: idOf(a.referralId),
    outcomeNote: a.outcomeNote ?? '',
    emailMessageId: idOf(a.emailMessageId),
    createdByName: a.createdByName ?? '',
    history: (a.history ?? []).map((h) => ({ status: h.status as AskStatus, at: iso(h.at), byName: h.byName ?? '', note: h.note ?? '' })),
  };
}
export type AskView = ReturnType<typeof askView>;

const askDims = (a: { type: string; channel: string; platform?: string | null }) => ({ type: a.type, channel: a.channel, platform: a.type === 'review' ? a.platform ?? 'custom' : undefined });
const everAccepted = (a: Pick<AskLean, 'history'>) => (a.history ?? []).some((h) => h.status === 'accepted' || h.status === 'completed');

const httpUrl = (message: string) =>
  z
    .string()
    .trim()
    .max(500)
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    }, message);
const optionalText = (max: number) => z.string().trim().max(max).optional().default('');

export const REVIEW_ROUNDS_ONLY =
  'Review invitations go out in rounds to every eligible customer or a random sample (Review invitations page), never one by one: choosing who to invite is review gating, which review platforms forbid.';

/** The ask form on a candidate's page (referral, reference or case study; reviews go out in rounds). */
export const AskFormSchema = z
  .object({
    requestId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'Reload the page and try again.'),
    type: z.enum(ASK_TYPES, { error: 'Choose what to ask for.' }),
    channel: z.enum(ASK_CHANNELS, { error: 'Choose email or phone.' }),
    platform: z.enum(REVIEW_PLATFORMS).optional().or(z.literal('').transform(() => undefined)),
    reviewUrlToVisit: z.union([z.literal(''), httpUrl('Enter the review page as an http(s) link.')]).optional().default(''),
    incentive: optionalText(200),
    message: optionalText(2000),
    phoneStatus: z.enum(['sent', 'accepted', 'declined']).optional().default('sent'),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'review') ctx.addIssue({ code: 'custom', path: ['type'], message: REVIEW_ROUNDS_ONLY });
  });
export type AskFormInput = z.infer<typeof AskFormSchema>;

export type AskResult = { ok: true; askId: string; duplicate: boolean; message: string } | { ok: false; error: string; nextAvailableAt?: string | null };

/** The email an ask sends, with its own unsubscribe link (one-click, List-Unsubscribe). */
async function queueAskEmail(input: { ask: AskLean; senderName: string; senderEmail: string; now: Date }) {
  const { ask, senderName, senderEmail, now } = input;
  const unsubscribe = await createUnsubscribeLink({ contact: { id: ask.contactId, email: ask.contactEmail }, source: `ask:${String(ask._id)}`, now });
  const key = `ask:${String(ask._id)}`;
  if (ask.type === 'review') {
    const platformName = PLATFORM_LABELS[(ask.platform as ReviewPlatform) ?? 'custom'];
    return sendEmail({
      key,
      template: 'review-invitation',
      to: ask.contactEmail,
      subject: `Would you review us on ${platformName === 'Custom URL' ? 'our review page' : platformName}?`,
      react: createElement(ReviewInvitationEmail, {
        contactName: ask.contactName,
        accountName: ask.accountName,
        platformName: platformName === 'Custom URL' ? 'our review page' : platformName,
        reviewUrl: ask.reviewUrlToVisit ?? '',
        incentive: ask.incentive ?? '',
        senderName,
        unsubscribeUrl: unsubscribe.url,
      }),
      headers: unsubscribe.headers,
      meta: { entityType: 'ask', entityId: String(ask._id), type: ask.type },
      now,
    });
  }
  return sendEmail({
    key,
    template: 'advocacy-ask',
    to: ask.contactEmail,
    subject: ask.type === 'referral' ? 'A question about introductions' : ask.type === 'reference' ? 'Would you speak with a company like yours?' : 'Would you tell your story with us?',
    react: createElement(AdvocacyAskEmail, {
      askType: ask.type as CandidateType,
      contactName: ask.contactName,
      accountName: ask.accountName,
      message: ask.message ?? '',
      senderName,
      senderEmail,
      unsubscribeUrl: unsubscribe.url,
    }),
    headers: unsubscribe.headers,
    meta: { entityType: 'ask', entityId: String(ask._id), type: ask.type },
    now,
  });
}

/**
 * Records one ask and sends it: checks the rule for its type (review: live + tenure; the others:
 * the candidate rule), refuses contacts we may not email, takes the budget slots (refusing with
 * the next available date), then queues the email through the outbox or logs the phone call.
 * Idempotent on the form's request id.
 */
export async function createAsk(input: {
  user: SessionUser;
  target: { advocateId: string } | { contactId: string; dealId: string; campaignId?: string };
  form: AskFormInput;
  askId?: Types.ObjectId;
  now?: Date;
}): Promise<AskResult> {
  const { user, form } = input;
  const now = input.now ?? new Date();
  requireAdvocacyWriter(user);
  const config = advocacyConfig();

  // Review platforms forbid choosing who to invite: review invitations only go out in rounds to
  // every eligible customer or an impartial sample (createReviewCampaign), never one by one from
  // a list of happy customers.
  if (form.type === 'review' && !('campaignId' in input.target && input.target.campaignId)) {
    return { ok: false, error: REVIEW_ROUNDS_ONLY };
  }
  // Who: an advocate (origin deal and rep from the survey answer) or, for review invitations, a
  // contact of a live deal's account.
  let advocate: AdvocateLean | null = null;
  let contactId: string;
  let dealId: string;
  if ('advocateId' in input.target) {
    if (!isObjectId(input.target.advocateId)) throw new Response('That advocate was not found.', { status: 404 });
    advocate = (await Advocate.findById(input.target.advocateId).lean()) as AdvocateLean | null;
    if (!advocate) throw new Response('That advocate was not found.', { status: 404 });
    contactId = String(advocate.contactId);
    dealId = String(advocate.dealId);
  } else {
    if (form.type !== 'review') return { ok: false, error: 'Only review invitations go to contacts who are not advocates.' };
    contactId = input.target.contactId;
    dealId = input.target.dealId;
  }
  const [contact, deal, journey] = await Promise.all([
    Contact.findById(contactId).select('name email emailStatus accountId').lean(),
    Deal.findById(dealId).select('name accountId aeId').lean(),
    Journey.findOne({ dealId }).select('liveAt').lean(),
  ]);
  if (!contact || !deal || String(contact.accountId) !== String(deal.accountId)) return { ok: false, error: 'That contact or deal no longer exists.' };
  const account = await Account.findById(deal.accountId).select('name status').lean();
  const contactStatus = contact.emailStatus ?? 'ok';
  if (contactStatus !== 'ok') return { ok: false, error: `${contact.email} is ${contactStatus}: Kept never asks them, by email or by phone.` };

  const facts = { liveAt: journey?.liveAt ?? null, accountChurned: account?.status === 'churned', contactStatus };
  const conditions =
    form.type === 'review'
      ? reviewConditions(facts, { minTenureDays: config.minTenureDays, now })
      : advocate
        ? candidateConditions(form.type, { ...factsOf(advocate), ...facts, budgetClearAt: null }, now).concat(
            advocate.current ? [] : [{ key: 'current', ok: false, text: 'A later survey answer on this deal came from someone else' }],
          )
        : [];
  const failing = conditions.filter((c) => !c.ok);
  if (failing.length) return { ok: false, error: `Not eligible for a ${ASK_TYPE_LABELS[form.type].toLowerCase()}: ${failing.map((c) => c.text).join('; ')}.` };

  const askId = input.askId ?? objectIdFrom(`ask:manual:${form.requestId}`);
  const existing = (await Ask.findById(askId).lean()) as AskLean | null;
  if (existing) {
    if (String(existing.contactId) !== contactId || existing.type !== form.type) return { ok: false, error: 'Reload the page and try again.' };
    return { ok: true, askId: String(askId), duplicate: true, message: 'This ask was already recorded.' };
  }

  const slots = await takeBudgetSlots({ contactId, accountId: String(deal.accountId), askId, type: form.type, now, config: config.budget });
  if (!slots.ok) {
    if (slots.scope === 'busy') return { ok: false, error: 'Another ask for this contact is being recorded right now; try again in a moment.' };
    const when = slots.nextAvailableAt ? formatDate(slots.nextAvailableAt.toISOString()) : 'later';
    const who = slots.scope === 'contact' ? `${contact.name} was asked (or surveyed) recently` : `${account?.name ?? 'This account'} has used its ask budget`;
    return {
      ok: false,
      error: `${who}: one ask budget of ${slots.scope === 'contact' ? config.budget.perContact : config.budget.perAccount} per ${config.budget.windowDays} days. Next available on ${when}.`,
      nextAvailableAt: iso(slots.nextAvailableAt),
    };
  }

  const status: AskStatus = form.channel === 'phone' ? form.phoneStatus : 'sent';
  const doc = {
    _id: askId,
    type: form.type,
    channel: form.channel,
    status,
    contactId: contact._id,
    contactName: contact.name,
    contactEmail: contact.email,
    accountId: deal.accountId,
    accountName: account?.name ?? '',
    advocateId: advocate?._id,
    dealId: deal._id,
    aeId: deal.aeId,
    platform: form.type === 'review' ? form.platform ?? 'custom' : undefined,
    reviewUrlToVisit: form.type === 'review' ? form.reviewUrlToVisit || undefined : undefined,
    incentive: form.type === 'review' ? form.incentive : '',
    campaignId: 'campaignId' in input.target && input.target.campaignId ? input.target.campaignId : undefined,
    message: form.message,
    sentAt: now,
    dueBy: new Date(now.getTime() + config.noResponseDays * DAY_MS),
    respondedAt: status === 'sent' ? undefined : now,
    slotIds: slots.slotIds,
    history: [{ status, at: now, byId: user.id, byName: user.name, note: form.channel === 'phone' ? 'Asked by phone' : 'Email queued' }],
    createdById: user.id,
    createdByName: user.name,
    emailKey: form.channel === 'email' ? `ask:${String(askId)}` : undefined,
  };
  try {
    await Ask.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) return { ok: true, askId: String(askId), duplicate: true, message: 'This ask was already recorded.' };
    await releaseBudgetSlots({ askId });
    throw error;
  }

  if (form.channel === 'email') {
    const sent = await queueAskEmail({ ask: doc as unknown as AskLean, senderName: user.name, senderEmail: user.email, now }).catch((error) => {
      logError(error, { where: 'queueAskEmail', askId: String(askId) });
      return { ok: false as const, error: 'The email could not be queued.' };
    });
    if (!sent.ok) {
      // Never made: no email left Kept, so the ask and its budget slots go.
      await Ask.deleteOne({ _id: askId });
      await releaseBudgetSlots({ askId });
      return { ok: false, error: `${sent.error} Nothing was sent; try again.` };
    }
    await Ask.updateOne({ _id: askId }, { $set: { emailMessageId: sent.id } });
  }
  if (await claimOnce({ key: `ask:${String(askId)}:metric`, owner: 'advocacy', now: new Date() })) {
    await bumpMetric(ADVOCACY_METRICS.ask, askDims(doc), askCounters({ status, everAccepted: status === 'accepted' }));
  }
  await recordAudit({ actorId: user.id, action: 'ask.created', entityType: 'ask', entityId: askId, data: { type: form.type, channel: form.channel, contactId, status }, now });
  await refreshContactBudget({ contactId, now });
  const label = ASK_TYPE_LABELS[form.type].toLowerCase();
  return {
    ok: true,
    askId: String(askId),
    duplicate: false,
    message: form.channel === 'email' ? `The ${label} to ${contact.email} is queued in the outbox.` : `The ${label} by phone is logged.`,
  };
}

/** Outcome fields of an ask, by what it was for. */
export const AskUpdateSchema = z
  .object({
    status: z.enum(ASK_STATUSES, { error: 'Choose a status.' }),
    reviewUrl: z.union([z.literal(''), httpUrl('Enter the published review as an http(s) link.')]).optional().default(''),
    referenceDate: z
      .union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.')])
      .optional()
      .default(''),
    caseStudyUrl: z.union([z.literal(''), httpUrl('Enter the case study as an http(s) link.')]).optional().default(''),
    referredCompany: optionalText(160),
    referredDomain: z
      .union([z.literal(''), z.string().trim().toLowerCase().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'Enter a domain such as example.com.')])
      .optional()
      .default(''),
    referredContactName: optionalText(120),
    referredContactEmail: z.union([z.literal(''), z.string().trim().toLowerCase().email('Enter a valid email address.')]).optional().default(''),
    estimatedArr: optionalMoneyField({ label: 'estimate' }).transform((v) => v ?? 0),
    note: optionalText(2000),
  });
export type AskUpdateInput = z.infer<typeof AskUpdateSchema>;

/** What a completed ask must record, by type. */
function outcomeErrors(type: AskType, input: AskUpdateInput): Record<string, string[]> {
  if (input.status !== 'completed') return {};
  if (type === 'review' && !input.reviewUrl) return { reviewUrl: ['Paste the link to the published review.'] };
  if (type === 'reference' && !input.referenceDate) return { referenceDate: ['Enter the date of the reference call.'] };
  if (type === 'referral' && !input.referredCompany) return { referredCompany: ['Enter the company they referred.'] };
  return {};
}

export type AskUpdateResult = { ok: true; message: string; referralId?: string } | { ok: false; error?: string; errors?: Record<string, string[]> };

/** Moves an ask to a new status with its outcome (review URL, reference date, referred company); marketing only. */
export async function updateAsk({ user, askId, input, now = new Date() }: { user: SessionUser; askId: string; input: AskUpdateInput; now?: Date }): Promise<AskUpdateResult> {
  requireAdvocacyWriter(user);
  if (!isObjectId(askId)) throw new Response('That ask was not found.', { status: 404 });
  const current = (await Ask.findById(askId).select('type status').lean()) as AskLean | null;
  if (!current) throw new Response('That ask was not found.', { status: 404 });
  const errors = outcomeErrors(current.type as AskType, input);
  if (Object.keys(errors).length) return { ok: false, errors };

  const result = await revise<AskLean>({
    model: Ask,
    id: askId,
    change: (a) => {
      if (!canMoveAsk(a.status as AskStatus, input.status)) return null;
      const set: Record<string, unknown> = { status: input.status };
      if (!a.respondedAt && input.status !== 'no_response') set.respondedAt = now;
      if (input.status === 'completed') set.completedAt = now;
      if (input.reviewUrl) set.reviewUrl = input.reviewUrl;
      if (input.referenceDate) set.referenceDate = new Date(`${input.referenceDate}T00:00:00.000Z`);
      if (input.caseStudyUrl) set.caseStudyUrl = input.caseStudyUrl;
      if (input.referredCompany) set.referredCompany = input.referredCompany;
      if (input.note) set.outcomeNote = input.note;
      return { $set: set, $push: { history: { status: input.status, at: now, byId: user.id, byName: user.name, note: input.note } } };
    },
  });
  if (!result.ok) {
    if (result.reason === 'busy') return { ok: false, error: 'Someone is updating this ask right now; try again in a moment.' };
    if (result.reason === 'missing') throw new Response('That ask was not found.', { status: 404 });
    return { ok: false, error: `An ask that is ${result.doc?.status?.replace('_', ' ')} cannot become ${input.status.replace('_', ' ')}.` };
  }
  const before = result.before;
  const after = { status: input.status, everAccepted: everAccepted(before) || input.status === 'accepted' || input.status === 'completed' };
  const diff = counterDiff(askCounters({ status: before.status as AskStatus, everAccepted: everAccepted(before) }), askCounters(after));
  await bumpMetric(ADVOCACY_METRICS.ask, askDims(before), diff);
  await recordAudit({ actorId: user.id, action: 'ask.status_changed', entityType: 'ask', entityId: askId, data: { from: before.status, to: input.status }, now });

  let referralId: string | undefined;
  if (before.type === 'referral' && input.status === 'completed' && before.advocateId) {
    const referral = await createReferral({
      user,
      advocateId: String(before.advocateId),
      askId,
      input: {
        referredCompany: input.referredCompany,
        referredDomain: input.referredDomain,
        referredContactName: input.referredContactName,
        referredContactEmail: input.referredContactEmail,
        estimatedArr: input.estimatedArr,
        note: input.note,
      },
      now,
    });
    if (referral.ok) {
      referralId = referral.referralId;
      await Ask.updateOne({ _id: askId }, { $set: { referralId } }).catch(() => undefined);
    }
  }
  return {
    ok: true,
    message: referralId ? `The ask is completed and the referral to ${input.referredCompany} is recorded (referral id ${referralId}).` : `The ask is now ${input.status.replace('_', ' ')}.`,
    referralId,
  };
}

/** Worker: asks sent with no answer after ASK_NO_RESPONSE_DAYS become no_response. */
export async function expireUnansweredAsks({ now, limit = 200 }: { now: Date; limit?: number }) {
  const due = await Ask.find({ status: 'sent', dueBy: trusted({ $lte: now }) }).limit(limit).select('_id').lean();
  let expired = 0;
  for (const { _id } of due) {
    const result = await revise<AskLean>({
      model: Ask,
      id: _id,
      attempts: 3,
      change: (a) =>
        a.status === 'sent' && a.dueBy <= now
          ? { $set: { status: 'no_response' }, $push: { history: { status: 'no_response', at: now, byName: 'Kept', note: `No answer after ${advocacyConfig().noResponseDays} days` } } }
          : null,
    });
    if (!result.ok) continue;
    await bumpMetric(ADVOCACY_METRICS.ask, askDims(result.before), counterDiff(askCounters({ status: 'sent', everAccepted: false }), askCounters({ status: 'no_response', everAccepted: false })));
    expired++;
  }
  return { due: due.length, expired };
}

export const AskListQuerySchema = z.object({
  type: z.enum(ASK_TYPES).optional().or(z.literal('').transform(() => undefined)),
  status: z.enum(ASK_STATUSES).optional().or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type AskListQuery = z.infer<typeof AskListQuerySchema>;

/** One page of asks, newest first. */
export async function listAsks({ query, perPage = 25 }: { query: AskListQuery; perPage?: number }) {
  const filter: Record<string, unknown> = {};
  if (query.type) filter.type = query.type;
  if (query.status) filter.status = query.status;
  const [rows, total] = await Promise.all([
    Ask.find(filter).sort({ sentAt: -1, _id: -1 }).skip((query.page - 1) * perPage).limit(perPage).lean(),
    Ask.countDocuments(filter),
  ]);
  return { asks: (rows as AskLean[]).map(askView), total, page: query.page, pageCount: Math.max(1, Math.ceil(total / perPage)) };
}

/** One ask with its origin deal and rep names. */
export async function getAsk({ askId }: { askId: string }) {
  if (!isObjectId(askId)) return null;
  const a = (await Ask.findById(askId).lean()) as AskLean | null;
  if (!a) return null;
  const [deal, reps, referral] = await Promise.all([
    a.dealId ? Deal.findById(a.dealId).select('name').lean() : null,
    namesOf([a.aeId]),
    a.referralId ? Referral.findById(a.referralId).lean() : null,
  ]);
  return {
    ask: askView(a),
    deal: a.dealId ? { id: String(a.dealId), name: deal?.name ?? '' } : null,
    rep: a.aeId ? { id: String(a.aeId), name: reps.get(String(a.aeId)) ?? '' } : null,
    referral: referral ? referralView(referral as ReferralLean) : null,
    next: ASK_STATUSES.filter((s) => canMoveAsk(a.status as AskStatus, s)),
  };
}

// ---------------------------------------------------------------------------------------------
// Review invitations

/**
 * Everyone a review invitation may go to: the primary contact of each account with a deal live for
 * at least the minimum tenure, deliverable, account not churned. No survey answer is read here.
 */
export async function reviewPopulation({ now, minTenureDays }: { now: Date; minTenureDays: number }) {
  const cutoff = new Date(now.getTime() - minTenureDays * DAY_MS);
  const journeys = await Journey.find({ liveAt: trusted({ $ne: null, $lte: cutoff }) }).select('dealId accountId liveAt').sort({ liveAt: 1 }).lean();
  // One invitation per customer: the account's earliest live deal is its origin.
  const byAccount = new Map<string, { dealId: Types.ObjectId; liveAt: Date }>();
  for (const j of journeys) if (!byAccount.has(String(j.accountId))) byAccount.set(String(j.accountId), { dealId: j.dealId, liveAt: j.liveAt as Date });
  const accountIds = [...byAccount.keys()];
  const [accounts, contacts] = await Promise.all([
    Account.find({ _id: trusted({ $in: accountIds }) }).select('status').lean(),
    Contact.find({ accountId: trusted({ $in: accountIds }), isPrimary: true }).select('accountId emailStatus').lean(),
  ]);
  const churned = new Set(accounts.filter((a) => a.status === 'churned').map((a) => String(a._id)));
  const members: { contactId: string; dealId: string; accountId: string }[] = [];
  for (const c of contacts) {
    const origin = byAccount.get(String(c.accountId));
    if (!origin) continue;
    if (!reviewConditions({ liveAt: origin.liveAt, accountChurned: churned.has(String(c.accountId)), contactStatus: c.emailStatus ?? 'ok' }, { minTenureDays, now }).every((x) => x.ok)) continue;
    members.push({ contactId: String(c._id), dealId: String(origin.dealId), accountId: String(c.accountId) });
  }
  // A fixed order (by contact id) makes the recorded draw reproducible from its seed.
  return members.sort((a, b) => a.contactId.localeCompare(b.contactId));
}

export const ReviewCampaignFormSchema = z
  .object({
    platform: z.enum(REVIEW_PLATFORMS, { error: 'Choose the review platform.' }),
    reviewUrl: httpUrl('Enter the link to your review page (http or https).'),
    incentive: optionalText(200),
    mode: z.enum(['all', 'sample'], { error: 'Choose all eligible customers or a random sample.' }),
    sampleSize: z
      .string()
      .trim()
      .optional()
      .default('')
      .transform((v) => (v ? Number(v) : undefined))
      .pipe(z.number({ error: 'Enter the sample size as a number.' }).int('Enter a whole number.').min(1, 'Draw at least one customer.').max(100_000).optional()),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'sample' && !v.sampleSize) ctx.addIssue({ code: 'custom', path: ['sampleSize'], message: 'Enter how many customers to draw.' });
  });
export type ReviewCampaignForm = z.infer<typeof ReviewCampaignFormSchema>;

/**
 * Starts a round of review invitations: all eligible customers, or a random sample Kept draws
 * (seed and population digest recorded). Sends the first invitations now; the worker sends the rest.
 */
export async function createReviewCampaign({ user, input, now = new Date(), sendNow = 25 }: { user: SessionUser; input: ReviewCampaignForm; now?: Date; sendNow?: number }) {
  requireAdvocacyWriter(user);
  const { minTenureDays } = advocacyConfig();
  const population = await reviewPopulation({ now, minTenureDays });
  if (population.length === 0) return { ok: false as const, error: `No customer has been live for ${minTenureDays} days with a contact we may email yet.` };
  const seed = crypto.randomBytes(16).toString('hex');
  const drawn = input.mode === 'all' ? population : drawSample({ population, size: input.sampleSize ?? population.length, seed });
  const campaign = await ReviewCampaign.create({
    platform: input.platform,
    reviewUrl: input.reviewUrl,
    incentive: input.incentive,
    mode: input.mode,
    sampleSize: input.mode === 'sample' ? input.sampleSize : undefined,
    seed,
    minTenureDays,
    populationSize: population.length,
    populationDigest: digestOf(population.map((m) => m.contactId)),
    members: drawn.map((m) => ({ contactId: m.contactId, dealId: m.dealId })),
    createdById: user.id,
    createdByName: user.name,
    drawnAt: now,
  });
  await recordAudit({ actorId: user.id, action: 'review-campaign.drawn', entityType: 'review-campaign', entityId: campaign._id, data: { mode: input.mode, population: population.length, drawn: drawn.length, seed }, now });
  const progress = await processReviewCampaign({ campaignId: String(campaign._id), now, limit: sendNow, actor: user });
  return { ok: true as const, campaignId: String(campaign._id), population: population.length, drawn: drawn.length, ...progress };
}

type MemberOutcome = { result: 'invited' | 'skipped'; reason: string; askId?: string };

/**
 * Sends a campaign's invitations that have no recorded outcome yet (at most `limit`). Each member
 * is idempotent (ask _id derived from campaign and contact; email key from the ask), so a retry or
 * a second worker never invites anyone twice; outcomes are unique inserts (Claim per member).
 */
export async function processReviewCampaign({ campaignId, now, limit = 100, actor }: { campaignId: string; now: Date; limit?: number; actor?: SessionUser }) {
  const campaign = await ReviewCampaign.findById(campaignId).lean();
  if (!campaign) return { invited: 0, skipped: 0, remaining: 0 };
  const resource = `campaign:${campaignId}`;
  const done = new Set((await listGroupClaims(resource)).map((c) => c.gen));
  const todo = campaign.members.map((m, i) => ({ ...m, i })).filter((m) => !done.has(m.i));
  const creator = actor ?? (campaign.createdById ? await User.findById(campaign.createdById).select('name email role').lean().then((u) => (u ? { id: String(u._id), name: u.name, email: u.email, role: 'marketing' as const } : null)) : null);
  let invited = 0;
  let skipped = 0;
  for (const m of todo.slice(0, limit)) {
    let outcome: MemberOutcome;
    if (!creator) outcome = { result: 'skipped', reason: 'The marketing user who drew the campaign no longer exists.' };
    else {
      const result = await createAsk({
        user: creator,
        target: { contactId: String(m.contactId), dealId: String(m.dealId), campaignId },
        askId: objectIdFrom(`ask:campaign:${campaignId}:${String(m.contactId)}`),
        form: { requestId: `campaign-${campaignId}`, type: 'review', channel: 'email', platform: campaign.platform as ReviewPlatform, reviewUrlToVisit: campaign.reviewUrl, incentive: campaign.incentive ?? '', message: '', phoneStatus: 'sent' },
        now,
      }).catch((error): AskResult => {
        logError(error, { where: 'processReviewCampaign', campaignId });
        return { ok: false, error: 'Kept could not record this invitation.' };
      });
      outcome = result.ok ? { result: 'invited', reason: '', askId: result.askId } : { result: 'skipped', reason: result.error };
    }
    if (await claimOnce({ key: `${resource}:member:${m.i}`, group: { resource, gen: m.i }, owner: 'advocacy', data: outcome })) {
      if (outcome.result === 'invited') invited++;
      else skipped++;
    }
  }
  const remaining = campaign.members.length - (await countGroupClaims(resource));
  if (remaining <= 0 && campaign.state !== 'done') await ReviewCampaign.updateOne({ _id: campaign._id }, { $set: { state: 'done' } });
  return { invited, skipped, remaining: Math.max(0, remaining) };
}

/** Worker: continues review campaigns still sending. */
export async function processDueReviewCampaigns({ now, signal }: { now: Date; signal?: AbortSignal }) {
  const open = await ReviewCampaign.find({ state: 'drawn' }).select('_id').limit(10).lean();
  let invited = 0;
  for (const c of open) {
    if (signal?.aborted) break;
    invited += (await processReviewCampaign({ campaignId: String(c._id), now, limit: 200 })).invited;
  }
  return { campaigns: open.length, invited };
}

/** The review page: the rule, how many are eligible now, and past campaigns with their draws. */
export async function getReviewOverview({ now = new Date() }: { now?: Date } = {}) {
  const { minTenureDays, budget } = advocacyConfig();
  const [population, campaigns] = await Promise.all([reviewPopulation({ now, minTenureDays }), ReviewCampaign.find({}).sort({ drawnAt: -1 }).limit(20).lean()]);
  const outcomes = await listGroupClaims(campaigns.map((c) => `campaign:${String(c._id)}`));
  const tally = new Map<string, { invited: number; skipped: number }>();
  for (const o of outcomes) {
    const t = tally.get(o.resource ?? '') ?? { invited: 0, skipped: 0 };
    if ((o.data as MemberOutcome | undefined)?.result === 'invited') t.invited++;
    else t.skipped++;
    tally.set(o.resource ?? '', t);
  }
  return {
    minTenureDays,
    budget,
    eligibleNow: population.length,
    campaigns: campaigns.map((c) => {
      const t = tally.get(`campaign:${String(c._id)}`) ?? { invited: 0, skipped: 0 };
      return {
        id: String(c._id),
        platform: c.platform as ReviewPlatform,
        reviewUrl: c.reviewUrl,
        incentive: c.incentive ?? '',
        mode: c.mode as 'all' | 'sample',
        sampleSize: c.sampleSize ?? null,
        seed: c.seed,
        populationSize: c.populationSize,
        populationDigest: c.populationDigest,
        drawn: c.members.length,
        invited: t.invited,
        skipped: t.skipped,
        state: c.state,
        drawnAt: iso(c.drawnAt),
        createdByName: c.createdByName ?? '',
      };
    }),
  };
}

/** One campaign's members and what happened to each (invited, or skipped and why). */
export async function getReviewCampaign({ campaignId }: { campaignId: string }) {
  if (!isObjectId(campaignId)) return null;
  const c = await ReviewCampaign.findById(campaignId).lean();
  if (!c) return null;
  const [outcomes, contacts] = await Promise.all([
    listGroupClaims(`campaign:${campaignId}`),
    Contact.find({ _id: trusted({ $in: c.members.map((m) => m.contactId) }) }).select('name email accountId').lean(),
  ]);
  const accounts = await Account.find({ _id: trusted({ $in: contacts.map((x) => x.accountId) }) }).select('name').lean();
  const accountName = new Map(accounts.map((a) => [String(a._id), a.name]));
  const contactOf = new Map(contacts.map((x) => [String(x._id), x]));
  const outcomeOf = new Map(outcomes.map((o) => [o.gen, o.data as MemberOutcome]));
  return {
    id: String(c._id),
    platform: c.platform as ReviewPlatform,
    seed: c.seed,
    mode: c.mode,
    populationSize: c.populationSize,
    populationDigest: c.populationDigest,
    members: c.members.map((m, i) => {
      const contact = contactOf.get(String(m.contactId));
      const o = outcomeOf.get(i);
      return {
        contactName: contact?.name ?? '',
        contactEmail: contact?.email ?? '',
        accountName: contact ? accountName.get(String(contact.accountId)) ?? '' : '',
        result: o?.result ?? 'pending',
        reason: o?.reason ?? '',
        askId: o?.askId ?? null,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Referrals and attribution

type ReferralLean = ReferralDoc & { _id: Types.ObjectId; rev?: number };

function referralView(r: ReferralLean) {
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
    newDeal: r.newDealId ? { id: String(r.newDealId), name: r.newDealName ?? '', arr: r.newDealArr ?? 0, currency: r.newDealCurrency ?? 'USD', closedWonAt: iso(r.newDealClosedWonAt) } : null,
    linkedAt: iso(r.linkedAt),
    linkedVia: r.linkedVia ?? null,
    createdAt: iso(r.createdAt),
  };
}
export type ReferralView = ReturnType<typeof referralView>;

const referralDims = (r: Pick<ReferralLean, 'advocateId' | 'originDealId' | 'aeId'>, currency: string) => ({
  advocate: String(r.advocateId),
  origin: String(r.originDealId),
  rep: String(r.aeId),
  currency,
});

export const ReferralFormSchema = AskUpdateSchema.pick({ referredCompany: true, referredDomain: true, referredContactName: true, referredContactEmail: true, estimatedArr: true, note: true }).refine(
  (v) => v.referredCompany.length >= 2,
  { path: ['referredCompany'], message: 'Enter the company they referred.' },
);
export type ReferralForm = z.infer<typeof ReferralFormSchema>;

/** Records that an advocate referred a company (from a completed referral ask, or directly); marketing only. */
export async function createReferral({ user, advocateId, askId, input, now = new Date() }: { user: SessionUser; advocateId: string; askId?: string; input: ReferralForm; now?: Date }) {
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
export async function linkReferralToDeal(input: { referralId: string; dealId: string; via: 'webhook' | 'import' | 'manual' | 'seed'; actorId?: string; now?: Date }): Promise<LinkResult> {
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

/** linkReferralToDeal for intake paths (webhook, CSV): never throws, logs what it could not link. */
export async function linkReferralSafely(input: { referralId: string; dealId: string; via: 'webhook' | 'import'; now?: Date }) {
  try {
    const result = await linkReferralToDeal(input);
    if (!result.ok) log('warn', 'Referral id on an incoming deal could not be linked', { referralId: input.referralId, dealId: input.dealId, via: input.via, reason: result.error });
    return result;
  } catch (error) {
    logError(error, { where: 'linkReferralSafely', referralId: input.referralId, dealId: input.dealId });
    return { ok: false as const, error: 'The referral could not be linked.' };
  }
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

/** Who may undo a referral's link to a deal (a wrong link moves referred revenue, so admins can fix it too). */

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
        ? { $set: { status: 'open', newDealId: null, newDealName: null, newDealArr: null, newDealCurrency: null, newDealAeId: null, newDealClosedWonAt: null, linkedAt: null, linkedVia: null, linkedById: null } }
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
  await recordAudit({ actorId: user.id, action: 'referral.unlinked', entityType: 'referral', entityId: referralId, data: { dealId, dealName: before.newDealName ?? '', reason }, now });
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
    referral: { id: String(referral._id), advocateName: referral.advocateName, advocateAccountName: referral.advocateAccountName, open: referral.status === 'open' && !referral.newDealId, ...referred },
    deal: { id: String(deal._id), name: deal.name, arr: deal.arr, currency: deal.currency ?? 'USD', ...dealSide },
    ...compareReferredCompany(referred, dealSide),
  };
}

const referralObjectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a referral.');
/** The referrals page's forms: link a new deal to a referral (by hand), or mark a referral lost. */
export const ReferralActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('link'), referralId: referralObjectId, dealId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the new deal.') }),
  z.object({ intent: z.literal('lost'), referralId: referralObjectId }),
  z.object({
    intent: z.literal('unlink'),
    referralId: referralObjectId,
    reason: z.string().trim().min(5, 'Say why the link is wrong (at least 5 characters).').max(500, 'Keep the reason under 500 characters.'),
  }),
]);

export const ReferralListQuerySchema = z.object({
  status: z.enum(REFERRAL_STATUSES).optional().or(z.literal('').transform(() => undefined)),
  link: z.string().regex(/^[a-f0-9]{24}$/i).optional().or(z.literal('').transform(() => undefined)),
  /** The referral chosen for `link`: the page asks to confirm, showing both companies side by side. */
  confirm: z.string().regex(/^[a-f0-9]{24}$/i).optional().or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type ReferralListQuery = z.infer<typeof ReferralListQuerySchema>;

/** Referrals, newest first; a sales rep sees only those from their own customers (origin deals they won). */
export async function listReferrals({ user, query, perPage = 25 }: { user: SessionUser; query: ReferralListQuery; perPage?: number }) {
  const filter: Record<string, unknown> = user.role === 'sales' ? { aeId: user.id } : {};
  if (query.status) filter.status = query.status;
  const [rows, total, linkDeal] = await Promise.all([
    Referral.find(filter).sort({ createdAt: -1, _id: -1 }).skip((query.page - 1) * perPage).limit(perPage).lean(),
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

/** Satisfied customers flagged for expansion; a sales rep sees only their own accounts. */
export async function listExpansionCandidates({ user, limit = 50 }: { user: SessionUser; limit?: number }) {
  const filter: Record<string, unknown> = { expansion: true, current: true, ...(user.role === 'sales' ? { aeId: user.id } : {}) };
  const [rows, total] = await Promise.all([Advocate.find(filter).sort({ dealArr: -1, _id: 1 }).limit(limit).lean(), Advocate.countDocuments(filter)]);
  const reps = await namesOf(rows.map((r) => r.aeId));
  return {
    total,
    accounts: rows.map((r) => ({
      advocateId: String(r._id),
      account: { id: String(r.accountId), name: r.accountName },
      deal: { id: String(r.dealId), name: r.dealName, arr: r.dealArr, currency: r.currency },
      contactName: r.contactName,
      nps: r.nps ?? null,
      promisesKept: r.promisesKept,
      promisesTotal: r.promisesTotal,
      rep: { id: String(r.aeId), name: reps.get(String(r.aeId)) ?? '' },
      answeredAt: iso(r.answeredAt),
    })),
  };
}

/** The deal page's "Referral origin": the referral this deal came from, if any. */
export async function getReferralOrigin({ user, dealId }: { user: SessionUser; dealId: string }) {
  if (!isObjectId(dealId)) return null;
  const deal = await Deal.findById(dealId).select('referralId').lean();
  if (!deal) return null;
  const referral = deal.referralId ? ((await Referral.findById(deal.referralId).lean()) as ReferralLean | null) : null;
  const rep = referral ? (await namesOf([referral.aeId])).get(String(referral.aeId)) ?? '' : '';
  return {
    referral: referral ? { ...referralView(referral), repName: rep } : null,
    canLink: may(user.role, 'advocacy.act') && !referral,
  };
}

// ---------------------------------------------------------------------------------------------
// Figures and exports

type Row = { dims: Record<string, string>; counts: Record<string, number> };
const sumBy = (rows: Row[], dim: string, counter: string) => {
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.dims[dim] ?? '', (out.get(r.dims[dim] ?? '') ?? 0) + (r.counts[counter] ?? 0));
  return out;
};

/** The marketing dashboard's advocacy figures, from the rollups (plus names for the top rows). */
export async function getAdvocacyFigures({ top = 10 }: { top?: number } = {}) {
  const [candidates, asks, referrals] = await Promise.all([
    readMetrics(ADVOCACY_METRICS.candidate),
    readMetrics(ADVOCACY_METRICS.ask),
    readMetrics(ADVOCACY_METRICS.referral),
  ]);
  const candidateCounts = sumBy(candidates, 'type', 'n');
  const asksByType = ASK_TYPES.map((type) => {
    const rows = asks.filter((r) => r.dims.type === type);
    const total = (k: string) => rows.reduce((s, r) => s + (r.counts[k] ?? 0), 0);
    const asked = total('asked');
    return {
      type,
      asked,
      accepted: total('accepted'),
      completed: total('completed'),
      declined: total('declined'),
      noResponse: total('noResponse'),
      open: asked - total('completed') - total('declined') - total('noResponse'),
      conversionPct: asked ? Math.round((total('completed') / asked) * 1000) / 10 : null,
    };
  });
  const reviewsByPlatform = REVIEW_PLATFORMS.map((platform) => {
    const rows = asks.filter((r) => r.dims.type === 'review' && (r.dims.platform ?? 'custom') === platform);
    return { platform, invited: rows.reduce((s, r) => s + (r.counts.asked ?? 0), 0), published: rows.reduce((s, r) => s + (r.counts.completed ?? 0), 0) };
  });

  // Referred pipeline and revenue, per advocate / origin deal / rep and currency.
  const group = (dim: 'advocate' | 'origin' | 'rep') => {
    const out = new Map<string, { id: string; currency: string; referrals: number; open: number; won: number; pipeline: number; revenue: number }>();
    for (const r of referrals) {
      const key = `${r.dims[dim]}|${r.dims.currency}`;
      const g = out.get(key) ?? { id: r.dims[dim], currency: r.dims.currency, referrals: 0, open: 0, won: 0, pipeline: 0, revenue: 0 };
      for (const k of ['referrals', 'open', 'won', 'pipeline', 'revenue'] as const) g[k] += r.counts[k] ?? 0;
      out.set(key, g);
    }
    return [...out.values()].sort((a, b) => b.revenue - a.revenue || b.pipeline - a.pipeline || b.referrals - a.referrals).slice(0, top);
  };
  const byAdvocate = group('advocate');
  const byOrigin = group('origin');
  const byRep = group('rep');
  const [advocates, deals, reps] = await Promise.all([
    Advocate.find({ _id: trusted({ $in: byAdvocate.map((g) => g.id) }) }).select('contactName accountName').lean(),
    Deal.find({ _id: trusted({ $in: byOrigin.map((g) => g.id) }) }).select('name').lean(),
    namesOf(byRep.map((g) => g.id)),
  ]);
  const advocateName = new Map(advocates.map((a) => [String(a._id), `${a.contactName} (${a.accountName})`]));
  const dealName = new Map(deals.map((d) => [String(d._id), d.name]));
  const totals = new Map<string, { pipeline: number; revenue: number; referrals: number; won: number }>();
  for (const r of referrals) {
    const t = totals.get(r.dims.currency) ?? { pipeline: 0, revenue: 0, referrals: 0, won: 0 };
    t.pipeline += r.counts.pipeline ?? 0;
    t.revenue += r.counts.revenue ?? 0;
    t.referrals += r.counts.referrals ?? 0;
    t.won += r.counts.won ?? 0;
    totals.set(r.dims.currency, t);
  }
  return {
    candidates: { referral: candidateCounts.get('referral') ?? 0, reference: candidateCounts.get('reference') ?? 0, case_study: candidateCounts.get('case_study') ?? 0, expansion: candidateCounts.get('expansion') ?? 0 },
    asksByType,
    reviewsByPlatform,
    referralTotals: [...totals.entries()].map(([currency, t]) => ({ currency, ...t })),
    byAdvocate: byAdvocate.map((g) => ({ ...g, name: advocateName.get(g.id) ?? g.id })),
    byOrigin: byOrigin.map((g) => ({ ...g, name: dealName.get(g.id) ?? g.id })),
    byRep: byRep.map((g) => ({ ...g, name: reps.get(g.id) ?? g.id })),
  };
}

/** Streams CSV rows from a cursor (constant memory for any number of rows). */
function csvStream<T>(header: string[], cursor: AsyncIterable<T>, row: (item: T) => unknown[]) {
  const encoder = new TextEncoder();
  const iterator = cursor[Symbol.asyncIterator]();
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvRow(header)));
          return;
        }
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(csvRow(row(next.value))));
      } catch (error) {
        logError(error, { where: 'csv export' });
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Every current advocate with a candidacy, as CSV (cells escaped against formula injection). */
export function exportCandidatesCsv({ now = new Date() }: { now?: Date } = {}) {
  const cursor = Advocate.find({ current: true, qualifies: trusted({ $ne: [] }) }).sort({ rank: -1, _id: 1 }).lean().cursor({ batchSize: 500 });
  return csvStream(
    ['advocate_id', 'contact', 'email', 'account', 'origin_deal_id', 'origin_deal', 'rep_id', 'nps', 'value_delivered', 'promises_kept', 'promises_total', 'qualifies_for', 'next_available', 'rank', 'answered_at'],
    cursor,
    (a) => [
      String(a._id),
      a.contactName,
      a.contactEmail,
      a.accountName,
      String(a.dealId),
      a.dealName,
      String(a.aeId),
      a.nps ?? '',
      a.overall ?? '',
      a.promisesKept,
      a.promisesTotal,
      (a.qualifies ?? []).join(' '),
      a.budgetClearAt && a.budgetClearAt > now ? a.budgetClearAt.toISOString().slice(0, 10) : 'now',
      a.rank,
      a.answeredAt ? a.answeredAt.toISOString() : '',
    ],
  );
}

/** Every ask as CSV, newest first. */
export function exportAsksCsv() {
  const cursor = Ask.find({}).sort({ sentAt: -1, _id: -1 }).lean().cursor({ batchSize: 500 });
  return csvStream(
    ['ask_id', 'type', 'channel', 'status', 'contact', 'email', 'account', 'origin_deal_id', 'rep_id', 'platform', 'incentive', 'sent_at', 'due_by', 'responded_at', 'completed_at', 'review_url', 'reference_date', 'case_study_url', 'referred_company', 'referral_id', 'created_by'],
    cursor,
    (a) => [
      String(a._id),
      a.type,
      a.channel,
      a.status,
      a.contactName,
      a.contactEmail,
      a.accountName,
      idOf(a.dealId) ?? '',
      idOf(a.aeId) ?? '',
      a.platform ?? '',
      a.incentive ?? '',
      a.sentAt,
      a.dueBy,
      a.respondedAt ?? '',
      a.completedAt ?? '',
      a.reviewUrl ?? '',
      a.referenceDate ? a.referenceDate.toISOString().slice(0, 10) : '',
      a.caseStudyUrl ?? '',
      a.referredCompany ?? '',
      idOf(a.referralId) ?? '',
      a.createdByName ?? '',
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// Rebuild

/**
 * Recomputes the three advocacy rollups from the Advocate, Ask and Referral documents (clear,
 * then bump): the proof that they are only a cache, and the repair after a crash mid-step.
 */
export async function rebuildAdvocacyMetrics() {
  const totals = new Map<string, { kind: string; dims: Record<string, string | undefined>; counts: Record<string, number> }>();
  const add = (kind: string, dims: Record<string, string | undefined>, counts: Record<string, number>) => {
    const key = `${kind}|${JSON.stringify(Object.entries(dims).filter(([, v]) => v !== undefined).sort())}`;
    const into = totals.get(key) ?? { kind, dims, counts: {} };
    for (const [k, n] of Object.entries(counts)) into.counts[k] = (into.counts[k] ?? 0) + n;
    totals.set(key, into);
  };
  for await (const a of Advocate.find({}).select('aeId qualifies expansion').lean().cursor({ batchSize: 500 })) {
    for (const [type, n] of Object.entries(candidateFlags(a))) if (n) add(ADVOCACY_METRICS.candidate, { type, rep: String(a.aeId) }, { n });
  }
  for await (const a of Ask.find({}).select('type channel platform status history').lean().cursor({ batchSize: 500 })) {
    add(ADVOCACY_METRICS.ask, askDims(a), askCounters({ status: a.status as AskStatus, everAccepted: everAccepted(a) }));
  }
  for await (const r of Referral.find({}).lean().cursor({ batchSize: 500 })) {
    const open = r.status === 'open';
    add(ADVOCACY_METRICS.referral, referralDims(r, r.currency ?? 'USD'), { referrals: 1, open: open ? 1 : 0, pipeline: open ? r.estimatedArr ?? 0 : 0 });
    if (r.newDealId) add(ADVOCACY_METRICS.referral, referralDims(r, r.newDealCurrency ?? 'USD'), { won: 1, revenue: r.newDealArr ?? 0 });
  }
  for (const kind of Object.values(ADVOCACY_METRICS)) await clearMetrics(kind);
  for (const row of totals.values()) {
    const counts = Object.fromEntries(Object.entries(row.counts).filter(([, n]) => n !== 0));
    // Counters that cancel out (a candidate that came and went) are simply absent after a rebuild.
    if (Object.keys(counts).length) await bumpMetric(row.kind, row.dims, counts);
  }
  return { rows: totals.size };
}
