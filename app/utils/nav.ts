import type { Role } from '#models/user';

export type NavItem = { to: string; label: string; roles: readonly Role[] };

/** The staff navigation; each item lists the roles that may open it (the loaders enforce the same). */
export const NAV: NavItem[] = [
  { to: '/home', label: 'Home', roles: ['admin', 'cs', 'sales', 'leadership', 'marketing'] },
  { to: '/accounts', label: 'Accounts', roles: ['admin', 'cs', 'sales', 'leadership', 'marketing'] },
  { to: '/journeys', label: 'Journeys', roles: ['admin', 'cs', 'sales', 'leadership', 'marketing'] },
  { to: '/dashboards', label: 'Dashboards', roles: ['admin', 'cs', 'sales', 'leadership', 'marketing'] },
  { to: '/surveys', label: 'Surveys', roles: ['admin', 'cs', 'sales', 'leadership', 'marketing'] },
  { to: '/advocacy', label: 'Advocacy', roles: ['admin', 'leadership', 'marketing'] },
  // Sales see the referrals their own customers gave (and expansion flags), nothing else of advocacy.
  { to: '/advocacy/referrals', label: 'Referrals', roles: ['sales'] },
  { to: '/deals/new', label: 'New deal', roles: ['admin', 'cs', 'sales'] },
  { to: '/deals/import', label: 'Import deals', roles: ['admin', 'cs'] },
  { to: '/admin/users', label: 'Users', roles: ['admin'] },
  { to: '/admin/playbook', label: 'Playbook', roles: ['admin'] },
  { to: '/admin/outbox', label: 'Email outbox', roles: ['admin'] },
];

export const navFor = (role: Role) => NAV.filter((item) => item.roles.includes(role));
