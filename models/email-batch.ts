import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

export const EMAIL_BATCH_STATES = ['queued', 'sending', 'sent', 'failed'] as const;
export type EmailBatchState = (typeof EMAIL_BATCH_STATES)[number];

// A Resend batch send (POST /emails/batch, up to 100 emails). `_id` is the batch key the member
// messages carry; inserting this document freezes the membership (`messageIds`, in send order)
// before the first request, so every retry sends the byte-identical payload under the same key.
const EmailBatchSchema = new Schema(
  {
    _id: { type: String, required: true },
    messageIds: { type: [Schema.Types.ObjectId], required: true },
    /** Resend's Idempotency-Key for this batch (`batch:<batch key>`). */
    idempotencyKey: { type: String, required: true },
    state: { type: String, enum: EMAIL_BATCH_STATES, required: true, default: 'queued' },
    attempts: { type: Number, required: true, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String },
    /** Resend's ids, aligned with messageIds. */
    providerIds: { type: [String], default: [] },
    sentAt: { type: Date },
    failedAt: { type: Date },
    /**
     * When the members' outbox entries were brought in line with this batch (email-settle task).
     * Until then a member's stored state is `queued`, and readers take its state from the batch.
     */
    membersSettledAt: { type: Date },
    // Lease fields for app/platform/lease.server.ts.
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
EmailBatchSchema.index({ state: 1, nextAttemptAt: 1 });

export type EmailBatchDoc = InferSchemaType<typeof EmailBatchSchema>;
export const EmailBatch = defineModel('EmailBatch', EmailBatchSchema);
