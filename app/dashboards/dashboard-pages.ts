// The dashboard pages and their tabs (pure: who may open which is in app/auth/permissions.ts).
import { may } from '#app/auth/permissions';
import type { Role } from '#app/auth/roles';

export type DashboardPage = 'value' | 'time-to-live' | 'forecast' | 'profitability' | 'recovery';

/** Fewer answers than this: a value-delivered share is shown with a "few answers" caveat. */
export const FEW_ANSWERS = 5;

export const canOpen = (role: Role, page: DashboardPage) => may(role, `dashboards.${page}`);

/**
 * The pages whose figures are kept per playbook (the journey rollups and the live journeys carry
 * it): only these offer the playbook filter. The others (survey answers, deals, recovery cases are
 * not kept per playbook) drop it and say so (docs/dashboards.md, "Playbook filter").
 */
export const PLAYBOOK_PAGES: readonly DashboardPage[] = ['time-to-live', 'forecast'];
export const filtersByPlaybook = (page: DashboardPage | 'overview') => page !== 'overview' && PLAYBOOK_PAGES.includes(page);

/** Why a page without the playbook filter has none (said next to its filters). */
export const NOT_BY_PLAYBOOK: Record<'overview' | Exclude<DashboardPage, 'time-to-live' | 'forecast'>, string> = {
  overview: 'the overview mixes figures that are kept per playbook with some that are not; Time to live and Conversion & forecast filter by playbook',
  value: 'survey answers are not kept per playbook; Time to live and Conversion & forecast filter by playbook',
  profitability: 'deals won and churned are not kept per playbook; Time to live and Conversion & forecast filter by playbook',
  recovery: 'recovery cases are not kept per playbook; Time to live and Conversion & forecast filter by playbook',
};

const TABS: { to: string; label: string; allowed: (role: Role) => boolean }[] = [
  { to: '/dashboards', label: 'Overview', allowed: () => true },
  { to: '/dashboards/value', label: 'Value delivered', allowed: (r) => canOpen(r, 'value') },
  { to: '/dashboards/time-to-live', label: 'Time to live', allowed: (r) => canOpen(r, 'time-to-live') },
  { to: '/dashboards/forecast', label: 'Conversion & forecast', allowed: (r) => canOpen(r, 'forecast') },
  { to: '/dashboards/profitability', label: 'Profitability', allowed: (r) => canOpen(r, 'profitability') },
  { to: '/dashboards/recovery', label: 'Recovery', allowed: (r) => canOpen(r, 'recovery') },
  { to: '/dashboards/settings', label: 'Spend & targets', allowed: (r) => may(r, 'spend.view') },
];

/** The dashboard tabs a role sees. */
export const dashboardTabs = (role: Role) => TABS.filter((t) => t.allowed(role)).map(({ to, label }) => ({ to, label }));

/**
 * The forecast in one plain sentence: "About 13 of 33 open journeys go live in the next 30 days."
 * `expected` is the sum of the open journeys' probabilities (a fraction of a go-live is not a
 * journey, so it is rounded, and under one half says so).
 */
export function forecastSentence({ hasForecast, open, expected, days }: { hasForecast: boolean; open: number; expected: number; days: number }) {
  if (!hasForecast) return 'No forecast yet: the worker makes the first one tonight.';
  if (open === 0) return 'No journey is open: nothing is waiting to go live.';
  const of = `${open.toLocaleString('en-US')} open ${open === 1 ? 'journey' : 'journeys'}`;
  const n = Math.round(expected);
  if (n === 0) return `Fewer than one of ${of} is expected to go live in the next ${days} days.`;
  return `About ${n.toLocaleString('en-US')} of ${of} ${n === 1 ? 'goes' : 'go'} live in the next ${days} days.`;
}
