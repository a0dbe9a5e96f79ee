import { Schema, type InferSchemaType } from 'mongoose';
import { CRM_PROVIDERS } from './crm-connection';
import { defineModel } from './_define';

/** pending (due at nextAttemptAt; leased while being sent) -> delivered | failed. */
export const CRM_PUSH_STATES = ['pending', 'delivered', 'failed'] as const;
/** Which CRM record a push updates: the deal (HubSpot deal, Salesforce Opportunity) or its company (Account). */
export const CRM_OBJECTS = ['deal', 'company'] as const;
export type CrmObject = (typeof CRM_OBJECTS)[number];

// One change of a deal written to one CRM record (docs/crm-write-back.md): the outbox of the CRM
// write-back, sent by the worker like webhook deliveries. The unique `key` (provider, event id,
// object) is the business rule "a change is pushed once": a replayed event, a second web process or
// a repaired reaction inserts the same key and is ignored (insertIgnoringDuplicates).
const CrmPushSchema = new Schema(
  {
    key: { type: String, required: true },
    provider: { type: String, enum: CRM_PROVIDERS, required: true },
    object: { type: String, enum: CRM_OBJECTS, required: true },
    /** The record's id in the CRM (the deal's crmId, or the company id its intake carried). */
    crmObjectId: { type: String, required: true },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    /** The domain event that changed the deal. */
    eventType: { type: String, required: true },
    state: { type: String, enum: CRM_PUSH_STATES, required: true, default: 'pending' },
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
CrmPushSchema.index({ key: 1 }, { unique: true });
// The worker's query: due pending pushes, oldest first.
CrmPushSchema.index({ state: 1, nextAttemptAt: 1 });
CrmPushSchema.index({ dealId: 1 });

export type CrmPushDoc = InferSchemaType<typeof CrmPushSchema>;
export const CrmPush = defineModel('CrmPush', CrmPushSchema);
