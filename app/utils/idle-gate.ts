/**
 * For a scan that usually finds nothing (a filter by state and due time scans the collection on
 * FerretDB): after a scan found nothing, the next waits `quietMs` of the cycle clock, unless this
 * process made work for it since (`poke`), a retry it scheduled is due (`wakeAt`), or the clock
 * went back. Work from other processes waits at most `quietMs`.
 */
export function idleGate(quietMs: number) {
  let idleAt: number | null = null;
  let poked = false;
  let dueAt: number | null = null;
  return {
    open: (t: number) => poked || (dueAt !== null && t >= dueAt) || idleAt === null || t < idleAt || t - idleAt >= quietMs,
    poke: () => void (poked = true),
    wakeAt: (t: number) => void (dueAt = Math.min(dueAt ?? Number.POSITIVE_INFINITY, t)),
    /** A scan starts at `t`: the pokes and due retries it serves are spent. */
    scanning(t: number) {
      poked = false;
      if (dueAt !== null && t >= dueAt) dueAt = null;
    },
    scanned: (t: number, found: boolean) => void (idleAt = found ? null : t),
    reset() {
      idleAt = dueAt = null;
      poked = false;
    },
  };
}
