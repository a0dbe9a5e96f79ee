// Recovery's reactions to what other areas record (app/platform/events.server.ts): an applied survey
// answer may open recovery cases. Loaded for its effect by the web server's entry
// (app/entry.server.tsx), the worker (app/worker/worker.server.ts), the demo seed and the unit
// tests' setup. The repair for a reaction that failed or never ran: the worker's hourly
// `recovery-open-missing` task (docs/recovery.md, "Exactly once").
import { onRecorded } from '#app/platform/events.server';
import { openCasesForAnswer } from '#app/recovery/open.server';
// The recovery figures count each case opened and closed (their own file, loaded with this one).
import '#app/recovery/figure-reactions.server';

// A buyer said a promise was not kept (or the answer as a whole was bad): open the cases (issue 18).
onRecorded('survey.answered', 'recovery.open', ({ surveyId, now }) => openCasesForAnswer({ surveyId, now }));
