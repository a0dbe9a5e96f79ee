import { Schema, type InferSchemaType } from 'mongoose';
import { SEGMENTS } from './account';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';
import { EVIDENCE_TYPES } from '#app/journeys/journey-rules';

// Evidence is append-only: an entry is never removed or edited, only retracted (with a reason).
// Entries keep their array position for life, so a retraction addresses `evidence.<index>`.
const EvidenceSchema = new Schema({
  stage: { type: String, required: true },
  criterionKey: { type: String, required: true },
  kind: { type: String, enum: EVIDENCE_TYPES, required: true },
  /** Link to the email / meeting record / document (http or https only). */
  url: { type: String },
  note: { type: String, trim: true },
  /** The staff member who attached it (none for a buyer confirmation). */
  byId: { type: Schema.Types.ObjectId, ref: 'User' },
  byName: { type: String },
  /** The buyer who confirmed on the shared plan page. */
  contactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
  contactName: { type: String },
  contactEmail: { type: String },
  at: { type: Date, required: true },
  retractedAt: { type: Date },
  retractedById: { type: Schema.Types.ObjectId, ref: 'User' },
  retractedByName: { type: String },
  retractReason: { type: String },
});

const OverrideSchema = new Schema(
  {
    reason: { type: String, required: true },
    byId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    byName: { type: String, required: true },
    at: { type: Date, required: true },
    /** The required criteria that had no evidence when the admin overrode the gate. */
    missing: { type: [String], default: [] },
  },
  { _id: false },
);

const StageEntrySchema = new Schema(
  {
    key: { type: String, required: true },
    enteredAt: { type: Date, required: true },
    exitedAt: { type: Date },
    exitedById: { type: Schema.Types.ObjectId, ref: 'User' },
    exitedByName: { type: String },
    override: { type: OverrideSchema },
  },
  { _id: false },
);

const OwnerSchema = new Schema(
  {
    stage: { type: String, required: true },
    /** Who leads the calls with the buyer in this stage. */
    leadsCallsId: { type: Schema.Types.ObjectId, ref: 'User' },
    /** Who makes sure the next call is on the calendar. */
    schedulesNextCallId: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { _id: false },
);

// A delay the customer owns ("waiting on the customer"): marked by CS with a reason, confirmed by
// the buyer on the shared plan page (only then does the stage's SLA clock pause), ended by CS or by
// the stage changing. Append-only by position like evidence (`delays.<index>`); `openDelayId`
// names the one open delay, so "at most one open" is a filter on a scalar. See docs/buyer-delays.md.
const DelaySchema = new Schema({
  stage: { type: String, required: true },
  reason: { type: String, required: true },
  markedAt: { type: Date, required: true },
  markedById: { type: Schema.Types.ObjectId, ref: 'User' },
  markedByName: { type: String },
  confirmedAt: { type: Date, default: null },
  confirmedByContactId: { type: Schema.Types.ObjectId, ref: 'Contact' },
  confirmedByName: { type: String },
  endedAt: { type: Date, default: null },
  endedById: { type: Schema.Types.ObjectId, ref: 'User' },
  endedByName: { type: String },
  /** Why it ended: CS ended it, or the journey left the stage. */
  endedBy: { type: String, enum: ['csm', 'stage_changed'] },
});

const JourneySchema = new Schema(
  {
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    csmId: { type: Schema.Types.ObjectId, ref: 'User' },
    // Copied from the deal and account so the board lists journeys without a join.
    segment: { type: String, enum: SEGMENTS, required: true },
    accountName: { type: String, required: true },
    dealName: { type: String, required: true },
    arr: { type: Number, default: 0 },
    currency: { type: String, default: 'USD' },
    closedWonAt: { type: Date, required: true },
    /** The playbook the journey started on (chosen by segment at intake); older journeys have none: "default". */
    playbookKey: { type: String, default: 'default' },
    playbookVersion: { type: Number, required: true },
    /** Current stage key and its position in the playbook version. */
    stage: { type: String, required: true },
    stageIndex: { type: Number, required: true },
    stageEnteredAt: { type: Date, required: true },
    // Health is derived from these and the clock (no nightly job needed to keep it true):
    // on track until atRiskAt (75 % of the SLA), at risk until stalledAt (the SLA), then stalled.
    // Both are null once the journey is live.
    atRiskAt: { type: Date, default: null },
    stalledAt: { type: Date, default: null },
    /**
     * Set when the deal reached Kept long after its close (an import of past deals, a late entry):
     * its stage clocks started here, not at closedWonAt. See docs/imported-history.md.
     */
    backfilledAt: { type: Date },
    /** CS accepted the handoff (the end of the "CS reaction time"). */
    acceptedAt: { type: Date },
    liveAt: { type: Date },
    stages: { type: [StageEntrySchema], default: [] },
    evidence: { type: [EvidenceSchema], default: [] },
    owners: { type: [OwnerSchema], default: [] },
    overrideCount: { type: Number, default: 0 },
    delays: { type: [DelaySchema], default: [] },
    openDelayId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
JourneySchema.index({ dealId: 1 }, { unique: true });
JourneySchema.index({ stage: 1, stageEnteredAt: 1 });
JourneySchema.index({ csmId: 1, stage: 1, stageEnteredAt: 1 });
JourneySchema.index({ aeId: 1, stage: 1, stageEnteredAt: 1 });
JourneySchema.index({ stalledAt: 1 });
JourneySchema.index({ atRiskAt: 1 });
JourneySchema.index({ accountId: 1 });

export type JourneyDoc = InferSchemaType<typeof JourneySchema>;
// Every write is recorded in the 'journeys' change feed, which keeps the list pages' in-memory index fresh.
JourneySchema.plugin(changeFeed('journeys'));

export const Journey = defineModel('Journey', JourneySchema);
