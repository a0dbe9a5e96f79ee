import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// A change feed per collection, for the in-memory read indexes (app/platform/read-index.server.ts;
// appended and read by app/platform/change-feed.server.ts).
// Entries have dense sequential ids `<feed>:<seq>`: appending is a unique insert (atomic on
// FerretDB and MongoDB), and reading the next entry is an `_id` lookup, the one query FerretDB 1.24
// serves from an index. `head:<feed>` is a hint of the newest seq (never ahead of a stored entry).
const ChangeSchema = new Schema(
  {
    _id: { type: String, required: true },
    feed: { type: String, required: true },
    seq: { type: Number, required: true },
    /** Ids of the changed documents; null means "anything may have changed": reload. */
    ids: { type: [String], default: null },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

ChangeSchema.index({ at: 1 });

export type ChangeDoc = InferSchemaType<typeof ChangeSchema>;
export const Change = defineModel('Change', ChangeSchema);
