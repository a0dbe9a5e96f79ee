import { Schema, type InferSchemaType } from 'mongoose';
import { PROMISE_VERDICTS } from './survey-response';
import { LOCALES } from '#app/i18n/locales';
import { defineModel } from './_define';

/**
 * scheduled -> sent -> reminded -> answered | expired; a scheduled one may instead be `stopped`
 * (nobody can receive it: no contact, bounced, complained, unsubscribed) or `cancelled` (the case
 * closed, or a new plan replaced the one it asks about, before it went out).
 */
export const REASK_STATES = ['scheduled', 'sent', 'reminded', 'answered', 'expired', 'stopped', 'cancelled'] as const;
export type ReaskState = (typeof REASK_STATES)[number];

// The re-ask of one promise once the recovery plan's date passed: one short question to the buyer,
// "You told us <promise> was not delivered. Is it now?". One per case and plan (a new plan agreed
// after "Not yet" gets its own re-ask when its date passes): the unique index makes a second one
// impossible, whichever worker or retry inserts it. Sent by the worker under a lease (docs/leases.md).
const PromiseReaskSchema = new Schema(
  {
    caseId: { type: Schema.Types.ObjectId, ref: 'RecoveryCase', required: true },
    /** The plan this re-ask asks about (the case's plan.agreedAt when it came due). */
    planAgreedAt: { type: Date, required: true },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    /** The survey whose answer opened the case (its email does not count against the ask budget of this re-ask). */
    surveyId: { type: Schema.Types.ObjectId, ref: 'Survey', required: true },
    promiseId: { type: String, required: true },
    promiseText: { type: String, required: true },
    category: { type: String, default: null },
    /** Snapshot of the plan shown to the buyer. */
    planText: { type: String, default: '' },
    planDueBy: { type: Date, required: true },
    state: { type: String, enum: REASK_STATES, required: true, default: 'scheduled' },
    /** When it may go out: the plan's date, later when the ask budget defers it. */
    dueAt: { type: Date, required: true },
    deferredAt: { type: Date },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
    contactEmail: { type: String },
    contactName: { type: String },
    sentAt: { type: Date },
    remindAt: { type: Date },
    remindedAt: { type: Date },
    expiresAt: { type: Date },
    expiredAt: { type: Date },
    /** Why it did not go out (stopped: bounced, complained, unsubscribed, no-recipient; cancelled: case-closed, plan-replaced). */
    stopReason: { type: String },
    stoppedAt: { type: Date },
    answeredAt: { type: Date },
    verdict: { type: String, enum: [...PROMISE_VERDICTS, null], default: null },
    // Lease fields (app/platform/lease.server.ts).
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    leaseGen: { type: Number, default: 0 },
  },
  { timestamps: true },
);
PromiseReaskSchema.index({ caseId: 1, planAgreedAt: 1 }, { unique: true });
// The worker's due lists (scheduled by dueAt, sent by remindAt / expiresAt) and the deal's verdicts.
PromiseReaskSchema.index({ state: 1, dueAt: 1 });
PromiseReaskSchema.index({ state: 1, remindAt: 1 });
PromiseReaskSchema.index({ state: 1, expiresAt: 1 });
PromiseReaskSchema.index({ dealId: 1 });

export type PromiseReaskDoc = InferSchemaType<typeof PromiseReaskSchema>;
export const PromiseReask = defineModel('PromiseReask', PromiseReaskSchema);

// A re-ask link: `_id` is the SHA-256 of the random token (the token is only in the email). The
// invitation and the reminder each get their own (inserts, never overwrites: a retried send never
// invalidates a link already in an inbox).
const PromiseReaskTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    reaskId: { type: Schema.Types.ObjectId, ref: 'PromiseReask', required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    /** The language the link's email was written in (docs/i18n.md): the re-ask page speaks it too. Absent on older links. */
    locale: { type: String, enum: LOCALES },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
PromiseReaskTokenSchema.index({ reaskId: 1 });

export const PromiseReaskToken = defineModel('PromiseReaskToken', PromiseReaskTokenSchema);

// The buyer's answer. `_id` IS the re-ask's id: inserting it is the one atomic step that consumes
// the link (two concurrent submissions: one insert wins, the other gets E11000), as SurveyResponse.
// Written once; `appliedAt` marks that the case and the CSM were told.
const PromiseReaskAnswerSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    caseId: { type: Schema.Types.ObjectId, ref: 'RecoveryCase', required: true },
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    promiseId: { type: String, required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
    verdict: { type: String, enum: PROMISE_VERDICTS, required: true },
    comment: { type: String, trim: true, default: '' },
    answeredAt: { type: Date, required: true },
    appliedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
PromiseReaskAnswerSchema.index({ dealId: 1, answeredAt: -1 });
PromiseReaskAnswerSchema.index({ appliedAt: 1 });

export type PromiseReaskAnswerDoc = InferSchemaType<typeof PromiseReaskAnswerSchema>;
export const PromiseReaskAnswer = defineModel('PromiseReaskAnswer', PromiseReaskAnswerSchema);
