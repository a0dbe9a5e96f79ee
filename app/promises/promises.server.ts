// Sales' view of their promises (`/promises`): every promise a rep made (from their deals), its
// latest verdict, its open recovery case, the rep's promise-kept rate and the categories they keep
// least. Leadership and admin see every rep's, or one rep's (filter). See docs/work-queue.md.
import type { Types } from 'mongoose';
import { Deal } from '#models/deal';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { promiseVerdictSources } from '#app/recovery/reask-answer.server';
import { latestVerdict } from '#app/recovery/reask-rules';
import { openCases } from '#app/work/work.server';
import { keptRate, PROMISES_PER_PAGE, VERDICT_ORDER, type PromisesQuery, type Verdict } from '#app/promises/promise-rules';
import { accountNamesById } from '#app/accounts/accounts.server';

export type LatestVerdict = { verdict: Verdict; at: Date; wave: number; comment: string; surveyId: string; source: 'survey' | 'reask' };

/**
 * The latest verdict on each promise of these deals, by promise id: the buyer's most recent answer
 * that judged it, in a value survey or in the re-ask of that one promise (docs/reask.md): a buyer who
 * answered "Delivered" to the re-ask after "Not yet" in the survey has "Delivered" as latest.
 */
export async function latestVerdicts(dealIds: (string | Types.ObjectId)[]): Promise<Map<string, LatestVerdict>> {
  const latest = new Map<string, LatestVerdict>();
  for (const list of (await promiseVerdictSources(dealIds)).values()) {
    const v = latestVerdict(list);
    if (v) latest.set(v.promiseId, { verdict: v.verdict as Verdict, at: v.at, wave: v.wave, comment: v.comment, surveyId: v.surveyId, source: v.source });
  }
  return latest;
}

/** Whose promises a user sees: a rep their own; leadership and admin the rep they chose, or everyone's (null). */
export function promisesOwner(user: SessionUser, query: Pick<PromisesQuery, 'rep'>): string | null {
  return user.role === 'sales' ? user.id : (query.rep ?? null);
}

export async function listRepPromises({ user, query }: { user: SessionUser; query: PromisesQuery }) {
  const rep = promisesOwner(user, query);
  const deals = await Deal.find(rep ? { aeId: rep } : {})
    .select('name accountId aeId closedWonAt arr currency promises')
    .lean();
  const [verdicts, cases, accounts] = await Promise.all([latestVerdicts(deals.map((d) => d._id)), openCases({ aeId: rep }), accountNamesById(deals.map((d) => d.accountId))]);
  const caseOf = new Map(cases.map((c) => [`${c.dealId}|${c.promiseKey}`, { id: c.id, status: c.status }]));
  const rows = deals.flatMap((d) =>
    d.promises.map((p) => {
      const v = verdicts.get(String(p._id));
      return {
        id: String(p._id),
        text: p.text,
        successCriterion: p.successCriterion,
        category: p.category,
        dealId: String(d._id),
        dealName: d.name,
        accountId: String(d.accountId),
        accountName: accounts.get(String(d.accountId)) ?? '',
        aeId: String(d.aeId),
        closedWonAt: d.closedWonAt.toISOString(),
        verdict: v?.verdict ?? null,
        verdictAt: v?.at.toISOString() ?? null,
        verdictWave: v?.wave ?? null,
        verdictSource: v?.source ?? null,
        buyerComment: v?.comment ?? '',
        recoveryCase: caseOf.get(`${String(d._id)}|${String(p._id)}`) ?? null,
      };
    }),
  );

  const rate = keptRate(rows.map((r) => r.verdict));
  const byCategory = new Map<string, (Verdict | null)[]>();
  for (const r of rows) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r.verdict]);
  const categories = [...byCategory]
    .map(([category, vs]) => ({ category, promises: vs.length, judged: vs.filter(Boolean).length, notYet: vs.filter((v) => v === 'not_yet').length, rate: keptRate(vs) }))
    // Kept least first; categories nobody judged yet last.
    .sort((a, b) => (a.rate ?? 2) - (b.rate ?? 2) || b.judged - a.judged || a.category.localeCompare(b.category));

  const cmp = (a: (typeof rows)[number], b: (typeof rows)[number]) => {
    switch (query.sort) {
      case 'verdict':
        return VERDICT_ORDER[a.verdict ?? 'none'] - VERDICT_ORDER[b.verdict ?? 'none'] || b.closedWonAt.localeCompare(a.closedWonAt);
      case 'category':
        return a.category.localeCompare(b.category) || b.closedWonAt.localeCompare(a.closedWonAt);
      case 'account':
        return a.accountName.localeCompare(b.accountName) || b.closedWonAt.localeCompare(a.closedWonAt);
      default:
        return b.closedWonAt.localeCompare(a.closedWonAt);
    }
  };
  rows.sort((a, b) => cmp(a, b) || a.id.localeCompare(b.id));
  const pages = Math.max(1, Math.ceil(rows.length / PROMISES_PER_PAGE));
  const page = Math.min(query.page, pages);
  const shown = rows.slice((page - 1) * PROMISES_PER_PAGE, page * PROMISES_PER_PAGE);
  const reps = user.role === 'sales' ? [] : await User.find({ role: 'sales' }).select('name active').sort({ name: 1 }).lean();
  const repNames = new Map(reps.map((u) => [String(u._id), u.name]));
  return {
    rep,
    repName: rep ? (user.role === 'sales' ? user.name : (repNames.get(rep) ?? null)) : null,
    reps: reps.map((u) => ({ id: String(u._id), name: u.name + (u.active === false ? ' (inactive)' : '') })),
    summary: {
      promises: rows.length,
      judged: rows.filter((r) => r.verdict).length,
      notYet: rows.filter((r) => r.verdict === 'not_yet').length,
      openCases: rows.filter((r) => r.recoveryCase).length,
      keptRate: rate,
    },
    categories,
    promises: shown.map((r) => ({ ...r, repName: rep ? null : (repNames.get(r.aeId) ?? '') })),
    total: rows.length,
    page,
    pages,
  };
}
