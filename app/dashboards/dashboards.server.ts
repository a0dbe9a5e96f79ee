// Leadership dashboards: value delivered, promise kept, time to live, conversion and forecast,
// profitability by cohort. Every figure comes from the `metrics` rollups (readMetrics), never from
// scanning surveys, journeys or deals on page load; the arithmetic is in app/dashboards/metrics-math.ts.
// The two live reads are indexed and bounded: stalled journeys now (stalledAt index, counts and a
// top-10) and the answers behind a promise-kept figure (drill-down, one page of 25).
//
// Role scoping (docs/product-rules.md, "Who uses it"), applied to the filters before any row is read:
//   leadership, admin  everything, any filter
//   sales              value and profitability pages, rep forced to themself
//   cs                 time-to-live and forecast pages, csm forced to themself (their book)
//   marketing          the overview, which links to the advocacy figures
import { z } from 'zod';
import { SEGMENTS } from '#models/account';
import { CohortSpend } from '#models/cohort-spend';
import { DashboardSettings } from '#models/dashboard-settings';
import { Account } from '#models/account';
import { Journey } from '#models/journey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { DEAL_METRICS } from '#app/deals/deal-metrics.server';
import { BACKTEST_MONTHS, FORECAST_HORIZONS, FORECAST_METRICS } from '#app/dashboards/forecast.server';
import { DAY_BUCKETS, HOUR_BUCKETS, journeyBoardIndex, playbookFilter } from '#app/journeys/journey.server';
import { metricIndex, readMetrics } from '#app/platform/metrics.server';
import { VersionedCache } from '#app/platform/read-index.server';
import { getCurrentPlaybook, listPlaybooks } from '#app/journeys/playbook.server';
import { DEFAULT_PLAYBOOK_KEY, playbookKeyOf } from '#app/journeys/playbook-rules';
import { FEW_ANSWERS, canOpen, filtersByPlaybook, forecastSentence, type DashboardPage } from '#app/dashboards/dashboard-pages';
import { CATEGORY_LABELS, plural, SEGMENT_LABELS } from '#app/utils/format';
import { log } from '#app/utils/log.server';
import type { ChartId, DashboardTable, TableRow } from '#app/dashboards/dashboard-table';
import { moneyField } from '#app/utils/money';
import {
  cohortInRange,
  cohortMoneyCounts,
  cohortProfitability,
  epochDays,
  histogramQuantile,
  promiseKept,
  quarterOf,
  ratio,
  responseRate,
  sumCounts,
  targetStatus,
  valueDelivered,
  type Counts,
  type TargetStatus,
} from '#app/dashboards/metrics-math';

// Rollup kinds written by the survey service (app/surveys/surveys.server.ts, documented there).
export const SURVEY_KINDS = { answer: 'survey.answer', promise: 'survey.promise', funnel: 'survey.funnel', quarter: 'survey.quarter' } as const;

const DAY_MS = 86_400_000;
const OBJECT_ID = /^[a-f0-9]{24}$/i;

// ---------------------------------------------------------------------------------------------
// Pages and who may open them (app/dashboards/dashboard-pages.ts)

/** Which page each chart belongs to (the CSV route answers with that page's access rules). */
export const CHART_PAGE: Record<ChartId, DashboardPage> = {
  'value-by-wave': 'value',
  'value-by-cohort': 'value',
  'value-by-rep': 'value',
  'value-by-segment': 'value',
  'promise-by-category': 'value',
  'promise-by-rep': 'value',
  'ttl-by-cohort': 'time-to-live',
  'stage-time': 'time-to-live',
  'reaction-by-cohort': 'time-to-live',
  'stalled-age': 'time-to-live',
  'stalled-longest': 'time-to-live',
  'conversion-by-cohort': 'forecast',
  'forecast-by-stage': 'forecast',
  backtest: 'forecast',
  'profitability-by-cohort': 'profitability',
  'ltv-cac-by-cohort': 'profitability',
  'payback-by-cohort': 'profitability',
  'recovery-by-rep': 'recovery',
  'recovery-by-csm': 'recovery',
  'recovery-by-category': 'recovery',
  'recovery-by-cohort': 'recovery',
};

/** 403 unless the role may open the page. */
export function requirePage(user: SessionUser, page: DashboardPage) {
  if (!canOpen(user.role, page)) throw new Response(`Your role (${user.role}) cannot open this dashboard.`, { status: 403, statusText: 'Forbidden' });
}

// ---------------------------------------------------------------------------------------------
// Filters (URL query string)

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)));

/** The dashboard filters as they appear in the URL; anything malformed is dropped, never a 500. */
export const DashboardQuerySchema = z.object({
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  segment: z.enum(SEGMENTS).optional().catch(undefined),
  rep: z.string().regex(OBJECT_ID).optional().catch(undefined),
  csm: z
    .union([z.string().regex(OBJECT_ID), z.literal('none')])
    .optional()
    .catch(undefined),
  cohort: z
    .string()
    .regex(/^\d{4}Q[1-4]$/)
    .optional()
    .catch(undefined),
  wave: z.enum(['6', '9', '12']).optional().catch(undefined),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .catch(undefined),
  /** A playbook key (docs/playbooks.md); parseDashboardQuery also drops one no playbook has. */
  playbook: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .optional()
    .catch(undefined),
});
export type DashboardQuery = z.infer<typeof DashboardQuerySchema>;

/** The filters of a dashboard URL; a malformed one, or a playbook key no playbook has, is dropped. */
export async function parseDashboardQuery(url: URL): Promise<DashboardQuery> {
  const query = DashboardQuerySchema.parse(Object.fromEntries(url.searchParams));
  return query.playbook ? knownPlaybook(query, await listPlaybooks()) : query;
}

/** The query without its playbook filter unless one of `playbooks` has that key (an unknown key is dropped like any malformed filter). */
function knownPlaybook(query: DashboardQuery, playbooks: readonly { key: string }[]): DashboardQuery {
  return !query.playbook || playbooks.some((p) => p.key === query.playbook) ? query : { ...query, playbook: undefined };
}

/** The filters a user may use: a sales rep always sees their own deals, CS their own book. */
export function scopeQuery(user: SessionUser, query: DashboardQuery): DashboardQuery {
  if (user.role === 'sales') return { ...query, rep: user.id, csm: undefined };
  if (user.role === 'cs') return { ...query, csm: user.id, rep: undefined };
  return query;
}

/**
 * The filters of one page for a user (scopeQuery): a page whose figures are not kept per playbook
 * drops the playbook filter, so its figures, links and CSV never claim one (the page says so).
 */
export function pageQuery(user: SessionUser, query: DashboardQuery, page: DashboardPage | 'overview'): DashboardQuery {
  const q = scopeQuery(user, query);
  return filtersByPlaybook(page) ? q : { ...q, playbook: undefined };
}

/** The cohort range the date range selects: quarters from the one holding `from` to the one holding `to`. */
function cohortBounds(q: DashboardQuery) {
  const from = q.from ? quarterOf(new Date(`${q.from}T00:00:00Z`)) : null;
  const to = q.to ? quarterOf(new Date(`${q.to}T00:00:00Z`)) : null;
  return { from: q.cohort ?? from, to: q.cohort ?? to };
}

function cohortStart(cohort: string) {
  const [y, q] = cohort.split('Q').map(Number);
  return new Date(Date.UTC(y, (q - 1) * 3, 1));
}

/** The closed-won instants the cohort range selects: from its first quarter's first day to before the day after its last quarter (null: open). */
function closedWonWindow(q: DashboardQuery) {
  const bounds = cohortBounds(q);
  const last = bounds.to ? cohortStart(bounds.to) : null;
  return { from: bounds.from ? cohortStart(bounds.from) : null, until: last ? new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 3, 1)) : null };
}

/** closedWonWindow as a filter on live documents (journeys, survey answers); empty without a cohort range. */
function closedWonFilter(q: DashboardQuery): Record<string, unknown> {
  const { from, until } = closedWonWindow(q);
  if (!from && !until) return {};
  return { closedWonAt: trusted({ ...(from ? { $gte: from } : {}), ...(until ? { $lt: until } : {}) }) };
}

