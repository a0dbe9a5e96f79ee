import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The read model: one document per (kind, dimensions) with counters bumped by $inc on the same
// code path that changes the source documents; rebuildable from scratch (npm run metrics:rebuild).
const MetricSchema = new Schema(
  {
    /** Unique: kind + sorted dimensions, e.g. `survey.answer|cohort=2026Q1|rep=..|segment=smb|wave=6`. */
    key: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    /** Dimension values as strings (cohort '2026Q1', repId, segment, wave '6', category, stage...). */
    dims: { type: Schema.Types.Mixed, default: {} },
    /** Counter name -> number; histograms as `h.<bucket>` counters. */
    counts: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, minimize: false },
);
MetricSchema.index({ kind: 1 });

export type MetricDoc = InferSchemaType<typeof MetricSchema>;
export const Metric = defineModel('Metric', MetricSchema);
