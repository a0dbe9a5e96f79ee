import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// A delivery event from a Resend webhook (delivered, bounced, complained...). Its own document,
// never a write into the EmailMessage: the dispatcher may be writing that message at the same
// moment, and FerretDB 1.24 would let one whole-document write undo the other.
const EmailEventSchema = new Schema(
  {
    /** The Svix message id: one document per delivered webhook, whatever Svix retries. */
    _id: { type: String, required: true },
    type: { type: String, required: true },
    at: { type: Date, required: true },
    /** Resend's email id (EmailMessage.providerId). */
    providerId: { type: String },
    to: { type: [String], default: [] },
    entityType: { type: String },
    entityId: { type: String },
    data: { type: Schema.Types.Mixed },
  },
  { timestamps: true, versionKey: false },
);
EmailEventSchema.index({ providerId: 1, at: 1 });
EmailEventSchema.index({ entityType: 1, entityId: 1, at: 1 });

export type EmailEventDoc = InferSchemaType<typeof EmailEventSchema>;
export const EmailEvent = defineModel('EmailEvent', EmailEventSchema);
