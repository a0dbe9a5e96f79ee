// Outgoing webhooks' and Slack's reactions to what other areas record (app/platform/events.server.ts):
// every event an endpoint may subscribe to queues one delivery per subscribed endpoint. Loaded for
// its effect by the web server's entry (app/entry.server.tsx), the worker, the demo seed and the
// tests' setup. A reaction that fails is logged (events.server.ts); that event is not delivered.
import { onRecorded } from '#app/platform/events.server';
import { queueEventDeliveries } from '#app/integrations/webhooks.server';
import { WEBHOOK_EVENT_TYPES } from '#app/integrations/webhook-rules';

for (const type of WEBHOOK_EVENT_TYPES) onRecorded(type, 'integrations.webhooks', (facts) => queueEventDeliveries(type, facts));
