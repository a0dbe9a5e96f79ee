import { getBrandSettings } from '#app/branding/brand.server';
import { pickLocale, type Locale } from './locales';

/**
 * The language a buyer reads Kept in: the contact's own, else the account's, else the admin's
 * default (on /admin/brand), else English. Pass what the caller already loaded.
 */
export async function buyerLocale({ contact, account }: { contact?: { language?: string | null } | null; account?: { language?: string | null } | null }): Promise<Locale> {
  const settings = await getBrandSettings();
  return pickLocale(contact?.language, account?.language, settings?.defaultLanguage);
}
