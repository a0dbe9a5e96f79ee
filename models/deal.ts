import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

export const DEAL_SOURCES = ['manual', 'hubspot', 'salesforce', 'kept', 'webhook', 'seed'] as const;
export const PROMISE_CATEGORIES = ['time-savings', 'cost-reduction', 'revenue-growth', 'adoption', 'integration', 'compliance', 'other'] as const;
export type PromiseCategory = (typeof PROMISE_CATEGORIES)[number];

// Each promise keeps its own _id for life: survey answers and dashboards refer to it.
const PromiseSchema = new Schema({
  text: { type: String, required: true, trim: true },
  successCriterion: { type: String, required: true, trim: true },
  category: { type: String, enum: PROMISE_CATEGORIES, required: true },
});

const DealSchema = new Schema(
  {
    source: { type: String, enum: DEAL_SOURCES, required: true },
    crmId: { type: String, required: true, trim: true },
    /** The deal's company (HubSpot) or account (Salesforce) id in the same CRM, when its intake carried it: the CRM write-back updates it too. */
    crmAccountId: { type: String, trim: true },
    name: { type: String, required: true, trim: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    aeId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    closedWonAt: { type: Date, required: true },
    arr: { type: Number, required: true, min: 0 },
    currency: { type: String, required: true, default: 'USD' },
    grossMarginPct: { type: Number, min: 0, max: 100 },
    cac: { type: Number, min: 0 },
    promises: { type: [PromiseSchema], default: [] },
    referralId: { type: Schema.Types.ObjectId, ref: 'Referral' },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);
// Intake is idempotent on (source, crmId): a re-import or replayed webhook finds the same deal.
DealSchema.index({ source: 1, crmId: 1 }, { unique: true });
DealSchema.index({ accountId: 1, closedWonAt: -1 });
DealSchema.index({ aeId: 1, closedWonAt: -1 });
DealSchema.index({ closedWonAt: -1 });
// The CRM write-back: a company's newest deal (app/crm/crm-values.server.ts).
DealSchema.index({ source: 1, crmAccountId: 1, closedWonAt: -1 });

export type DealDoc = InferSchemaType<typeof DealSchema>;
export const Deal = defineModel('Deal', DealSchema);
