// The admin's recovery settings (one document) and the account's "Partly opens a case" switch.
import { z } from 'zod';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { RecoverySettings } from '#models/recovery-settings';
import type { SessionUser } from '#app/auth/session.server';
import { may } from '#app/auth/permissions';
import { DEFAULT_RECOVERY_SETTINGS } from '#app/recovery/recovery-rules';

export type RecoverySettingsView = { npsThreshold: number; slaBusinessDays: number; reaskReminderDays: number; reaskExpiryDays: number };

/** The settings in force: what the admin saved, else the defaults. */
export async function getRecoverySettings(): Promise<RecoverySettingsView> {
  const doc = await RecoverySettings.findById('recovery').lean();
  return {
    npsThreshold: doc?.npsThreshold ?? DEFAULT_RECOVERY_SETTINGS.npsThreshold,
    slaBusinessDays: doc?.slaBusinessDays ?? DEFAULT_RECOVERY_SETTINGS.slaBusinessDays,
    reaskReminderDays: doc?.reaskReminderDays ?? DEFAULT_RECOVERY_SETTINGS.reaskReminderDays,
    reaskExpiryDays: doc?.reaskExpiryDays ?? DEFAULT_RECOVERY_SETTINGS.reaskExpiryDays,
  };
}

const wholeNumber = (label: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .min(1, `Enter ${label}.`)
    .regex(/^\d+$/, `Enter ${label} as a whole number.`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `${label[0].toUpperCase()}${label.slice(1)} is at least ${min}.`)
        .max(max, `${label[0].toUpperCase()}${label.slice(1)} is at most ${max}.`),
    );

export const RecoverySettingsSchema = z
  .object({
    npsThreshold: wholeNumber('the NPS threshold', 0, 10),
    slaBusinessDays: wholeNumber('the SLA in business days', 1, 60),
    reaskReminderDays: wholeNumber('the days before the reminder', 1, 30),
    reaskExpiryDays: wholeNumber('the days the link works', 2, 60),
  })
  .refine((s) => s.reaskReminderDays < s.reaskExpiryDays, { path: ['reaskReminderDays'], message: 'The reminder must go out before the link expires.' });

/** Saves the admin's settings (audited). New cases use them; open cases keep their SLA. */
export async function saveRecoverySettings({ user, input, now = new Date() }: { user: SessionUser; input: z.infer<typeof RecoverySettingsSchema>; now?: Date }) {
  if (!may(user.role, 'recovery.settings')) throw new Response(`Your role (${user.role}) cannot change the recovery settings.`, { status: 403 });
  await RecoverySettings.updateOne({ _id: 'recovery' }, { $set: { ...input, updatedById: user.id } }, { upsert: true });
  await recordAudit({ actorId: user.id, action: 'recovery.settings_changed', entityType: 'settings', entityId: 'recovery', data: input, now });
  return { ok: true as const };
}

export const RecoverPartlySchema = z.object({ recoverPartly: z.enum(['on', 'off'], { message: 'Choose whether “Partly” opens a case.' }) });

/** CS or admin: whether a promise judged "Partly" at this account opens a recovery case (audited). */
export async function setRecoverPartly({ user, accountId, recoverPartly, now = new Date() }: { user: SessionUser; accountId: string; recoverPartly: boolean; now?: Date }) {
  if (!may(user.role, 'recovery.act')) throw new Response(`Your role (${user.role}) cannot change this setting.`, { status: 403 });
  if (!/^[a-f0-9]{24}$/i.test(accountId)) return null;
  const updated = await Account.updateOne({ _id: accountId }, { $set: { recoverPartly } });
  if (updated.matchedCount === 0) return null;
  await recordAudit({ actorId: user.id, action: 'account.recover_partly_changed', entityType: 'account', entityId: accountId, data: { recoverPartly }, now });
  return { ok: true as const };
}

/** Whether "Partly" opens a case at this account (false for an unknown id). */
export async function getRecoverPartly(accountId: string) {
  if (!/^[a-f0-9]{24}$/i.test(accountId)) return false;
  return Boolean((await Account.findById(accountId).select('recoverPartly').lean())?.recoverPartly);
}
