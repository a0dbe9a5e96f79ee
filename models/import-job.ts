import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

export const IMPORT_SOURCES = ['hubspot', 'salesforce', 'kept'] as const;
export const IMPORT_STATES = ['uploaded', 'running', 'done', 'failed'] as const;

// One CSV import: the uploaded file stays on disk (streamed, never loaded whole) until the run ends.
// Only its runner writes the progress fields, so FerretDB's non-atomic updates are not a concern;
// a new run (resume) bumps `attempt`, and an older runner that sees a newer attempt stops.
const ImportJobSchema = new Schema(
  {
    createdById: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    createdByName: { type: String, required: true },
    fileName: { type: String, required: true },
    filePath: { type: String, required: true },
    fileBytes: { type: Number, required: true },
    delimiter: { type: String, default: ',' },
    source: { type: String, enum: IMPORT_SOURCES, required: true },
    detectedSource: { type: String },
    headers: { type: [String], default: [] },
    /** Kept field -> CSV header. */
    mapping: { type: Schema.Types.Mixed, default: {} },
    options: {
      defaultAeId: { type: Schema.Types.ObjectId, ref: 'User' },
      defaultSegment: { type: String, default: 'mid-market' },
      dateOrder: { type: String, enum: ['mdy', 'dmy'], default: 'mdy' },
      currency: { type: String, default: 'USD' },
    },
    totalRows: { type: Number, default: 0 },
    status: { type: String, enum: IMPORT_STATES, default: 'uploaded' },
    attempt: { type: Number, default: 0 },
    processedRows: { type: Number, default: 0 },
    created: { type: Number, default: 0 },
    existing: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    heartbeatAt: { type: Date },
    startedAt: { type: Date },
    finishedAt: { type: Date },
    error: { type: String },
    /** When the uploaded file was deleted (import finished, file unusable, or left unstarted for a day). */
    fileRemovedAt: { type: Date },
  },
  { timestamps: true, minimize: false },
);
ImportJobSchema.index({ createdAt: -1 });

// Per-row problems of an import (errors and skipped rows), downloadable as CSV.
const ImportIssueSchema = new Schema(
  {
    jobId: { type: Schema.Types.ObjectId, ref: 'ImportJob', required: true },
    row: { type: Number, required: true },
    kind: { type: String, enum: ['error', 'skipped'], required: true },
    crmId: { type: String },
    message: { type: String, required: true },
  },
  { versionKey: false },
);
ImportIssueSchema.index({ jobId: 1, row: 1 });

export type ImportJobDoc = InferSchemaType<typeof ImportJobSchema>;
export const ImportJob = defineModel('ImportJob', ImportJobSchema);
export const ImportIssue = defineModel('ImportIssue', ImportIssueSchema);
