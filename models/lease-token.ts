import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// One record per lease generation of a leased document: `_id` = `<collection>:<docId>:<generation>`.
// FerretDB 1.24 runs findOneAndUpdate/updateOne as "query, then write the whole document by _id"
// (no compare-and-set), so two workers could both "win" the same document. An insert with a
// unique _id is atomic on every backend: whoever inserts generation n+1 first owns the next step
// (claim, renew, complete or release) and everyone else backs off. See app/worker/lease.server.ts.
const LeaseTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    kind: { type: String, enum: ['claim', 'renew', 'complete', 'release'], required: true },
    at: { type: Date, required: true },
    /** After this, a generation that was won but never written (crashed worker) may be skipped. */
    expiresAt: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
// Pruning deletes old generations by time.
LeaseTokenSchema.index({ at: 1 });

export type LeaseTokenDoc = InferSchemaType<typeof LeaseTokenSchema>;
export const LeaseToken = defineModel('LeaseToken', LeaseTokenSchema);
