import { Schema, type InferSchemaType } from 'mongoose';
import { LOCALES } from '#app/i18n/locales';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

export const SEGMENTS = ['smb', 'mid-market', 'enterprise'] as const;
export type Segment = (typeof SEGMENTS)[number];

const AccountSchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    /** Lower-cased name, for case-insensitive search and sorting on both FerretDB and MongoDB. */
    nameLower: { type: String, required: true },
    domain: { type: String, lowercase: true, trim: true },
    segment: { type: String, enum: SEGMENTS, required: true },
    csmId: { type: Schema.Types.ObjectId, ref: 'User' },
    status: { type: String, enum: ['active', 'churned'], default: 'active' },
    churnedAt: { type: Date },
    /** Reps with a deal on this account: scopes what a sales user sees, served by an index. */
    aeIds: { type: [Schema.Types.ObjectId], default: [] },
    /** A promise judged "Partly" opens a recovery case too (set by CS or admin; docs/recovery.md). */
    recoverPartly: { type: Boolean, default: false },
    /** The language of the account's buyers unless a contact sets their own (docs/i18n.md). */
    language: { type: String, enum: LOCALES },
  },
  { timestamps: true },
);
AccountSchema.index({ nameLower: 1 });
AccountSchema.index({ domain: 1 });
AccountSchema.index({ csmId: 1 });
AccountSchema.index({ aeIds: 1, nameLower: 1 });
AccountSchema.pre('validate', function () {
  if (this.name) this.nameLower = this.name.toLowerCase();
});

export type AccountDoc = InferSchemaType<typeof AccountSchema>;
// Every write is recorded in the 'accounts' change feed, which keeps the list pages' in-memory index fresh.
AccountSchema.plugin(changeFeed('accounts'));

export const Account = defineModel('Account', AccountSchema);
