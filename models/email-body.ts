import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

/**
 * The rendered HTML of one outbox message, `_id` = the message's `_id`; written once, before the
 * message, and never updated. Kept apart from EmailMessage because FerretDB 1.24 rewrites the whole
 * document on every update: with a 10-15 KB body inside, marking a message sent cost about 7 times
 * more (40 vs 5.5 ms per document at 2,000 messages, measured for `npm run bench` before the `_id`
 * index of docs/decisions/0006-ferretdb-with-four-patches.md removed the scan around each update).
 */
const EmailBodySchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    html: { type: String, required: true },
  },
  { timestamps: false, versionKey: false },
);

export type EmailBodyDoc = InferSchemaType<typeof EmailBodySchema>;
export const EmailBody = defineModel('EmailBody', EmailBodySchema);
