import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

// The buyer's link to the shared plan page. Only the SHA-256 of the token is stored, so a database
// leak does not reveal working links; each token is bound to one journey and one contact.
/** Why a plan link was sent: CS asked for a confirmation, a task reminder carried it, or a recovery plan. */
export const PLAN_LINK_PURPOSES = ['confirmation', 'task_reminder', 'recovery_plan'] as const;
export type PlanLinkPurpose = (typeof PLAN_LINK_PURPOSES)[number];

const PlanTokenSchema = new Schema(
  {
    tokenHash: { type: String, required: true, unique: true },
    journeyId: { type: Schema.Types.ObjectId, ref: 'Journey', required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    contactEmail: { type: String, required: true },
    contactName: { type: String, required: true },
    /** The stage the request was made for (the page always shows the journey's current stage). */
    stage: { type: String, required: true },
    purpose: { type: String, enum: PLAN_LINK_PURPOSES, default: 'confirmation' },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date },
    lastSeenAt: { type: Date },
  },
  { timestamps: true },
);
PlanTokenSchema.index({ journeyId: 1, createdAt: -1 });

export type PlanTokenDoc = InferSchemaType<typeof PlanTokenSchema>;
// Every write is recorded in the 'plantokens' change feed (detail pages find children in memory, then read them by _id).
PlanTokenSchema.plugin(changeFeed('plantokens'));

export const PlanToken = defineModel('PlanToken', PlanTokenSchema);
