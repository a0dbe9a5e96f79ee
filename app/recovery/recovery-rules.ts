// The rules of recovery cases, as plain functions: which answer opens which cases, when a case is
// due, which status change is allowed from where, and what the SLA looks like to the CSM. No
// database here (docs/recovery.md).
import { REASK_EXPIRY_DAYS, REASK_REMINDER_DAYS } from '#app/recovery/reask-rules';
import type { RecoveryStatus, RecoveryTrigger } from '#models/recovery-case';

export type { RecoveryStatus, RecoveryTrigger };

/** The admin's settings when nothing is saved: NPS 0-6 is a detractor; 5 business days to act. */
export const DEFAULT_RECOVERY_SETTINGS = { npsThreshold: 6, slaBusinessDays: 5, reaskReminderDays: REASK_REMINDER_DAYS, reaskExpiryDays: REASK_EXPIRY_DAYS } as const;
export type RecoveryPolicy = { npsThreshold: number; recoverPartly: boolean };

/** The parts of a survey answer the rules read. */
export type AnswerForRecovery = {
  promises: Array<{ promiseId: string; text: string; category: string; verdict: 'delivered' | 'partly' | 'not_yet'; comment?: string | null }>;
  overall: 'yes' | 'partly' | 'no';
  nps: number;
  comment?: string | null;
};

/** One case an answer opens (before the snapshot of the deal is added). */
export type CaseToOpen = { promiseKey: string; trigger: RecoveryTrigger; promiseText: string; category: string | null; buyerWords: string };

export const OVERALL_KEY = 'overall';

/**
 * The cases an answer opens: one per promise judged "Not yet"; one per "Partly" when the account
 * asks for it; one 'overall' case for an overall "No", or an NPS at or below the threshold. The
 * buyer's words are their comment on the promise, else their comment on the answer.
 */
export function casesForAnswer(answer: AnswerForRecovery, policy: RecoveryPolicy): CaseToOpen[] {
  const general = (answer.comment ?? '').trim();
  const cases: CaseToOpen[] = [];
  for (const p of answer.promises) {
    const trigger: RecoveryTrigger | null = p.verdict === 'not_yet' ? 'promise_not_yet' : p.verdict === 'partly' && policy.recoverPartly ? 'promise_partly' : null;
    if (!trigger) continue;
    cases.push({ promiseKey: p.promiseId, trigger, promiseText: p.text, category: p.category, buyerWords: (p.comment ?? '').trim() || general });
  }
  const overall: RecoveryTrigger | null = answer.overall === 'no' ? 'overall_no' : answer.nps <= policy.npsThreshold ? 'low_nps' : null;
  if (overall) cases.push({ promiseKey: OVERALL_KEY, trigger: overall, promiseText: '', category: null, buyerWords: general });
  return cases;
}

const DAY = 86_400_000;

/** `from` plus `days` business days (Monday to Friday, UTC); a weekend start counts from Monday. */
export function addBusinessDays(from: Date, days: number) {
  const at = new Date(from.getTime());
  let left = days;
  while (left > 0) {
    at.setTime(at.getTime() + DAY);
    const weekday = at.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return at;
}

/**
 * When a case is overdue: an open (or escalated-by-hand) case at its SLA; a case with an agreed plan
 * once the plan's date plus the SLA's business days passed (time for the re-ask to be answered).
 */
export function escalationDueAt(c: { status: RecoveryStatus; slaDueAt: Date; plan?: { dueBy: Date } | null }, slaBusinessDays: number): Date | null {
  if (c.status === 'open') return c.slaDueAt;
  if (c.status === 'plan_agreed') return c.plan ? addBusinessDays(c.plan.dueBy, slaBusinessDays) : c.slaDueAt;
  return null;
}

/** The statuses a case may be in for each action (the precondition of its conditional write). */
export const ALLOWED_FROM = {
  agree_plan: ['open', 'plan_agreed', 'escalated'],
  deliver: ['open', 'plan_agreed', 'escalated'],
  wont_deliver: ['open', 'plan_agreed', 'escalated'],
  escalate: ['open', 'plan_agreed'],
  reassign: ['open', 'plan_agreed', 'escalated'],
} as const satisfies Record<string, readonly RecoveryStatus[]>;
export type RecoveryAction = keyof typeof ALLOWED_FROM;

/** Whether `action` is allowed on a case in `status`. */
export const allowedFrom = (action: RecoveryAction, status: RecoveryStatus) => (ALLOWED_FROM[action] as readonly RecoveryStatus[]).includes(status);

/** The actions a page offers for a case in `status`. */
export const actionsFor = (status: RecoveryStatus) => (Object.keys(ALLOWED_FROM) as RecoveryAction[]).filter((a) => allowedFrom(a, status));

export const isClosed = (status: RecoveryStatus) => status === 'delivered' || status === 'wont_deliver';

/** Whole days from `now` to the SLA (negative: overdue), rounded towards the CSM (a part day left is a day). */
export function slaDaysLeft(slaDueAt: Date, now: Date) {
  const ms = slaDueAt.getTime() - now.getTime();
  return ms >= 0 ? Math.ceil(ms / DAY) : -Math.ceil(-ms / DAY);
}

/** The SLA as the CSM reads it: "3 days left", "due today", "2 days overdue". */
export function slaLabel(slaDueAt: Date, now: Date) {
  const ms = slaDueAt.getTime() - now.getTime();
  if (ms >= 0 && ms < DAY) return 'due within a day';
  const days = slaDaysLeft(slaDueAt, now);
  if (days > 0) return `${days} ${days === 1 ? 'day' : 'days'} left`;
  return `${-days} ${days === -1 ? 'day' : 'days'} overdue`;
}

export const RECOVERY_STATUS_LABELS: Record<RecoveryStatus, string> = {
  open: 'Open',
  plan_agreed: 'Plan agreed',
  delivered: 'Delivered',
  wont_deliver: 'Won’t deliver',
  escalated: 'Escalated',
};

export const RECOVERY_TRIGGER_LABELS: Record<RecoveryTrigger, string> = {
  promise_not_yet: 'Promise judged “Not yet”',
  promise_partly: 'Promise judged “Partly”',
  overall_no: '“Have we delivered the value we promised?”: No',
  low_nps: 'Low NPS',
};
