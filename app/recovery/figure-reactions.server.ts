// The recovery figures' reactions to what the recovery cases record (app/platform/events.server.ts):
// a case opened or closed is counted in the `recovery.case` rollups, once per case and step
// (app/dashboards/recovery-metrics.server.ts). Loaded with app/recovery/reactions.server.ts, which
// every entry point imports. The repair for a reaction that never ran (a process that died between the case's save and
// its reaction): the nightly rebuild recomputes the rollups from the cases (docs/work-queue.md).
import { onRecorded } from '#app/platform/events.server';
import { countCaseClosed, countCaseOpened } from '#app/dashboards/recovery-metrics.server';

onRecorded('recovery.opened', 'recovery-figures.opened', ({ caseId }) => countCaseOpened(caseId));
onRecorded('recovery.closed', 'recovery-figures.closed', ({ caseId }) => countCaseClosed(caseId));
