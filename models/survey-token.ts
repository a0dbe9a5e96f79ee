import { Schema, type InferSchemaType } from 'mongoose';
import { LOCALES } from '#app/i18n/locales';
import { defineModel } from './_define';

// A survey link. `_id` is the SHA-256 of the random token: the token itself is only in the email.
// Every invitation and reminder gets its own token (an insert, never an overwrite, so a retried
// send can never invalidate a link already in someone's inbox). A token works while its survey is
// open, in the same cycle (a resend to another contact starts a new one) and for the same contact.
const SurveyTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: Schema.Types.ObjectId, ref: 'Survey', required: true },
    /** The survey's deal (fixed for a survey's life), so the page reads it beside the survey. Absent on links made before it was kept. */
    dealId: { type: Schema.Types.ObjectId, ref: 'Deal' },
    /** The survey's account (fixed too), for the page's account name. Absent on links made before it was kept. */
    accountId: { type: Schema.Types.ObjectId, ref: 'Account' },
    cycle: { type: Number, required: true },
    contactId: { type: Schema.Types.ObjectId, ref: 'Contact', required: true },
    /** The language the link's email was written in (docs/i18n.md): the survey page speaks it too. Absent on older links. */
    locale: { type: String, enum: LOCALES },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
SurveyTokenSchema.index({ surveyId: 1 });

export type SurveyTokenDoc = InferSchemaType<typeof SurveyTokenSchema>;
export const SurveyToken = defineModel('SurveyToken', SurveyTokenSchema);
