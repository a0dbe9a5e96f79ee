import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

/**
 * The request body of one sealed Resend batch, `_id` = the batch key: written once by the producer
 * that queued the members (it has them rendered in memory), next to the EmailBatch, and never
 * updated. The dispatcher sends it as stored, so a retry is byte-identical, with one read by `_id`
 * instead of two per member (message and body: 200 round trips per batch on FerretDB). A batch
 * sealed without one (the dispatcher's repair of an unsealed batch) is rebuilt from its members.
 */
const EmailBatchPayloadSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The membership this payload was built for, in the batch's order; used only when it equals the batch's. */
    messageIds: { type: [Schema.Types.ObjectId], required: true },
    /** One Resend email object per member (from, to, subject, html, text, headers, tags). */
    emails: { type: [Schema.Types.Mixed], required: true },
  },
  { timestamps: false, versionKey: false },
);

export type EmailBatchPayloadDoc = InferSchemaType<typeof EmailBatchPayloadSchema>;
export const EmailBatchPayload = defineModel('EmailBatchPayload', EmailBatchPayloadSchema);
