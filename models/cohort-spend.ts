import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// Sales-and-marketing spend of one calendar quarter, entered by an admin. Profitability uses it as
// the CAC of the cohort's deals that have no per-deal CAC: spend / customers won that quarter.
// _id = `<quarter>:<currency>` (e.g. `2026Q1:USD`): one figure per quarter and currency, replaced
// by a single-document upsert (last admin to save wins; no counter, nothing to race).
const CohortSpendSchema = new Schema(
  {
    _id: { type: String, required: true },
    quarter: { type: String, required: true, match: /^\d{4}Q[1-4]$/ },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    amount: { type: Number, required: true, min: 0 },
    note: { type: String, trim: true, default: '' },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
    updatedByName: { type: String },
  },
  { timestamps: true, versionKey: false },
);
CohortSpendSchema.index({ quarter: -1 });

export type CohortSpendDoc = InferSchemaType<typeof CohortSpendSchema>;
export const CohortSpend = defineModel('CohortSpend', CohortSpendSchema);
