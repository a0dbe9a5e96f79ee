// The re-ask of a broken promise: its timing, its one question and which verdict is a promise's
// latest. Pure: plain values in and out (docs/reask.md).
import { z } from 'zod';

export const DAY_MS = 24 * 3600_000;
/** One reminder this long after the re-ask, if there is no answer yet. */
export const REASK_REMINDER_DAYS = 5;
/** The link works this long after the re-ask went out. */
export const REASK_EXPIRY_DAYS = 14;

export const REASK_VERDICTS = ['delivered', 'partly', 'not_yet'] as const;
export type ReaskVerdict = (typeof REASK_VERDICTS)[number];
export const REASK_VERDICT_LABELS: Record<ReaskVerdict, string> = { delivered: 'Delivered', partly: 'Partly', not_yet: 'Not yet' };

/** The buyer's answer: one verdict, an optional comment. */
export const ReaskAnswerSchema = z.object({
  verdict: z.enum(REASK_VERDICTS, { error: 'Choose delivered, partly or not yet.' }),
  comment: z.string().trim().max(2000, 'Keep the comment under 2,000 characters.').optional().default(''),
});
export type ReaskAnswer = z.infer<typeof ReaskAnswerSchema>;

/** When a re-ask sent at `sentAt` is reminded (null: never, when it would come after the expiry) and when its link stops working. */
export function reaskTiming(sentAt: Date, { reminderDays = REASK_REMINDER_DAYS, expiryDays = REASK_EXPIRY_DAYS } = {}) {
  const expiresAt = new Date(sentAt.getTime() + expiryDays * DAY_MS);
  const remindAt = reminderDays < expiryDays ? new Date(sentAt.getTime() + reminderDays * DAY_MS) : null;
  return { remindAt, expiresAt };
}

export type VerdictSource = { verdict: string; at: Date; source: 'survey' | 'reask' };

/**
 * A promise's latest verdict: the newest of the verdicts given to it, by survey or by re-ask; on a
 * tie the re-ask wins (it asked about this promise alone, after the survey). `original` is the
 * newest survey verdict, so a page can show both (what the buyer said, what it is now).
 */
export function latestVerdict<V extends VerdictSource>(verdicts: V[]): (V & { original: V | null }) | null {
  if (verdicts.length === 0) return null;
  const byTime = [...verdicts].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.source === b.source ? 0 : a.source === 'reask' ? 1 : -1));
  const latest = byTime[byTime.length - 1];
  const original = [...byTime].reverse().find((v) => v.source === 'survey') ?? null;
  return { ...latest, original };
}
