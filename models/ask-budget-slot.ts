import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The ask budget, enforced by unique inserts (the one atomic write on FerretDB 1.24). Each scope
// (a contact, an account) has a chain of slots numbered 1, 2, 3...; `_id` = `<scope>:<ownerId>:<n>`.
// An ask takes slot n+1 only after checking that slot n+1-k (k = asks allowed per window) is older
// than the window; two concurrent asks both try n+1 and exactly one insert wins, the other
// rereads the chain and is refused. See takeSlot in app/advocacy/ask-budget.server.ts.
const AskBudgetSlotSchema = new Schema(
  {
    _id: { type: String, required: true },
    scope: { type: String, enum: ['contact', 'account'], required: true },
    ownerId: { type: String, required: true },
    n: { type: Number, required: true },
    at: { type: Date, required: true },
    askId: { type: Schema.Types.ObjectId, ref: 'Ask', required: true },
    type: { type: String, required: true },
  },
  { versionKey: false },
);
AskBudgetSlotSchema.index({ scope: 1, ownerId: 1, n: -1 });
AskBudgetSlotSchema.index({ askId: 1 });
AskBudgetSlotSchema.index({ at: 1 });

export type AskBudgetSlotDoc = InferSchemaType<typeof AskBudgetSlotSchema>;
export const AskBudgetSlot = defineModel('AskBudgetSlot', AskBudgetSlotSchema);
