// The languages a buyer can read Kept in (docs/i18n.md). Staff pages stay English.
// Adding a language: add its code here, then a value for every message in every catalogue under
// app/i18n/messages/ (the type of `defineMessages` refuses a catalogue that misses one).

export const LOCALES = ['en', 'sv'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language in its own words, for pickers. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', sv: 'Svenska' };

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/**
 * The buyer's language: the first set of (contact, account, admin default), else English.
 * Values that are not a known language are skipped (e.g. an import column with "de").
 */
export function pickLocale(...candidates: unknown[]): Locale {
  return candidates.find(isLocale) ?? DEFAULT_LOCALE;
}
