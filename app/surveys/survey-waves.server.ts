import { UTCDate } from '@date-fns/utc';
import { addMonths } from 'date-fns';

export const WAVES = [6, 9, 12] as const;
export type Wave = (typeof WAVES)[number];

/**
 * When the survey of a wave is due: `months` calendar months after the close, in UTC, clamped to
 * the end of a shorter month (closed 31 August -> 6-month wave on 28/29 February). date-fns does
 * the calendar arithmetic; UTCDate keeps it independent of the server's time zone.
 */
export function waveDueAt(closedWonAt: Date, months: Wave): Date {
  return new Date(addMonths(new UTCDate(closedWonAt.getTime()), months).getTime());
}

/**
 * The three waves of a deal at intake: waves still ahead are scheduled; waves whose date has passed
 * are recorded as skipped, never sent in a burst.
 */
export function planWaves(closedWonAt: Date, now: Date) {
  return WAVES.map((wave) => {
    const dueAt = waveDueAt(closedWonAt, wave);
    return { wave, dueAt, state: dueAt.getTime() < now.getTime() ? ('skipped' as const) : ('scheduled' as const) };
  });
}
