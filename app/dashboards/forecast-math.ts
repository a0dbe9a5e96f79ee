// Go-live forecast arithmetic (pure). For each stage, the time journeys spent in it is estimated
// with Kaplan-Meier from the history (journeys still in the stage count as "at least this long",
// so slow stages are not made to look fast by leaving out the journeys still stuck in them).
// The distribution is "defective": the share of journeys that never left the stage in the
// observed history is a chance of never converting. A journey in stage s for `age` days goes live
// within h days with P(rest of s + every later non-terminal stage <= h | already `age` in s),
// the stages taken as independent. Sums on a one-day grid: each stage's remaining time is rounded
// to the nearest day, so a forecast can be off by up to half a day per stage still ahead.

export type Observation = { t: number; event: boolean };

/** Kaplan-Meier estimate: the times of exits and the survival S(t) = P(T > t) right after each. */
export type Survival = { times: number[]; surv: number[] };

/** Kaplan-Meier from durations (`event` true: left the stage after t days; false: still in it after t). */
export function kaplanMeier(observations: readonly Observation[]): Survival {
  const sorted = [...observations].filter((o) => Number.isFinite(o.t) && o.t >= 0).sort((a, b) => a.t - b.t || Number(b.event) - Number(a.event));
  let atRisk = sorted.length;
  let s = 1;
  const times: number[] = [];
  const surv: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    const t = sorted[i].t;
    let events = 0;
    let leaving = 0;
    while (i < sorted.length && sorted[i].t === t) {
      if (sorted[i].event) events++;
      leaving++;
      i++;
    }
    if (events > 0 && atRisk > 0) {
      s *= 1 - events / atRisk;
      times.push(t);
      surv.push(s);
    }
    atRisk -= leaving;
  }
  return { times, surv };
}

/** S(t) = P(T > t) from a Kaplan-Meier estimate (1 before the first exit). */
export function survivalAt(km: Survival, t: number) {
  let lo = 0;
  let hi = km.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (km.times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 1 : km.surv[lo - 1];
}

/**
 * Probability mass of the remaining time in a stage on a day grid 0..horizon, given `age` days
 * already spent in it (0 for a stage not entered yet). Sums to at most 1: the rest is "later than
 * the horizon or never". A journey older than every exit seen so far gets no mass (nothing in the
 * history says when it will leave).
 */
export function remainingPmf(km: Survival, age: number, horizon: number): Float64Array {
  const pmf = new Float64Array(horizon + 1);
  const base = survivalAt(km, age);
  if (base <= 0) return pmf;
  let previous = 1;
  for (let i = 0; i < km.times.length; i++) {
    const mass = previous - km.surv[i];
    previous = km.surv[i];
    const t = km.times[i];
    if (t <= age || mass <= 0) continue;
    const day = Math.max(0, Math.round(t - age));
    if (day <= horizon) pmf[day] += mass / base;
  }
  return pmf;
}

/** Distribution of the sum of two independent remaining times (truncated at the horizon). */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const n = Math.min(a.length, b.length);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    for (let j = 0; i + j < n; j++) out[i + j] += a[i] * b[j];
  }
  return out;
}

/**
 * P(live within each horizon) for a journey `age` days into `stages[0]`, with `stages` the
 * non-terminal stages still ahead (current first). `survival` maps a stage key to its estimate;
 * a stage with no history at all gives 0 (no basis to forecast).
 */
export function goLiveProbabilities(input: { stages: readonly string[]; age: number; survival: ReadonlyMap<string, Survival>; horizons: readonly number[] }) {
  const horizon = Math.max(...input.horizons);
  let dist: Float64Array | null = null;
  for (const [i, stage] of input.stages.entries()) {
    const km = input.survival.get(stage);
    if (!km || km.times.length === 0) return input.horizons.map(() => 0);
    const pmf = remainingPmf(km, i === 0 ? input.age : 0, horizon);
    dist = dist ? convolve(dist, pmf) : pmf;
  }
  if (!dist) return input.horizons.map(() => 1); // already live
  const cumulative = new Float64Array(dist.length);
  let total = 0;
  for (let d = 0; d < dist.length; d++) {
    total += dist[d];
    cumulative[d] = total;
  }
  return input.horizons.map((h) => Math.min(1, cumulative[Math.min(h, cumulative.length - 1)]));
}

// ---------------------------------------------------------------------------------------------
// History reconstruction (used by the forecast snapshot and the backtest)

export type StageVisit = { key: string; enteredAt: Date; exitedAt?: Date | null };
export type JourneyHistory = { stages: readonly StageVisit[]; liveAt?: Date | null; path: readonly string[] };

const DAY_MS = 86_400_000;

/** Stage durations known at `asOf`: exits before it are events, visits still open at it are censored. */
export function observationsAt(journeys: Iterable<JourneyHistory>, asOf: Date) {
  const byStage = new Map<string, Observation[]>();
  const at = asOf.getTime();
  for (const j of journeys) {
    for (const s of j.stages) {
      const entered = s.enteredAt.getTime();
      if (entered > at || !j.path.includes(s.key)) continue; // the terminal stage is never left
      const exited = s.exitedAt ? s.exitedAt.getTime() : null;
      const list = byStage.get(s.key) ?? [];
      if (exited !== null && exited <= at) list.push({ t: (exited - entered) / DAY_MS, event: true });
      else list.push({ t: (at - entered) / DAY_MS, event: false });
      byStage.set(s.key, list);
    }
  }
  return byStage;
}

/** Where a journey stood at `asOf`: its open stage, days in it, and the stages still ahead; null if not open then. */
export function openStateAt(j: JourneyHistory, asOf: Date): { stage: string; age: number; ahead: string[] } | null {
  const at = asOf.getTime();
  if (j.liveAt && j.liveAt.getTime() <= at) return null;
  const current = j.stages.find((s) => s.enteredAt.getTime() <= at && (!s.exitedAt || s.exitedAt.getTime() > at));
  if (!current) return null;
  const index = j.path.indexOf(current.key);
  if (index < 0) return null; // a terminal stage (live) or one no longer in its playbook
  return { stage: current.key, age: (at - current.enteredAt.getTime()) / DAY_MS, ahead: j.path.slice(index) };
}

/** Fits the per-stage estimates from what was known at `asOf`. */
export function fitSurvival(journeys: readonly JourneyHistory[], asOf: Date) {
  const fitted = new Map<string, Survival>();
  for (const [stage, obs] of observationsAt(journeys, asOf)) fitted.set(stage, kaplanMeier(obs));
  return fitted;
}
