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
    /**
     * The Resend email objects, one per member (from, to, subject, html, text, headers, tags), as
     * gzipped JSON: members share a template, so 100 of them (~1 MB) shrink ~20x, and FerretDB
     * decodes and rewrites whole documents (a 1 MB payload cost 28 ms to insert, 60 to read and
     * 53 to delete).
     */
    gz: { type: Buffer },
    /** The same, uncompressed: payloads frozen before `gz` existed (read only). */
    emails: { type: [Schema.Types.Mixed], default: undefined },
  },
  { timestamps: false, versionKey: false },
);

export type EmailBatchPayloadDoc = InferSchemaType<typeof EmailBatchPayloadSchema>;
export const EmailBatchPayload = defineModel('EmailBatchPayload', EmailBatchPayloadSchema);
