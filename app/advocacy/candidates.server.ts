// Reading candidates: advocates who qualify for a referral, reference or case-study ask, ranked, in
// two views (ready now, or waiting for their ask budget); one candidate's page with why they
// qualify, their origin deal, rep, promises and past asks; and the expansion list for reps.
import { Types } from 'mongoose';
import { z } from 'zod';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Contact } from '#models/contact';
import { Referral } from '#models/referral';
import { SurveyResponse } from '#models/survey-response';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { candidateConditions, reviewConditions } from '#app/advocacy/advocacy-rules.server';
import { ASK_TYPES, type AskChannel, type AskStatus, type AskType, CANDIDATE_TYPES, type CandidateType } from '#app/advocacy/advocacy-types';
import { contactChildren } from '#app/journeys/children.server';
import { logError } from '#app/utils/log.server';
import { formatDate } from '#app/utils/format';
import { isObjectId } from '#app/utils/ids.server';
import { iso } from '#app/utils/iso';
import { advocacyConfig, namesOf } from '#app/advocacy/shared.server';
import { budgetStatus } from '#app/advocacy/ask-budget.server';
import { type AdvocateLean, factsOf } from '#app/advocacy/advocates.server';
import { askIndex, asksByContact, candidateIndex, candidatesByType, type PastAsk } from '#app/advocacy/candidate-index.server';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';
import { askView } from '#app/advocacy/asks.server';
import { referralView } from '#app/advocacy/referrals.server';

export const CandidateQuerySchema = z.object({
  type: z.enum(CANDIDATE_TYPES).default('referral'),
  view: z.enum(['ready', 'waiting']).default('ready'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type CandidateQuery = z.infer<typeof CandidateQuerySchema>;

function candidateFilter(type: CandidateType, view: 'ready' | 'waiting', now: Date): Record<string, unknown> {
  const base = { qualifies: type, current: true };
  return view === 'ready' ? { ...base, $or: [{ budgetClearAt: null }, { budgetClearAt: trusted({ $lte: now }) }] } : { ...base, budgetClearAt: trusted({ $gt: now }) };
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

async function pastAsksOf(contactIds: Types.ObjectId[]) {
  const by = new Map<string, PastAsk[]>();
  return askIndex.answer({
    fromMemory: (indexed) => {
      const all = asksByContact(indexed);
      for (const id of contactIds.map(String))
        by.set(
          id,
          (all.get(id) ?? []).map(({ id: askId, type, status, sentAt, channel }) => ({ id: askId, type, status, sentAt, channel })),
        );
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
        Advocate.find(filter).sort({ rank: -1, answeredAt: -1, _id: 1 }).skip(skip).limit(perPage).lean() as Promise<AdvocateLean[]>,
        Advocate.countDocuments(filter),
        Advocate.countDocuments(candidateFilter(query.type, 'ready', now)),
        Advocate.countDocuments(candidateFilter(query.type, 'waiting', now)),
      ]);
      return { rows, total, readyTotal, waitingTotal };
    },
  });
  const [statusOf, reps, asks] = await Promise.all([
    emailStatusesOf(rows.map((r) => String(r.contactId))),
    namesOf(rows.map((r) => r.aeId)),
    pastAsksOf(rows.map((r) => r.contactId)),
  ]);
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
        void refreshAdvocacyForDeal({ dealId: r.dealId, now, surveyId: r.surveyId })
          .catch((error) => logError(error, { where: 'refreshAdvocacyForDeal', dealId: key }))
          .finally(() => refreshing.delete(key));
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
    review: withBudget(
      reviewConditions({ liveAt: a.liveAt ?? null, accountChurned: Boolean(a.accountChurned), contactStatus }, { minTenureDays: config.minTenureDays, now }),
      'review',
    ),
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
