/**
 * A read kept for `ms` in this process: a document that changes rarely but is read on every event
 * or buyer page (the CRM connection, the enabled webhook endpoints, the brand). Callers within
 * `ms` of a read share its promise, so a burst of them makes one round trip. A failed read is not
 * kept: the next caller reads again. `clear()` forgets the kept read, for a write in this process
 * (seen at once) and for tests that write the document directly; another process's write is seen
 * within `ms`. `now` is the clock, a parameter for tests.
 */
export function cachedFor<T>(ms: number, read: () => Promise<T>, now: () => number = Date.now) {
  let kept: { until: number; value: Promise<T> } | undefined;
  return {
    /** The kept read while younger than `ms`, else a new one (always a new one when `fresh`). */
    get({ fresh = false }: { fresh?: boolean } = {}): Promise<T> {
      const t = now();
      if (!fresh && kept && t < kept.until) return kept.value;
      const value = read();
      kept = { until: t + ms, value };
      value.catch(() => {
        // Only this read is dropped: a newer one made meanwhile stays.
        if (kept?.value === value) kept = undefined;
      });
      return value;
    },
    clear() {
      kept = undefined;
    },
  };
}
