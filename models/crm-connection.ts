import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

/** The CRMs Kept writes back to (docs/crm-write-back.md). */
export const CRM_PROVIDERS = ['hubspot', 'salesforce'] as const;
export type CrmProvider = (typeof CRM_PROVIDERS)[number];

// The one CRM Kept writes back to (its _id derives from a fixed key: there is at most one). The
// credentials are stored as they are, like a webhook's signing secret (docs/webhooks.md, "The
// secret"): Kept must send them on every request, so a hash would not do. The page never shows them
// back: only their last four characters.
const CrmConnectionSchema = new Schema(
  {
    provider: { type: String, enum: CRM_PROVIDERS, required: true },
    enabled: { type: Boolean, required: true, default: true },
    /** HubSpot: the private app's access token (sent as `Authorization: Bearer`). */
    hubspotToken: { type: String },
    /** HubSpot's API host; only tests point it elsewhere (a local fake). */
    hubspotApiUrl: { type: String, default: 'https://api.hubapi.com' },
    /** Salesforce: where the token is asked for (https://login.salesforce.com or the org's My Domain). */
    salesforceLoginUrl: { type: String },
    salesforceClientId: { type: String },
    salesforceClientSecret: { type: String },
    /** Kept field -> CRM property (HubSpot internal name, Salesforce field API name); empty: not sent. */
    mapping: { type: Map, of: String, default: {} },
    /** Moves on with every save: a cached Salesforce token of an older revision is not used. */
    rev: { type: Number, default: 0 },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
    /** The last test push: when, and what the CRM answered. */
    lastTestAt: { type: Date },
    lastTestOk: { type: Boolean },
    lastTestMessage: { type: String },
  },
  { timestamps: true },
);

export type CrmConnectionDoc = InferSchemaType<typeof CrmConnectionSchema>;
export const CrmConnection = defineModel('CrmConnection', CrmConnectionSchema);
