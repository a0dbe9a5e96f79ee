// What the API reads (docs/api.md): lists in id order with a cursor, and one item by id, each scoped
// as the pages scope them (a sales rep: the accounts where they own a deal, their own deals and
// those deals' journeys, surveys and answers; every other role: everything). Outside the scope is
// "not found", as on the pages. Each document is mapped field by field to its API shape, so nothing
// internal (leases, tokens, evidence notes) leaves.
import type { z } from 'zod';
import { Account } from '#models/account';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import type { SessionUser } from '#app/auth/session.server';
import { healthOf } from '#app/journeys/journey.server';
import { trusted } from '#app/platform/db.server';
import type * as S from './schemas.server';
import { notFound } from './http.server';

type Page = { limit: number; cursor?: string };
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const idOrNull = (id: unknown) => (id ? String(id) : null);
const isId = (id: string) => /^[a-f0-9]{24}$/i.test(id);

type Find = (where: Record<string, unknown>) => { sort(order: Record<string, 1>): { limit(n: number): { lean(): Promise<unknown> } } };

/** One page in `_id` order: stable while documents are added (a new one lands on a later page or before the cursor). */
async function pageOf<D extends { _id: unknown }>(find: Find, filter: Record<string, unknown>, page: Page) {
  const where = page.cursor ? { ...filter, _id: trusted({ $gt: page.cursor }) } : filter;
  const rows = (await find(where)
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .lean()) as D[];
  const more = rows.length > page.limit;
  const data = more ? rows.slice(0, page.limit) : rows;
  return { rows: data, nextCursor: more ? String(data[data.length - 1]._id) : null };
}

const bySales = (user: SessionUser, field: 'aeId' | 'aeIds'): Record<string, unknown> => (user.role === 'sales' ? { [field]: user.id } : {});
/** Only the defined filters (an absent query parameter filters nothing). */
const defined = (filters: Record<string, unknown>) => Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));

// ---------------------------------------------------------------------------------------------
// Accounts

type AccountLean = { _id: unknown; name: string; domain?: string | null; segment: string; status?: string | null; csmId?: unknown; churnedAt?: Date | null; createdAt: Date };
const accountOut = (a: AccountLean): z.infer<typeof S.AccountSchema> => ({
  id: String(a._id),
  name: a.name,
  domain: a.domain || null,
  segment: a.segment as z.infer<typeof S.AccountSchema>['segment'],
  status: a.status === 'churned' ? 'churned' : 'active',
  csmId: idOrNull(a.csmId),
  churnedAt: iso(a.churnedAt),
  createdAt: a.createdAt.toISOString(),
});

export async function listAccounts({ user, query }: { user: SessionUser; query: z.infer<typeof S.AccountListQuery> }) {
  const { rows, nextCursor } = await pageOf<AccountLean>(
    (where) => Account.find(where),
    { ...bySales(user, 'aeIds'), ...defined({ segment: query.segment, status: query.status }) },
    query,
  );
  return { data: rows.map(accountOut), nextCursor };
}

export async function getAccount({ user, id }: { user: SessionUser; id: string }) {
  const a = isId(id) ? ((await Account.findOne({ _id: id, ...bySales(user, 'aeIds') }).lean()) as AccountLean | null) : null;
  if (!a) throw notFound('That account');
  return accountOut(a);
}

// ---------------------------------------------------------------------------------------------
// Deals

type DealLean = {
  _id: unknown;
  accountId: unknown;
  aeId: unknown;
  name: string;
  source: string;
  crmId: string;
  closedWonAt: Date;
  arr: number;
  currency?: string | null;
  grossMarginPct?: number | null;
  cac?: number | null;
  referralId?: unknown;
  promises: { _id: unknown; text: string; successCriterion: string; category: string }[];
  createdAt: Date;
};
const dealOut = (d: DealLean): z.infer<typeof S.DealSchema> => ({
  id: String(d._id),
  accountId: String(d.accountId),
  aeId: String(d.aeId),
  name: d.name,
  source: d.source as z.infer<typeof S.DealSchema>['source'],
  crmId: d.crmId,
  closedWonAt: d.closedWonAt.toISOString(),
  arr: d.arr,
  currency: d.currency ?? 'USD',
  grossMarginPct: d.grossMarginPct ?? null,
  cac: d.cac ?? null,
  referralId: idOrNull(d.referralId),
  promises: (d.promises ?? []).map((p) => ({
    id: String(p._id),
    text: p.text,
    successCriterion: p.successCriterion,
    category: p.category as z.infer<typeof S.DealSchema>['promises'][number]['category'],
  })),
  createdAt: d.createdAt.toISOString(),
});

