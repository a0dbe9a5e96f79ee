import { isDatabaseUnavailable } from '#app/platform/db.server';
import { expireUnansweredAsks, processDueReviewCampaigns, runAdvocacyNightly } from '#app/advocacy/advocacy.server';
// What advocacy does when the worker applies an answer or imports a referred deal (app/platform/events.server.ts).
import '#app/advocacy/reactions.server';
import '#app/integrations/reactions.server';
import '#app/crm/reactions.server';
import { dispatchDueCrmPushes } from '#app/crm/crm.server';
import { dispatchDueWebhooks } from '#app/integrations/webhooks.server';
import '#app/recovery/reactions.server';
import '#app/buyer-tasks/reactions.server';
import { openMissingTasks } from '#app/buyer-tasks/open.server';
import { sendBuyerTaskReminders } from '#app/buyer-tasks/reminders.server';
import { dispatchDueEmails, settleBatchMembers } from '#app/email/email.server';
import { sendJourneyDigests } from '#app/journeys/journey-digest.server';
import { startMissingJourneys } from '#app/journeys/journey.server';
import { removeStaleUploads } from '#app/deals/import.server';
import { expireDueSurveys, sendDueInvitations, sendDueReminders } from '#app/surveys/survey-delivery.server';
import { applyPendingResponses, scheduleMissingSurveys } from '#app/surveys/surveys.server';
import { openMissingCases } from '#app/recovery/open.server';
import { refreshForecastSnapshot } from '#app/dashboards/forecast.server';
import { runNightlyMetricsRebuild } from '#app/dashboards/metrics-rebuild.server';
import { idleGate } from '#app/utils/idle-gate';
import { log, logError } from '#app/utils/log.server';
import { pruneChanges } from '#app/platform/change-feed.server';
import { applyPendingReaskAnswers } from '#app/recovery/reask-answer.server';
import { expireDueReasks, scheduleDueReasks, sendDueReaskReminders, sendDueReasks } from '#app/recovery/reask.server';

/** What every task gets: the cycle's time, this worker's lease owner token, and a stop signal. */
/** `busy`: an earlier task of this cycle stopped at its limit with work left. */
export type TaskContext = { now: Date; owner: string; signal: AbortSignal; busy?: boolean };
export type WorkerTask = { name: string; run(ctx: TaskContext): Promise<unknown> };
export type TaskReport = { name: string; ok: boolean; ms: number; result?: unknown; error?: string };
/** `more`: a task stopped at its limit with work left (its result says `more: true`), so the next cycle should not wait. */
export type CycleResult = { ok: boolean; more: boolean; tasks: TaskReport[] };

const HOUR = 3600_000;
const MINUTE = 60_000;

/** True when a task's result says it stopped at its limit with work left. */
const leftWork = (result: unknown) => (result as { more?: unknown } | undefined)?.more === true;
/** True when a task of the cycle so far ran and left work. */
const anyLeftWork = (reports: TaskReport[]) => reports.some((r) => r.ok && leftWork(r.result));

/**
 * Runs a task at most once per `everyMs` of the cycle clock, unless its last run stopped at its
 * limit with work left (`more`) or the clock went back. For tasks whose due query filters by a
 * field: on FerretDB each is a scan of the collection (10,000 surveys: ~0.7 s; 343,000: ~25 s),
 * and reminders, expiries and the answer safety net are due by the day, so every 5 s cycle
 * scanning for them again only slowed the tasks that have work.
 */
export function atMostEvery(everyMs: number, run: WorkerTask['run']): WorkerTask['run'] {
  const gate = idleGate(everyMs);
  return async (ctx) => {
    const at = ctx.now.getTime();
    if (!gate.open(at)) return { skipped: true };
    const result = await run(ctx);
    gate.scanned(at, leftWork(result));
    return result;
  };
}
let lastPruneAt = 0;
let lastSurveySweepAt = 0;
let lastJourneySweepAt = 0;

/**
 * Runs a task that queues email batches (`produce`) with email dispatch beside it: each batch the
 * task seals is sent while its next chunk is prepared, instead of after the whole run. Sending is
 * paced by the provider (100 emails per request, 2 requests a second by default), so one after
 * the other, preparing 1,000 invitations and then waiting out the pacing of their 10 requests
 * added up. Both stay inside the task: the task ends when both have, and fails (and the cycle
 * with it) when either did. What is left when the task ends goes with the `email-dispatch` task.
 */
