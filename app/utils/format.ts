/** Display helpers shared by pages (pure, safe in the browser). */
export function formatMoney(amount: number, currency = 'USD') {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
}

export function formatDate(iso: string | null | undefined) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

export function formatDateTime(iso: string | null | undefined) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';
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

export const SEGMENT_LABELS: Record<string, string> = { smb: 'SMB', 'mid-market': 'Mid-market', enterprise: 'Enterprise' };

/** The deal form shows up to this many promise rows. */
export const MAX_PROMISE_ROWS = 10;
