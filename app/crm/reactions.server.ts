// The CRM write-back's reactions to what other areas record (app/platform/events.server.ts): each
// change of a deal's stage, go-live, value verdict or advocate status queues its pushes. Loaded for
// its effect by the web server's entry (app/entry.server.tsx), the worker, the demo seed and the
// tests' setup. A reaction that fails is logged (events.server.ts); that change is not pushed, and
// the deal's next change writes its figures as they then stand (docs/crm-write-back.md).
import { onRecorded } from '#app/platform/events.server';
import { CRM_EVENTS, queueCrmPushes } from '#app/crm/crm.server';

for (const type of CRM_EVENTS) onRecorded(type, 'crm.write-back', (facts) => queueCrmPushes(type, facts));
