import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';
import { CANDIDATE_TYPES } from '#app/advocacy/advocacy-types';

// A contact who may speak for us, tied to the deal (and rep) that won them. One document per
// (origin deal, contact): recomputed from the deal's latest answered survey by
// refreshAdvocacyForDeal (app/advocacy/refresh.server.ts), never edited by hand.
const AdvocateSchema = new Schema(
  {
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    /** The rep who won the origin deal. */
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    // Snapshots for lists (refreshed with the rest).
    contactName: { type: String, default: '' },
    contactEmail: { type: String, default: '' },
    contactStatus: { type: String, default: 'ok' },
    accountName: { type: String, default: '' },
    dealName: { type: String, default: '' },
    dealArr: { type: Number, default: 0 },
    currency: { type: String, default: 'USD' },
    closedWonAt: { type: Date },
    liveAt: { type: Date },
    accountChurned: { type: Boolean, default: false },
    /** The answer this advocate's facts come from: the deal's latest answered survey. */
    surveyId: { type: Schema.Types.ObjectId, ref: 'Survey' },
    wave: { type: Number },
    answeredAt: { type: Date },
    overall: { type: String },
    nps: { type: Number },
    consentReference: { type: Boolean, default: false },
    consentCaseStudy: { type: Boolean, default: false },
    consentReferral: { type: Boolean, default: false },
    promisesKept: { type: Number, default: 0 },
    promisesTotal: { type: Number, default: 0 },
    /** False once a later answer on the deal came from another contact. */
    current: { type: Boolean, default: true },
    /** Candidate types whose stored conditions hold (live, value delivered, NPS 9-10, consent, deliverable). */
    qualifies: { type: [{ type: String, enum: CANDIDATE_TYPES }], default: [] },
    /** Satisfied customer: flagged to the rep for expansion (upsell / cross-sell). */
    expansion: { type: Boolean, default: false },
    /** Ranking among candidates (higher first); see rankAdvocate. */
    rank: { type: Number, default: 0 },
    /** When the contact's ask budget is next clear (null: clear now); the ask itself rechecks. */
    budgetClearAt: { type: Date, default: null },
    refreshedAt: { type: Date },
    /** Revision: each write is conditioned on the one read (revise() in app/advocacy/revise.server.ts), so one writer per revision, one metric bump. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
AdvocateSchema.index({ dealId: 1, contactId: 1 }, { unique: true });
AdvocateSchema.index({ qualifies: 1, rank: -1 });
AdvocateSchema.index({ contactId: 1 });
AdvocateSchema.index({ accountId: 1 });
AdvocateSchema.index({ aeId: 1, expansion: 1 });
AdvocateSchema.index({ expansion: 1, dealArr: -1 });

export type AdvocateDoc = InferSchemaType<typeof AdvocateSchema>;
// Every write is recorded in the 'advocates' change feed, which keeps the list pages' in-memory index fresh.
AdvocateSchema.plugin(changeFeed('advocates'));

export const Advocate = defineModel('Advocate', AdvocateSchema);
