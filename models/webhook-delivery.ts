import { Schema, type InferSchemaType } from 'mongoose';
import { ENDPOINT_KINDS } from './webhook-endpoint';

import { defineModel } from './_define';

/** pending (due at nextAttemptAt; leased while being sent) -> delivered | failed. */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

// One event to one endpoint (docs/webhooks.md). The unique (endpointId, eventId) index is the
// business rule "an event reaches an endpoint once": a replayed event, a second web process or a
// retried reaction inserts the same key and is ignored (insertIgnoringDuplicates).
const WebhookDeliverySchema = new Schema(
  {
    endpointId: { type: Schema.Types.ObjectId, ref: 'WebhookEndpoint', required: true },
    kind: { type: String, enum: ENDPOINT_KINDS, required: true },
    /** Deterministic from the event (webhook-rules.ts eventIdFor): the receiver's de-duplication key. */
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    /** The exact JSON sent, fixed at the event: every retry sends (and signs) the same bytes. */
    body: { type: String, required: true },
    /** A delivery made with the "Send a test event" button. */
    test: { type: Boolean, default: false },
    state: { type: String, enum: DELIVERY_STATES, required: true, default: 'pending' },
    attempts: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, default: null },
    lastAttemptAt: { type: Date },
    lastStatus: { type: Number },
    lastError: { type: String },
    deliveredAt: { type: Date },
    // Lease fields for app/platform/lease.server.ts.
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
  },
  { timestamps: true },
);
WebhookDeliverySchema.index({ endpointId: 1, eventId: 1 }, { unique: true });
// The worker's query: due pending deliveries, oldest first.
WebhookDeliverySchema.index({ state: 1, nextAttemptAt: 1 });
// The delivery log: one endpoint's, newest first.
WebhookDeliverySchema.index({ endpointId: 1, createdAt: -1 });

export type WebhookDeliveryDoc = InferSchemaType<typeof WebhookDeliverySchema>;
export const WebhookDelivery = defineModel('WebhookDelivery', WebhookDeliverySchema);
