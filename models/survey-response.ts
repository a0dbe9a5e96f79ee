import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

export const PROMISE_VERDICTS = ['delivered', 'partly', 'not_yet'] as const;
export type PromiseVerdict = (typeof PROMISE_VERDICTS)[number];
export const OVERALL_VERDICTS = ['yes', 'partly', 'no'] as const;
export type OverallVerdict = (typeof OVERALL_VERDICTS)[number];

const PromiseAnswerSchema = new Schema(
  {
    promiseId: { type: Schema.Types.ObjectId, required: true },
    /** Snapshot of the promise as the buyer read it. */
    text: { type: String, required: true },
    category: { type: String, required: true },
    verdict: { type: String, enum: PROMISE_VERDICTS, required: true },
    comment: { type: String, trim: true, default: '' },
  },
  { _id: false },
);

// The buyer's answer to one survey. `_id` IS the survey's id: inserting it is the one atomic step
// that consumes the link (two concurrent submissions: one insert wins, the other gets E11000).
// Written once, never edited; `appliedAt` marks that the survey and the rollups were updated.
const SurveyResponseSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
    contactEmail: { type: String },
    wave: { type: Number, required: true },
    segment: { type: String, required: true },
    closedWonAt: { type: Date, required: true },
    answeredAt: { type: Date, required: true },
    promises: { type: [PromiseAnswerSchema], default: [] },
    /** "Have we delivered the value we promised?" */
    overall: { type: String, enum: OVERALL_VERDICTS, required: true },
    nps: { type: Number, min: 0, max: 10, required: true },
    consentReference: { type: Boolean, default: false },
    consentCaseStudy: { type: Boolean, default: false },
    consentReferral: { type: Boolean, default: false },
    comment: { type: String, trim: true, default: '' },
    appliedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
SurveyResponseSchema.index({ dealId: 1 });
SurveyResponseSchema.index({ appliedAt: 1 });
// Advocacy reads the latest answers per account and contact (NPS, consents).
SurveyResponseSchema.index({ accountId: 1, answeredAt: -1 });
SurveyResponseSchema.index({ contactId: 1, answeredAt: -1 });
SurveyResponseSchema.index({ aeId: 1, answeredAt: -1 });

export type SurveyResponseDoc = InferSchemaType<typeof SurveyResponseSchema>;
export const SurveyResponse = defineModel('SurveyResponse', SurveyResponseSchema);
