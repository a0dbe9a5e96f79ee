// What the plan page and the journey page show of a journey's delays (pure; docs/buyer-delays.md).
import { DAY_MS } from '#app/journeys/journey-rules';
import { pausedMs } from '#app/journeys/sla-rules';

type DelayLike = {
  _id?: unknown;
  stage: string;
  reason: string;
  markedAt: Date;
  markedByName?: string | null;
  confirmedAt?: Date | null;
  confirmedByName?: string | null;
  endedAt?: Date | null;
  endedByName?: string | null;
  endedBy?: string | null;
};

/** What the buyer sees of the open delay on the plan page (or null): the reason and who confirmed. */
export function buyerDelayView(j: { delays?: DelayLike[] | null; openDelayId?: unknown }) {
  const d = j.openDelayId ? (j.delays ?? []).find((x) => String(x._id) === String(j.openDelayId)) : undefined;
  if (!d) return null;
  return { id: String(d._id), reason: d.reason, markedAt: d.markedAt.toISOString(), confirmedAt: d.confirmedAt?.toISOString() ?? null, confirmedByName: d.confirmedByName ?? null };
}

/** The journey page's view of its delays: the open one (with its state) and the ended ones, newest first. */
export function staffDelayView(j: { delays?: DelayLike[] | null; openDelayId?: unknown }, now: Date) {
  const view = (d: DelayLike) => ({
    id: String(d._id),
    stage: d.stage,
    reason: d.reason,
    markedAt: d.markedAt.toISOString(),
    markedByName: d.markedByName ?? '',
    state: d.endedAt ? ('ended' as const) : d.confirmedAt ? ('confirmed' as const) : ('claimed' as const),
    confirmedAt: d.confirmedAt?.toISOString() ?? null,
    confirmedByName: d.confirmedByName ?? null,
    endedAt: d.endedAt?.toISOString() ?? null,
    endedByName: d.endedByName ?? null,
    endedBy: d.endedBy ?? null,
    pausedDays: Math.round((pausedMs([d], d.markedAt, d.endedAt ?? now) / DAY_MS) * 10) / 10,
  });
  const all = (j.delays ?? []).map(view);
  const open = all.find((d) => d.id === String(j.openDelayId ?? '')) ?? null;
  return { open, ended: all.filter((d) => d.state === 'ended').reverse() };
}
