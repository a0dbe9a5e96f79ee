import { Schema, type InferSchemaType } from 'mongoose';
import { LOCALES } from '#app/i18n/locales';
import { changeFeed } from '#app/platform/change-feed.server';
import { defineModel } from './_define';

export const EMAIL_STATUSES = ['ok', 'bounced', 'complained', 'unsubscribed'] as const;

const ContactSchema = new Schema(
  {
    accountId: { type: Schema.Types.ObjectId, ref: 'Account', required: true },
    name: { type: String, required: true, trim: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    title: { type: String, trim: true },
    isPrimary: { type: Boolean, default: false },
    emailStatus: { type: String, enum: EMAIL_STATUSES, default: 'ok' },
    /** The language this buyer reads Kept in; unset = the account's, else the admin's default (docs/i18n.md). */
    language: { type: String, enum: LOCALES },
  },
  { timestamps: true },
);
ContactSchema.index({ accountId: 1, email: 1 }, { unique: true });
ContactSchema.index({ email: 1 });

export type ContactDoc = InferSchemaType<typeof ContactSchema>;
// Every write is recorded in the 'contacts' change feed (detail pages find children in memory, then read them by _id).
ContactSchema.plugin(changeFeed('contacts'));

export const Contact = defineModel('Contact', ContactSchema);
