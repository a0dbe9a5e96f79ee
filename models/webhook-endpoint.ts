import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

/** `webhook`: an admin's endpoint, signed JSON. `slack`: one team's Slack incoming webhook (blocks). */
export const ENDPOINT_KINDS = ['webhook', 'slack'] as const;
/** The teams that may each have one Slack channel (its endpoint's _id derives from the team). */
export const SLACK_TEAMS = ['cs', 'sales', 'marketing', 'leadership'] as const;

// Where Kept sends its domain events (docs/webhooks.md). The signing secret is stored as is: Kept
// must compute the HMAC with the raw secret on every delivery, so a hash would not do; it is shown
// to the admin once, never again, and the database is the system of record like every other
// credential Kept keeps (see docs/webhooks.md, "The secret"). Slack endpoints have no secret: the
// incoming-webhook URL is the credential, and it is never shown in full after saving.
const WebhookEndpointSchema = new Schema(
  {
    kind: { type: String, enum: ENDPOINT_KINDS, required: true },
    team: { type: String, enum: [...SLACK_TEAMS, null], default: null },
    url: { type: String, required: true, trim: true },
    description: { type: String, trim: true, default: '' },
    events: { type: [String], default: [] },
    secret: { type: String },
    enabled: { type: Boolean, required: true, default: true },
    /** Why it is off: `admin` (by hand) or `failing` (a day of failed deliveries). */
    disabledReason: { type: String, enum: ['admin', 'failing', null], default: null },
    disabledAt: { type: Date },
    /** The first failed attempt since the last success; a day later the endpoint is disabled. */
    failingSince: { type: Date, default: null },
    lastSuccessAt: { type: Date },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);
WebhookEndpointSchema.index({ kind: 1, createdAt: 1 });

export type WebhookEndpointDoc = InferSchemaType<typeof WebhookEndpointSchema>;
export const WebhookEndpoint = defineModel('WebhookEndpoint', WebhookEndpointSchema);
