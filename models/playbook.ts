import { Schema, type InferSchemaType } from 'mongoose';
import { EVIDENCE_TYPES } from '#app/journeys/journey-rules';
import { defineModel } from './_define';

// A playbook version is immutable once written: journeys keep the playbook and version they started
// with, so editing publishes version n+1 of that playbook (the unique index on playbook + version makes
// two concurrent publishes collide, one wins). The playbook's name and segments live in
// models/playbook-profile.ts; see docs/playbooks.md.
const CriterionSchema = new Schema(
  {
    /** Stable within a stage: evidence refers to it. */
    key: { type: String, required: true },
    text: { type: String, required: true, trim: true },
    required: { type: Boolean, default: true },
    /** What proves it; empty = "not inspectable" (flagged by the editor). */
    evidenceType: { type: String, enum: [...EVIDENCE_TYPES, ''], default: '' },
    /** What the buyer does, e.g. "Signs off the implementation plan"; empty = not buyer-centric (flagged). */
    buyerAction: { type: String, trim: true, default: '' },
  },
  { _id: false },
);

const StageSchema = new Schema(
  {
    key: { type: String, required: true },
    name: { type: String, required: true, trim: true },
    /** Days allowed in the stage; null on the terminal stage. */
    slaDays: { type: Number, min: 1, max: 365 },
    /** The last stage (the customer is live): no exit criteria, no SLA. */
    terminal: { type: Boolean, default: false },
    criteria: { type: [CriterionSchema], default: [] },
  },
  { _id: false },
);

const PlaybookSchema = new Schema(
  {
    /** Which playbook (models/playbook-profile.ts `key`); documents written before there were several have none: "default". */
    playbookKey: { type: String, required: true, default: 'default' },
    version: { type: Number, required: true, min: 1 },
    stages: { type: [StageSchema], required: true },
    note: { type: String, trim: true },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
    createdByName: { type: String },
  },
  { timestamps: true },
);

// Versions count per playbook. Replaces the index on `version` alone (dropped by ensurePlaybooks in
// app/journeys/playbook.server.ts on databases that still have it).
PlaybookSchema.index({ playbookKey: 1, version: 1 }, { unique: true });

export type PlaybookDoc = InferSchemaType<typeof PlaybookSchema>;
export const Playbook = defineModel('Playbook', PlaybookSchema);
