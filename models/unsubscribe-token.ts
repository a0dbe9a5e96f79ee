import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// One-click unsubscribe links (/u/<token>) in survey and ask emails. `_id` is the SHA-256 of the
// token; the link keeps working for good (an old email's footer must still unsubscribe).
const UnsubscribeTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    email: { type: String, required: true },
    /** What the email was about, e.g. `survey:<id>`. */
    source: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
UnsubscribeTokenSchema.index({ contactId: 1 });

export type UnsubscribeTokenDoc = InferSchemaType<typeof UnsubscribeTokenSchema>;
export const UnsubscribeToken = defineModel('UnsubscribeToken', UnsubscribeTokenSchema);
