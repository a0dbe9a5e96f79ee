// Go-live forecast and its backtest, computed from the journeys' stage history by the metrics
// rebuild (nightly in the worker, `npm run metrics:rebuild`) and stored as rollups the forecast
// page reads. A forecast depends on the clock (how long each open journey has been in its stage),
// so unlike the counters it is a dated snapshot: the page says "as of" when it was made.
//
// Metric kinds written here:
//   forecast.open      dims { cohort, segment, rep, csm, stage }  counts { open, p30, p60, p90 }
//                      journeys open at the snapshot; pN = sum of P(live within N days), i.e. the
//                      expected number of go-lives in the next N days.
//   forecast.backtest  dims { month, cohort, segment, rep, csm }
//                      counts { open, c30, f30, a30, c60, f60, a60, c90, f90, a90 }
//                      month = YYYY-MM: the forecast the same method would have made on the 1st of
//                      that month from what was known then (fN), and the go-lives that followed
//                      within N days among the journeys open that day (aN); cN counts the
//                      journeys whose N-day window ended before the snapshot (only those count).
//   forecast.meta      dims { asOf (ISO instant) }  counts { snapshots, journeys, months, moves }: the
//                      newest row is the snapshot's date (a dimension, not a counter: counters of
//                      equal dimensions are summed on read); moves = journeyMoves() when it was made.
//
// Freshness: the nightly rebuild recomputes all three. Between nights, the worker's
// forecast-refresh task (refreshForecastSnapshot, at most every two minutes) recomputes the
// snapshot (forecast.open and forecast.meta) when a journey moved since it was made (started, or
// left a stage, going live included); the backtest stays the night's (it looks only at past months).
// The method (Kaplan-Meier per stage, independent stages) is in app/dashboards/forecast-math.ts.
import { Journey } from '#models/journey';
import { journeyDims } from '#app/journeys/journey.server';
import { claimOnce } from '#app/platform/claims.server';
import { bumpMetric, clearMetrics, metricKey, readMetrics } from '#app/platform/metrics.server';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { fitSurvival, goLiveProbabilities, openStateAt, type JourneyHistory, type Survival } from '#app/dashboards/forecast-math';
import { sumCounts } from '#app/dashboards/metrics-math';

export const FORECAST_METRICS = { open: 'forecast.open', backtest: 'forecast.backtest', meta: 'forecast.meta' } as const;
export const FORECAST_HORIZONS = [30, 60, 90] as const;
export const BACKTEST_MONTHS = 12;

const DAY_MS = 86_400_000;

type Dims = ReturnType<typeof journeyDims>;
type History = JourneyHistory & { dims: Dims };
type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };

/** Every journey's stage history and the non-terminal stages of its playbook version, in order. */
export async function loadJourneyHistories(): Promise<History[]> {
  const paths = new Map<string, string[]>();
  const out: History[] = [];
  for await (const j of Journey.find({}).select('closedWonAt segment aeId csmId stages liveAt playbookKey playbookVersion').lean().cursor()) {
    const version = `${j.playbookKey ?? ''}@${j.playbookVersion}`;
    let path = paths.get(version);
    if (!path) {
      const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
      path = (playbook?.stages ?? []).filter((s) => !s.terminal).map((s) => s.key);
      paths.set(version, path);
    }
    out.push({ dims: journeyDims(j), stages: j.stages.map((s) => ({ key: s.key, enteredAt: s.enteredAt, exitedAt: s.exitedAt ?? null })), liveAt: j.liveAt ?? null, path });
  }
  return out;
}

/**
 * The forecast as of `asOf` for the journeys open then: per journey, P(live within each horizon).
 * Ages are whole days (probabilities cached per path and age: the work grows with distinct ages,
 * not with the number of journeys).
 */
export function forecastAt(journeys: readonly History[], asOf: Date, fitted?: Map<string, Survival>) {
  const survival = fitted ?? fitSurvival(journeys, asOf);
  const cache = new Map<string, number[]>();
  const items: { j: History; stage: string; probabilities: number[] }[] = [];
  for (const j of journeys) {
    const state = openStateAt(j, asOf);
    if (!state) continue;
    const age = Math.floor(state.age);
    const key = `${state.ahead.join('>')}|${age}`;
    let probabilities = cache.get(key);
    if (!probabilities) {
      probabilities = goLiveProbabilities({ stages: state.ahead, age, survival, horizons: FORECAST_HORIZONS });
      cache.set(key, probabilities);
    }
    items.push({ j, stage: state.stage, probabilities });
  }
  return items;
}

const monthKey = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

/** The 1st of each of the `months` calendar months before `now`'s month (UTC), oldest first. */
export function backtestMonths(now: Date, months = BACKTEST_MONTHS) {
  const out: Date[] = [];
  for (let k = months; k >= 1; k--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1)));
  return out;
}

