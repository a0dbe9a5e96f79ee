import { IntlMessageFormat } from 'intl-messageformat';
import { DEFAULT_LOCALE, type Locale } from './locales';

// Message catalogues: one file per area under app/i18n/messages/, each a `defineMessages({ en, sv })`.
// Messages are ICU MessageFormat (intl-messageformat): `{name}` for a value, plurals as
// `{count, plural, one {# task} other {# tasks}}`, so each language states its own plural forms.
// The type makes every language carry every key of the English catalogue; `catalogueGaps` finds
// the empty ones at run time (docs/i18n.md).

export type Catalogue<K extends string = string> = Record<Locale, Record<K, string>>;
export type Values = Record<string, string | number | Date | null | undefined>;
export type Translate<K extends string> = (key: K, values?: Values) => string;

/** A catalogue whose other languages must have exactly the English keys. */
export function defineMessages<const K extends string>(catalogue: { en: Record<K, string> } & Record<Exclude<Locale, 'en'>, Record<K, string>>): Catalogue<K> {
  return catalogue as Catalogue<K>;
}

const compiled = new Map<string, IntlMessageFormat>();

/** `t(key, values)` in one language. An empty message falls back to English (a gap the catalogue test reports). */
export function translator<K extends string>(catalogue: Catalogue<K>, locale: Locale): Translate<K> {
  return (key, values) => {
    const own = catalogue[locale]?.[key];
    const source = own ? own : catalogue[DEFAULT_LOCALE][key];
    if (source === undefined) throw new Error(`No message "${key}"`);
    const lang = own ? locale : DEFAULT_LOCALE;
    const cacheKey = `${lang}\u0000${source}`;
    let format = compiled.get(cacheKey);
    if (!format) {
      format = new IntlMessageFormat(source, lang);
      compiled.set(cacheKey, format);
    }
    return String(format.format(values as Record<string, string | number | Date>));
  };
}

/** Keys whose message is missing or empty in a language: what the catalogue test fails on. */
export function catalogueGaps(catalogue: Catalogue): { locale: Locale; key: string }[] {
  const gaps: { locale: Locale; key: string }[] = [];
  for (const locale of Object.keys(catalogue) as Locale[]) {
    for (const key of Object.keys(catalogue[DEFAULT_LOCALE])) {
      if (!catalogue[locale]?.[key]?.trim()) gaps.push({ locale, key });
    }
  }
  return gaps;
}

/**
 * A message a server module wrote in English (e.g. a zod schema's error text), in the reader's
 * language when a catalogue has it with that English text; else as it was written.
 */
export function translateEnglish(catalogues: Catalogue[], locale: Locale, text: string): string {
  for (const catalogue of catalogues) {
    const key = Object.keys(catalogue[DEFAULT_LOCALE]).find((k) => catalogue[DEFAULT_LOCALE][k] === text);
    if (key) return translator(catalogue, locale)(key);
  }
  return text;
}
