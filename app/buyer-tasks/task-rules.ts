// Pure rules of buyer tasks (docs/buyer-tasks.md): due dates, which reminder a task owes a buyer on a
// day, and how one day's reminders group into one email per buyer. No database, no clock of its own.

export type ReminderKind = 'opened' | 'due_soon' | 'overdue';
export type NoticeItemKind = ReminderKind | 'digest';
export type TaskState = 'done' | 'overdue' | 'due_soon' | 'open';

const DAY_MS = 86_400_000;
/** A comment on a task is plain text of at most this many characters. */
export const COMMENT_MAX = 1000;
/** A stage without an SLA (none but the terminal one today) gives its tasks this long. */
export const DEFAULT_TASK_DAYS = 14;
/** "Due soon" on the pages: due today, tomorrow or the day after. */
export const DUE_SOON_DAYS = 2;

/** The UTC day of an instant, `yyyy-mm-dd`. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const dayNumber = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);

/** The ISO week of an instant (UTC), e.g. `2026-W50`. */
export function isoWeek(at: Date) {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of this week names its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Mondays (UTC) carry the weekly digest of open tasks. */
export const isDigestDay = (at: Date) => at.getUTCDay() === 1;

/** A task's due date when CS sets none: the stage's start plus its SLA days. */
export function defaultDueAt(stageEnteredAt: Date, slaDays: number | null | undefined) {
  return new Date(stageEnteredAt.getTime() + (slaDays ?? DEFAULT_TASK_DAYS) * DAY_MS);
}

/** Where a task stands on `now`, for the plan page and the CS table. */
export function taskState(task: { status: string; dueAt: Date }, now: Date): TaskState {
  if (task.status === 'done') return 'done';
  const daysLeft = dayNumber(utcDay(task.dueAt)) - dayNumber(utcDay(now));
  if (daysLeft < 0) return 'overdue';
  return daysLeft <= DUE_SOON_DAYS ? 'due_soon' : 'open';
}

/** Whole days from `from` to `to` by UTC day (negative when `to` is earlier). */
export const daysBetween = (from: Date, to: Date) => dayNumber(utcDay(to)) - dayNumber(utcDay(from));

/**
 * The reminder an open task owes one buyer on `now`, given the kinds already sent to them: when it
 * opens, a day before it is due (or on the day), a day after it is due (or later). Only the latest
 * that applies: a task that opens the day before it is due gets "due soon" only, and "overdue"
 * replaces both when the buyer hears of it late. Null when nothing is owed.
 */
export function reminderDue(task: { openedAt: Date; dueAt: Date }, sent: readonly ReminderKind[], now: Date): ReminderKind | null {
  if (sent.includes('overdue')) return null;
  const today = dayNumber(utcDay(now));
  const due = dayNumber(utcDay(task.dueAt));
  if (today >= due + 1) return 'overdue';
  if (sent.includes('due_soon')) return null;
  if (today >= due - 1) return 'due_soon';
  if (sent.includes('opened')) return null;
  return today >= dayNumber(utcDay(task.openedAt)) ? 'opened' : null;
}

/** The kinds a sent reminder stands for (a later one makes the earlier ones moot). */
export function kindsCovered(kind: ReminderKind): ReminderKind[] {
  if (kind === 'overdue') return ['opened', 'due_soon', 'overdue'];
  if (kind === 'due_soon') return ['opened', 'due_soon'];
  return ['opened'];
}

export type TaskForNotice = {
  id: string;
  ownerIds: string[];
  openedAt: Date;
  dueAt: Date;
  notices: { contactId: string; kind: ReminderKind }[];
};
export type NoticePlan = { contactId: string; digest: boolean; items: { taskId: string; kind: NoticeItemKind }[] };

/**
 * One email per buyer for `now`'s day: every open task that owes them a reminder goes into it. On
 * a Monday every buyer who owns an open task gets the weekly digest, with that day's reminders in
 * the same email (still one a day). `canEmail` leaves out bounced, complained and unsubscribed buyers.
 */
export function planNotices(tasks: readonly TaskForNotice[], now: Date, canEmail: (contactId: string) => boolean): NoticePlan[] {
  const digest = isDigestDay(now);
  const byContact = new Map<string, NoticePlan>();
  for (const task of tasks) {
    for (const contactId of new Set(task.ownerIds)) {
      if (!canEmail(contactId)) continue;
      const sent = task.notices.filter((n) => n.contactId === contactId).map((n) => n.kind);
      const kind = reminderDue(task, sent, now) ?? (digest ? 'digest' : null);
      if (!kind) continue;
      const plan = byContact.get(contactId) ?? { contactId, digest, items: [] };
      plan.items.push({ taskId: task.id, kind });
      byContact.set(contactId, plan);
    }
  }
  return [...byContact.values()];
}

/** The day's notice of one buyer (the one-a-day rule lives in this id). */
export const noticeIdFor = (contactId: string, now: Date) => `buyer-tasks:${contactId}:${utcDay(now)}`;

/** The outbox key of that notice's email: the day's, or on a Monday the week's digest. */
export const noticeEmailKey = (contactId: string, now: Date, digest: boolean) => (digest ? `buyer-tasks-digest:${contactId}:${isoWeek(now)}` : noticeIdFor(contactId, now));