type Row = { dims: Record<string, string>; counts: Counts };

/**
 * Keeps the rollup rows matching the filters (a filter on a dimension a kind lacks is ignored for
 * it). The playbook is the exception: a journey rollup without it was written before there were
 * several playbooks, so it is the default playbook's (like a journey without a key, playbookKeyOf);
 * pages whose kinds never carry it drop the filter first (pageQuery).
 */
export function filterRows(rows: readonly Row[], q: DashboardQuery) {
  const bounds = cohortBounds(q);
  const wanted: [string, string | undefined][] = [
    ['segment', q.segment],
    ['rep', q.rep],
    ['csm', q.csm],
    ['wave', q.wave],
  ];
  return rows.filter((r) => {
    for (const [dim, value] of wanted) if (value !== undefined && dim in r.dims && r.dims[dim] !== value) return false;
    if ((bounds.from || bounds.to) && r.dims.cohort !== undefined && !cohortInRange(r.dims.cohort, bounds.from, bounds.to)) return false;
    if (q.playbook && playbookKeyOf(r.dims.playbook) !== q.playbook) return false;
    return true;
  });
}

/** The rollup rows of each kind: all of them, and those the filters keep. */
async function readFiltered(q: DashboardQuery, kinds: readonly string[]) {
  const read = await Promise.all(kinds.map((kind) => readMetrics(kind)));
  return read.map((all) => ({ all, rows: filterRows(all, q) }));
}

function groupBy(rows: readonly Row[], dim: string) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = r.dims[dim] ?? '';
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return new Map([...groups].map(([k, list]) => [k, sumCounts(list)]));
}

const byKey = <T>(a: [string, T], b: [string, T]) => a[0].localeCompare(b[0]);
const r1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

// Figures computed from the rollups, kept per rollup-index version (any rollup change starts
// afresh) and key (page, scoped filters, the settings or playbook version they used) for at most a
// minute, so a renamed user shows within a minute too. Recomputing them from thousands of rollup
// rows on every view was most of the leadership dashboard's time at 100k accounts. Only with the
// rollups in memory (READ_INDEX, docs/decisions/0005); otherwise every view computes.
const FIGURES_TTL_MS = 60_000;
const figuresCache = new VersionedCache<{ value: unknown; at: number }>();
async function fromRollups<T>(key: unknown[], compute: () => Promise<T>): Promise<T> {
  const cached = async () => {
    const version = metricIndex.version;
    const k = JSON.stringify(key);
    const hit = figuresCache.get(version, k);
    if (hit && Date.now() - hit.at < FIGURES_TTL_MS) return hit.value as T;
    const value = await compute();
    // Only if no rollup changed meanwhile: the figures then match this version.
    if (metricIndex.version === version) figuresCache.set(version, k, { value, at: Date.now() });
    return value;
  };
  return metricIndex.answer({ fromMemory: cached, fromDatabase: compute });
}

async function userNames(ids: Iterable<string>) {
  const list = [...new Set([...ids].filter((id) => OBJECT_ID.test(id)))];
  if (!list.length) return new Map<string, string>();
  const users = await User.find({ _id: trusted({ $in: list }) })
    .select('name')
    .lean();
  return new Map(users.map((u) => [String(u._id), u.name]));
}

