import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// "Exactly once" markers. Inserting a document with a unique _id is the one write that is atomic
// on both FerretDB 1.24 (SQLite UNIQUE) and MongoDB; conditional updates are not on FerretDB.
// Leases use the same idea: `<resource>#<generation>`, the next generation can be inserted once.
const ClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    resource: { type: String },
    gen: { type: Number },
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date },
    data: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);
ClaimSchema.index({ resource: 1, gen: -1 });

export type ClaimDoc = InferSchemaType<typeof ClaimSchema>;
export const Claim = defineModel('Claim', ClaimSchema);
