// The language buyers read Kept in, set on a contact or on its account (docs/i18n.md). The staff
// account page has a form for each; imports and the closed-won webhook set it at intake.
import { z } from 'zod';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { may } from '#app/auth/permissions';
import type { SessionUser } from '#app/auth/session.server';
import { LOCALES } from '#app/i18n/locales';

const ID = /^[a-f0-9]{24}$/i;

/** The form: a language, or "" for "not set" (the contact then follows the account, the account the admin's default). */
export const BuyerLanguageSchema = z.object({
  language: z.enum(['', ...LOCALES], { error: 'Choose a language from the list.' }),
  contactId: z.string().regex(ID, 'Choose a contact of this account.').optional(),
});
export type BuyerLanguageInput = z.infer<typeof BuyerLanguageSchema>;

/**
 * Sets (or clears) the language of one contact of the account, or of the account itself when no
 * contact is named. Null when the account or contact is not found.
 */
export async function setBuyerLanguage({ user, accountId, input, now = new Date() }: { user: SessionUser; accountId: string; input: BuyerLanguageInput; now?: Date }) {
  if (!may(user.role, 'buyers.language')) throw new Response(`Your role (${user.role}) cannot change a buyer's language.`, { status: 403 });
  if (!ID.test(accountId)) return null;
  const update = input.language ? { $set: { language: input.language } } : { $unset: { language: '' } };
  const result = input.contactId ? await Contact.updateOne({ _id: input.contactId, accountId }, update) : await Account.updateOne({ _id: accountId }, update);
  if (result.matchedCount === 0) return null;
  await recordAudit({
    actorId: user.id,
    action: input.contactId ? 'contact.language_changed' : 'account.language_changed',
    entityType: input.contactId ? 'contact' : 'account',
    entityId: input.contactId ?? accountId,
    data: { language: input.language || null },
    now,
  });
  return { ok: true as const };
}
