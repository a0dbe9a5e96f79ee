/** Display helpers shared by pages (pure, safe in the browser). */

// Intl formatters are made once: building one costs far more than formatting with it (formatDate
// was the largest single function in a CPU profile of the staff pages at 100k accounts).
const moneyFormats = new Map<string, Intl.NumberFormat>();
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

export function formatMoney(amount: number, currency = 'USD') {
  let format = moneyFormats.get(currency);
  if (!format) moneyFormats.set(currency, (format = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 })));
  return format.format(amount);
}

export function formatDate(iso: string | null | undefined) {
  if (!iso) return '—';
  return DATE.format(new Date(iso));
}

/**
 * An instant with its time of day, as the server writes it: in GMT, said so. Pages show instants
 * through <LocalTime> (app/components/local-time.tsx), which puts this text in the HTML and, once
 * the page runs in a browser, the reader's own time (`formatLocal`).
 */
export function formatDateTime(iso: string | null | undefined) {
  if (!iso) return '—';
  return DATE_TIME.format(new Date(iso)) + ' GMT';
}

const localFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant in a time zone (default: the runtime's own, i.e. the reader's in a browser), in the same
 * words as formatDate/formatDateTime but without a zone name: `6 Dec 2026` or `6 Dec 2026, 09:30`.
 */
export function formatLocal(iso: string | null | undefined, { time = true, timeZone }: { time?: boolean; timeZone?: string } = {}) {
  if (!iso) return '—';
  const key = `${time}|${timeZone ?? ''}`;
  let format = localFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', time ? { dateStyle: 'medium', timeStyle: 'short', timeZone } : { day: 'numeric', month: 'short', year: 'numeric', timeZone });
    localFormats.set(key, format);
  }
  return format.format(new Date(iso));
}

/**
 * A count with its noun, singular for exactly one: plural(1, 'journey') -> '1 journey',
 * plural(3, 'entry', 'entries') -> '3 entries'. Counts read with thousands separators.
 */
export function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** A span of days as whole days ('3 days', '1 day'); under a day reads 'under a day'. */
export function formatDays(days: number | null | undefined) {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—';
  if (days < 1) return 'under a day';
  return plural(Math.floor(days), 'day');
}

export const CATEGORY_LABELS: Record<string, string> = {
  'time-savings': 'Time savings',
  'cost-reduction': 'Cost reduction',
  'revenue-growth': 'Revenue growth',
  adoption: 'Adoption',
  integration: 'Integration',
  compliance: 'Compliance',
  other: 'Other',
};

/** The currencies offered in forms (the import also reads any other ISO 4217 code). */
export const CURRENCY_LABELS = { USD: 'US dollar', EUR: 'Euro', GBP: 'British pound', CAD: 'Canadian dollar', AUD: 'Australian dollar' } as const;
export const CURRENCIES = Object.keys(CURRENCY_LABELS) as (keyof typeof CURRENCY_LABELS)[];

export const SEGMENT_LABELS: Record<string, string> = { smb: 'SMB', 'mid-market': 'Mid-market', enterprise: 'Enterprise' };
/** The segments as filter options, in their usual order. */
export const SEGMENT_OPTIONS = Object.entries(SEGMENT_LABELS).map(([value, label]) => ({ value, label }));

/** The deal form shows up to this many promise rows. */
export const MAX_PROMISE_ROWS = 10;