function addInto(totals: Map<string, MetricRow>, row: MetricRow) {
  const key = metricKey(row.kind, row.dims);
  const into = totals.get(key) ?? { kind: row.kind, dims: row.dims, counts: {} };
  for (const [name, n] of Object.entries(row.counts)) into.counts[name] = (into.counts[name] ?? 0) + n;
  totals.set(key, into);
}

const r4 = (n: number) => Math.round(n * 10_000) / 10_000;

function addOpenRows(totals: Map<string, MetricRow>, journeys: readonly History[], now: Date) {
  for (const { j, stage, probabilities } of forecastAt(journeys, now)) {
    addInto(totals, { kind: FORECAST_METRICS.open, dims: { ...j.dims, stage }, counts: { open: 1, p30: probabilities[0], p60: probabilities[1], p90: probabilities[2] } });
  }
}

/** The forecast rows and backtest rows for `now` (pure over the loaded histories). */
export function forecastRows(journeys: readonly History[], now: Date, months = BACKTEST_MONTHS) {
  const totals = new Map<string, MetricRow>();
  addOpenRows(totals, journeys, now);
  for (const start of backtestMonths(now, months)) {
    const complete = FORECAST_HORIZONS.map((h) => start.getTime() + h * DAY_MS <= now.getTime());
    if (!complete[0]) continue;
    for (const { j, probabilities } of forecastAt(journeys, start)) {
      const counts: Record<string, number> = { open: 1 };
      FORECAST_HORIZONS.forEach((h, i) => {
        if (!complete[i]) return;
        const live = j.liveAt ? j.liveAt.getTime() : null;
        counts[`c${h}`] = 1;
        counts[`f${h}`] = probabilities[i];
        counts[`a${h}`] = live !== null && live > start.getTime() && live <= start.getTime() + h * DAY_MS ? 1 : 0;
      });
      addInto(totals, { kind: FORECAST_METRICS.backtest, dims: { ...j.dims, month: monthKey(start) }, counts });
    }
  }
  for (const row of totals.values()) for (const name of Object.keys(row.counts)) row.counts[name] = r4(row.counts[name]);
  return [...totals.values()];
}

/** Recomputes the forecast snapshot and the backtest from the journeys (nightly, and by metrics:rebuild). */
export async function rebuildForecastMetrics({ now = new Date(), months = BACKTEST_MONTHS }: { now?: Date; months?: number } = {}) {
  const journeys = await loadJourneyHistories();
  const rows = forecastRows(journeys, now, months);
  for (const kind of Object.values(FORECAST_METRICS)) await clearMetrics(kind);
  for (const row of rows) await bumpMetric(row.kind, row.dims, row.counts);
  await bumpMetric(FORECAST_METRICS.meta, { asOf: now.toISOString() }, { snapshots: 1, journeys: journeys.length, months, moves: await journeyMoves() });
  return { journeys: journeys.length, rows: rows.length };
}

/**
 * How many times journeys have moved so far: journeys started plus stage exits (going live is
 * the exit of the last stage before live). Read from the rollups the journey service bumps on
 * every move, so it costs no scan, and a rebuild of them gives the same total.
 */
export async function journeyMoves() {
  const [started, stages] = await Promise.all([readMetrics('journey.started'), readMetrics('journey.stage')]);
  return (sumCounts(started).n ?? 0) + (sumCounts(stages).exited ?? 0);
}

/**
 * Worker task: when a journey moved since the forecast snapshot was made, recomputes the snapshot
 * (the expected go-lives of the journeys open now) and keeps the night's backtest. One worker per
 * change (claim `forecast-refresh:<moves>`); nothing before the first nightly snapshot.
 */
export async function refreshForecastSnapshot({ now, owner }: { now: Date; owner: string }) {
  const metas = await readMetrics(FORECAST_METRICS.meta);
  const latest = metas
    .filter((m) => m.dims.asOf)
    .sort((a, b) => a.dims.asOf.localeCompare(b.dims.asOf))
    .pop();
  if (!latest) return { skipped: 'no snapshot yet' };
  const moves = await journeyMoves();
  if (latest.counts.moves === moves) return { skipped: 'no journey moved' };
  if (!(await claimOnce({ key: `forecast-refresh:${moves}`, owner, now }))) return { skipped: 'another worker refreshed it' };
  const journeys = await loadJourneyHistories();
  const totals = new Map<string, MetricRow>();
  addOpenRows(totals, journeys, now);
  await clearMetrics(FORECAST_METRICS.open);
  for (const row of totals.values()) {
    for (const name of Object.keys(row.counts)) row.counts[name] = r4(row.counts[name]);
    await bumpMetric(row.kind, row.dims, row.counts);
  }
  await clearMetrics(FORECAST_METRICS.meta);
  await bumpMetric(FORECAST_METRICS.meta, { asOf: now.toISOString() }, { snapshots: 1, journeys: journeys.length, months: latest.counts.months ?? BACKTEST_MONTHS, moves });
  return { refreshed: true, journeys: journeys.length, moves };
}
