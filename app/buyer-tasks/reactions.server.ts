// Buyer tasks' reactions to what journeys and deals record (app/platform/events.server.ts): a stage
// that starts opens its tasks, the stage left stops its open ones, and a new closed-won deal opens
// its journey's first stage. Loaded for its effect by the web server's entry (app/entry.server.tsx),
// the worker (app/worker/worker.server.ts), the demo seed and the tests' setup. The repair for a
// reaction that failed or never ran (a CSV import starts journeys after its events): the worker's
// hourly `buyer-tasks-open-missing` sweep (docs/buyer-tasks.md).
import { onRecorded } from '#app/platform/events.server';
import { closeStageTasks, openStageTasks, openTasksForDeal } from '#app/buyer-tasks/tasks.server';

onRecorded('journey.stage_changed', 'buyer-tasks.stage', async ({ journeyId, from, to, now }) => {
  await closeStageTasks({ journeyId, stageKey: from, now });
  await openStageTasks({ journeyId, stageKey: to, now });
});

onRecorded('deal.closed_won', 'buyer-tasks.first-stage', ({ dealId, now }) => openTasksForDeal({ dealId, now }));
