// The work queue's pure rules: what an item is, how items are ranked, what a snooze form accepts.
// No database here (tests: work-rules.unit.test.ts). See docs/work-queue.md.
import { z } from 'zod';

export const WORK_ITEM_KINDS = ['recovery', 'confirmation', 'journey', 'survey-contact', 'survey-held'] as const;
export type WorkItemKind = (typeof WORK_ITEM_KINDS)[number];

export const WORK_KIND_LABELS: Record<WorkItemKind, string> = {
  recovery: 'Recovery case',
  confirmation: 'Buyer confirmation waiting',
  journey: 'Journey at risk or stalled',
  'survey-contact': 'Survey needs another contact',
  'survey-held': 'Survey held: customer not live',
};

/**
 * Days a buyer may take to confirm an exit criterion on the shared plan page before the request
 * lands in the CSM's queue (counted from when the plan link was sent for the journey's current stage).
 */
export const BUYER_CONFIRMATION_WAIT_DAYS = 5;

/** Items per page of the queue. */
export const WORK_PER_PAGE = 20;

/** The longest a snooze may last, in days. */
export const MAX_SNOOZE_DAYS = 90;

export type WorkItem = {
  kind: WorkItemKind;
  /** The id of the thing itself (case, journey, survey); with `kind`, the key of a snooze. */
  itemId: string;
  /** What waits, in a few words ("Promise not kept: SSO by March"). */
  what: string;
  accountId: string;
  accountName: string;
  arr: number;
  currency: string;
  /** Days past the item's due moment; negative while it is not due yet (shown as "due in"). */
  daysOverdue: number;
  /** When it became due (ISO), the oldest-item figure of the leadership summary. */
  dueAt: string;
  /** The one thing to do, as a link (every primary action opens the page where it is done). */
  action: { label: string; href: string };
};

/**
 * Rank: ARR at stake, weighted by how long the item is overdue: score = ARR × (1 + days overdue / 30),
 * days counted from 0 (an item not due yet weighs its ARR alone). A month overdue doubles an item's
 * weight, so a small account left for months overtakes a large one due today. Ties: longer overdue
 * first, then kind (recovery cases first), then id, so the order is stable across pages.
 */
export function workScore(item: Pick<WorkItem, 'arr' | 'daysOverdue'>) {
  return Math.max(0, item.arr) * (1 + Math.max(0, item.daysOverdue) / 30);
}

export function compareWorkItems(a: WorkItem, b: WorkItem) {
  return (
    workScore(b) - workScore(a) ||
    b.daysOverdue - a.daysOverdue ||
    WORK_ITEM_KINDS.indexOf(a.kind) - WORK_ITEM_KINDS.indexOf(b.kind) ||
    (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0)
  );
}

/** The key of an item for snoozes: kind and id. */
export const workItemKey = (item: { kind: string; itemId: string }) => `${item.kind}:${item.itemId}`;

const DAY = 86_400_000;

/** The end of a date (YYYY-MM-DD, UTC): a snooze "until 12 March" hides the item through that day. */
export function snoozeEnd(date: string) {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY);
}

/** The snooze form: which item, until which date (tomorrow to MAX_SNOOZE_DAYS ahead), and why. */
export function snoozeFormSchema(now: Date) {
  const today = now.toISOString().slice(0, 10);
  const last = new Date(now.getTime() + MAX_SNOOZE_DAYS * DAY).toISOString().slice(0, 10);
  return z.object({
    kind: z.enum(WORK_ITEM_KINDS, { message: 'Choose an item of the queue.' }),
    itemId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose an item of the queue.'),
    until: z
      .string()
      .trim()
      .superRefine((d, ctx) => {
        // One message, the first that applies.
        const problem = !/^\d{4}-\d{2}-\d{2}$/.test(d)
          ? 'Enter the date to bring it back, e.g. 2026-12-24.'
          : Number.isNaN(Date.parse(`${d}T00:00:00Z`))
            ? 'Enter a real date.'
            : d <= today
              ? 'Choose a date after today.'
              : d > last
                ? `Snooze for at most ${MAX_SNOOZE_DAYS} days.`
                : null;
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    reason: z.string().trim().min(3, 'Say why it can wait (a few words).').max(500, 'Keep the reason under 500 characters.'),
  });
}
export type SnoozeInput = z.infer<ReturnType<typeof snoozeFormSchema>>;

export const WakeFormSchema = z.object({
  kind: z.enum(WORK_ITEM_KINDS),
  itemId: z.string().regex(/^[a-f0-9]{24}$/i),
});

export const WorkQuerySchema = z.object({
  view: z.enum(['open', 'snoozed']).catch('open'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  /** Leadership and admin: whose queue (a CS user's id). */
  csm: z
    .string()
    .regex(/^[a-f0-9]{24}$/i)
    .optional()
    .catch(undefined),
});
export type WorkQuery = z.infer<typeof WorkQuerySchema>;

/** "3 days overdue", "due today", "due in 2 days". */
export function overdueLabel(days: number) {
  const whole = Math.floor(Math.abs(days));
  if (days >= 1) return `${whole} ${whole === 1 ? 'day' : 'days'} overdue`;
  if (days > -1) return 'due today';
  return `due in ${whole} ${whole === 1 ? 'day' : 'days'}`;
}
