// The stage SLA clock and its pause for buyer-confirmed delays: pure (time is a parameter), shared by
// every write that sets a journey's at-risk / stalled instants (intake, a stage move, a playbook
// migration, a delay confirmed or ended) and by the time-to-live rollups. See docs/buyer-delays.md.
import { AT_RISK_SHARE, DAY_MS, type Health } from '#app/journeys/journey-rules';

/** A delay as stored on a journey: only the span from the buyer's confirmation to its end pauses. */
export type DelaySpan = { stage: string; confirmedAt?: Date | null; endedAt?: Date | null };

/**
 * Stands for "not while the clock is paused" in `atRiskAt` / `stalledAt`: a paused stage reaches
 * neither, so every reader (health, board, work queue, digest, dashboards) needs no other rule.
 */
export const PAUSED_UNTIL_RESUMED = new Date('9999-12-31T00:00:00.000Z');

export const isPausedInstant = (d: Date | null | undefined) => Boolean(d && d.getTime() >= PAUSED_UNTIL_RESUMED.getTime());

/**
 * The stage's clock is paused on the customer (a buyer-confirmed delay is open): the CSM has nothing
 * to chase, so the work queue and the daily digest leave the journey out even if it was at risk.
 */
export const clockPaused = (j: { liveAt?: Date | null; stalledAt?: Date | null }) => !j.liveAt && isPausedInstant(j.stalledAt);

/** The buyer-confirmed spans of `delays`, clipped to [from, to] (an open one runs to `to`), merged. */
export function confirmedSpans(delays: readonly DelaySpan[], from: Date, to: Date) {
  const spans = delays
    .filter((d) => d.confirmedAt)
    .map((d) => [Math.max(d.confirmedAt!.getTime(), from.getTime()), Math.min((d.endedAt ?? to).getTime(), to.getTime())] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of spans) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Milliseconds of [from, to] during which a buyer-confirmed delay paused the clock. */
export function pausedMs(delays: readonly DelaySpan[], from: Date, to: Date) {
  return confirmedSpans(delays, from, to).reduce((sum, [a, b]) => sum + (b - a), 0);
}

/**
 * The at-risk (75 % of the SLA) and stalled (the SLA) instants of a stage entered at `enteredAt`,
 * with the clock paused during this stage's buyer-confirmed delays. Ended delays push both instants
 * later by their confirmed span. While a confirmed delay is open, an instant the stage had not
 * reached when the buyer confirmed becomes PAUSED_UNTIL_RESUMED (one already passed stays: time
 * spent stays spent). A delay only claimed by the vendor (not confirmed) pauses nothing.
 */
export function stageWindow(
  enteredAt: Date,
  stage: { key?: string; slaDays: number | null; terminal: boolean },
  delays: readonly DelaySpan[] = [],
): { atRiskAt: Date | null; stalledAt: Date | null } {
  if (stage.terminal || !stage.slaDays) return { atRiskAt: null, stalledAt: null };
  // This visit of the stage only (a journey moved back may visit a stage twice).
  const mine = delays.filter((d) => d.stage === stage.key && d.confirmedAt && d.confirmedAt.getTime() >= enteredAt.getTime());
  const open = mine.find((d) => !d.endedAt);
  const shift = mine.filter((d) => d.endedAt).reduce((sum, d) => sum + Math.max(0, d.endedAt!.getTime() - d.confirmedAt!.getTime()), 0);
  const at = (share: number) => {
    const instant = enteredAt.getTime() + shift + share * stage.slaDays! * DAY_MS;
    return open && instant > open.confirmedAt!.getTime() ? PAUSED_UNTIL_RESUMED : new Date(instant);
  };
  return { atRiskAt: at(AT_RISK_SHARE), stalledAt: at(1) };
}

/** On track / at risk (past 75 % of the stage SLA) / stalled (past the SLA) / live. */
export function healthOf(j: { liveAt?: Date | null; atRiskAt?: Date | null; stalledAt?: Date | null }, now: Date): Health {
  if (j.liveAt || !j.stalledAt) return 'live';
  if (now.getTime() > j.stalledAt.getTime()) return 'stalled';
  if (j.atRiskAt && now.getTime() > j.atRiskAt.getTime()) return 'at_risk';
  return 'on_track';
}

/** Days of the SLA a stage has used at `now` (paused time excluded), one decimal. */
export function slaDaysUsed(enteredAt: Date, stage: { key?: string }, delays: readonly DelaySpan[], now: Date) {
  const mine = delays.filter((d) => d.stage === stage.key);
  const ms = now.getTime() - enteredAt.getTime() - pausedMs(mine, enteredAt, now);
  return Math.round((Math.max(0, ms) / DAY_MS) * 10) / 10;
}

/** Closed-won to live, in days: in total, and without the buyer-confirmed delays. */
export function timeToLiveDays(j: { closedWonAt: Date; liveAt: Date; delays?: readonly DelaySpan[] | null }) {
  const total = (j.liveAt.getTime() - j.closedWonAt.getTime()) / DAY_MS;
  const paused = pausedMs(j.delays ?? [], j.closedWonAt, j.liveAt) / DAY_MS;
  return { total, excludingDelays: Math.max(0, total - paused) };
}
