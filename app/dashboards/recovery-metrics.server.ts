// The recovery rollups: what became of the promises buyers said were not kept (docs/work-queue.md,
// "Recovery figures"). One kind:
//
//   recovery.case  dims { cohort, segment, rep, csm, wave, category, scope }
//                  scope = 'promise' (a case about one promise) or 'overall' (an overall "No" or a
//                  low NPS); category only for promise cases; csm 'none' when the case has none.
//                  counts { opened, closed, delivered, wontDeliver, keptGain, ttrDays, d_le1 .. d_gt365 }
//
// opened is counted when a case opens (`recovery.opened`); closed, delivered / wontDeliver, and for
// a delivered case its time to recovery (days from opening to recovery: a sum for the mean and one
// histogram bucket for the median, edges DAY_BUCKETS) and keptGain (what recovering the promise
// adds to the promise-kept score: 1 for a promise judged "Not yet", 0.5 for "Partly") when it
// closes (`recovery.closed`). Each bump is named after the case and the step
// (`recovery:<case>:opened|closed`): an event recorded twice for the same case counts once.
// The rebuild recomputes every row from the cases with the same row function.
import type { Types } from 'mongoose';
import { RecoveryCase } from '#models/recovery-case';
import { DAY_BUCKETS, bucketOf } from '#app/journeys/journey.server';
import { bumpMetricRows, clearMetrics, cohortOf } from '#app/platform/metrics.server';

export const RECOVERY_METRIC = 'recovery.case';

/** Counter name of a time-to-recovery bucket ("d_le7", "d_gt365"). */
export const ttrBucket = (days: number) => `d_${bucketOf(days, DAY_BUCKETS)}`;

type CaseFacts = {
  _id: unknown;
  trigger: string;
  promiseKey: string;
  category?: string | null;
  aeId: unknown;
  csmId?: unknown;
  segment: string;
  closedWonAt: Date;
  wave: number;
  status: string;
  openedAt: Date;
  closedAt?: Date | null;
  recoveredAt?: Date | null;
};
type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };

export function recoveryDims(c: CaseFacts): Record<string, string> {
  const scope = c.promiseKey === 'overall' ? 'overall' : 'promise';
  return {
    cohort: cohortOf(c.closedWonAt),
    segment: c.segment,
    rep: String(c.aeId),
    csm: c.csmId ? String(c.csmId) : 'none',
    wave: String(c.wave),
    scope,
    ...(scope === 'promise' && c.category ? { category: c.category } : {}),
  };
}

/** The row a case adds when it opens. */
export function openedRow(c: CaseFacts): MetricRow {
  return { kind: RECOVERY_METRIC, dims: recoveryDims(c), counts: { opened: 1 } };
}

/** The row a closed case adds when it closes (null while it is open). */
export function closedRow(c: CaseFacts): MetricRow | null {
  if (c.status !== 'delivered' && c.status !== 'wont_deliver') return null;
  if (c.status === 'wont_deliver') return { kind: RECOVERY_METRIC, dims: recoveryDims(c), counts: { closed: 1, wontDeliver: 1 } };
  const recovered = c.recoveredAt ?? c.closedAt ?? c.openedAt;
  const days = Math.max(0, (recovered.getTime() - c.openedAt.getTime()) / 86_400_000);
  const keptGain = c.trigger === 'promise_not_yet' ? 1 : c.trigger === 'promise_partly' ? 0.5 : 0;
  return {
    kind: RECOVERY_METRIC,
    dims: recoveryDims(c),
    counts: { closed: 1, delivered: 1, keptGain, ttrDays: Math.round(days * 1000) / 1000, [ttrBucket(days)]: 1 },
  };
}

const CASE_FIELDS = 'trigger promiseKey category aeId csmId segment closedWonAt wave status openedAt closedAt recoveredAt';

/** Counts a case's opening, once per case whatever the number of calls. */
export async function countCaseOpened(caseId: string | Types.ObjectId) {
  const c = await RecoveryCase.findById(caseId).select(CASE_FIELDS).lean();
  if (!c) return { counted: false };
  await bumpMetricRows([openedRow(c)], { once: `recovery:${String(caseId)}:opened` });
  return { counted: true };
}

/** Counts a case's closing (delivered or won't deliver), once per case. */
export async function countCaseClosed(caseId: string | Types.ObjectId) {
  const c = await RecoveryCase.findById(caseId).select(CASE_FIELDS).lean();
  const row = c ? closedRow(c) : null;
  if (!row) return { counted: false };
  await bumpMetricRows([row], { once: `recovery:${String(caseId)}:closed` });
  return { counted: true };
}

/** Recomputes the recovery rollups from every case (the nightly rebuild, `npm run metrics:rebuild`). */
export async function rebuildRecoveryMetrics() {
  const rows: MetricRow[] = [];
  let cases = 0;
  for await (const c of RecoveryCase.find({}).select(CASE_FIELDS).lean().cursor({ batchSize: 1000 })) {
    cases++;
    rows.push(openedRow(c));
    const closed = closedRow(c);
    if (closed) rows.push(closed);
  }
  await clearMetrics(RECOVERY_METRIC);
  await bumpMetricRows(rows);
  return { cases };
}
