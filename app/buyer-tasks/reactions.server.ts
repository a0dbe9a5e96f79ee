// Buyer tasks' reaction to what journeys record (app/platform/events.server.ts): the stage left stops
// its open tasks and the new stage's tasks open. (A journey's first stage opens its tasks as the
// journey starts, app/buyer-tasks/open.server.ts.) Loaded for its effect by the web server's entry
// (app/entry.server.tsx), the worker (app/worker/worker.server.ts), the demo seed and the tests'
// setup. The repair for a reaction that failed or never ran: the worker's hourly
// `buyer-tasks-open-missing` sweep (docs/buyer-tasks.md).
import { onRecorded } from '#app/platform/events.server';
import { closeStageTasks, openStageTasks } from '#app/buyer-tasks/open.server';

onRecorded('journey.stage_changed', 'buyer-tasks.stage', async ({ journeyId, from, to, now }) => {
  await closeStageTasks({ journeyId, stageKey: from, now });
  await openStageTasks({ journeyId, stageKey: to, now });
});
