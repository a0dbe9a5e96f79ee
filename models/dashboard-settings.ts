import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The admin-configurable figures of the dashboards: one document, _id 'dashboards'. Missing
// document or fields = the defaults in app/dashboards/dashboards.server.ts (DEFAULT_DASHBOARD_SETTINGS).
const DashboardSettingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Value delivered %: below the floor is red, between floor and target amber (percent). */
    valueFloorPct: { type: Number, min: 0, max: 100 },
    valueTargetPct: { type: Number, min: 0, max: 100 },
    /** Gross margin for cohorts where no deal records one (percent); unset = LTV not computed. */
    defaultGrossMarginPct: { type: Number, min: 0, max: 100 },
    /** Longest customer lifetime LTV may assume (months), e.g. when no churn was observed. */
    lifetimeCapMonths: { type: Number, min: 1, max: 240 },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true, versionKey: false },
);

export type DashboardSettingsDoc = InferSchemaType<typeof DashboardSettingsSchema>;
export const DashboardSettings = defineModel('DashboardSettings', DashboardSettingsSchema);
