import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// One buyer's task email of one day: the plan of what it carries, written once per (contact, day)
// before it is sent, so two workers or a worker killed mid-step send one email a day per buyer
// (docs/buyer-tasks.md, "Reminders"). Leased while it is being sent (app/platform/lease.server.ts).
const ItemSchema = new Schema(
  {
    taskId: { type: Schema.Types.ObjectId, ref: 'BuyerTask', required: true },
    kind: { type: String, enum: ['opened', 'due_soon', 'overdue', 'digest'], required: true },
  },
  { _id: false },
);

const BuyerTaskNoticeSchema = new Schema(
  {
    /** `buyer-tasks:<contactId>:<yyyy-mm-dd>`: one per buyer per day. */
    _id: { type: String, required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    day: { type: String, required: true },
    /** The outbox key: the day's (`buyer-tasks:...`) or, on a Monday, the week's digest (`buyer-tasks-digest:...`). */
    emailKey: { type: String, required: true },
    digest: { type: Boolean, default: false },
    items: { type: [ItemSchema], default: [] },
    sentAt: { type: Date, default: null },
    /** Set instead of sentAt when nothing was left to send (tasks done meanwhile, the buyer unsubscribed). */
    skippedAt: { type: Date, default: null },
    leaseOwner: { type: String },
    leaseExpiresAt: { type: Date },
    leaseGen: { type: Number, default: 0 },
  },
  { timestamps: true },
);
BuyerTaskNoticeSchema.index({ sentAt: 1, skippedAt: 1 });

export type BuyerTaskNoticeDoc = InferSchemaType<typeof BuyerTaskNoticeSchema>;
export const BuyerTaskNotice = defineModel('BuyerTaskNotice', BuyerTaskNoticeSchema);
