import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';
import { WORK_ITEM_KINDS } from '#app/work/work-rules';

// A CSM's "not now" on one item of their queue: hidden from the queue until `until`, with the
// reason they gave. One document per (user, kind, item): snoozing again moves the date and the
// reason (one conditional upsert); every snooze and wake is audited.
const WorkSnoozeSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: WORK_ITEM_KINDS, required: true },
    /** The item's own id: a recovery case, a journey, a survey. */
    itemId: { type: String, required: true },
    until: { type: Date, required: true },
    reason: { type: String, required: true, trim: true },
    at: { type: Date, required: true },
  },
  { timestamps: true },
);
// "Once per user and item": a second snooze of the same item updates this one.
WorkSnoozeSchema.index({ userId: 1, kind: 1, itemId: 1 }, { unique: true });

export type WorkSnoozeDoc = InferSchemaType<typeof WorkSnoozeSchema>;
export const WorkSnooze = defineModel('WorkSnooze', WorkSnoozeSchema);
