import { Schema, type InferSchemaType } from 'mongoose';
import { SEGMENTS } from './account';
import { defineModel } from './_define';

// A named playbook: what can change without a new version (its name, the segments it serves). Its
// stages are the immutable versions in models/playbook.ts under the same key. The playbook keyed
// "default" always exists and serves every segment no other playbook claims (docs/playbooks.md).
const PlaybookProfileSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    name: { type: String, required: true, trim: true },
    segments: { type: [{ type: String, enum: SEGMENTS }], default: [] },
    createdById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);

export type PlaybookProfileDoc = InferSchemaType<typeof PlaybookProfileSchema>;
export const PlaybookProfile = defineModel('PlaybookProfile', PlaybookProfileSchema);
