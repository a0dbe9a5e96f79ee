// An event's id, the receiver's de-duplication key (docs/webhooks.md, "Payload").
import crypto from 'node:crypto';
import type { WebhookEvent } from '#app/integrations/webhook-rules';

// What makes one event itself: the same facts give the same id, so a replayed event (a redone
// import batch, a reaction run again by a repair) is the same delivery, never a second one.
const IDENTITY: Record<WebhookEvent, readonly string[]> = {
  'deal.closed_won': ['dealId'],
  // A journey can go back and forth between two stages: each move is its own event.
  'journey.stage_changed': ['journeyId', 'from', 'to', 'now'],
  'journey.live': ['dealId'],
  'survey.answered': ['surveyId'],
  'promise.not_kept': ['surveyId', 'promiseId'],
  'recovery.closed': ['caseId', 'status'],
  'advocate.candidate': ['advocateId'],
  'referral.won': ['referralId'],
};

/** The event's id: `evt_` and 32 hex digits of a hash of its type and identifying facts. */
export function eventIdFor(type: WebhookEvent, facts: Record<string, unknown>) {
  const parts = IDENTITY[type].map((key) => {
    const value = facts[key];
    return value instanceof Date ? value.toISOString() : String(value ?? '');
  });
  return `evt_${crypto
    .createHash('sha256')
    .update([type, ...parts].join('\u001f'))
    .digest('hex')
    .slice(0, 32)}`;
}