export async function listDeals({ user, query }: { user: SessionUser; query: z.infer<typeof S.DealListQuery> }) {
  const { rows, nextCursor } = await pageOf<DealLean>((where) => Deal.find(where), { ...bySales(user, 'aeId'), ...defined({ accountId: query.accountId }) }, query);
  return { data: rows.map(dealOut), nextCursor };
}

/** One deal the user may see; null otherwise (the caller decides whether that is a 404). */
export async function findDeal({ user, id }: { user: SessionUser; id: string }) {
  const d = isId(id) ? ((await Deal.findOne({ _id: id, ...bySales(user, 'aeId') }).lean()) as DealLean | null) : null;
  return d ? dealOut(d) : null;
}

export async function getDeal({ user, id }: { user: SessionUser; id: string }) {
  const deal = await findDeal({ user, id });
  if (!deal) throw notFound('That deal');
  return deal;
}

// ---------------------------------------------------------------------------------------------
// Journeys

type JourneyLean = {
  _id: unknown;
  dealId: unknown;
  accountId: unknown;
  aeId: unknown;
  csmId?: unknown;
  accountName: string;
  dealName: string;
  segment: string;
  arr?: number | null;
  currency?: string | null;
  closedWonAt: Date;
  playbookVersion: number;
  stage: string;
  stageEnteredAt: Date;
  acceptedAt?: Date | null;
  liveAt?: Date | null;
  atRiskAt?: Date | null;
  stalledAt?: Date | null;
  stages?: { key: string; enteredAt: Date; exitedAt?: Date | null }[];
  createdAt: Date;
  updatedAt: Date;
};
const journeyOut =
  (now: Date) =>
  (j: JourneyLean): z.infer<typeof S.JourneySchema> => ({
    id: String(j._id),
    dealId: String(j.dealId),
    accountId: String(j.accountId),
    aeId: String(j.aeId),
    csmId: idOrNull(j.csmId),
    accountName: j.accountName,
    dealName: j.dealName,
    segment: j.segment as z.infer<typeof S.JourneySchema>['segment'],
    arr: j.arr ?? 0,
    currency: j.currency ?? 'USD',
    closedWonAt: j.closedWonAt.toISOString(),
    playbookVersion: j.playbookVersion,
    stage: j.stage,
    stageEnteredAt: j.stageEnteredAt.toISOString(),
    health: healthOf(j, now),
    acceptedAt: iso(j.acceptedAt),
    liveAt: iso(j.liveAt),
    stages: (j.stages ?? []).map((s) => ({ key: s.key, enteredAt: s.enteredAt.toISOString(), exitedAt: iso(s.exitedAt) })),
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  });
const JOURNEY_FIELDS = '-evidence -owners';

export async function listJourneys({ user, query, now }: { user: SessionUser; query: z.infer<typeof S.JourneyListQuery>; now: Date }) {
  const filter = { ...bySales(user, 'aeId'), ...defined({ accountId: query.accountId, dealId: query.dealId, stage: query.stage }) };
  const where = query.cursor ? { ...filter, _id: trusted({ $gt: query.cursor }) } : filter;
  const rows = (await Journey.find(where)
    .select(JOURNEY_FIELDS)
    .sort({ _id: 1 })
    .limit(query.limit + 1)
    .lean()) as unknown as JourneyLean[];
  const more = rows.length > query.limit;
  const data = more ? rows.slice(0, query.limit) : rows;
  return { data: data.map(journeyOut(now)), nextCursor: more ? String(data[data.length - 1]._id) : null };
}

export async function getJourney({ user, id, now }: { user: SessionUser; id: string; now: Date }) {
  const j = isId(id)
    ? ((await Journey.findOne({ _id: id, ...bySales(user, 'aeId') })
        .select(JOURNEY_FIELDS)
        .lean()) as unknown as JourneyLean | null)
    : null;
  if (!j) throw notFound('That journey');
  return journeyOut(now)(j);
}

// ---------------------------------------------------------------------------------------------
// Surveys

