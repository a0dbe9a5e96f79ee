/**
 * The demo's Swedish-speaking customer (docs/i18n.md): the first account (by name) of
 * cs@kept.demo with a journey still under way reads Kept in Swedish, so its contacts get their
 * plan page, surveys and emails in Swedish. Chosen among the first batch's journeys before the
 * accounts are written (no query: at 100,000 accounts a scan of the journeys for it outlasted the
 * database's reply timeout); a rerun makes the same choice and inserts nothing new.
 */
export function markSwedishCustomer({
  accounts,
  journeys,
  csId,
}: {
  accounts: Record<string, unknown>[];
  journeys: { accountId: unknown; accountName: string; csmId?: unknown; liveAt?: Date | null }[];
  csId: string;
}): string | null {
  const chosen = journeys.filter((j) => String(j.csmId) === csId && !j.liveAt).sort((a, b) => (a.accountName < b.accountName ? -1 : a.accountName > b.accountName ? 1 : 0))[0];
  const account = chosen && accounts.find((a) => String(a._id) === String(chosen.accountId));
  if (!account) return null;
  account.language ??= 'sv';
  return chosen.accountName;
}
