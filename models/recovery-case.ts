import { Schema, type InferSchemaType } from 'mongoose';
import { PROMISE_CATEGORIES } from './deal';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

/**
 * open -> plan_agreed -> delivered | wont_deliver (with a reason) | escalated.
 * `escalated` is set by CS or admin by hand, or by the daily digest when the SLA passed while the case
 * was open or plan_agreed; an escalated case can still be delivered or closed as won't deliver.
 */
export const RECOVERY_STATUSES = ['open', 'plan_agreed', 'delivered', 'wont_deliver', 'escalated'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
/** Statuses that end a case (it leaves the work queue and counts in the recovery rate). */
export const CLOSED_RECOVERY_STATUSES = ['delivered', 'wont_deliver'] as const satisfies readonly RecoveryStatus[];

/**
 * What opened the case: one promise judged "Not yet" (or "Partly" when the account asks for it), or
 * the answer as a whole (overall "No", or NPS at or below the admin's threshold).
 */
export const RECOVERY_TRIGGERS = ['promise_not_yet', 'promise_partly', 'overall_no', 'low_nps'] as const;
export type RecoveryTrigger = (typeof RECOVERY_TRIGGERS)[number];

/** The plan the CSM agreed with the buyer: what will be done, by when; the buyer confirms it on the plan page. */
const RecoveryPlanSchema = new Schema(
  {
    text: { type: String, required: true, trim: true },
    dueBy: { type: Date, required: true },
    agreedAt: { type: Date, required: true },
    agreedById: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The buyer's confirmation on /plan/<token> (same mechanism as exit criteria). */
    buyerConfirmedAt: { type: Date },
    buyerConfirmedBy: { type: String, trim: true },
  },
  { _id: false },
);

// One case per (deal, wave, promise) — or per (deal, wave) for the answer as a whole (`promiseKey`
// 'overall'). The unique index is what makes a second opening impossible: concurrent answers and
// worker retries insert the same key and all but one get E11000 (insertIgnoringDuplicates).
const RecoveryCaseSchema = new Schema(
  {
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    /** The survey whose answer opened the case (SurveyResponse._id is the same id). */
    surveyId: { type: Schema.Types.ObjectId, ref: 'Survey', required: true },
    wave: { type: Number, required: true },
    /** The promise's _id as a string, or 'overall'. */
    promiseKey: { type: String, required: true },
    trigger: { type: String, enum: RECOVERY_TRIGGERS, required: true },
    /** Snapshot of the promise as the buyer judged it (empty for 'overall'). */
    promiseText: { type: String, default: '' },
    category: { type: String, enum: [...PROMISE_CATEGORIES, null], default: null },
    /** The buyer's own words (their comment on the promise, or on the answer); shown escaped. */
    buyerWords: { type: String, default: '' },
    nps: { type: Number },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
    // Dimensions of the recovery rollups (snapshot at opening, like surveys).
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    csmId: { type: Schema.Types.ObjectId, ref: 'User' },
    segment: { type: String, required: true },
    closedWonAt: { type: Date, required: true },
    /** ARR at stake (the deal's), for ranking the work queue. */
    arr: { type: Number, required: true, default: 0 },
    status: { type: String, enum: RECOVERY_STATUSES, required: true, default: 'open' },
    openedAt: { type: Date, required: true },
    /** The SLA: the CSM should have a plan agreed or the case closed by then. */
    slaDueAt: { type: Date, required: true },
    plan: { type: RecoveryPlanSchema },
    /** When the CSM's and the rep's emails were queued (the opening's last step; the repair resumes it). */
    notifiedAt: { type: Date },
    escalatedAt: { type: Date },
    /** 'sla' when the daily digest escalated it, else who did (a user id as a string). */
    escalatedBy: { type: String },
    /** When the escalation was listed in the admins' daily digest (listed once). */
    escalationListedAt: { type: Date },
    closedAt: { type: Date },
    /** Set when the buyer answered "Delivered" to the re-ask (or CS recorded delivery). */
    recoveredAt: { type: Date },
    wontDeliverReason: { type: String, trim: true },
    /** The re-ask of the current plan could not go out (bounced, complained, unsubscribed, no-recipient): CS must act. */
    reaskStopReason: { type: String, default: null },
    reaskStoppedAt: { type: Date, default: null },
    /** Optimistic concurrency: every status change is one updateOne on {_id, rev}. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true },
);
RecoveryCaseSchema.index({ dealId: 1, wave: 1, promiseKey: 1 }, { unique: true });
// The work queue and lists: a CSM's open cases by SLA; a rep's cases; by account; by status.
RecoveryCaseSchema.index({ csmId: 1, status: 1, slaDueAt: 1 });
RecoveryCaseSchema.index({ aeId: 1, openedAt: -1 });
RecoveryCaseSchema.index({ accountId: 1, openedAt: -1 });
RecoveryCaseSchema.index({ status: 1, slaDueAt: 1 });

export type RecoveryCaseDoc = InferSchemaType<typeof RecoveryCaseSchema>;
// Every write is recorded in the 'recoverycases' change feed: the work queue and sales' promises keep
// the open cases in memory (a query by csmId or aeId scans the collection on the embedded database).
RecoveryCaseSchema.plugin(changeFeed('recoverycases'));
export const RecoveryCase = defineModel('RecoveryCase', RecoveryCaseSchema);
