import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The cookie holds a random id; only its SHA-256 is stored, so a database leak yields no sessions.
// `_id` is that hash too: every staff request reads its session, and FerretDB 1.24 answers only an
// `_id` equality from an index (a lookup by idHash scanned every session ever created). Sessions
// stored before this (ObjectId `_id`) are not found: their users sign in again once.
const SessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    idHash: { type: String, required: true, unique: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true, index: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date },
    userAgent: { type: String },
  },
  { timestamps: true },
);

export type SessionDoc = InferSchemaType<typeof SessionSchema>;
export const Session = defineModel('Session', SessionSchema);
