// The candidates page's in-memory indexes (read-index.server.ts,
// docs/decisions/0005-list-pages-read-in-memory-indexes.md): advocates with what the list filters and
// sorts on, and asks by contact for the "past asks" column.
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import type { AskChannel, AskStatus, AskType } from '#app/advocacy/advocacy-types';
import { derived, ReadIndex } from '#app/platform/read-index.server';
import { iso } from '#app/utils/iso';
import type { AdvocateLean } from '#app/advocacy/advocates.server';

export type PastAsk = { id: string; type: AskType; status: AskStatus; sentAt: string | null; channel: AskChannel };
export type AskRow = PastAsk & { contactId: string; sentAtMs: number };
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
export const asksByContact = derived(askIndex, (rows) => {
  const by = new Map<string, AskRow[]>();
  for (const r of rows.values()) by.set(r.contactId, [...(by.get(r.contactId) ?? []), r]);
  for (const list of by.values()) list.sort((a, b) => b.sentAtMs - a.sentAtMs);
  return by;
});

export type CandidateRow = { _id: string; qualifies: string[]; current: boolean; budgetClearAt: number | null; rank: number; answeredAt: number | null; doc: AdvocateLean };
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
export const candidatesInOrder = derived(candidateIndex, (rows) =>
  [...rows.values()].sort((a, b) => b.rank - a.rank || (b.answeredAt ?? -Infinity) - (a.answeredAt ?? -Infinity) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0)),
);

/**
 * Per candidate type, its current candidates in rank order and their budget dates sorted (no
 * budget: -Infinity), kept per index version: a view counts its ready and waiting rows with a
 * binary search and walks the ranked list only to its page (walking all 17,000 candidates of the
 * 100k data set on each view was the largest function of the page's CPU profile).
 */
export const candidatesByType = derived(candidateIndex, (rows) => {
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
