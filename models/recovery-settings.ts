import { Schema, type InferSchemaType } from 'mongoose';
import { defineModel } from './_define';

// The admin's recovery settings: one document, _id 'recovery'. A missing document or field means
// the defaults in app/recovery/recovery-rules.ts (DEFAULT_RECOVERY_SETTINGS); docs/recovery.md.
const RecoverySettingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** An answer's NPS at or below this opens an 'overall' case (0-10). */
    npsThreshold: { type: Number, min: 0, max: 10 },
    /** Business days (Monday to Friday) the CSM has to agree a plan or close a case. */
    slaBusinessDays: { type: Number, min: 1, max: 60 },
    /** Days after a re-ask went out to send its one reminder (docs/reask.md). */
    reaskReminderDays: { type: Number, min: 1, max: 30 },
    /** Days a re-ask's link works. */
    reaskExpiryDays: { type: Number, min: 2, max: 60 },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true, versionKey: false },
);

export type RecoverySettingsDoc = InferSchemaType<typeof RecoverySettingsSchema>;
export const RecoverySettings = defineModel('RecoverySettings', RecoverySettingsSchema);
