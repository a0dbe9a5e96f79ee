import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

// The read model: one document per (kind, dimensions) with counters bumped by $inc on the same
// code path that changes the source documents; rebuildable from scratch (npm run metrics:rebuild).
// `_id` is the key: an `_id` upsert is the one write FerretDB 1.24 does without scanning the
// collection. Documents of older versions (per-process slots, ObjectId ids) are folded at
// connect (foldLegacyMetrics, docs/metrics.md).
const MetricSchema = new Schema(
  {
    _id: { type: Schema.Types.Mixed },
    /** Unique: kind + sorted dimensions, e.g. `survey.answer|cohort=2026Q1|rep=..|segment=smb|wave=6`. */
    key: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    /** Dimension values as strings (cohort '2026Q1', repId, segment, wave '6', category, stage...). */
    dims: { type: Schema.Types.Mixed, default: {} },
    /** Counter name -> number; histograms as `h.<bucket>` counters. */
    counts: { type: Schema.Types.Mixed, default: {} },
    /** Names of one-time contributions already counted (an import batch, a folded old document). */
    applied: { type: [String], default: undefined },
  },
  { timestamps: true, minimize: false },
);
MetricSchema.index({ kind: 1 });
// Every write is recorded in the 'metrics' change feed: dashboards read the rollups from memory.
MetricSchema.plugin(changeFeed('metrics'));

export type MetricDoc = InferSchemaType<typeof MetricSchema>;
export const Metric = defineModel('Metric', MetricSchema);