type SurveyLean = {
  _id: unknown;
  dealId: unknown;
  accountId: unknown;
  aeId: unknown;
  wave: number;
  state: string;
  dueAt: Date;
  contactId?: unknown;
  contactName?: string | null;
  contactEmail?: string | null;
  sentAt?: Date | null;
  remindedAt?: Date | null;
  expiresAt?: Date | null;
  answeredAt?: Date | null;
  stopReason?: string | null;
  held?: string | null;
  createdAt: Date;
};
const surveyOut = (s: SurveyLean): z.infer<typeof S.SurveySchema> => ({
  id: String(s._id),
  dealId: String(s.dealId),
  accountId: String(s.accountId),
  aeId: String(s.aeId),
  wave: s.wave as 6 | 9 | 12,
  state: s.state as z.infer<typeof S.SurveySchema>['state'],
  dueAt: s.dueAt.toISOString(),
  contactId: idOrNull(s.contactId),
  contactName: s.contactName || null,
  contactEmail: s.contactEmail || null,
  sentAt: iso(s.sentAt),
  remindedAt: iso(s.remindedAt),
  expiresAt: iso(s.expiresAt),
  answeredAt: iso(s.answeredAt),
  stopReason: (s.stopReason ?? null) as z.infer<typeof S.SurveySchema>['stopReason'],
  heldUntilLive: s.held === 'not-live',
  createdAt: s.createdAt.toISOString(),
});

export async function listSurveys({ user, query }: { user: SessionUser; query: z.infer<typeof S.SurveyListQuery> }) {
  const { rows, nextCursor } = await pageOf<SurveyLean>(
    (where) => Survey.find(where),
    { ...bySales(user, 'aeId'), ...defined({ dealId: query.dealId, state: query.state }) },
    query,
  );
  return { data: rows.map(surveyOut), nextCursor };
}

export async function getSurvey({ user, id }: { user: SessionUser; id: string }) {
  const s = isId(id) ? ((await Survey.findOne({ _id: id, ...bySales(user, 'aeId') }).lean()) as SurveyLean | null) : null;
  if (!s) throw notFound('That survey');
  return surveyOut(s);
}

// ---------------------------------------------------------------------------------------------
// Answers

type AnswerLean = {
  _id: unknown;
  dealId: unknown;
  accountId: unknown;
  aeId: unknown;
  wave: number;
  answeredAt: Date;
  overall: string;
  nps: number;
  comment?: string | null;
  consentReference?: boolean | null;
  consentCaseStudy?: boolean | null;
  consentReferral?: boolean | null;
  promises?: { promiseId: unknown; text: string; category: string; verdict: string; comment?: string | null }[];
};
const answerOut = (r: AnswerLean): z.infer<typeof S.AnswerSchema> => ({
  id: String(r._id),
  surveyId: String(r._id),
  dealId: String(r.dealId),
  accountId: String(r.accountId),
  aeId: String(r.aeId),
  wave: r.wave,
  answeredAt: r.answeredAt.toISOString(),
  overall: r.overall as z.infer<typeof S.AnswerSchema>['overall'],
  nps: r.nps,
  comment: r.comment ?? '',
  consent: { reference: Boolean(r.consentReference), caseStudy: Boolean(r.consentCaseStudy), referral: Boolean(r.consentReferral) },
  promises: (r.promises ?? []).map((p) => ({
    promiseId: String(p.promiseId),
    text: p.text,
    category: p.category,
    verdict: p.verdict as z.infer<typeof S.AnswerSchema>['promises'][number]['verdict'],
    comment: p.comment ?? '',
  })),
});

export async function listAnswers({ user, query }: { user: SessionUser; query: z.infer<typeof S.AnswerListQuery> }) {
  const { rows, nextCursor } = await pageOf<AnswerLean>((where) => SurveyResponse.find(where), { ...bySales(user, 'aeId'), ...defined({ dealId: query.dealId }) }, query);
  return { data: rows.map(answerOut), nextCursor };
}

export async function getAnswer({ user, id }: { user: SessionUser; id: string }) {
  const r = isId(id) ? ((await SurveyResponse.findOne({ _id: id, ...bySales(user, 'aeId') }).lean()) as AnswerLean | null) : null;
  if (!r) throw notFound('That answer');
  return answerOut(r);
}
