import { may, type Permission } from '#app/auth/permissions';
import type { Role } from '#app/auth/roles';

/** A link of the staff navigation: shown to roles with `may` (every role without it), unless they hold `unless`. */
export type NavItem = { to: string; label: string; may?: Permission; unless?: Permission };

/** The staff navigation, from the permission table the loaders enforce. */
export const NAV: NavItem[] = [
  { to: '/home', label: 'Home' },
  { to: '/work', label: 'Work queue', may: 'work.view' },
  { to: '/promises', label: 'Promises', may: 'promises.view' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/journeys', label: 'Journeys' },
  { to: '/dashboards', label: 'Dashboards' },
  { to: '/surveys', label: 'Surveys' },
  { to: '/advocacy', label: 'Advocacy', may: 'advocacy.view' },
  // Sales see the referrals their own customers gave (and expansion flags), nothing else of advocacy.
  { to: '/advocacy/referrals', label: 'Referrals', may: 'referrals.view', unless: 'advocacy.view' },
  // CS and admin work recovery cases; a rep follows the cases of the promises they made.
  { to: '/recovery', label: 'Recovery', may: 'recovery.view' },
  { to: '/deals/new', label: 'New deal', may: 'deals.record' },
  { to: '/deals/import', label: 'Import deals', may: 'deals.import' },
  { to: '/admin/users', label: 'Users', may: 'users.manage' },
  { to: '/admin/playbook', label: 'Playbook', may: 'playbook.edit' },
  { to: '/admin/outbox', label: 'Email outbox', may: 'outbox.view' },
  { to: '/admin/brand', label: 'Brand', may: 'brand.edit' },
  { to: '/admin/webhooks', label: 'Webhooks', may: 'integrations.manage' },
  { to: '/admin/slack', label: 'Slack', may: 'integrations.manage' },
  { to: '/admin/crm', label: 'CRM write-back', may: 'integrations.manage' },
  { to: '/admin/sso', label: 'Single sign-on', may: 'sso.manage' },
];

export const navFor = (role: Role) => NAV.filter((item) => (!item.may || may(role, item.may)) && !(item.unless && may(role, item.unless)));
