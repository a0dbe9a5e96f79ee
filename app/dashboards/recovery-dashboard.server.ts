// The recovery figures (`/dashboards/recovery`): from the `recovery.case` rollups
// (recovery-metrics.server.ts) and, for the promise-kept share after recovery, `survey.promise`.
// Formulas in docs/work-queue.md ("Recovery figures") and on the page.
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { readMetrics } from '#app/platform/metrics.server';
import { DAY_BUCKETS } from '#app/journeys/journey.server';
import { filterRows, pageQuery, requirePage, SURVEY_KINDS, type DashboardQuery } from '#app/dashboards/dashboards.server';
import { bucketNames, histogramQuantile, ratio, sumCounts, type Counts } from '#app/dashboards/metrics-math';
import type { DashboardTable, TableRow } from '#app/dashboards/dashboard-table';
import { RECOVERY_METRIC } from '#app/dashboards/recovery-metrics.server';
import { CATEGORY_LABELS } from '#app/utils/format';

type Row = { dims: Record<string, string>; counts: Counts };

/** The time-to-recovery histogram of some counts, under the bucket names histogramQuantile reads. */
function ttrHistogram(c: Counts): Counts {
  return Object.fromEntries(bucketNames(DAY_BUCKETS).map((name) => [name, c[`d_${name}`] ?? 0]));
}

const r1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/** The headline figures of some recovery rows. */
export function recoveryFigures(c: Counts, promiseCounts: Counts) {
  const median = histogramQuantile(ttrHistogram(c), DAY_BUCKETS, 0.5);
  return {
    opened: c.opened ?? 0,
    closed: c.closed ?? 0,
    delivered: c.delivered ?? 0,
    wontDeliver: c.wontDeliver ?? 0,
    /** Recovery rate: cases delivered / cases closed. */
    recoveryRate: ratio(c.delivered ?? 0, c.closed ?? 0),
    medianDays: median ? r1(median.value) : null,
    medianOpen: median?.open ?? false,
    meanDays: r1(ratio(c.ttrDays ?? 0, c.delivered ?? 0)),
    /** Promises recovered / promises broken (promise cases delivered / promise cases opened). */
    promisesBroken: promiseCounts.opened ?? 0,
    promisesRecovered: promiseCounts.delivered ?? 0,
    recoveredShare: ratio(promiseCounts.delivered ?? 0, promiseCounts.opened ?? 0),
  };
}

function groupBy(rows: readonly Row[], dim: string) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = r.dims[dim];
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups].map(([k, list]) => ({ key: k, rows: list }));
}

async function names(ids: string[]) {
  const list = ids.filter((id) => /^[a-f0-9]{24}$/i.test(id));
  if (!list.length) return new Map<string, string>();
  const users = await User.find({ _id: trusted({ $in: list }) })
    .select('name')
    .lean();
  return new Map(users.map((u) => [String(u._id), u.name]));
}

export const RECOVERY_CHARTS = ['recovery-by-rep', 'recovery-by-csm', 'recovery-by-category', 'recovery-by-cohort'] as const;

const COLUMNS: DashboardTable['columns'] = [
  { key: 'group', label: '', kind: 'text' },
  { key: 'opened', label: 'Cases opened', kind: 'int' },
  { key: 'closed', label: 'Closed', kind: 'int' },
  { key: 'delivered', label: 'Delivered', kind: 'int' },
  { key: 'rate', label: 'Recovery rate', kind: 'pct' },
  { key: 'median', label: 'Median days to recovery', kind: 'days' },
  { key: 'recovered', label: 'Promises recovered', kind: 'pct' },
];

/** The recovery page: headline figures, the promise-kept share before and after recovery, and the breakdowns. */
export async function getRecoveryDashboard({ user, query }: { user: SessionUser; query: DashboardQuery }) {
  requirePage(user, 'recovery');
  const q = pageQuery(user, query, 'recovery');
  const [allCases, allPromises] = await Promise.all([readMetrics(RECOVERY_METRIC), readMetrics(SURVEY_KINDS.promise)]);
  const cases = filterRows(allCases, q);
  const promiseCases = cases.filter((r) => r.dims.scope === 'promise');
  const summary = recoveryFigures(sumCounts(cases), sumCounts(promiseCases));

  // Promise kept, as answered and after recovery: the answers know no CSM, so both leave that filter out.
  const noCsm = { ...q, csm: undefined };
  const judged = sumCounts(filterRows(allPromises, noCsm));
  const gain = sumCounts(filterRows(allCases, noCsm).filter((r) => r.dims.scope === 'promise')).keptGain ?? 0;
  const kept = {
    promises: judged.promises ?? 0,
    original: ratio(judged.keptScore ?? 0, judged.promises ?? 0),
    afterRecovery: ratio((judged.keptScore ?? 0) + gain, judged.promises ?? 0),
    csmIgnored: Boolean(q.csm),
  };

  const people = await names([...new Set(cases.flatMap((r) => [r.dims.rep, r.dims.csm]).filter(Boolean))]);
  const table = (id: (typeof RECOVERY_CHARTS)[number], title: string, dim: string, label: string, nameOf: (k: string) => string): DashboardTable => {
    const rows: TableRow[] = groupBy(cases, dim)
      .map(({ key, rows }) => {
        const f = recoveryFigures(sumCounts(rows), sumCounts(rows.filter((r) => r.dims.scope === 'promise')));
        return { group: nameOf(key), opened: f.opened, closed: f.closed, delivered: f.delivered, rate: f.recoveryRate, median: f.medianDays, recovered: f.recoveredShare };
      })
      .sort((a, b) => String(a.group).localeCompare(String(b.group)));
    return { id, title, columns: COLUMNS.map((c) => (c.key === 'group' ? { ...c, label } : c)), rows };
  };
  const tables = {
    'recovery-by-rep': table('recovery-by-rep', 'Recovery by rep who made the promise', 'rep', 'Rep', (k) => people.get(k) ?? 'Unknown rep'),
    'recovery-by-csm': table('recovery-by-csm', 'Recovery by CSM', 'csm', 'CSM', (k) => (k === 'none' ? 'No CSM' : (people.get(k) ?? 'Unknown CSM'))),
    'recovery-by-category': table('recovery-by-category', 'Recovery by promise category', 'category', 'Category', (k) => CATEGORY_LABELS[k] ?? k),
    'recovery-by-cohort': table('recovery-by-cohort', 'Recovery by closed-won cohort', 'cohort', 'Cohort', (k) => k),
  } satisfies Record<(typeof RECOVERY_CHARTS)[number], DashboardTable>;
  return { query: q, summary, kept, tables, empty: allCases.length === 0 };
}