export async function sendingAlongside<T>(ctx: TaskContext, produce: (onBatch: () => void) => Promise<T>): Promise<T> {
  let done = false;
  let sealed = false;
  let wake: (() => void) | null = null;
  const nudge = () => {
    sealed = true;
    wake?.();
  };
  const sender = (async () => {
    while (!done && !ctx.signal.aborted) {
      sealed = false;
      const sent = await dispatchDueEmails({ now: ctx.now, owner: ctx.owner, signal: ctx.signal });
      if (sent.paused || sent.demo) return;
      // Nothing was due: wait for the next batch (or the end of the task).
      if (sent.batches === 0 && !sealed && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  })();
  const producing = produce(nudge).finally(() => {
    done = true;
    wake?.();
  });
  const [produced, sending] = await Promise.allSettled([producing, sender]);
  if (produced.status === 'rejected') throw produced.reason;
  if (sending.status === 'rejected') throw sending.reason;
  return produced.value;
}

/**
 * The worker's tasks, run in this order once per cycle. To add one, add an entry here (each task
 * must be idempotent and claim its work with the lease helpers, since several workers may run).
 * Keep email dispatch after the tasks that queue email, so their emails leave in the same cycle.
 */
export const TASKS: WorkerTask[] = [
  {
    name: 'changes-prune',
    async run({ now }) {
      // The read indexes' change feeds: a web process that falls a day behind reloads anyway.
      if (now.getTime() - lastPruneAt < HOUR) return { skipped: true };
      lastPruneAt = now.getTime();
      return { changes: (await pruneChanges({ before: new Date(now.getTime() - 24 * HOUR) })).deleted };
    },
  },
  {
    name: 'survey-schedule-missing',
    async run({ now }) {
      // Safety net for intake paths that saved a deal but not its surveys; hourly is plenty (waves are months away).
      if (now.getTime() - lastSurveySweepAt < HOUR) return { skipped: true };
      lastSurveySweepAt = now.getTime();
      return scheduleMissingSurveys({ since: new Date(now.getTime() - 72 * HOUR), now });
    },
  },
  {
    name: 'journey-start-missing',
    async run({ now }) {
      // Safety net for intake paths that saved a deal but crashed before its journey started.
      if (now.getTime() - lastJourneySweepAt < HOUR) return { skipped: true };
      lastJourneySweepAt = now.getTime();
      return startMissingJourneys({ since: new Date(now.getTime() - 72 * HOUR), now });
    },
  },
  // The daily at-risk / stalled digest to journey owners (once a day, idempotent per owner and day).
  { name: 'journey-digest', run: ({ now }) => sendJourneyDigests({ now }) },
  // Uploaded CSVs nobody imports for a day (and files a crash left behind) are deleted.
  { name: 'import-upload-sweep', run: atMostEvery(HOUR, ({ now }) => removeStaleUploads({ now })) },
  // Dashboard rollups recomputed from the source documents and a fresh go-live forecast: once a
  // night across all workers, and at once on a fresh install. Before the survey tasks: the rebuild
  // clears, then rewrites, so an answer bumped meanwhile could be counted twice; a fresh install's
  // first cycle rebuilds before it sends the invitations buyers answer.
  { name: 'metrics-rebuild', run: ({ now, owner }) => runNightlyMetricsRebuild({ now, owner }) },
  // The go-live forecast again when a journey moved since its snapshot (the backtest stays the night's).
  { name: 'forecast-refresh', run: atMostEvery(2 * MINUTE, ({ now, owner }) => refreshForecastSnapshot({ now, owner })) },
  // The safety net for answers whose inline apply failed (the buyer's submit applies them at once).
  { name: 'survey-answers', run: atMostEvery(MINUTE, ({ now, owner }) => applyPendingResponses({ now, owner })) },
  // The safety net for recovery cases an applied answer should have opened (a reaction that failed
  // or a process that died after applying the answer): hourly, over the last three days' answers.
  { name: 'recovery-open-missing', run: atMostEvery(HOUR, ({ now }) => openMissingCases({ since: new Date(now.getTime() - 72 * HOUR), now })) },
  { name: 'survey-expiry', run: atMostEvery(MINUTE, ({ now, owner, signal }) => expireDueSurveys({ now, owner, signal })) },
  { name: 'survey-invitations', run: (ctx) => sendingAlongside(ctx, (onBatch) => sendDueInvitations({ ...ctx, onBatch })) },
  { name: 'survey-reminders', run: atMostEvery(MINUTE, (ctx) => sendingAlongside(ctx, (onBatch) => sendDueReminders({ ...ctx, onBatch }))) },
  // The re-ask of a broken promise once its recovery plan's date passed (docs/reask.md).
  { name: 'reask-schedule', run: atMostEvery(MINUTE, ({ now }) => scheduleDueReasks({ now })) },
  { name: 'reask-answers', run: atMostEvery(MINUTE, ({ now }) => applyPendingReaskAnswers({ now })) },
  { name: 'reask-expiry', run: atMostEvery(MINUTE, (ctx) => expireDueReasks(ctx)) },
  { name: 'reask-invitations', run: (ctx) => sendDueReasks(ctx) },
  { name: 'reask-reminders', run: atMostEvery(MINUTE, (ctx) => sendDueReaskReminders(ctx)) },
  // Buyer tasks (docs/buyer-tasks.md): the sweep that opens tasks a reaction missed, then the
  // reminders: at most one email per buyer per day, a digest on Mondays.
  { name: 'buyer-tasks-open-missing', run: atMostEvery(HOUR, ({ now }) => openMissingTasks({ since: new Date(now.getTime() - 72 * HOUR), now })) },
  { name: 'buyer-task-reminders', run: atMostEvery(MINUTE, (ctx) => sendBuyerTaskReminders(ctx)) },
  { name: 'advocacy-ask-expiry', run: ({ now }) => expireUnansweredAsks({ now }) },
  { name: 'advocacy-review-invitations', run: ({ now, signal }) => processDueReviewCampaigns({ now, signal }) },
  { name: 'advocacy-nightly', run: ({ now, owner, signal }) => runAdvocacyNightly({ now, owner, signal }) },
  // Outgoing webhooks and Slack messages: due deliveries, each under a lease (docs/webhooks.md).
  { name: 'webhook-deliveries', run: ({ now, owner, signal }) => dispatchDueWebhooks({ now, owner, signal }) },
  // CRM write-back: due pushes to HubSpot or Salesforce, each under a lease (docs/crm-write-back.md).
  { name: 'crm-pushes', run: ({ now, owner, signal }) => dispatchDueCrmPushes({ now, owner, signal }) },
  {
    name: 'email-dispatch',
    run: ({ now, owner, signal }) => dispatchDueEmails({ now, owner, signal }),
  },
  // Bookkeeping after sending: batch members' outbox entries take their batch's outcome, when no
  // task of the cycle left work (sending first; readers show a member's state from its batch).
  { name: 'email-settle', run: ({ busy, now }) => (busy ? Promise.resolve({ skipped: true }) : settleBatchMembers({ now })) },
];

/**
 * Runs each task once. A failing task is logged and reported; the others still run, except when
 * the database is unreachable: then each would wait out its own server-selection timeout (11 tasks x
 * 5 s before the worker could back off), so the cycle ends there and the rest are reported skipped.
 * `ok` is false when any task failed (the `--once` exit code, and the loop's back-off).
 */
export async function runCycle(input: { now: Date; owner: string; signal?: AbortSignal; tasks?: readonly WorkerTask[] }): Promise<CycleResult> {
  const { now, owner, tasks = TASKS } = input;
  const signal = input.signal ?? new AbortController().signal;
  const reports: TaskReport[] = [];
  let unreachable = false;
  for (const task of tasks) {
    if (signal.aborted) break;
    if (unreachable) {
      reports.push({ name: task.name, ok: false, ms: 0, error: 'skipped: the database is unreachable' });
      continue;
    }
    const started = performance.now();
    try {
      const result = await task.run({ now, owner, signal, busy: anyLeftWork(reports) });
      reports.push({ name: task.name, ok: true, ms: Math.round(performance.now() - started), result });
    } catch (error) {
      unreachable = isDatabaseUnavailable(error);
      logError(error, { where: 'worker task', task: task.name });
      reports.push({
        name: task.name,
        ok: false,
        ms: Math.round(performance.now() - started),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  log('debug', 'Worker cycle done', { tasks: reports });
  return { ok: reports.every((r) => r.ok), more: anyLeftWork(reports), tasks: reports };
}
