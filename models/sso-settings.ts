import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// Single sign-on with OpenID Connect: one document, _id 'sso' (app/sso/sso.server.ts; docs/sso.md).
// No document = no SSO: everyone signs in with a password. The client secret is stored as is (Kept
// must send it to the token endpoint), like the webhook secrets; the admin page shows only its end.
const SsoDiscoverySchema = new Schema(
  {
    at: { type: Date, required: true },
    ok: { type: Boolean, required: true },
    /** The issuer the test ran against (a result for another issuer is stale). */
    issuer: { type: String, required: true },
    message: { type: String, required: true },
  },
  { _id: false },
);

const SsoSettingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The IdP's issuer URL (discovery at <issuer>/.well-known/openid-configuration). */
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    clientSecret: { type: String, required: true },
    /** The name on the sign-in button: "Sign in with <company> SSO". */
    companyName: { type: String, required: true },
    /** Passwords off for everyone except the break-glass admin. */
    ssoOnly: { type: Boolean, required: true, default: false },
    breakGlassUserId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    lastDiscovery: { type: SsoDiscoverySchema, default: null },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true, versionKey: false },
);

export const SSO_SETTINGS_ID = 'sso';
export type SsoSettingsDoc = InferSchemaType<typeof SsoSettingsSchema>;
export const SsoSettings = defineModel('SsoSettings', SsoSettingsSchema);
