// Figures and exports. The three advocacy rollups (bumpMetric / readMetrics; rebuildAdvocacyMetrics()
// recomputes all three from the Advocate, Ask and Referral documents):
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
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Deal } from '#models/deal';
import { Referral } from '#models/referral';
import { trusted } from '#app/platform/db.server';
import { askCounters, csvRow } from '#app/advocacy/advocacy-rules.server';
import { bumpMetric, clearMetrics, readMetrics } from '#app/platform/metrics.server';
import { ASK_TYPES, type AskStatus, REVIEW_PLATFORMS } from '#app/advocacy/advocacy-types';
import { logError } from '#app/utils/log.server';
import { idOf } from '#app/utils/ids.server';
import { ADVOCACY_METRICS, namesOf } from '#app/advocacy/shared.server';
import { candidateFlags } from '#app/advocacy/advocates.server';
import { askDims, everAccepted } from '#app/advocacy/asks.server';
import { referralDims } from '#app/advocacy/referrals.server';

type Row = { dims: Record<string, string>; counts: Record<string, number> };
const sumBy = (rows: Row[], dim: string, counter: string) => {
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.dims[dim] ?? '', (out.get(r.dims[dim] ?? '') ?? 0) + (r.counts[counter] ?? 0));
  return out;
};

/** The marketing dashboard's advocacy figures, from the rollups (plus names for the top rows). */
export async function getAdvocacyFigures({ top = 10 }: { top?: number } = {}) {
  const [candidates, asks, referrals] = await Promise.all([readMetrics(ADVOCACY_METRICS.candidate), readMetrics(ADVOCACY_METRICS.ask), readMetrics(ADVOCACY_METRICS.referral)]);
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
    Advocate.find({ _id: trusted({ $in: byAdvocate.map((g) => g.id) }) })
      .select('contactName accountName')
      .lean(),
    Deal.find({ _id: trusted({ $in: byOrigin.map((g) => g.id) }) })
      .select('name')
      .lean(),
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
    candidates: {
      referral: candidateCounts.get('referral') ?? 0,
      reference: candidateCounts.get('reference') ?? 0,
      case_study: candidateCounts.get('case_study') ?? 0,
      expansion: candidateCounts.get('expansion') ?? 0,
    },
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
  const cursor = Advocate.find({ current: true, qualifies: trusted({ $ne: [] }) })
    .sort({ rank: -1, _id: 1 })
    .lean()
    .cursor({ batchSize: 500 });
  return csvStream(
    [
      'advocate_id',
      'contact',
      'email',
      'account',
      'origin_deal_id',
      'origin_deal',
      'rep_id',
      'nps',
      'value_delivered',
      'promises_kept',
      'promises_total',
      'qualifies_for',
      'next_available',
      'rank',
      'answered_at',
    ],
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
    [
      'ask_id',
      'type',
      'channel',
      'status',
      'contact',
      'email',
      'account',
      'origin_deal_id',
      'rep_id',
      'platform',
      'incentive',
      'sent_at',
      'due_by',
      'responded_at',
      'completed_at',
      'review_url',
      'reference_date',
      'case_study_url',
      'referred_company',
      'referral_id',
      'created_by',
    ],
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

/**
 * Recomputes the three advocacy rollups from the Advocate, Ask and Referral documents (clear,
 * then bump): the proof that they are only a cache, and the repair after a crash mid-step.
 */
export async function rebuildAdvocacyMetrics() {
  const totals = new Map<string, { kind: string; dims: Record<string, string | undefined>; counts: Record<string, number> }>();
  const add = (kind: string, dims: Record<string, string | undefined>, counts: Record<string, number>) => {
    const key = `${kind}|${JSON.stringify(
      Object.entries(dims)
        .filter(([, v]) => v !== undefined)
        .sort(),
    )}`;
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
    add(ADVOCACY_METRICS.referral, referralDims(r, r.currency ?? 'USD'), { referrals: 1, open: open ? 1 : 0, pipeline: open ? (r.estimatedArr ?? 0) : 0 });
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
