import type { Locale } from './locales';

// Numbers and dates the way the buyer's language writes them ("1 234,5" and "7 dec. 2026" in
// Swedish). Buyer pages show dates only, or times in the buyer's time zone when one is known.

// English as the rest of Kept writes it ("7 Dec 2026"), so an English buyer reads what staff read.
const tag: Record<Locale, string> = { en: 'en-GB', sv: 'sv-SE' };

export const formatNumber = (locale: Locale, n: number, options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(tag[locale], options).format(n);

/** 0.857 -> "86%" (en) / "86 %" (sv). */
export const formatPercent = (locale: Locale, share: number) => formatNumber(locale, share, { style: 'percent', maximumFractionDigits: 0 });

/** A calendar date without a time: the same day wherever the buyer is (read in UTC, as stored). */
export const formatDate = (locale: Locale, date: Date | string | number, style: 'long' | 'medium' = 'medium') =>
  new Intl.DateTimeFormat(tag[locale], { dateStyle: style, timeZone: 'UTC' }).format(new Date(date));

/** A moment, in the buyer's time zone when known, else as a date only (never the server's zone). */
export const formatDateTime = (locale: Locale, date: Date | string | number, timeZone?: string) =>
  timeZone ? new Intl.DateTimeFormat(tag[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(date)) : formatDate(locale, date);
