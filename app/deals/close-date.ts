// One strict reading of a closed-won date for every intake path (CRM webhook, CSV import): the
// calendar day must exist (2026-02-30 is refused, never rolled over to 2 March), fall in 2000 or
// later, and not lie in the future beyond a day of slack (a CRM in a time zone ahead of UTC may
// already be on tomorrow's date).

export const CLOSE_DATE_SLACK_MS = 86_400_000;

/** The UTC midnight of (y, m, d), or null when that day does not exist (month 13, 30 February). */
export function calendarDay(y: number, m: number, d: number): Date | null {
  if (![y, m, d].every(Number.isInteger)) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 0 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO day (YYYY-MM-DD, read as UTC midnight) or ISO date-time with a zone; null unless it exists. */
export function parseIsoCloseDate(value: string): Date | null {
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const day = calendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!day) return null;
  if (!m[4]) return day;
  const [h, min, s] = [Number(m[5]), Number(m[6]), Number(m[7] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return null;
  const at = new Date(value.trim());
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Why a real date cannot be a closed-won date, or null when it can. */
export function closeDateProblem(date: Date, now: Date): string | null {
  if (date.getUTCFullYear() < 2000) return 'Close date must be after 2000.';
  if (date.getTime() > now.getTime() + CLOSE_DATE_SLACK_MS) return 'A closed-won date cannot be in the future.';
  return null;
}
