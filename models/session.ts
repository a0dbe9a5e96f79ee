import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The cookie holds a random id; only its SHA-256 is stored, so a database leak yields no sessions.
const SessionSchema = new Schema(
  {
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
