import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

/**
 * scheduled -> sent (invitation queued) -> reminded -> answered | expired;
 * bounced (bounce or complaint), cancelled (by CS, unsubscribed, no recipient): CS may resend to
 * another contact, which starts a new cycle back at scheduled; skipped (wave already past at
 * intake) and answered are final.
 */
export const SURVEY_STATES = ['scheduled', 'sent', 'reminded', 'answered', 'expired', 'bounced', 'skipped', 'cancelled'] as const;
export type SurveyState = (typeof SURVEY_STATES)[number];

/** Why a survey stopped or needs a new recipient (shown to CS). */
export const SURVEY_STOP_REASONS = ['bounced', 'complained', 'unsubscribed', 'no-recipient', 'cancelled'] as const;
export type SurveyStopReason = (typeof SURVEY_STOP_REASONS)[number];

/** Why a due invitation waits instead of going out. */
export const SURVEY_HOLD_REASONS = ['not-live'] as const;
export type SurveyHoldReason = (typeof SURVEY_HOLD_REASONS)[number];

// One survey per (deal, wave). The response is NOT stored here: it lives in SurveyResponse, whose
// insert (unique _id = survey id) is what consumes the link atomically on FerretDB and MongoDB.
// Every write to this document takes its next generation first (surveys.server.ts), so the worker,
// the web actions and the webhook never overwrite each other's changes.
const SurveySchema = new Schema(
  {
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    wave: { type: Number, enum: [6, 9, 12], required: true },
    dueAt: { type: Date, required: true },
    state: { type: String, enum: SURVEY_STATES, required: true, default: 'scheduled' },
    // Snapshot of the deal at intake: the dimensions of the value-delivered rollups, so an
    // incremental bump and a rebuild from these documents always agree.
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    segment: { type: String, required: true },
    closedWonAt: { type: Date, required: true },
    // Recipient: the account's primary contact when the wave is due, unless CS chose one.
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
    contactEmail: { type: String, lowercase: true, trim: true },
    contactName: { type: String, trim: true },
    recipientChosen: { type: Boolean, default: false },
    /** 0 for the first invitation; +1 for each resend by CS (part of the email keys and links). */
    cycle: { type: Number, default: 0 },
    invitedAt: { type: Date },
    sentAt: { type: Date },
    remindAt: { type: Date },
    remindedAt: { type: Date },
    expiresAt: { type: Date },
    answeredAt: { type: Date },
    expiredAt: { type: Date },
    stoppedAt: { type: Date },
    stopReason: { type: String, enum: [...SURVEY_STOP_REASONS, null] },
    /** Set when the CSM must act (pick another contact); cleared when they do. */
    attentionReason: { type: String, enum: [...SURVEY_STOP_REASONS, null] },
    attentionAt: { type: Date },
    /**
     * 'not-live': the wave came due before the deal's journey reached live, so the invitation waits
     * (state stays scheduled); cleared when the journey goes live or CS sends it anyway.
     */
    held: { type: String, enum: [...SURVEY_HOLD_REASONS, null], default: null },
    heldAt: { type: Date },
    /** CS chose to send it although the customer is not live yet (who and when; also audited). */
    sendAnywayAt: { type: Date },
    sendAnywayById: { type: Schema.Types.ObjectId, ref: 'User' },
    // The lease of app/platform/lease.server.ts: a worker holds the survey while it queues its email;
    // every claim and every other write moves `leaseGen` on (surveys.server.ts).
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
  },
  { timestamps: true },
);
SurveySchema.index({ dealId: 1, wave: 1 }, { unique: true });
// The worker's queues: due invitations, due reminders, due expiries.
SurveySchema.index({ state: 1, dueAt: 1 });
SurveySchema.index({ state: 1, remindAt: 1 });
SurveySchema.index({ state: 1, expiresAt: 1 });
// Lists: all surveys by due date, per rep, per account, per contact, those needing attention.
SurveySchema.index({ dueAt: -1 });
SurveySchema.index({ aeId: 1, dueAt: -1 });
SurveySchema.index({ accountId: 1, dueAt: -1 });
SurveySchema.index({ contactId: 1, state: 1 });
SurveySchema.index({ attentionAt: -1 });

export type SurveyDoc = InferSchemaType<typeof SurveySchema>;
// Every write is recorded in the 'surveys' change feed: the work queue keeps the few surveys that
// need CS in memory (app/work/work.server.ts). Batch writes record theirs with recordBatchWrite.
SurveySchema.plugin(changeFeed('surveys'));
export const Survey = defineModel('Survey', SurveySchema);
