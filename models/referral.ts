import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';
import { REFERRAL_STATUSES } from '#app/advocacy/advocacy-types';

// advocate -> referred company -> (later) the new deal it became. The advocate's origin deal and
// rep are copied here so attribution never needs a join. The referral's _id is "the referral id"
// a CRM webhook or CSV import carries to link the new deal back.
const ReferralSchema = new Schema(
  {
    advocateId: { type: Schema.Types.ObjectId, ref: 'Advocate', required: true },
    askId: { type: Schema.Types.ObjectId, ref: 'Ask' },
    advocateContactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    advocateName: { type: String, default: '' },
    advocateAccountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    advocateAccountName: { type: String, default: '' },
    originDealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    originDealName: { type: String, default: '' },
    /** The rep of the origin deal. */
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    referredCompany: { type: String, required: true, trim: true },
    referredDomain: { type: String, trim: true, lowercase: true },
    referredContactName: { type: String, trim: true },
    referredContactEmail: { type: String, trim: true, lowercase: true },
    /** Marketing's estimate of the deal, counted as referred pipeline while the referral is open. */
    estimatedArr: { type: Number, min: 0, default: 0 },
    currency: { type: String, default: 'USD' },
    note: { type: String, default: '' },
    status: { type: String, enum: REFERRAL_STATUSES, default: 'open' },
    newDealId: { type: Schema.Types.ObjectId, ref: 'Deal' },
    newDealName: { type: String },
    newDealArr: { type: Number },
    newDealCurrency: { type: String },
    newDealAeId: { type: Schema.Types.ObjectId, ref: 'User' },
    newDealClosedWonAt: { type: Date },
    linkedAt: { type: Date },
    linkedVia: { type: String, enum: ['webhook', 'import', 'manual', 'seed', null] },
    linkedById: { type: Schema.Types.ObjectId, ref: 'User' },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
    /** Revision: each write is conditioned on the one read (revise() in app/advocacy/revise.server.ts). */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
ReferralSchema.index({ advocateId: 1, createdAt: -1 });
ReferralSchema.index({ aeId: 1, createdAt: -1 });
ReferralSchema.index({ originDealId: 1 });
ReferralSchema.index({ newDealId: 1 });
ReferralSchema.index({ status: 1, createdAt: -1 });
ReferralSchema.index({ createdAt: -1 });

export type ReferralDoc = InferSchemaType<typeof ReferralSchema>;
export const Referral = defineModel('Referral', ReferralSchema);
