// The advocacy rules as pure functions (time and configuration are parameters): who is a
// referral / reference / case-study candidate, who may be invited to review, the ask budget, the
// ranking, the impartial review sample and CSV cells. The database side is the rest of app/advocacy (advocacy.server.ts lists it).
import crypto from 'node:crypto';
import { ASK_TRANSITIONS, type AskStatus, type CandidateType } from '#app/advocacy/advocacy-types';
import { formatDate, plural } from '#app/utils/format';
import { randomFromText } from '#app/utils/random.server';

export const DAY_MS = 86_400_000;

export type Condition = { key: string; ok: boolean; text: string };

/** What the candidate rules read about one advocate (the contact who answered a deal's latest survey). */
export type CandidateFacts = {
  /** When the deal's journey reached the last playbook stage; null if not live. */
  liveAt: Date | null;
  accountChurned: boolean;
  /** The latest answered survey of the origin deal; null when it has none. */
  overall: 'yes' | 'partly' | 'no' | null;
  nps: number | null;
  consents: Record<CandidateType, boolean>;
  contactStatus: string;
  /** When the contact's ask budget is next clear; null = clear now. */
  budgetClearAt: Date | null;
};

const CONSENT_TEXT: Record<CandidateType, string> = {
  referral: 'agreed to refer other companies',
  reference: 'agreed to be a reference',
  case_study: 'agreed to a case study',
};

/**
 * The conditions of a referral, reference or case-study candidate (docs/product-rules.md, Advocacy), each with
 * whether it holds: live, latest survey says the value was delivered, NPS 9-10, the matching consent,
 * a contact we may email, and a clear ask budget.
 */
export function candidateConditions(type: CandidateType, f: CandidateFacts, now: Date): Condition[] {
  const live = Boolean(f.liveAt && f.liveAt <= now) && !f.accountChurned;
  return [
    { key: 'live', ok: live, text: live ? 'Live customer' : f.accountChurned ? 'The account churned' : 'Not live yet' },
    {
      key: 'value',
      ok: f.overall === 'yes',
      text: f.overall === null ? 'No survey answer yet' : f.overall === 'yes' ? 'Latest survey: we delivered the promised value' : `Latest survey: value delivered “${f.overall}”`,
    },
    { key: 'nps', ok: f.nps !== null && f.nps >= 9, text: f.nps === null ? 'No NPS yet' : `NPS ${f.nps}${f.nps >= 9 ? ' (promoter)' : ''}` },
    { key: 'consent', ok: f.consents[type], text: f.consents[type] ? `Said yes: ${CONSENT_TEXT[type]}` : `Has not ${CONSENT_TEXT[type]}` },
    { key: 'contact', ok: f.contactStatus === 'ok', text: f.contactStatus === 'ok' ? 'Contact can be emailed' : `Contact is ${f.contactStatus}` },
    {
      key: 'budget',
      ok: !f.budgetClearAt || f.budgetClearAt <= now,
      text: !f.budgetClearAt || f.budgetClearAt <= now ? 'Ask budget clear' : `Asked recently: next available on ${formatDate(f.budgetClearAt.toISOString())}`,
    },
  ];
}

/** What `advocateFields` reads: the deal, its account and the contact who gave the latest answer. */
export type AdvocateSources = {
  deal: { accountId: unknown; aeId: unknown; name: string; arr: number; currency: string; closedWonAt: Date };
  account: { name?: string; status?: string } | null | undefined;
  contact: { name: string; email: string; emailStatus?: string | null };
  liveAt: Date | null;
  latest: {
    _id: unknown;
    wave: number;
    answeredAt: Date;
    overall?: string | null;
    nps?: number | null;
    consentReferral?: boolean | null;
    consentReference?: boolean | null;
    consentCaseStudy?: boolean | null;
    promises: { verdict?: string | null }[];
  };
};

/**
 * The stored fields of an advocate (everything but its ids and ask budget), from the latest answer of
 * its deal: one builder for the refresh after an answer and for the seeded data sets.
 */
