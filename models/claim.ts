import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// "Exactly once" markers. Inserting a document with a unique _id is the one write that is atomic
// on both FerretDB 1.24 (SQLite UNIQUE) and MongoDB; conditional updates are not on FerretDB.
// Worker leases use the same idea with their own tokens (app/worker/lease.server.ts).
const ClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Optional sequence of claims (`<resource>#<gen>`), e.g. round-robin turns. */
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
