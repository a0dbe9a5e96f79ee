// Recomputes every rollup of the `metrics` read model from the source documents: journeys,
// surveys, advocacy, deal money, and the dated go-live forecast with its backtest.
// `npm run metrics:rebuild` runs it by hand; the worker runs it once a night (metricsRebuildTask).
import { rebuildAdvocacyMetrics } from '#app/advocacy/advocacy.server';
import { claimOnce } from '#app/platform/claims.server';
import { rebuildDealMetrics } from '#app/deals/deal-metrics.server';
import { rebuildForecastMetrics } from '#app/dashboards/forecast.server';
import { rebuildJourneyMetrics } from '#app/journeys/journey.server';
import { rebuildRecoveryMetrics } from '#app/dashboards/recovery-metrics.server';
import { hasMetrics, withBulkMetrics } from '#app/platform/metrics.server';
import { rebuildSurveyMetrics } from '#app/surveys/surveys.server';

export type RebuildReport = { part: string; ms: number; result: unknown };

/**
 * Rebuilds each part in turn (each clears its kinds, then writes them again; dashboards read a
 * part as empty for the seconds it takes). The forecast goes last: it is a snapshot at `now`.
 */
export async function rebuildAllMetrics({ now = new Date(), log }: { now?: Date; log?: (line: string) => void } = {}) {
  const parts: [string, () => Promise<unknown>][] = [
    ['journeys', () => rebuildJourneyMetrics()],
    ['surveys', () => rebuildSurveyMetrics()],
    ['advocacy', () => rebuildAdvocacyMetrics()],
    ['deals', () => rebuildDealMetrics()],
    ['recovery', () => rebuildRecoveryMetrics()],
    ['forecast', () => rebuildForecastMetrics({ now })],
  ];
  const reports: RebuildReport[] = [];
  for (const [part, run] of parts) {
    const started = performance.now();
    // Each part's rollups are written in one bulkWrite once it has cleared and recomputed them.
    const result = await withBulkMetrics(run);
    const ms = Math.round(performance.now() - started);
    reports.push({ part, ms, result });
    log?.(`  ${part.padEnd(9)} ${String(ms).padStart(7)} ms  ${JSON.stringify(result)}`);
  }
  return reports;
}

/** Hour (UTC) from which the nightly rebuild may run. */
export const NIGHTLY_REBUILD_HOUR_UTC = 2;

/**
 * The worker's nightly rebuild: once per UTC day across all workers (the first to insert the claim
 * `metrics-rebuild:<YYYY-MM-DD>` runs it), from 02:00 UTC, or at once when no forecast snapshot
 * exists yet (a fresh install should not wait for the night).
 */
export async function runNightlyMetricsRebuild({ now, owner }: { now: Date; owner: string }) {
  const date = now.toISOString().slice(0, 10);
  if (lastClaimedDate === date) return { skipped: 'done today' };
  const hasSnapshot = await hasMetrics('forecast.meta');
  if (now.getUTCHours() < NIGHTLY_REBUILD_HOUR_UTC && hasSnapshot) return { skipped: 'before the nightly hour' };
  const won = await claimOnce({ key: `metrics-rebuild:${date}`, owner, now });
  lastClaimedDate = date;
  if (!won) return { skipped: 'another worker ran it' };
  // A fresh install lacks the forecast snapshot and the deal money rollups (the demo seed inserts
  // deals without them); journeys, surveys and advocacy were kept by every write. Those wait for
  // the night: a rebuild (clear, then rewrite) can count twice an answer applied while it runs,
  // and a fresh install is when buyers answer their first invitations.
  if (!hasSnapshot) {
    const reports = [];
    for (const [part, run] of [
      ['deals', () => rebuildDealMetrics()],
      ['forecast', () => rebuildForecastMetrics({ now })],
    ] as const) {
      const started = performance.now();
      await run();
      reports.push({ part, ms: Math.round(performance.now() - started) });
    }
    return { rebuilt: reports };
  }
  const reports = await rebuildAllMetrics({ now });
  return { rebuilt: reports.map((r) => ({ part: r.part, ms: r.ms })) };
}
let lastClaimedDate: string | null = null;

/** Test hook: forget which day this process already claimed. */
export function resetNightlyRebuildMemory() {
  lastClaimedDate = null;
}
