import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

/**
 * queued -> sending (leased by a dispatcher) -> sent | failed, or back to queued for a retry;
 * captured = demo mode (no RESEND_API_KEY): stored for admins to read, never sent.
 */
export const EMAIL_STATES = ['queued', 'sending', 'sent', 'failed', 'captured'] as const;
export type EmailState = (typeof EMAIL_STATES)[number];

// Delivery events from Resend webhooks; svixId deduplicates webhook retries.
const EmailEventSchema = new Schema(
  {
    type: { type: String, required: true },
    at: { type: Date, required: true },
    svixId: { type: String },
    data: { type: Schema.Types.Mixed },
  },
  { _id: false },
);

const EmailTagSchema = new Schema({ name: { type: String, required: true }, value: { type: String, required: true } }, { _id: false });

const EmailMessageSchema = new Schema(
  {
    /** Deterministic per business event (`user:<id>:invitation`); also Resend's Idempotency-Key. */
    idempotencyKey: { type: String, required: true, unique: true },
    template: { type: String, required: true },
    to: { type: String, required: true, lowercase: true, trim: true },
    from: { type: String, required: true },
    /** Reply-To, when the sender set one (a buyer email of a brand with a reply-to address). */
    replyTo: { type: String },
    subject: { type: String, required: true },
    /** Messages stored before the body moved to EmailBody (same _id) carry their html here. */
    html: { type: String },
    text: { type: String, required: true },
    /** Extra MIME headers, e.g. List-Unsubscribe / List-Unsubscribe-Post. */
    headers: { type: Schema.Types.Mixed },
    /** Sent to Resend as tags, so webhooks can be tied back without a lookup. */
    tags: { type: [EmailTagSchema], default: [] },
    /** What the email is about, e.g. { entityType: 'survey', entityId: '...' }. */
    metadata: { type: Schema.Types.Mixed },
    state: { type: String, enum: EMAIL_STATES, required: true, default: 'queued' },
    providerId: { type: String },
    attempts: { type: Number, required: true, default: 0 },
    lastError: { type: String },
    nextAttemptAt: { type: Date },
    sentAt: { type: Date },
    failedAt: { type: Date },
    /** Stable batch membership (for batch sends), so a retried batch is byte-identical. */
    batchKey: { type: String },
    // Lease fields for app/platform/lease.server.ts.
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
    events: { type: [EmailEventSchema], default: [] },
  },
  { timestamps: true, minimize: false },
);
// The dispatcher's query: due queued messages, oldest first.
EmailMessageSchema.index({ state: 1, nextAttemptAt: 1 });
// The admin outbox: newest first, optionally by state.
EmailMessageSchema.index({ createdAt: -1 });
EmailMessageSchema.index({ state: 1, createdAt: -1 });
// Webhooks find the message by Resend's id.
EmailMessageSchema.index({ providerId: 1 });
EmailMessageSchema.index({ batchKey: 1 });
EmailMessageSchema.index({ to: 1, createdAt: -1 });

export type EmailMessageDoc = InferSchemaType<typeof EmailMessageSchema>;
export const EmailMessage = defineModel('EmailMessage', EmailMessageSchema);
