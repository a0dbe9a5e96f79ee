import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// A link that lets someone set a password: an invitation (7 days) or a reset (15 minutes). The
// email carries a random token; only its SHA-256 is stored, as `_id` (FerretDB 1.24 answers only an
// `_id` equality from an index), so a database leak yields no working link. Single use: `usedAt` is
// set atomically when the password is set, and every other open link of the user ends with it.
export const PASSWORD_TOKEN_PURPOSES = ['invitation', 'reset'] as const;
export type PasswordTokenPurpose = (typeof PASSWORD_TOKEN_PURPOSES)[number];

const PasswordTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true, index: true },
    purpose: { type: String, enum: PASSWORD_TOKEN_PURPOSES, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date },
    /** Set when a newer link of the same user replaced this one, or the password was set another way. */
    revokedAt: { type: Date },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);
// No TTL index: FerretDB 1.24 does not implement expireAfterSeconds. Expired links stay as
// inert rows (one per invitation or reset request) and are refused by their expiresAt.

export type PasswordTokenDoc = InferSchemaType<typeof PasswordTokenSchema>;
export const PasswordToken = defineModel('PasswordToken', PasswordTokenSchema);