/** Query string of the filters (for links and CSV downloads that keep the view). */
export function queryString(q: DashboardQuery, extra: Record<string, string | undefined> = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Reps and CSMs for the filter menus (only for roles that may choose them), and every playbook (any role: CS filter their book by it). */
export async function listFilterOptions(user: SessionUser) {
  const playbooks = (await listPlaybooks()).map((p) => ({ id: p.key, name: p.name }));
  if (user.role !== 'admin' && user.role !== 'leadership') return { reps: [], csms: [], playbooks };
  const users = await User.find({ role: trusted({ $in: ['cs', 'sales'] }) })
    .select('name role active')
    .sort({ name: 1 })
    .lean();
  const label = (u: { name: string; active?: boolean | null }) => u.name + (u.active === false ? ' (inactive)' : '');
  return {
    reps: users.filter((u) => u.role === 'sales').map((u) => ({ id: String(u._id), name: label(u) })),
    csms: users.filter((u) => u.role === 'cs').map((u) => ({ id: String(u._id), name: label(u) })),
    playbooks,
  };
}

// ---------------------------------------------------------------------------------------------
// Settings and spend

export const DEFAULT_DASHBOARD_SETTINGS = { valueFloorPct: 80, valueTargetPct: 85, defaultGrossMarginPct: null as number | null, lifetimeCapMonths: 60 };
export type DashboardSettingsView = typeof DEFAULT_DASHBOARD_SETTINGS;

/** The floor and target of value delivered, the default margin and the lifetime cap (defaults filled in). */
export async function getDashboardSettings(): Promise<DashboardSettingsView> {
  const doc = await DashboardSettings.findById('dashboards').lean();
  return {
    valueFloorPct: doc?.valueFloorPct ?? DEFAULT_DASHBOARD_SETTINGS.valueFloorPct,
    valueTargetPct: doc?.valueTargetPct ?? DEFAULT_DASHBOARD_SETTINGS.valueTargetPct,
    defaultGrossMarginPct: doc?.defaultGrossMarginPct ?? DEFAULT_DASHBOARD_SETTINGS.defaultGrossMarginPct,
    lifetimeCapMonths: doc?.lifetimeCapMonths ?? DEFAULT_DASHBOARD_SETTINGS.lifetimeCapMonths,
  };
}

const pctField = (label: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${label}.`)
    .transform((v) => Number(v.replace(/[%\s]/g, '')))
    .pipe(
      z
        .number({ error: `Enter the ${label} as a number.` })
        .min(0, `The ${label} cannot be negative.`)
        .max(100, `The ${label} is at most 100 %.`),
    );

export const SettingsFormSchema = z
  .object({
    valueFloorPct: pctField('floor'),
    valueTargetPct: pctField('target'),
    defaultGrossMarginPct: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? Number(v.replace(/[%\s]/g, '')) : null))
      .pipe(z.number({ error: 'Enter the default gross margin as a number.' }).min(0, 'The margin cannot be negative.').max(100, 'The margin is at most 100 %.').nullable()),
    lifetimeCapMonths: z
      .string()
      .trim()
      .min(1, 'Enter the lifetime cap.')
      .transform(Number)
      .pipe(z.number({ error: 'Enter the lifetime cap as a number of months.' }).int('Use whole months.').min(1, 'At least one month.').max(240, 'At most 240 months.')),
  })
  .refine((v) => v.valueFloorPct <= v.valueTargetPct, { path: ['valueTargetPct'], message: 'The target cannot be below the floor.' });

export const SpendFormSchema = z.object({
  quarter: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^\d{4}Q[1-4]$/, 'Enter the quarter as YYYYQn, e.g. 2026Q1.'),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'Enter a three-letter currency code such as USD.'),
  amount: moneyField({ label: 'amount spent', max: 1e12 }),
  note: z.string().trim().max(300).optional().default(''),
});

function requireAdmin(user: SessionUser) {
  if (user.role !== 'admin') throw new Response('Only an admin can change dashboard settings and spend.', { status: 403 });
}

/** Saves the thresholds and profitability assumptions (admin). */
export async function saveDashboardSettings({ user, input }: { user: SessionUser; input: z.infer<typeof SettingsFormSchema> }) {
  requireAdmin(user);
  await DashboardSettings.updateOne(
    { _id: 'dashboards' },
    {
      $set: {
        valueFloorPct: input.valueFloorPct,
        valueTargetPct: input.valueTargetPct,
        defaultGrossMarginPct: input.defaultGrossMarginPct,
        lifetimeCapMonths: input.lifetimeCapMonths,
        updatedById: user.id,
      },
    },
    { upsert: true, runValidators: true },
  );
}

/** Records (or replaces) one quarter's sales-and-marketing spend in one currency (admin). */
export async function saveCohortSpend({ user, input }: { user: SessionUser; input: z.infer<typeof SpendFormSchema> }) {
  requireAdmin(user);
  await CohortSpend.updateOne(
    { _id: `${input.quarter}:${input.currency}` },
    { $set: { quarter: input.quarter, currency: input.currency, amount: input.amount, note: input.note, updatedById: user.id, updatedByName: user.name } },
    { upsert: true, runValidators: true },
  );
}

/** Removes one quarter's spend entry (admin). */
export async function deleteCohortSpend({ user, id }: { user: SessionUser; id: string }) {
  requireAdmin(user);
  if (!/^\d{4}Q[1-4]:[A-Z]{3}$/.test(id)) return false;
  return (await CohortSpend.deleteOne({ _id: id })).deletedCount === 1;
}

/** Every spend entry, newest quarter first. */
export async function listCohortSpend() {
  const rows = await CohortSpend.find({}).select('quarter currency amount note updatedByName updatedAt').sort({ quarter: -1, currency: 1 }).lean();
  return rows.map((r) => ({
    id: String(r._id),
    quarter: r.quarter,
    currency: r.currency,
    amount: r.amount,
    note: r.note ?? '',
    updatedByName: r.updatedByName ?? '',
    updatedAt: r.updatedAt ? r.updatedAt.toISOString() : null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Value delivered and promise kept

type ValueGroup = { key: string; label: string; href?: string };

/**
 * A response rate as shown: answered / invited. Above 100 % the rollups hold an answer to a
 * survey never invited, which the data never should (docs/figures.md, the invariants test): the
 * page shows no figure rather than an impossible one, and the log says where to look.
 */
function shownResponseRate(funnel: Counts, where: string) {
  const rate = responseRate(funnel);
  if (rate !== null && rate > 1) {
    log('error', 'Response rate above 100 %: answers counted for surveys never invited', { where, answered: funnel.answered ?? 0, invited: funnel.invited ?? 0 });
    return null;
  }
  return rate;
}

function valueRow(g: ValueGroup, answers: Counts, funnel: Counts, floor: number, target: number): TableRow {
  const v = valueDelivered(answers);
  const status = targetStatus(v.share, floor, target);
  return {
    group: g.label,
    answered: v.answered,
    invited: funnel.invited ?? 0,
    responseRate: shownResponseRate(funnel, g.label),
    share: v.share,
    score: v.score,
    status: STATUS_LABELS[status],
    ...(v.answered > 0 && v.answered < FEW_ANSWERS ? { _flag: `only ${v.answered} answer${v.answered === 1 ? '' : 's'}` } : {}),
  };
}

export const STATUS_LABELS: Record<TargetStatus, string> = { 'no-data': 'No answers', 'below-floor': 'Below floor', 'below-target': 'Below target', 'on-target': 'On target' };

const VALUE_COLUMNS = (first: string) => [
  { key: 'group', label: first, kind: 'text' as const },
  { key: 'share', label: 'Value delivered %', kind: 'pct' as const },
  { key: 'score', label: 'With partial credit %', kind: 'pct' as const },
  { key: 'answered', label: 'Answered', kind: 'int' as const },
  { key: 'invited', label: 'Invited', kind: 'int' as const },
  { key: 'responseRate', label: 'Response rate %', kind: 'pct' as const },
  { key: 'status', label: 'Against target', kind: 'text' as const },
];

const PROMISE_COLUMNS = (first: string) => [
  { key: 'group', label: first, kind: 'text' as const },
  { key: 'rate', label: 'Promise kept %', kind: 'pct' as const },
  { key: 'promises', label: 'Promises judged', kind: 'int' as const },
  { key: 'delivered', label: 'Delivered', kind: 'int' as const },
  { key: 'partly', label: 'Partly', kind: 'int' as const },
  { key: 'notYet', label: 'Not yet', kind: 'int' as const },
];

function promiseRow(label: string, counts: Counts, href: string): TableRow {
  const p = promiseKept(counts);
  return { group: label, rate: p.rate, promises: p.promises, delivered: p.delivered, partly: p.partly, notYet: p.notYet, _href: href };
}

/** The value-delivered page: by wave, cohort (the trend), rep and segment; promise kept by category and rep. */
export async function getValueDashboard({ user, query, now = new Date() }: { user: SessionUser; query: DashboardQuery; now?: Date }) {
  requirePage(user, 'value');
  const q = pageQuery(user, query, 'value');
  const settings = await getDashboardSettings();
  return fromRollups(['value', q, settings, quarterOf(now)], () => computeValueDashboard(q, settings, now));
}

/** The `count` calendar quarters ending with the one holding `now`, oldest first (e.g. 2026Q1..2026Q4). */
export function lastQuarters(now: Date, count = 4) {
  return Array.from({ length: count }, (_, i) => quarterOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3 * (count - 1 - i), 1))));
}

/** Points between a share (fraction) and a line (percent): +2.5 = 2.5 points above it. */
const gapPoints = (share: number | null, linePct: number) => (share === null ? null : Math.round((share * 100 - linePct) * 10) / 10);

/**
 * The leadership headline (survey.quarter rollups, docs/figures.md): customers who say they got
 * the value promised (answers whose overall verdict is yes / answers) and promises kept (promise
 * verdicts, partly = half / promises judged), each with its gap in points to the floor and
 * target and its trend over the last four quarters by the quarter the answers came in; and the
 * ARR-weighted value share (ARR of the answers saying yes / ARR answered), in one currency.
 */
function valueHeadline(rows: Row[], q: DashboardQuery, settings: DashboardSettingsView, now: Date) {
  const floorPct = settings.valueFloorPct;
  const targetPct = settings.valueTargetPct;
  const quarters = lastQuarters(now);
  const byQuarter = groupBy(rows, 'quarter');
  const total = sumCounts(rows);
  const measure = (num: string, den: string) => {
    const share = ratio(total[num] ?? 0, total[den] ?? 0);
    const trend = quarters.map((quarter) => {
      const c = byQuarter.get(quarter) ?? {};
      return { quarter, share: ratio(c[num] ?? 0, c[den] ?? 0), n: c[den] ?? 0 };
    });
    return {
      share,
      n: total[den] ?? 0,
      status: targetStatus(share, floorPct / 100, targetPct / 100),
      gapToFloor: gapPoints(share, floorPct),
      gapToTarget: gapPoints(share, targetPct),
      trend,
    };
  };
  const byCurrency = [...groupBy(rows, 'currency')].filter(([, c]) => (c.arr ?? 0) > 0).sort((a, b) => (b[1].answered ?? 0) - (a[1].answered ?? 0) || a[0].localeCompare(b[0]));
  const chosen = byCurrency.find(([c]) => c === q.currency) ?? byCurrency[0];
  return {
    floorPct,
    targetPct,
    value: measure('valueYes', 'answered'),
    promises: measure('keptScore', 'promises'),
    arrWeighted: chosen
      ? {
          currency: chosen[0],
          share: ratio(chosen[1].arrYes ?? 0, chosen[1].arr ?? 0),
          arrAnswered: chosen[1].arr ?? 0,
          arrYes: chosen[1].arrYes ?? 0,
          // Answers in other currencies are not in this share (ARR is never summed across currencies).
          otherCurrencies: byCurrency.filter(([c]) => c !== chosen[0]).map(([c]) => c),
        }
      : null,
  };
}

async function computeValueDashboard(q: DashboardQuery, settings: DashboardSettingsView, now: Date) {
  const [{ rows: answers, all: answerRows }, { rows: promises }, { rows: funnel, all: funnelRows }, { rows: quarters }] = await readFiltered(q, [
    SURVEY_KINDS.answer,
    SURVEY_KINDS.promise,
    SURVEY_KINDS.funnel,
    SURVEY_KINDS.quarter,
  ]);
  const floor = settings.valueFloorPct / 100;
  const target = settings.valueTargetPct / 100;
  const names = await userNames([...answers, ...promises, ...funnel].map((r) => r.dims.rep));
  const repName = (id: string) => names.get(id) ?? 'former user';

  const table = (id: ChartId, title: string, dim: string, label: (k: string) => string, order: (a: [string, Counts], b: [string, Counts]) => number): DashboardTable => {
    const a = groupBy(answers, dim);
    const f = groupBy(funnel, dim);
    const keys = [...new Set([...a.keys(), ...f.keys()])].map((k) => [k, a.get(k) ?? {}] as [string, Counts]).sort(order);
    return {
      id,
      title,
      columns: VALUE_COLUMNS(title.replace(/^Value delivered by /, '').replace(/^./, (c) => c.toUpperCase())),
      rows: keys.map(([k]) => valueRow({ key: k, label: label(k) }, a.get(k) ?? {}, f.get(k) ?? {}, floor, target)),
    };
  };
  const byShareDesc = (a: [string, Counts], b: [string, Counts]) => valueDelivered(b[1]).answered - valueDelivered(a[1]).answered || a[0].localeCompare(b[0]);

  const drill = (extra: Record<string, string | undefined>) => `/dashboards/value/answers${queryString(q, extra)}`;
  const pc = groupBy(promises, 'category');
  const pr = groupBy(promises, 'rep');
  const tables = {
    'value-by-wave': table(
      'value-by-wave',
      'Value delivered by wave',
      'wave',
      (k) => `${k} months`,
      (a, b) => Number(a[0]) - Number(b[0]),
    ),
    'value-by-cohort': table('value-by-cohort', 'Value delivered by cohort', 'cohort', (k) => k, byKey),
    'value-by-rep': table('value-by-rep', 'Value delivered by rep', 'rep', repName, byShareDesc),
    'value-by-segment': table('value-by-segment', 'Value delivered by segment', 'segment', (k) => SEGMENT_LABELS[k] ?? k, byKey),
    'promise-by-category': {
      id: 'promise-by-category' as const,
      title: 'Promise kept by category',
      columns: PROMISE_COLUMNS('Category'),
      rows: [...pc].sort(byKey).map(([k, c]) => promiseRow(CATEGORY_LABELS[k] ?? k, c, drill({ category: k }))),
    },
    'promise-by-rep': {
      id: 'promise-by-rep' as const,
      title: 'Promise kept by rep',
      columns: PROMISE_COLUMNS('Rep'),
      rows: [...pr].sort((a, b) => repName(a[0]).localeCompare(repName(b[0]))).map(([k, c]) => promiseRow(repName(k), c, drill({ rep: k }))),
    },
  } satisfies Partial<Record<ChartId, DashboardTable>>;

  const total = valueDelivered(sumCounts(answers));
  const totalFunnel = sumCounts(funnel);
  const kept = promiseKept(sumCounts(promises));
  return {
    query: q,
    settings,
    summary: {
      answered: total.answered,
      share: total.share,
      score: total.score,
      status: targetStatus(total.share, floor, target),
      invited: totalFunnel.invited ?? 0,
      responseRate: shownResponseRate(totalFunnel, 'total'),
      promiseKept: kept.rate,
      promisesJudged: kept.promises,
    },
    headline: valueHeadline(quarters, q, settings, now),
    empty: answerRows.length === 0 && funnelRows.length === 0,
    tables,
  };
}

const AnswersQuerySchema = DashboardQuerySchema.extend({
  category: z
    .string()
    .regex(/^[a-z-]{2,40}$/)
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type AnswersQuery = z.infer<typeof AnswersQuerySchema>;
export const parseAnswersQuery = (url: URL): AnswersQuery => AnswersQuerySchema.parse(Object.fromEntries(url.searchParams));

const ANSWERS_PER_PAGE = 25;

/**
 * The answers behind a value or promise-kept figure (drill-down): one page of survey answers
 * matching the filters, newest first. Sales reps see only answers about their own deals.
 */
export async function listValueAnswers({ user, query }: { user: SessionUser; query: AnswersQuery }) {
  requirePage(user, 'value');
  const q = { ...query, ...pageQuery(user, query, 'value') };
  const filter: Record<string, unknown> = {};
  if (q.rep) filter.aeId = q.rep;
  if (q.segment) filter.segment = q.segment;
  if (q.wave) filter.wave = Number(q.wave);
  if (q.category) filter['promises.category'] = q.category;
  Object.assign(filter, closedWonFilter(q));
  const [rows, total] = await Promise.all([
    SurveyResponse.find(filter)
      .select('dealId accountId aeId wave segment closedWonAt answeredAt overall nps promises comment')
      .sort({ answeredAt: -1, _id: 1 })
      .skip((q.page - 1) * ANSWERS_PER_PAGE)
      .limit(ANSWERS_PER_PAGE)
      .lean(),
    SurveyResponse.countDocuments(filter),
  ]);
  const accounts = rows.length
    ? await Account.find({ _id: trusted({ $in: rows.map((r) => r.accountId) }) })
        .select('name')
        .lean()
    : [];
  const accountName = new Map(accounts.map((a) => [String(a._id), a.name]));
  const names = await userNames(rows.map((r) => String(r.aeId)));
  return {
    query: q,
    total,
    page: q.page,
    pages: Math.max(1, Math.ceil(total / ANSWERS_PER_PAGE)),
    answers: rows.map((r) => ({
      id: String(r._id),
      dealId: String(r.dealId),
      accountName: accountName.get(String(r.accountId)) ?? '',
      rep: names.get(String(r.aeId)) ?? 'former user',
      wave: r.wave,
      segment: r.segment,
      cohort: quarterOf(r.closedWonAt),
      answeredAt: r.answeredAt.toISOString(),
      overall: r.overall,
      nps: r.nps,
      comment: r.comment ?? '',
      promises: r.promises
        .filter((p) => !q.category || p.category === q.category)
        .map((p) => ({ text: p.text, category: p.category, verdict: p.verdict, comment: p.comment ?? '' })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Time to live

/** The median, p90 and mean columns of a table of durations (the values quantiles and a mean give). */
const durationColumns = (unit: 'days' | 'hours') => (['Median', 'p90', 'Mean'] as const).map((label) => ({ key: label.toLowerCase(), label: `${label} ${unit}`, kind: unit }));

const quantiles = (counts: Counts, edges: readonly number[]) => {
  const median = histogramQuantile(counts, edges, 0.5);
  const p90 = histogramQuantile(counts, edges, 0.9);
  return { median: median ? r1(median.value) : null, medianOpen: median?.open ?? false, p90: p90 ? r1(p90.value) : null, p90Open: p90?.open ?? false };
};

const STALLED_BANDS = [
  { label: 'Up to 7 days', minDays: 0, maxDays: 7 },
  { label: '8 to 30 days', minDays: 7, maxDays: 30 },
  { label: '31 to 90 days', minDays: 30, maxDays: 90 },
  { label: 'Over 90 days', minDays: 90, maxDays: null },
] as const;

/** The live filter on journeys equivalent to the rollup filters (indexed fields only). */
function journeyFilter(q: DashboardQuery) {
  const filter: Record<string, unknown> = {};
  if (q.segment) filter.segment = q.segment;
  if (q.rep) filter.aeId = q.rep;
  if (q.csm === 'none') filter.csmId = null;
  else if (q.csm) filter.csmId = q.csm;
  // A journey without a key is the default playbook's (playbookFilter matches both).
  if (q.playbook) Object.assign(filter, playbookFilter(q.playbook));
  return { ...filter, ...closedWonFilter(q) };
}

/** Journeys stalled now, by how long past the SLA, and the ten longest (indexed on stalledAt). */
type IndexedJourney = typeof journeyBoardIndex.rows extends Map<string, infer R> ? R : never;
const stalledCache = new VersionedCache<{ counts: number[]; longest: IndexedJourney[]; from: number; until: number }>();

/** Stalled journeys at time `t` by band, the ten longest stalled, and until when that answer holds. */
function walkStalled(journeys: Iterable<IndexedJourney>, q: DashboardQuery, t: number) {
  const window = closedWonWindow(q);
  const from = window.from?.getTime() ?? -Infinity;
  const to = window.until?.getTime() ?? Infinity;
  const counts = STALLED_BANDS.map(() => 0);
  const stalled: IndexedJourney[] = [];
  let until = Infinity;
  for (const j of journeys) {
    if (j.stalledAt === null) continue;
    if ((q.segment && j.segment !== q.segment) || (q.rep && j.aeId !== q.rep) || (q.csm === 'none' ? j.csmId !== null : q.csm && j.csmId !== q.csm)) continue;
    // The index holds the key already read through playbookKeyOf (a journey without one is the default's).
    if (q.playbook && j.playbookKey !== q.playbook) continue;
    const won = j.closedWonAt.getTime();
    if (won < from || won >= to) continue;
    const s = j.stalledAt.getTime();
    if (s >= t) {
      until = Math.min(until, s); // it stalls then
      continue;
    }
    stalled.push(j);
    STALLED_BANDS.forEach((b, i) => {
      if ((b.minDays === 0 || s <= t - b.minDays * DAY_MS) && (b.maxDays === null || s > t - b.maxDays * DAY_MS)) counts[i]++;
      // The moments it moves from one band to the next.
      for (const days of [b.minDays, b.maxDays]) if (days !== null && s + days * DAY_MS > t) until = Math.min(until, s + days * DAY_MS);
    });
  }
  const longest = stalled.sort((a, b) => a.stalledAt!.getTime() - b.stalledAt!.getTime() || (a._id < b._id ? -1 : 1)).slice(0, 10);
  return { counts, longest, from: t, until };
}

async function stalledNow(q: DashboardQuery, now: Date) {
  type Longest = {
    _id: unknown;
    accountName: string;
    dealName: string;
    stage: string;
    stageEnteredAt: Date;
    stalledAt?: Date | null;
    csmId?: unknown;
    playbookKey?: string | null;
  }[];
  const { counts, longest } = await journeyBoardIndex.answer<{ counts: number[]; longest: Longest }>({
    fromMemory: (indexed) => {
      // The same filter in memory (see read-index.server.ts): each count below scanned every journey on FerretDB.
      // Walking 100k journeys per view was most of the leadership dashboard's time at 100k, so the
      // answer is kept per index version and filter until the clock reaches the next moment that
      // changes it (a journey stalls, or a stalled one crosses into the next band).
      const t = now.getTime();
      const key = JSON.stringify([q.segment, q.rep, q.csm, q.from, q.to, q.playbook]);
      return stalledCache.keep(
        journeyBoardIndex.version,
        key,
        () => walkStalled(indexed.values(), q, t),
        (kept) => t >= kept.from && t < kept.until,
      );
    },
    fromDatabase: async () => {
      const base = journeyFilter(q);
      const counts = await Promise.all(
        STALLED_BANDS.map((b) => {
          // Stalled for d days = stalledAt is d days ago; bands are (min, max] days.
          const range: Record<string, Date> = b.minDays === 0 ? { $lt: now } : { $lte: new Date(now.getTime() - b.minDays * DAY_MS) };
          if (b.maxDays !== null) range.$gt = new Date(now.getTime() - b.maxDays * DAY_MS);
          return Journey.countDocuments({ ...base, stalledAt: trusted(range) });
        }),
      );
      const longest = await Journey.find({ ...base, stalledAt: trusted({ $lt: now }) })
        .select('accountName dealName stage stageEnteredAt stalledAt csmId playbookKey')
        .sort({ stalledAt: 1, _id: 1 })
        .limit(10)
        .lean();
      return { counts, longest };
    },
  });
  const names = await userNames(longest.map((j) => String(j.csmId ?? '')));
  return {
    total: counts.reduce((a, b) => a + b, 0),
    bands: STALLED_BANDS.map((b, i) => ({ label: b.label, count: counts[i] })),
    longest: longest.map((j) => ({
      id: String(j._id),
      name: `${j.accountName} · ${j.dealName}`,
      stage: j.stage,
      playbookKey: playbookKeyOf(j.playbookKey),
      csm: j.csmId ? (names.get(String(j.csmId)) ?? '') : '',
      daysInStage: r1((now.getTime() - j.stageEnteredAt.getTime()) / DAY_MS),
      daysPastSla: r1((now.getTime() - (j.stalledAt as Date).getTime()) / DAY_MS),
    })),
  };
}

/**
 * The playbooks a time-to-live or forecast page draws its stages from: the one the filter chooses,
 * else every playbook (the default first). A stage is named by its playbook's current version,
 * followed by the playbook's name when several are shown ("Handoff (Enterprise)": the stage stays
 * readable where a chart clips long labels): two playbooks may share a stage key, and their
 * figures stay apart (docs/dashboards.md, "Playbook filter").
 */
async function playbookView(query: DashboardQuery) {
  const all = await listPlaybooks();
  // For callers that did not come through parseDashboardQuery.
  const q = knownPlaybook(query, all);
  const shown = await Promise.all(
    all.filter((p) => !q.playbook || p.key === q.playbook).map(async (p) => ({ key: p.key, name: p.name, current: await getCurrentPlaybook(p.key) })),
  );
  const several = shown.length > 1;
  const stageId = (playbook: string | null | undefined, stage: string) => `${playbookKeyOf(playbook)}|${stage}`;
  const stages = new Map<string, { name: string; rank: number }>();
  shown.forEach((p, i) => p.current.stages.forEach((st, j) => stages.set(stageId(p.key, st.key), { name: several ? `${st.name} (${p.name})` : st.name, rank: i * 100 + j })));
  return {
    q,
    shown,
    several,
    stageId,
    /** A stage's name as the page shows it (its key when the current version no longer has it). */
    stageName: (playbook: string | null | undefined, stage: string) => stages.get(stageId(playbook, stage))?.name ?? stage,
    /** Where a stage sorts: by playbook, then by its place in the playbook; stages no current version has last. */
    stageRank: (id: string) => stages.get(id)?.rank ?? Number.MAX_SAFE_INTEGER,
    /** What the figures were drawn with, for the figures cache key: each playbook's version and name. */
    cacheKey: shown.map((p) => [p.key, p.current.version, p.name]),
  };
}
type PlaybookView = Awaited<ReturnType<typeof playbookView>>;

/** Time to live (median, p90 by cohort), time per stage, CS reaction time, stalled journeys, overrides. */
export async function getTimeToLiveDashboard({ user, query, now = new Date() }: { user: SessionUser; query: DashboardQuery; now?: Date }) {
  requirePage(user, 'time-to-live');
  const view = await playbookView(pageQuery(user, query, 'time-to-live'));
  const { q } = view;
  // The rollup figures are kept (fromRollups) per filter, playbook filter included; the stalled
  // journeys depend on the clock (stalledNow keeps its own).
  const [figures, stalled] = await Promise.all([fromRollups(['time-to-live', q, view.cacheKey], () => computeTimeToLive(q, view)), stalledNow(q, now)]);
  const tables = {
    ...figures.tables,
    'stalled-age': {
      id: 'stalled-age' as const,
      title: 'Journeys stalled now, by time past the SLA',
      columns: [
        { key: 'group', label: 'Past the SLA by', kind: 'text' as const },
        { key: 'count', label: 'Journeys', kind: 'int' as const },
      ],
      rows: stalled.bands.map((b) => ({ group: b.label, count: b.count })),
    },
    'stalled-longest': {
      id: 'stalled-longest' as const,
      title: 'Longest-stalled journeys',
      columns: [
        { key: 'group', label: 'Customer · deal', kind: 'text' as const },
        { key: 'stage', label: 'Stage', kind: 'text' as const },
        { key: 'csm', label: 'CSM', kind: 'text' as const },
        { key: 'daysInStage', label: 'Days in stage', kind: 'days' as const },
        { key: 'daysPastSla', label: 'Days past SLA', kind: 'days' as const },
      ],
      rows: stalled.longest.map((j) => ({
        group: j.name,
        stage: view.stageName(j.playbookKey, j.stage),
        csm: j.csm || 'unassigned',
        daysInStage: j.daysInStage,
        daysPastSla: j.daysPastSla,
        _href: `/journeys/${j.id}`,
      })),
    },
  } satisfies Partial<Record<ChartId, DashboardTable>>;
  return { query: q, summary: { ...figures.summary, stalled: stalled.total }, empty: figures.empty, tables };
}

/** The time-to-live figures that come from the rollups alone. */
async function computeTimeToLive(q: DashboardQuery, view: PlaybookView) {
  const [{ rows: live }, { rows: stages }, { rows: accepted }, { rows: started, all: startedRows }, { rows: liveNet }] = await readFiltered(q, [
    'journey.live',
    'journey.stage',
    'journey.accepted',
    'journey.started',
    // Closed-won -> live without the buyer-confirmed delays (docs/buyer-delays.md).
    'journey.live_net',
  ]);
  const liveNetByCohort = groupBy(liveNet, 'cohort');

  const liveByCohort = groupBy(live, 'cohort');
  const startedByCohort = groupBy(started, 'cohort');
  const cohorts = [...new Set([...liveByCohort.keys(), ...startedByCohort.keys()])].sort();
  // Per playbook and stage: two playbooks' stages of one key are two rows.
  const byStage = groupBy(
    stages.map((r) => ({ ...r, dims: { ...r.dims, stageId: view.stageId(r.dims.playbook, r.dims.stage) } })),
    'stageId',
  );
  const acceptedByCohort = groupBy(accepted, 'cohort');

  const ttlRow = (label: string, c: Counts, startedN: number, net: Counts): TableRow => {
    const qn = quantiles(c, DAY_BUCKETS);
    return {
      group: label,
      median: qn.median,
      p90: qn.p90,
      mean: r1(ratio(c.days ?? 0, c.n ?? 0)),
      netMedian: quantiles(net, DAY_BUCKETS).median,
      netMean: r1(ratio(net.days ?? 0, net.n ?? 0)),
      live: c.n ?? 0,
      started: startedN,
      ...(qn.p90Open ? { _flag: `p90 beyond ${DAY_BUCKETS[DAY_BUCKETS.length - 1]} days` } : {}),
    };
  };
  const totalLive = sumCounts(live);
  const totalAccepted = sumCounts(accepted);
  const overrides = stages.reduce((a, r) => a + (r.counts.overridden ?? 0), 0);

  const tables = {
    'ttl-by-cohort': {
      id: 'ttl-by-cohort' as const,
      title: 'Closed-won to live by cohort',
      columns: [
        { key: 'group', label: 'Cohort', kind: 'text' as const },
        ...durationColumns('days'),
        { key: 'netMedian', label: 'Median days excl. buyer-confirmed delays', kind: 'days' as const },
        { key: 'netMean', label: 'Mean days excl. buyer-confirmed delays', kind: 'days' as const },
        { key: 'live', label: 'Live', kind: 'int' as const },
        { key: 'started', label: 'Closed-won', kind: 'int' as const },
      ],
      rows: cohorts.map((c) => ttlRow(c, liveByCohort.get(c) ?? {}, startedByCohort.get(c)?.n ?? 0, liveNetByCohort.get(c) ?? {})),
    },
    'stage-time': {
      id: 'stage-time' as const,
      title: 'Time in each stage',
      columns: [
        { key: 'group', label: 'Stage', kind: 'text' as const },
        ...durationColumns('days'),
        { key: 'exited', label: 'Journeys that left it', kind: 'int' as const },
        { key: 'overridden', label: 'Left by admin override', kind: 'int' as const },
      ],
      rows: [...byStage]
        .sort((a, b) => view.stageRank(a[0]) - view.stageRank(b[0]))
        .map(([k, c]) => {
          const qn = quantiles(c, DAY_BUCKETS);
          const [playbook, stage] = k.split('|');
          return {
            group: view.stageName(playbook, stage),
            median: qn.median,
            p90: qn.p90,
            mean: r1(ratio(c.days ?? 0, c.exited ?? 0)),
            exited: c.exited ?? 0,
            overridden: c.overridden ?? 0,
          };
        }),
    },
    'reaction-by-cohort': {
      id: 'reaction-by-cohort' as const,
      title: 'CS reaction time by cohort (closed-won to handoff accepted)',
      columns: [{ key: 'group', label: 'Cohort', kind: 'text' as const }, ...durationColumns('hours'), { key: 'accepted', label: 'Handoffs accepted', kind: 'int' as const }],
      rows: [...acceptedByCohort].sort(byKey).map(([k, c]) => {
        const qn = quantiles(c, HOUR_BUCKETS);
        return {
          group: k,
          median: qn.median,
          p90: qn.p90,
          mean: r1(ratio(c.hours ?? 0, c.n ?? 0)),
          accepted: c.n ?? 0,
          ...(qn.p90Open ? { _flag: `p90 beyond ${HOUR_BUCKETS[HOUR_BUCKETS.length - 1]} hours` } : {}),
        };
      }),
    },
  } satisfies Partial<Record<ChartId, DashboardTable>>;

  const ttl = quantiles(totalLive, DAY_BUCKETS);
  const totalNet = sumCounts(liveNet);
  const net = quantiles(totalNet, DAY_BUCKETS);
  const reaction = quantiles(totalAccepted, HOUR_BUCKETS);
  return {
    summary: {
      live: totalLive.n ?? 0,
      started: sumCounts(started).n ?? 0,
      medianDays: ttl.median,
      p90Days: ttl.p90,
      p90Open: ttl.p90Open,
      meanDays: r1(ratio(totalLive.days ?? 0, totalLive.n ?? 0)),
      netMedianDays: net.median,
      netMeanDays: r1(ratio(totalNet.days ?? 0, totalNet.n ?? 0)),
      /** Days of buyer-confirmed delays inside closed-won -> live, summed over the live journeys. */
      delayDays: r1(Math.max(0, (totalLive.days ?? 0) - (totalNet.days ?? 0))),
      reactionMedianHours: reaction.median,
      reactionP90Hours: reaction.p90,
      accepted: totalAccepted.n ?? 0,
      overrides,
    },
    empty: startedRows.length === 0,
    tables,
  };
}

// ---------------------------------------------------------------------------------------------
// Conversion and forecast

/** Post-sale conversion (share of deals reaching each stage), the 30/60/90-day go-live forecast and its backtest. */
export async function getForecastDashboard({ user, query }: { user: SessionUser; query: DashboardQuery }) {
  requirePage(user, 'forecast');
  const view = await playbookView(pageQuery(user, query, 'forecast'));
  return fromRollups(['forecast', view.q, view.cacheKey], () => computeForecastDashboard(view));
}

async function computeForecastDashboard(view: PlaybookView) {
  const { q } = view;
  const [{ all: startedRows }, { all: stageRows }, { all: liveRows }, { rows: open }, { rows: backtest }, { all: metaRows }] = await readFiltered(q, [
    'journey.started',
    'journey.stage',
    'journey.live',
    FORECAST_METRICS.open,
    FORECAST_METRICS.backtest,
    FORECAST_METRICS.meta,
  ]);

  // Conversion follows one playbook's path: the filter's, else the default playbook's (the other
  // playbooks' stages are other paths; the page says whose journeys it counts).
  const conversion = view.shown.find((p) => p.key === (q.playbook ?? DEFAULT_PLAYBOOK_KEY)) ?? view.shown[0];
  const conversionQuery = { ...q, playbook: conversion.key };
  const [started, stages, live] = [startedRows, stageRows, liveRows].map((rows) => filterRows(rows, conversionQuery));
  // Reached stage k = left stage k-1 (the first stage is reached at closed-won; live = journey.live).
  const path = conversion.current.stages;
  const reached = (rows: Row[], rowsStarted: Row[], rowsLive: Row[]) =>
    path.map((s, i) => {
      if (i === 0) return sumCounts(rowsStarted).n ?? 0;
      if (s.terminal) return sumCounts(rowsLive).n ?? 0;
      return rows.filter((r) => r.dims.stage === path[i - 1].key).reduce((a, r) => a + (r.counts.exited ?? 0), 0);
    });
  const totalReached = reached(stages, started, live);
  const cohorts = [...new Set(started.map((r) => r.dims.cohort))].sort();
  const conversionColumns = [
    { key: 'group', label: 'Cohort', kind: 'text' as const },
    { key: 'deals', label: 'Closed-won deals', kind: 'int' as const },
    ...path.slice(1).map((s) => ({ key: `reached_${s.key}`, label: `Reached ${s.name} %`, kind: 'pct' as const })),
  ];
  const conversionRow = (label: string, counts: number[]): TableRow => {
    const row: TableRow = { group: label, deals: counts[0] };
    path.slice(1).forEach((s, i) => (row[`reached_${s.key}`] = ratio(counts[i + 1], counts[0])));
    return row;
  };

  const meta =
    metaRows
      .map((r) => r.dims.asOf)
      .filter(Boolean)
      .sort()
      .pop() ?? null;
  // Open journeys per playbook and stage (two playbooks' stages of one key are two rows).
  const openByStage = groupBy(
    open.map((r) => ({ ...r, dims: { ...r.dims, stageId: view.stageId(r.dims.playbook, r.dims.stage) } })),
    'stageId',
  );
  const totalOpen = sumCounts(open);
  const months = groupBy(backtest, 'month');
  const backtestTable = [...months].sort(byKey).map(([m, c]) => {
    const row: TableRow = { group: m, open: c.open ?? 0 };
    for (const h of FORECAST_HORIZONS) {
      // c<h> counts the journeys whose <h>-day window had ended by the snapshot (zeros are not stored).
      if (!c[`c${h}`]) continue;
      row[`f${h}`] = r1(c[`f${h}`] ?? 0);
      row[`a${h}`] = c[`a${h}`] ?? 0;
    }
    return row;
  });
  const errors = backtestTable.filter((r) => typeof r.f30 === 'number').map((r) => (r.f30 as number) - (r.a30 as number));
  const actual30 = backtestTable.filter((r) => typeof r.f30 === 'number').reduce((a, r) => a + (r.a30 as number), 0);

  const tables = {
    'conversion-by-cohort': {
      id: 'conversion-by-cohort' as const,
      title: 'Post-sale conversion by cohort',
      columns: conversionColumns,
      rows: [
        ...cohorts.map((c) =>
          conversionRow(
            c,
            reached(
              stages.filter((r) => r.dims.cohort === c),
              started.filter((r) => r.dims.cohort === c),
              live.filter((r) => r.dims.cohort === c),
            ),
          ),
        ),
        ...(cohorts.length ? [conversionRow('All cohorts', totalReached)] : []),
      ],
    },
    'forecast-by-stage': {
      id: 'forecast-by-stage' as const,
      title: 'Expected go-lives by current stage',
      columns: [
        { key: 'group', label: 'Current stage', kind: 'text' as const },
        { key: 'open', label: 'Open journeys', kind: 'int' as const },
        ...FORECAST_HORIZONS.map((h) => ({ key: `p${h}`, label: `Next ${h} days`, kind: 'num' as const })),
      ],
      rows: [...openByStage]
        .sort((a, b) => view.stageRank(a[0]) - view.stageRank(b[0]))
        .map(([k, c]) => {
          const [playbook, stage] = k.split('|');
          return { group: view.stageName(playbook, stage), open: c.open ?? 0, ...Object.fromEntries(FORECAST_HORIZONS.map((h) => [`p${h}`, r1(c[`p${h}`] ?? 0)])) };
        }),
    },
    backtest: {
      id: 'backtest' as const,
      title: 'Backtest: the 30-day forecast vs what happened',
      columns: [
        { key: 'group', label: 'Forecast made on the 1st of', kind: 'text' as const },
        { key: 'open', label: 'Open journeys', kind: 'int' as const },
        ...FORECAST_HORIZONS.flatMap((h) => [
          { key: `f${h}`, label: `Forecast ${h} d`, kind: 'num' as const },
          { key: `a${h}`, label: `Went live ${h} d`, kind: 'int' as const },
        ]),
      ],
      rows: backtestTable,
    },
  } satisfies Partial<Record<ChartId, DashboardTable>>;

  return {
    query: q,
    asOf: meta,
    stages: path.map((s) => ({ key: s.key, name: s.name })),
    /** Whose journeys the conversion counts; `alone` false: other playbooks' journeys are left out of it (no filter, several playbooks). */
    conversionPlaybook: { key: conversion.key, name: conversion.name, alone: !view.several },
    summary: {
      deals: totalReached[0],
      reached: path.map((s, i) => ({ key: s.key, name: s.name, count: totalReached[i], share: ratio(totalReached[i], totalReached[0]) })),
      open: totalOpen.open ?? 0,
      expected: FORECAST_HORIZONS.map((h) => ({ days: h, value: r1(totalOpen[`p${h}`] ?? 0) })),
      plain: forecastSentence({ hasForecast: meta !== null, open: totalOpen.open ?? 0, expected: totalOpen.p30 ?? 0, days: 30 }),
      backtestMonths: errors.length,
      meanAbsoluteError: errors.length ? r1(errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length) : null,
      bias: errors.length ? r1(errors.reduce((a, e) => a + e, 0) / errors.length) : null,
      actual30,
    },
    backtestWindow: BACKTEST_MONTHS,
    empty: startedRows.length === 0,
    tables,
  };
}

// ---------------------------------------------------------------------------------------------
// Profitability

/** Customers, ARR, margin, churn, LTV, CAC, LTV:CAC and payback by closed-won cohort. */
export async function getProfitabilityDashboard({ user, query, now = new Date() }: { user: SessionUser; query: DashboardQuery; now?: Date }) {
  requirePage(user, 'profitability');
  const q = pageQuery(user, query, 'profitability');
  const [wonRows, churnRows, spend, settings] = await Promise.all([readMetrics(DEAL_METRICS.won), readMetrics(DEAL_METRICS.churned), listCohortSpend(), getDashboardSettings()]);
  const currencies = [...groupBy(wonRows, 'currency')].sort((a, b) => (b[1].n ?? 0) - (a[1].n ?? 0)).map(([c]) => c);
  const currency = q.currency && currencies.includes(q.currency) ? q.currency : (currencies[0] ?? 'USD');
  const inCurrency = (rows: Row[]) => rows.filter((r) => (r.dims.currency ?? 'USD') === currency);
  const won = filterRows(inCurrency(wonRows), q);
  const churned = filterRows(inCurrency(churnRows), q);

  // Spend per customer of a quarter: that quarter's spend / every customer won in it (whatever the filters).
  const allWonByCohort = groupBy(inCurrency(wonRows), 'cohort');
  const spendOf = new Map(spend.filter((s) => s.currency === currency).map((s) => [s.quarter, s.amount]));
  const spendPerCustomer = (cohort: string) => {
    const amount = spendOf.get(cohort);
    const customers = allWonByCohort.get(cohort)?.n ?? 0;
    return amount === undefined || customers <= 0 ? null : amount / customers;
  };
  const nowDays = epochDays(now);
  const wonByCohort = groupBy(won, 'cohort');
  const churnByCohort = groupBy(churned, 'cohort');
  const cohorts = [...wonByCohort.keys()].sort();
  const profitabilitySettings = { defaultGrossMarginPct: settings.defaultGrossMarginPct, lifetimeCapMonths: settings.lifetimeCapMonths };
  const perCohort = cohorts.map((c) => {
    const counts = cohortMoneyCounts(wonByCohort.get(c) ?? {}, churnByCohort.get(c) ?? {});
    return {
      cohort: c,
      counts,
      figures: cohortProfitability(counts, { nowDays, spendPerCustomer: spendPerCustomer(c), settings: profitabilitySettings }),
      spend: spendOf.get(c) ?? null,
    };
  });
  // All cohorts together: each deal without a CAC takes its own quarter's spend per customer.
  const merged = cohortMoneyCounts(sumCounts(won), sumCounts(churned));
  for (const { counts, cohort } of perCohort) {
    const spc = spendPerCustomer(cohort);
    if (spc === null) continue;
    const missing = counts.deals - counts.cacKnown;
    merged.cacSum += missing * spc;
    merged.cacKnown += missing;
  }
  const overall = cohortProfitability(merged, { nowDays, spendPerCustomer: null, settings: profitabilitySettings });

  // Why a lifetime is the cap: no churn at all, or churn so low that 1 / churn is longer.
  const capReason = (f: ReturnType<typeof cohortProfitability>) =>
    f.churned === 0 || !f.monthlyChurn ? 'no churn observed yet' : `churn ${(f.monthlyChurn * 100).toFixed(2)} %/mo implies ${Math.round(1 / f.monthlyChurn)} mo`;
  // Caveats in words, in their own column (and in the CSV): which figures rest on an assumption.
  const toRow = (label: string, f: ReturnType<typeof cohortProfitability>): TableRow => {
    const cacNote: Record<string, string> = {
      'per-deal+spend': `CAC: ${f.cacKnown} per deal, the rest from spend`,
      spend: 'CAC from quarter spend',
      partial: `CAC: average of ${f.cacKnown} of ${plural(f.customers, 'deal')}, no spend`,
      missing: 'no CAC: no per-deal CAC, no spend',
    };
    const notes = [
      f.lifetimeCapped ? `lifetime = ${settings.lifetimeCapMonths}-month cap: ${capReason(f)}` : '',
      cacNote[f.cacSource] ?? '',
      f.grossMarginSource === 'default' ? 'default margin' : f.grossMarginSource === 'missing' ? 'no margin: no LTV' : '',
    ].filter(Boolean);
    return {
      group: label,
      customers: f.customers,
      arr: f.arr,
      grossMargin: f.grossMargin,
      churned: f.churned,
      monthlyChurn: f.monthlyChurn,
      lifetimeMonths: f.lifetimeMonths === null ? null : r1(f.lifetimeMonths),
      ltv: f.ltv,
      cac: f.cac,
      ltvToCac: f.ltvToCac,
      paybackMonths: f.paybackMonths === null ? null : r1(f.paybackMonths),
      notes: notes.join('; '),
    };
  };
  const profitabilityTable: DashboardTable = {
    id: 'profitability-by-cohort',
    title: 'Profitability by cohort',
    currency,
    columns: [
      { key: 'group', label: 'Cohort', kind: 'text' as const },
      { key: 'customers', label: 'Customers', kind: 'int' as const },
      { key: 'arr', label: 'ARR', kind: 'money' as const },
      { key: 'grossMargin', label: 'Gross margin %', kind: 'pct' as const },
      { key: 'churned', label: 'Churned', kind: 'int' as const },
      { key: 'monthlyChurn', label: 'Monthly churn %', kind: 'pct' as const },
      { key: 'lifetimeMonths', label: 'Lifetime', kind: 'months' as const },
      { key: 'ltv', label: 'LTV', kind: 'money' as const },
      { key: 'cac', label: 'CAC', kind: 'money' as const },
      { key: 'ltvToCac', label: 'LTV:CAC', kind: 'ratio' as const },
      { key: 'paybackMonths', label: 'CAC payback', kind: 'months' as const },
      { key: 'notes', label: 'Notes', kind: 'text' as const },
    ],
    rows: [...perCohort.map((p) => toRow(p.cohort, p.figures)), ...(perCohort.length ? [toRow('All cohorts', overall)] : [])],
  };
  // One figure per chart, same rows: LTV:CAC (reference 3) and payback months (reference 12).
  const only = (id: ChartId, title: string, key: string): DashboardTable => ({
    ...profitabilityTable,
    id,
    title,
    columns: profitabilityTable.columns.filter((c) => c.key === 'group' || c.key === key || c.key === 'customers'),
    rows: profitabilityTable.rows.filter((r) => r[key] !== null && r[key] !== undefined),
  });
  const tables = {
    'profitability-by-cohort': profitabilityTable,
    'ltv-cac-by-cohort': only('ltv-cac-by-cohort', 'LTV:CAC by cohort', 'ltvToCac'),
    'payback-by-cohort': only('payback-by-cohort', 'CAC payback months by cohort', 'paybackMonths'),
  } satisfies Partial<Record<ChartId, DashboardTable>>;
  return {
    query: { ...q, currency },
    currencies,
    settings,
    overall,
    // No CAC shown at all (no per-deal CAC, no spend) vs a CAC shown that is the average of the
    // deals that have one (some lack it, no spend): the page words them differently.
    missingCac: perCohort.filter((p) => p.figures.cac === null).map((p) => p.cohort),
    partialCac: perCohort
      .filter((p) => p.figures.cac !== null && p.figures.cacSource === 'partial')
      .map((p) => ({ cohort: p.cohort, known: p.figures.cacKnown, customers: p.figures.customers })),
    // Every cohort with a lifetime has it at the cap: the page says why once, above the table.
    lifetimeCap: {
      months: settings.lifetimeCapMonths,
      everyCohort: perCohort.some((p) => p.figures.lifetimeMonths !== null) && perCohort.every((p) => p.figures.lifetimeMonths === null || p.figures.lifetimeCapped),
      noChurn: perCohort.every((p) => p.figures.churned === 0),
    },
    empty: wonRows.length === 0,
    tables,
  };
}

// ---------------------------------------------------------------------------------------------
// Overview and CSV

/** One page's tables by chart id (for the CSV download). */
export async function getDashboardTable({
  user,
  chart,
  query,
  now = new Date(),
}: {
  user: SessionUser;
  chart: ChartId;
  query: DashboardQuery;
  now?: Date;
}): Promise<DashboardTable> {
  const page = CHART_PAGE[chart];
  requirePage(user, page);
  // The recovery page's tables come from its own module (recovery-dashboard.server.ts), which reads this one.
  if (page === 'recovery') throw new Error('recovery tables: use getRecoveryDashboard');
  const data =
    page === 'value'
      ? await getValueDashboard({ user, query })
      : page === 'time-to-live'
        ? await getTimeToLiveDashboard({ user, query, now })
        : page === 'forecast'
          ? await getForecastDashboard({ user, query })
          : await getProfitabilityDashboard({ user, query, now });
  return (data.tables as Partial<Record<ChartId, DashboardTable>>)[chart]!;
}

/** The dashboards' landing page: the headline figures the role may see, each linking to its page. */
export async function getDashboardOverview({ user, query: asked, now = new Date() }: { user: SessionUser; query: DashboardQuery; now?: Date }) {
  // One filter for every headline: the value and profitability figures are not kept per playbook,
  // so the overview drops that filter for all of them (and says so).
  const query = pageQuery(user, asked, 'overview');
  const [value, ttl, forecast, profitability] = await Promise.all([
    canOpen(user.role, 'value') ? getValueDashboard({ user, query, now }) : null,
    canOpen(user.role, 'time-to-live') ? getTimeToLiveDashboard({ user, query, now }) : null,
    canOpen(user.role, 'forecast') ? getForecastDashboard({ user, query }) : null,
    canOpen(user.role, 'profitability') ? getProfitabilityDashboard({ user, query, now }) : null,
  ]);
  return {
    role: user.role,
    query,
    value: value ? { ...value.summary, headline: value.headline, settings: value.settings, empty: value.empty } : null,
    ttl: ttl ? { ...ttl.summary, empty: ttl.empty } : null,
    forecast: forecast ? { ...forecast.summary, asOf: forecast.asOf, empty: forecast.empty } : null,
    profitability: profitability
      ? {
          currency: profitability.query.currency,
          customers: profitability.overall.customers,
          arr: profitability.overall.arr,
          churned: profitability.overall.churned,
          ltvToCac: profitability.overall.ltvToCac,
          paybackMonths: profitability.overall.paybackMonths,
          empty: profitability.empty,
        }
      : null,
  };
}
