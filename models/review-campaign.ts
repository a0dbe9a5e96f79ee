import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';
import { REVIEW_PLATFORMS } from '#app/advocacy/advocacy-types';

const MemberSchema = new Schema(
  {
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
  },
  { _id: false },
);

// A round of review invitations. Review platforms forbid inviting only happy customers, so the
// population is every customer eligible by tenure (live for REVIEW_MIN_TENURE_DAYS), never by
// survey score; Kept invites all of them or draws an impartial random sample and records the seed,
// the population and the draw here, so anyone can check the sample was not hand-picked.
const ReviewCampaignSchema = new Schema(
  {
    platform: { type: String, enum: REVIEW_PLATFORMS, required: true },
    reviewUrl: { type: String, required: true },
    /** The same incentive for everyone (or none), stated in every email. */
    incentive: { type: String, default: '' },
    mode: { type: String, enum: ['all', 'sample'], required: true },
    sampleSize: { type: Number },
    /** The random seed of the draw (hex); the draw is reproducible from seed + population. */
    seed: { type: String, required: true },
    minTenureDays: { type: Number, required: true },
    populationSize: { type: Number, required: true },
    /** SHA-256 of the population's contact ids in draw order. */
    populationDigest: { type: String, required: true },
    members: { type: [MemberSchema], default: [] },
    /** drawn: invitations being sent (each member's outcome is a claim `campaign:<id>:member:<i>`); done. */
    state: { type: String, enum: ['drawn', 'done'], default: 'drawn' },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
    createdByName: { type: String },
    drawnAt: { type: Date, required: true },
  },
  { timestamps: true },
);
ReviewCampaignSchema.index({ drawnAt: -1 });
ReviewCampaignSchema.index({ state: 1 });

export type ReviewCampaignDoc = InferSchemaType<typeof ReviewCampaignSchema>;
export const ReviewCampaign = defineModel('ReviewCampaign', ReviewCampaignSchema);
