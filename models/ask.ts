import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';
import { ASK_CHANNELS, ASK_STATUSES, ASK_TYPES, REVIEW_PLATFORMS } from '#app/advocacy/advocacy-types';

const HistorySchema = new Schema(
  {
    status: { type: String, enum: ASK_STATUSES, required: true },
    at: { type: Date, required: true },
    byId: { type: Schema.Types.ObjectId, ref: 'User' },
    byName: { type: String },
    note: { type: String },
  },
  { _id: false },
);

// One request to a contact: a review invitation, a reference call, a case study or a referral.
// Every ask took the contact's (and the account's) budget slots first (models/ask-budget-slot.ts).
// Its _id is derived from the form's request id or the campaign member, so a retried step (double
// submit, worker retry) finds the same ask instead of making a second one.
const AskSchema = new Schema(
  {
    type: { type: String, enum: ASK_TYPES, required: true },
    channel: { type: String, enum: ASK_CHANNELS, required: true },
    status: { type: String, enum: ASK_STATUSES, required: true, default: 'sent' },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    contactName: { type: String, default: '' },
    contactEmail: { type: String, default: '' },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    accountName: { type: String, default: '' },
    /** The advocate (origin deal and rep) the ask was made of; review invitations may have none. */
    advocateId: { type: Schema.Types.ObjectId, ref: 'Advocate' },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal' },
    aeId: { type: Schema.Types.ObjectId, ref: 'User' },
    // Review invitations.
    platform: { type: String, enum: [...REVIEW_PLATFORMS, null] },
    reviewUrlToVisit: { type: String },
    incentive: { type: String, default: '' },
    campaignId: { type: Schema.Types.ObjectId, ref: 'ReviewCampaign' },
    message: { type: String, default: '' },
    sentAt: { type: Date, required: true },
    /** Without an answer by then, the worker marks the ask no_response. */
    dueBy: { type: Date, required: true },
    respondedAt: { type: Date },
    completedAt: { type: Date },
    // Outcomes.
    reviewUrl: { type: String },
    referenceDate: { type: Date },
    caseStudyUrl: { type: String },
    referredCompany: { type: String },
    referralId: { type: Schema.Types.ObjectId, ref: 'Referral' },
    outcomeNote: { type: String, default: '' },
    emailKey: { type: String },
    emailMessageId: { type: Schema.Types.ObjectId, ref: 'EmailMessage' },
    /** Budget slot ids this ask holds. */
    slotIds: { type: [String], default: [] },
    history: { type: [HistorySchema], default: [] },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
    createdByName: { type: String },
    /** Revision: each write is conditioned on the one read (revise()), so concurrent status changes cannot both apply. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
AskSchema.index({ contactId: 1, sentAt: -1 });
AskSchema.index({ accountId: 1, sentAt: -1 });
AskSchema.index({ advocateId: 1, sentAt: -1 });
AskSchema.index({ status: 1, dueBy: 1 });
AskSchema.index({ type: 1, status: 1, sentAt: -1 });
AskSchema.index({ sentAt: -1 });
AskSchema.index({ campaignId: 1 });

export type AskDoc = InferSchemaType<typeof AskSchema>;
// Every write is recorded in the 'asks' change feed (the candidates page's past asks, in memory).
AskSchema.plugin(changeFeed('asks'));

export const Ask = defineModel('Ask', AskSchema);
