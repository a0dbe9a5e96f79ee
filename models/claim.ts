import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// "Exactly once" markers for business rules: an event processed once, a token consumed once, a
// review-round member invited once. The unique _id says it; a second insert is refused on any
// engine. (Conditional updates are atomic too, docs/decisions/0017: state that lives on a
// document is guarded by its update's filter, not by a claim.)
const ClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Optional group of claims and their order, e.g. the members of one review round. */
    resource: { type: String },
    gen: { type: Number },
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    data: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);

ClaimSchema.index({ resource: 1, gen: -1 });

export type ClaimDoc = InferSchemaType<typeof ClaimSchema>;
export const Claim = defineModel('Claim', ClaimSchema);
