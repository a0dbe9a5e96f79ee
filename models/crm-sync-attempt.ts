import { Schema, type InferSchemaType } from 'mongoose';
import { CRM_OBJECTS } from './crm-push';
import { CRM_PROVIDERS } from './crm-connection';
import { defineModel } from './_define';

/** What an attempt came to: the record was updated, it will be retried, or it failed for good. */
export const CRM_ATTEMPT_OUTCOMES = ['delivered', 'retry', 'failed'] as const;

// The sync log (docs/crm-write-back.md): one entry per request Kept made to the CRM for a push or a
// test push, append-only, read newest first on /admin/crm.
const CrmSyncAttemptSchema = new Schema(
  {
    provider: { type: String, enum: CRM_PROVIDERS, required: true },
    pushId: { type: Schema.Types.ObjectId, ref: 'CrmPush' },
    test: { type: Boolean, default: false },
    object: { type: String, enum: CRM_OBJECTS, required: true },
    crmObjectId: { type: String, required: true },
    eventType: { type: String, required: true },
    at: { type: Date, required: true },
    status: { type: Number },
    outcome: { type: String, enum: CRM_ATTEMPT_OUTCOMES, required: true },
    error: { type: String },
    ms: { type: Number },
  },
  { timestamps: false, versionKey: false },
);
CrmSyncAttemptSchema.index({ at: -1, _id: -1 });
CrmSyncAttemptSchema.index({ pushId: 1 });

export type CrmSyncAttemptDoc = InferSchemaType<typeof CrmSyncAttemptSchema>;
export const CrmSyncAttempt = defineModel('CrmSyncAttempt', CrmSyncAttemptSchema);
