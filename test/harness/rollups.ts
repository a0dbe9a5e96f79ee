// The stored rollups in a form two runs can be compared by: the tests that check "rollups equal a
// rebuild" (figure invariants, scale seed) read them through this.
import { Metric } from '#models/metric';

/**
 * Every rollup whose kind `keep` accepts, slots merged, zero counters dropped, counters rounded
 * (float sums differ in the last bits by order), sorted by kind and dimensions.
 */
export async function mergedRollups(keep: (kind: string) => boolean = () => true) {
  const docs = (await Metric.find({}).select('kind dims counts').lean()).filter((d) => keep(String(d.kind)));
  const merged = new Map<string, Record<string, number>>();
  for (const d of docs) {
    const key = `${d.kind}|${JSON.stringify(Object.entries(d.dims ?? {}).sort())}`;
    const into = merged.get(key) ?? {};
    for (const [k, n] of Object.entries((d.counts ?? {}) as Record<string, number>)) into[k] = (into[k] ?? 0) + n;
    merged.set(key, into);
  }
  return Object.fromEntries(
    [...merged.entries()]
      .map(
        ([k, c]) =>
          [
            k,
            Object.fromEntries(
              Object.entries(c)
                .filter(([, n]) => Math.abs(n) > 1e-9)
                .map(([name, n]) => [name, Math.round(n * 100) / 100])
                .sort(),
            ),
          ] as const,
      )
      .filter(([, c]) => Object.keys(c).length > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
