// Which dashboard pages each role may open (pure: the services enforce it, pages build tabs from it).
import type { Role } from '#app/utils/roles';

export const DASHBOARD_PAGES = {
  value: ['admin', 'leadership', 'sales'],
  'time-to-live': ['admin', 'leadership', 'cs'],
  forecast: ['admin', 'leadership', 'cs'],
  profitability: ['admin', 'leadership', 'sales'],
} as const satisfies Record<string, readonly Role[]>;
export type DashboardPage = keyof typeof DASHBOARD_PAGES;

/** Roles that may read the spend and settings page (only admin edits it). */
export const SPEND_READERS = ['admin', 'leadership'] as const satisfies readonly Role[];
/** Roles that may record that a customer churned. */
export const CHURN_WRITERS = ['admin', 'cs'] as const satisfies readonly Role[];
/** Roles that read the advocacy figures (the advocacy pages own them). */
export const ADVOCACY_VIEWERS = ['admin', 'leadership', 'marketing'] as const satisfies readonly Role[];

/** Fewer answers than this: a value-delivered share is shown with a "few answers" caveat. */
export const FEW_ANSWERS = 5;

export const canOpen = (role: Role, page: DashboardPage) => (DASHBOARD_PAGES[page] as readonly Role[]).includes(role);

const TABS: { to: string; label: string; allowed: (role: Role) => boolean }[] = [
  { to: '/dashboards', label: 'Overview', allowed: () => true },
  { to: '/dashboards/value', label: 'Value delivered', allowed: (r) => canOpen(r, 'value') },
  { to: '/dashboards/time-to-live', label: 'Time to live', allowed: (r) => canOpen(r, 'time-to-live') },
  { to: '/dashboards/forecast', label: 'Conversion & forecast', allowed: (r) => canOpen(r, 'forecast') },
  { to: '/dashboards/profitability', label: 'Profitability', allowed: (r) => canOpen(r, 'profitability') },
  { to: '/dashboards/settings', label: 'Spend & targets', allowed: (r) => (SPEND_READERS as readonly Role[]).includes(r) },
];

/** The dashboard tabs a role sees. */
export const dashboardTabs = (role: Role) => TABS.filter((t) => t.allowed(role)).map(({ to, label }) => ({ to, label }));