export function advocateFields({ deal, account, contact, liveAt, latest }: AdvocateSources, now: Date) {
  const facts = {
    liveAt,
    accountChurned: account?.status === 'churned',
    overall: (latest.overall ?? null) as CandidateFacts['overall'],
    nps: latest.nps ?? null,
    consents: { referral: Boolean(latest.consentReferral), reference: Boolean(latest.consentReference), case_study: Boolean(latest.consentCaseStudy) },
    contactStatus: contact.emailStatus ?? 'ok',
  };
  const promisesKept = latest.promises.filter((p) => p.verdict === 'delivered').length;
  return {
    facts,
    fields: {
      accountId: deal.accountId,
      aeId: deal.aeId,
      contactName: contact.name,
      contactEmail: contact.email,
      contactStatus: facts.contactStatus,
      accountName: account?.name ?? '',
      dealName: deal.name,
      dealArr: deal.arr,
      currency: deal.currency,
      closedWonAt: deal.closedWonAt,
      liveAt: facts.liveAt,
      accountChurned: facts.accountChurned,
      surveyId: latest._id,
      wave: latest.wave,
      answeredAt: latest.answeredAt,
      overall: facts.overall,
      nps: facts.nps,
      consentReference: facts.consents.reference,
      consentCaseStudy: facts.consents.case_study,
      consentReferral: facts.consents.referral,
      promisesKept,
      promisesTotal: latest.promises.length,
      current: true,
      qualifies: storedQualifications(facts, now),
      expansion: isExpansionCandidate(facts, now),
      rank: rankAdvocate({ nps: facts.nps, overall: facts.overall, promisesKept, promisesTotal: latest.promises.length, consents: facts.consents, dealArr: deal.arr }),
    },
  };
}

export const isCandidate = (type: CandidateType, f: CandidateFacts, now: Date) => candidateConditions(type, f, now).every((c) => c.ok);

/** The candidate conditions that do not move with the clock or the budget: what refreshAdvocacy stores. */
export function storedQualifications(f: Omit<CandidateFacts, 'budgetClearAt'>, now: Date): CandidateType[] {
  const types: CandidateType[] = ['referral', 'reference', 'case_study'];
  return types.filter((t) => isCandidate(t, { ...f, budgetClearAt: null }, now));
}

/** A satisfied live customer (value delivered, NPS 9-10): flagged to their rep as an expansion candidate. */
export function isExpansionCandidate(f: Pick<CandidateFacts, 'liveAt' | 'accountChurned' | 'overall' | 'nps'>, now: Date) {
  return Boolean(f.liveAt && f.liveAt <= now) && !f.accountChurned && f.overall === 'yes' && (f.nps ?? 0) >= 9;
}

/**
 * Review invitations follow the review platforms' rules: eligibility is being live for a minimum
 * tenure, and a contact we may email. Deliberately NOT a parameter: the survey score, NPS or
 * consent. Asking only happy customers is review gating, which G2, TrustRadius and Capterra forbid.
 */
export function reviewConditions(
  f: { liveAt: Date | null; accountChurned: boolean; contactStatus: string },
  { minTenureDays, now }: { minTenureDays: number; now: Date },
): Condition[] {
  const live = Boolean(f.liveAt && f.liveAt <= now) && !f.accountChurned;
  const tenureDays = f.liveAt ? Math.floor((now.getTime() - f.liveAt.getTime()) / DAY_MS) : 0;
  return [
    { key: 'live', ok: live, text: live ? 'Live customer' : f.accountChurned ? 'The account churned' : 'Not live yet' },
    {
      key: 'tenure',
      ok: live && tenureDays >= minTenureDays,
      text: live ? `Live for ${plural(tenureDays, 'day')} (at least ${minTenureDays} needed)` : `Needs ${minTenureDays} days live`,
    },
    { key: 'contact', ok: f.contactStatus === 'ok', text: f.contactStatus === 'ok' ? 'Contact can be emailed' : `Contact is ${f.contactStatus}` },
  ];
}

export const isReviewEligible = (...args: Parameters<typeof reviewConditions>) => reviewConditions(...args).every((c) => c.ok);

// ---------------------------------------------------------------------------------------------
// The ask budget

export type BudgetConfig = {
  /** The window, in days (ASK_BUDGET_DAYS, default 90). */
  windowDays: number;
  /** Asks per contact within the window (ASK_BUDGET_PER_CONTACT, default 1). */
  perContact: number;
  /** Asks per account within the window, all its contacts together (ASK_BUDGET_PER_ACCOUNT, default 3). */
  perAccount: number;
};

/**
 * When a scope (a contact, an account) may be asked again, given the instants it was asked (asks
 * and survey emails): null when fewer than `limit` fall inside the window ending now, else the
 * instant the oldest of the `limit` most recent leaves the window.
 */
