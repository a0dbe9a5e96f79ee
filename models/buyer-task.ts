import { Schema, type InferSchemaType } from 'mongoose';
import { changeFeed } from '#app/platform/change-feed.server';
import { COMMENT_MAX } from '#app/buyer-tasks/task-rules';
import { defineModel } from './_define';

// A buyer task: one exit criterion of a stage that needs the buyer (a criterion with a buyer action
// the buyer can confirm), opened when its stage starts, once per (journey, stage, criterion). The
// buyer completes it on the shared plan page; the completion is the journey's buyer confirmation
// (docs/buyer-tasks.md).

export const TASK_STATUSES = ['open', 'done'] as const;
/** How a task came to be done: the buyer on the plan page, evidence CS recorded, or its stage ended. */
export const TASK_DONE_VIA = ['buyer', 'evidence', 'stage_left'] as const;
export const REMINDER_KINDS = ['opened', 'due_soon', 'overdue'] as const;

const CommentSchema = new Schema(
  {
    side: { type: String, enum: ['buyer', 'staff'], required: true },
    authorName: { type: String, required: true },
    /** The contact (buyer side) or user (staff side) who wrote it. */
    authorId: { type: Schema.Types.ObjectId, required: true },
    text: { type: String, required: true, maxlength: COMMENT_MAX },
    at: { type: Date, required: true },
  },
  { _id: true },
);

const NoticeSchema = new Schema(
  {
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    kind: { type: String, enum: REMINDER_KINDS, required: true },
    /** The UTC day of the email that carried it. */
    day: { type: String, required: true },
  },
  { _id: false },
);

const BuyerTaskSchema = new Schema(
  {
    journeyId: { type: Schema.Types.ObjectId, ref: 'Journey', required: true },
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    stage: { type: String, required: true },
    stageName: { type: String, required: true },
    criterionKey: { type: String, required: true },
    /** The playbook's buyer action, e.g. "Signs off the implementation plan". */
    title: { type: String, required: true },
    /** Who on the buyer's side owes it: contacts of the account. */
    ownerIds: { type: [{ type: Schema.Types.ObjectId, ref: 'Contact' }], default: [] },
    openedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    /** 'sla': stage start + the stage's SLA days; 'cs': set by CS. */
    dueSetBy: { type: String, enum: ['sla', 'cs'], default: 'sla' },
    status: { type: String, enum: TASK_STATUSES, default: 'open' },
    doneAt: { type: Date },
    doneVia: { type: String, enum: TASK_DONE_VIA },
    doneByName: { type: String },
    comments: { type: [CommentSchema], default: [] },
    /** Reminders already emailed, per owner (the notice that carried them). */
    notices: { type: [NoticeSchema], default: [] },
  },
  { timestamps: true },
);
// Once per (journey, stage, criterion): opening a stage twice (a reaction and the sweep) opens one task.
BuyerTaskSchema.index({ journeyId: 1, stage: 1, criterionKey: 1 }, { unique: true });
BuyerTaskSchema.index({ status: 1, dueAt: 1 });
// The journey and plan pages keep each journey's task ids in memory from this feed (tasks.server.ts).
BuyerTaskSchema.plugin(changeFeed('buyertasks'));

export type BuyerTaskDoc = InferSchemaType<typeof BuyerTaskSchema>;
export const BuyerTask = defineModel('BuyerTask', BuyerTaskSchema);
