import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

import { ROLES, type Role } from '#app/auth/roles';

export { ROLES, type Role };

const UserSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, unique: true },
    name: { type: String, required: true, trim: true },
    role: { type: String, enum: ROLES, required: true },
    /** scrypt hash; absent while an invited user has not set a password yet (they cannot sign in). */
    passwordHash: { type: String },
    passwordChangedAt: { type: Date },
    /** When the latest invitation email was queued (shown to admins while the invitation is pending). */
    invitedAt: { type: Date },
    active: { type: Boolean, default: true },
    deactivatedAt: { type: Date },
    /** The company identity (OpenID Connect issuer + subject) linked at the first SSO sign-in (app/sso). */
    ssoIssuer: { type: String },
    ssoSubject: { type: String },
    ssoLinkedAt: { type: Date },
    /** True for users created by the demo seed; never created when NODE_ENV=production. */
    demo: { type: Boolean, default: false },
  },
  { timestamps: true },
);
UserSchema.index({ role: 1, active: 1 });

export type UserDoc = InferSchemaType<typeof UserSchema>;
export const User = defineModel('User', UserSchema);
