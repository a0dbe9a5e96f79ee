// Candidates: refreshed from a deal's latest answered survey. A refresh recomputes a deal's advocate
// from the stored facts (survey answer, go-live, churn, contact status, ask budget), so it can run
// any number of times: on a survey answer or a go-live (reactions.server.ts), when a list row is
// found stale, and once a night for every deal (runAdvocacyNightly: the repair for a reaction that
// failed or never ran because the process died right after the save).
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { SurveyResponse } from '#models/survey-response';
import { isDuplicateKey } from '#app/platform/db.server';
import { advocateFields } from '#app/advocacy/advocacy-rules.server';
import { claimOnce } from '#app/platform/claims.server';
import type { CandidateType } from '#app/advocacy/advocacy-types';
import { journeyIdForDeal } from '#app/journeys/journey.server';
import { logError } from '#app/utils/log.server';
import { latestPromiseVerdicts } from '#app/recovery/reask-answer.server';
import { budgetStatus, releaseOrphanSlots } from '#app/advocacy/ask-budget.server';
import { writeAdvocate } from '#app/advocacy/advocates.server';
import { candidateIndex } from '#app/advocacy/candidate-index.server';

export type RefreshInput = {
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
 * The answer with each promise's verdict as the buyer last gave it: a re-ask answered after the
 * survey (docs/reask.md) replaces that promise's verdict (so a promise recovered counts as kept).
 */
async function withReaskedVerdicts<T extends { dealId: Types.ObjectId; answeredAt: Date; promises: { promiseId: unknown; verdict: string }[] }>(answer: T): Promise<T> {
  const latest = (await latestPromiseVerdicts({ dealIds: [answer.dealId] })).get(String(answer.dealId)) ?? {};
  const reasked = (promiseId: unknown) => {
    const v = latest[String(promiseId)];
    return v?.source === 'reask' && Date.parse(v.at) >= answer.answeredAt.getTime() ? v.verdict : null;
  };
  return { ...answer, promises: answer.promises.map((p) => ({ ...p, verdict: reasked(p.promiseId) ?? p.verdict })) };
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
    fromMemory: (indexed) =>
      [...indexed.values()].flatMap(({ doc }) => (String(doc.dealId) === id ? [{ _id: doc._id, contactId: doc.contactId, surveyId: doc.surveyId, current: doc.current }] : [])),
    fromDatabase: () => Advocate.find({ dealId }).select('_id contactId surveyId current').lean(),
  });
}

/**
 * Recomputes a deal's advocate from its latest answered survey: the answering contact becomes (or
 * stays) a candidate when the answer qualifies them, and stops being one when a later answer does
 * not. Idempotent; run as a reaction to survey answers and go-lives (reactions.server.ts) and nightly by the worker.
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
  const answer = await latestAnswer({ dealId: deal._id, known: [surveyId, ...existing.filter((a) => a.current).map((a) => a.surveyId)] });
  const latest = answer && (await withReaskedVerdicts(answer));
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
    // One deal's failure must not stop the sweep: it is logged, and tomorrow's sweep tries again.
    await refreshAdvocacyForDeal({ dealId: key, now, surveyId: latest.get(key)?.id ?? null }).catch((error) => logError(error, { where: 'refreshAdvocacyForDeal', dealId: key }));
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
export async function refreshContactBudget({ contactId, now }: { contactId: string; now: Date }) {
  const advocates = await Advocate.find({ contactId }).select('_id accountId qualifies').lean();
  for (const a of advocates) {
    const status = await budgetStatus({ contactId, accountId: String(a.accountId), type: (a.qualifies?.[0] as CandidateType | undefined) ?? 'referral', now });
    await writeAdvocate(a._id, { budgetClearAt: status.clearAt }).catch((error) => logError(error, { where: 'refreshContactBudget' }));
  }
}
