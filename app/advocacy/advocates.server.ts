// An advocate's stored record: its facts as the pure rules read them, its candidate flags, and the
// one write that keeps the `advocacy.candidate` rollup in step with them.
import { Types } from 'mongoose';
import { Advocate, type AdvocateDoc } from '#models/advocate';
import { type CandidateFacts, counterDiff } from '#app/advocacy/advocacy-rules.server';
import { bumpMetric } from '#app/platform/metrics.server';
import { CANDIDATE_TYPES, type CandidateType } from '#app/advocacy/advocacy-types';
import { ADVOCACY_METRICS } from '#app/advocacy/shared.server';
import { revise, unchanged } from '#app/advocacy/revise.server';
import { recorded } from '#app/platform/events.server';

export type AdvocateLean = AdvocateDoc & { _id: Types.ObjectId; rev?: number };

export const candidateFlags = (a: Pick<AdvocateLean, 'qualifies' | 'expansion'> | null) => {
  const flags: Record<string, number> = {};
  for (const t of CANDIDATE_TYPES) flags[t] = a?.qualifies?.includes(t) ? 1 : 0;
  flags.expansion = a?.expansion ? 1 : 0;
  return flags;
};

export async function bumpCandidateDiff(rep: string, before: Record<string, number>, after: Record<string, number>) {
  for (const [type, n] of Object.entries(counterDiff(before, after))) {
    if (n) await bumpMetric(ADVOCACY_METRICS.candidate, { type, rep }, { n });
  }
}

export const factsOf = (
  a: Pick<AdvocateLean, 'liveAt' | 'accountChurned' | 'overall' | 'nps' | 'consentReferral' | 'consentReference' | 'consentCaseStudy' | 'contactStatus' | 'budgetClearAt'>,
): CandidateFacts => ({
  liveAt: a.liveAt ?? null,
  accountChurned: Boolean(a.accountChurned),
  overall: (a.overall as CandidateFacts['overall']) ?? null,
  nps: a.nps ?? null,
  consents: { referral: Boolean(a.consentReferral), reference: Boolean(a.consentReference), case_study: Boolean(a.consentCaseStudy) },
  contactStatus: a.contactStatus ?? 'ok',
  budgetClearAt: a.budgetClearAt ?? null,
});

/** Writes an advocate's new facts (if any changed) and moves the candidate rollups by the difference. */
export async function writeAdvocate(id: Types.ObjectId, set: Record<string, unknown>) {
  const result = await revise<AdvocateLean>({
    model: Advocate,
    id,
    change: (doc) => (unchanged(doc as unknown as Record<string, unknown>, set) ? null : { $set: set }),
  });
  if (!result.ok) return result.reason === 'refused' ? { changed: false } : { changed: false, busy: true };
  const before = candidateFlags(result.before);
  const after = candidateFlags({
    qualifies: (set.qualifies as CandidateType[] | undefined) ?? result.before.qualifies,
    expansion: (set.expansion as boolean | undefined) ?? result.before.expansion,
  });
  await bumpCandidateDiff(String(result.before.aeId), before, after);
  // Someone who was no kind of candidate now is one (outgoing webhooks and Slack react).
  const isCandidate = (flags: Record<string, number>) => CANDIDATE_TYPES.some((t) => flags[t] > 0);
  if (!isCandidate(before) && isCandidate(after)) await recorded('advocate.candidate', { advocateId: id, dealId: result.before.dealId, now: new Date() });
  return { changed: true };
}
