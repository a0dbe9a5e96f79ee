import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// A personal API token (docs/api.md). The caller holds `kept_<_id>_<secret>`; only the SHA-256 of
// that whole string is stored, so a database leak yields no working token. The `_id` inside the
// token finds the row by `_id` (the one lookup FerretDB 1.24 answers from an index), then the hash
// is compared in constant time. Revoked tokens stay as inert rows for the list and the audit trail.
export const API_TOKEN_SCOPES = ['read', 'write'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

const ApiTokenSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true, index: true },
    name: { type: String, required: true, trim: true },
    /** read: GET only; write: GET and the closed-won intake (roles that may record deals). */
    scope: { type: String, enum: API_TOKEN_SCOPES, required: true },
    secretHash: { type: String, required: true },
    /** Set on use, at most once a minute (a request does not write every time). */
    lastUsedAt: { type: Date },
    revokedAt: { type: Date },
    revokedById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);

export type ApiTokenDoc = InferSchemaType<typeof ApiTokenSchema>;
export const ApiToken = defineModel('ApiToken', ApiTokenSchema);