export function nextBudgetAvailability({ uses, limit, windowDays, now }: { uses: Date[]; limit: number; windowDays: number; now: Date }): Date | null {
  const windowMs = windowDays * DAY_MS;
  const inWindow = uses.filter((u) => u.getTime() > now.getTime() - windowMs && u.getTime() <= now.getTime()).sort((a, b) => b.getTime() - a.getTime());
  if (inWindow.length < limit) return null;
  return new Date(inWindow[limit - 1].getTime() + windowMs);
}

/** The later of two availability instants (null = available now). */
export const laterOf = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);

// ---------------------------------------------------------------------------------------------
// Ranking

export type RankFacts = {
  nps: number | null;
  overall: string | null;
  promisesKept: number;
  promisesTotal: number;
  consents: Record<CandidateType, boolean>;
  dealArr: number;
};

/**
 * Candidates are ranked by how strongly they can speak for us: NPS first, then the share of
 * promises kept, then how many asks they said yes to, then the size of the deal they bought.
 */
export function rankAdvocate(f: RankFacts) {
  const nps = (f.nps ?? 0) * 100;
  const kept = f.promisesTotal > 0 ? Math.round((f.promisesKept / f.promisesTotal) * 50) : 0;
  const consents = Object.values(f.consents).filter(Boolean).length * 10;
  const size = Math.min(20, Math.round(Math.log10(Math.max(1, f.dealArr)) * 3));
  const value = f.overall === 'yes' ? 5 : 0;
  return nps + kept + consents + size + value;
}

// ---------------------------------------------------------------------------------------------
// Asks

export const canMoveAsk = (from: AskStatus, to: AskStatus) => ASK_TRANSITIONS[from].includes(to);

/** Counters an ask contributes to the `advocacy.ask` rollup in a given status (used by bumps and rebuild alike). */
export function askCounters(a: { status: AskStatus; everAccepted: boolean }) {
  return {
    asked: 1,
    accepted: a.everAccepted || a.status === 'accepted' || a.status === 'completed' ? 1 : 0,
    completed: a.status === 'completed' ? 1 : 0,
    declined: a.status === 'declined' ? 1 : 0,
    noResponse: a.status === 'no_response' ? 1 : 0,
  };
}

/** after - before, counter by counter. */
export function counterDiff(before: Record<string, number> | null, after: Record<string, number> | null) {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) out[k] = (after?.[k] ?? 0) - (before?.[k] ?? 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The impartial review sample

/**
 * Draws `size` members of `population` uniformly at random (Fisher-Yates with a seeded PRNG).
 * The same seed and population always give the same sample, so the recorded draw can be checked.
 */
export function drawSample<T>({ population, size, seed }: { population: readonly T[]; size: number; seed: string }): T[] {
  const items = [...population];
  const random = randomFromText(seed); // replayable from the recorded seed
  const n = Math.min(size, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items.slice(0, n);
}

/** SHA-256 of the population's ids in order: recorded with a draw. */
export const digestOf = (ids: readonly string[]) => crypto.createHash('sha256').update(ids.join('\n')).digest('hex');

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * One CSV cell. A cell starting with = + - @ (or tab / carriage return) is prefixed with ' so a
 * spreadsheet never runs it as a formula (CSV injection; numbers stay numbers); quotes are doubled and the cell is
 * quoted when it holds a comma, quote or line break.
 */
export function csvCell(value: unknown) {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

export type Match = 'same' | 'different' | 'unknown';

// Legal-form words that do not tell two companies apart ("Acme Inc" is "ACME, Inc.").
const LEGAL_FORMS = new Set(['inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'ag', 'sa', 'sas', 'bv', 'nv', 'plc', 'co', 'corp', 'corporation', 'company', 'the']);
const companyKey = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !LEGAL_FORMS.has(w))
    .join(' ');
const domainKey = (domain: string) =>
  domain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/.*$/, '');

/** Same or different company and domain, between the company a referral named and a deal's account (unknown when one side is blank). */
export function compareReferredCompany(referred: { company: string; domain: string }, deal: { company: string; domain: string }): { company: Match; domain: Match } {
  const match = (a: string, b: string): Match => (!a || !b ? 'unknown' : a === b ? 'same' : 'different');
  return { company: match(companyKey(referred.company), companyKey(deal.company)), domain: match(domainKey(referred.domain), domainKey(deal.domain)) };
}
