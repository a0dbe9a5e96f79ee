// Who may see and do what: the one table. Loaders and actions ask `requireUser(request, { may })`,
// services and pages ask `may(role, permission)`, the navigation and the dashboard tabs list what a
// role may open, and the access test derives every route's expected answer from the same entries.
// Pages every signed-in role may open (home, accounts, journeys, surveys, the dashboards overview)
// need no entry: `requireUser(request)` is enough. Pure: no server code, the browser bundle uses it.
import type { Role } from '#app/auth/roles';

export const PERMISSIONS = {
  /** Record a closed-won deal by hand. */
  'deals.record': ['admin', 'cs', 'sales'],
  /** Import closed-won deals from a CSV file. */
  'deals.import': ['admin', 'cs'],
  /** Work a journey: evidence, stage moves, owners, plan links. */
  'journeys.work': ['admin', 'cs'],
  /** Manage a survey: send anyway, change recipient, resend, cancel. */
  'surveys.manage': ['admin', 'cs'],
  /** Record that a customer churned. */
  'churn.record': ['admin', 'cs'],
  'dashboards.value': ['admin', 'leadership', 'sales'],
  'dashboards.time-to-live': ['admin', 'leadership', 'cs'],
  'dashboards.forecast': ['admin', 'leadership', 'cs'],
  'dashboards.profitability': ['admin', 'leadership', 'sales'],
  /** Read the spend and targets page (only admins change it). */
  'spend.view': ['admin', 'leadership'],
  'spend.edit': ['admin'],
  /** Read advocacy: candidates, asks, review rounds, figures, exports. */
  'advocacy.view': ['admin', 'leadership', 'marketing'],
  /** Make asks, record their outcome, start review rounds, record and link referrals. */
  'advocacy.act': ['marketing'],
  /** Read referrals (sales: those their own customers gave). */
  'referrals.view': ['admin', 'leadership', 'marketing', 'sales'],
  'referrals.unlink': ['admin', 'marketing'],
  /** Read recovery cases (sales: only the cases of promises they made, read-only). */
  'recovery.view': ['admin', 'cs', 'sales'],
  /** Work a recovery case: agree a plan, deliver, close, escalate, reassign; the account's Partly switch. */
  'recovery.act': ['admin', 'cs'],
  /** Change the recovery settings (NPS threshold, SLA). */
  'recovery.settings': ['admin'],
  /** The work queue: CS their own; leadership and admin every CSM's (read-only). */
  'work.view': ['admin', 'leadership', 'cs'],
  /** Snooze an item of one's own work queue. */
  'work.snooze': ['cs'],
  /** Sales' view of the promises they made (leadership and admin: every rep's). */
  'promises.view': ['admin', 'leadership', 'sales'],
  'dashboards.recovery': ['admin', 'leadership'],
  'users.manage': ['admin'],
  'playbook.edit': ['admin'],
  'outbox.view': ['admin'],
  /** See and revoke every user's personal API tokens (everyone manages their own). */
  'apiTokens.manage': ['admin'],
  /** The language a buyer reads Kept in, on a contact or an account (docs/i18n.md). */
  'buyers.language': ['admin', 'cs'],
  /** The vendor's name, logo, colours and sender that buyers see (app/branding). */
  'brand.edit': ['admin'],
  /** Outgoing webhooks, Slack channels and the CRM write-back: connect, test, disable, read the delivery and sync logs. */
  'integrations.manage': ['admin'],
  /** Single sign-on: the identity provider connection and the "SSO only" switch (app/sso). */
  'sso.manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** The roles that hold `permission`. */
export const rolesFor = (permission: Permission): readonly Role[] => PERMISSIONS[permission];

/** Whether `role` holds `permission`. */
export const may = (role: Role, permission: Permission) => rolesFor(permission).includes(role);
