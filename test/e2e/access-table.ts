// Who may open what: the access table (route module file -> the answer each visitor gets) and the
// URL parameters of the seeded demo data. The access test checks every row over plain HTTP; the
// browser gate (pages.test.ts) opens every page a role gets 200 for, so a new route module is covered
// by both once it has its row here.
import { expect, inject } from 'vitest';
import { rolesFor, type Permission } from '#app/auth/permissions';
import { ROLES, type Role } from '#app/auth/roles';

export type Who = 'anonymous' | Role;
export type Outcome = { status: number; location?: string };
export type Expectations = Record<Who, Outcome>;
export type RouteSpec =
  /** A layout (pathless, or a section's heading and tabs): its children's rows cover it. */
  { layout: true } | { get: (url: string) => Expectations; post?: (url: string) => Expectations; last?: true };

export const WHO: Who[] = ['anonymous', ...ROLES];
const ALL_ROLES = ROLES;
// The roles of one entry of the permission table the app enforces (app/auth/permissions.ts): this
// table checks that every route answers as that entry says.
const holders = (permission: Permission) => rolesFor(permission);

const everyone = (outcome: Outcome): Expectations => Object.fromEntries(WHO.map((w) => [w, outcome])) as Expectations;

/** A staff page: anonymous -> /login with the way back; allowed roles 200; other roles 403. */
const staffPage =
  (allowed: readonly Role[]) =>
  (url: string): Expectations => ({
    ...(Object.fromEntries(ROLES.map((r) => [r, { status: allowed.includes(r) ? 200 : 403 }])) as Record<Role, Outcome>),
    anonymous: { status: 302, location: `/login?${new URLSearchParams({ redirectTo: url })}` },
  });

/**
 * A staff form post with an empty body: allowed roles get the form's 400, other roles 403. Anonymous:
 * the action answers 401, and Remix then renders the document, whose layout loader sends the visitor
 * to /login (the data request, `.data`, keeps the 401: see "anonymous data requests" below).
 */
const staffAction =
  (allowed: readonly Role[]) =>
  (url: string): Expectations => ({
    ...(Object.fromEntries(ROLES.map((r) => [r, { status: allowed.includes(r) ? 400 : 403 }])) as Record<Role, Outcome>),
    anonymous: { status: 302, location: `/login?${new URLSearchParams({ redirectTo: url })}` },
  });

/** A read-only API route: no bearer token is a 401 whoever asks; POST is a 405. */
const apiRead: RouteSpec = { get: () => everyone({ status: 401 }), post: () => everyone({ status: 405 }) };

/** Who may do what, per route module file (the roles come from app/auth/permissions.ts; docs/product-rules.md). */
export const EXPECTED: Record<string, RouteSpec> = {
  '$.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  '_index.tsx': {
    get: () => ({ ...everyone({ status: 302, location: '/home' }), anonymous: { status: 302, location: '/login' } }),
  },
  'healthz.tsx': { get: () => everyone({ status: 200 }) },
  'login.tsx': {
    get: () => ({ ...everyone({ status: 302, location: '/home' }), anonymous: { status: 200 } }),
    // Signed in, the document answer to the form's 400 is the loader's redirect home.
    post: () => ({ ...everyone({ status: 302, location: '/home' }), anonymous: { status: 400 } }),
  },
  // Accounts (docs/security.md, "Accounts and passwords"): anyone may ask for a reset link (an empty
  // form is a 400); a made-up invitation or reset link is a 404, like a used or expired one.
  'forgot-password.tsx': { get: () => everyone({ status: 200 }), post: () => everyone({ status: 400 }) },
  'invite.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  'reset-password.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  '_staff.account.tsx': { get: staffPage(ALL_ROLES), post: staffAction(ALL_ROLES) },
  // Everyone manages their own API tokens (admins also everyone's: app/auth/permissions.ts).
  '_staff.account_.tokens.tsx': { get: staffPage(ALL_ROLES), post: staffAction(ALL_ROLES) },
  // Runs last: posting it ends the session the other rows use.
  'logout.tsx': { get: () => everyone({ status: 302, location: '/login' }), post: () => everyone({ status: 302, location: '/login' }), last: true },
  '_staff.tsx': { layout: true },
  '_staff.home.tsx': { get: staffPage(ALL_ROLES) },
  '_staff.promises.tsx': { get: staffPage(holders('promises.view')) },
  '_staff.work.tsx': { get: staffPage(holders('work.view')), post: staffAction(holders('work.snooze')) },
  '_staff.accounts._index.tsx': { get: staffPage(ALL_ROLES) },
  // Everyone reads an account; CS and admin switch whether "Partly" opens a recovery case there.
  '_staff.accounts.$accountId.tsx': { get: staffPage(ALL_ROLES), post: staffAction([...new Set([...holders('recovery.act'), ...holders('buyers.language')])]) },
  '_staff.deals.$dealId.tsx': { get: staffPage(ALL_ROLES) },
  '_staff.deals.new.tsx': { get: staffPage(holders('deals.record')), post: staffAction(holders('deals.record')) },
  '_staff.admin.users._index.tsx': { get: staffPage(holders('users.manage')), post: staffAction(holders('users.manage')) },
  '_staff.admin.users.$userId.tsx': { get: staffPage(holders('users.manage')), post: staffAction(holders('users.manage')) },
  '_staff.admin.outbox.tsx': { get: staffPage(holders('outbox.view')) },
  '_staff.admin.brand.tsx': { get: staffPage(holders('brand.edit')), post: staffAction(holders('brand.edit')) },
  // The vendor's logo is public (mail clients fetch it); the demo data sets one.
  'brand.logo.ts': { get: () => everyone({ status: 200 }) },
  '_staff.admin.playbook.tsx': { get: staffPage(holders('playbook.edit')), post: staffAction(holders('playbook.edit')) },
  // Outgoing webhooks and Slack channels: admins only.
  '_staff.admin.webhooks.tsx': { get: staffPage(holders('integrations.manage')), post: staffAction(holders('integrations.manage')) },
  '_staff.admin.slack.tsx': { get: staffPage(holders('integrations.manage')), post: staffAction(holders('integrations.manage')) },
  '_staff.admin.crm.tsx': { get: staffPage(holders('integrations.manage')), post: staffAction(holders('integrations.manage')) },
  // Single sign-on (docs/sso.md): admins configure it. The SSO button posts to /sso/login and the
  // identity provider comes back to /sso/callback: both answer a redirect whoever asks (to the
  // provider, or back to /login saying why: not set up, no sign-in in progress…).
  '_staff.admin.sso.tsx': { get: staffPage(holders('sso.manage')), post: staffAction(holders('sso.manage')) },
  'sso.login.tsx': { get: () => everyone({ status: 302, location: '/login' }), post: () => everyone({ status: 302 }) },
  'sso.callback.tsx': { get: () => everyone({ status: 302 }) },
  // Advocacy: marketing asks and records; leadership and admin read; sales read only the referrals
  // (and expansion flags) of their own customers; CS nothing (docs/product-rules.md, "Who uses it").
  '_staff.advocacy.tsx': { layout: true },
  '_staff.advocacy._index.tsx': { get: staffPage(holders('advocacy.view')) },
  '_staff.advocacy.candidates.$advocateId.tsx': { get: staffPage(holders('advocacy.view')), post: staffAction(holders('advocacy.act')) },
  '_staff.advocacy.asks._index.tsx': { get: staffPage(holders('advocacy.view')) },
  '_staff.advocacy.asks.$askId.tsx': { get: staffPage(holders('advocacy.view')), post: staffAction(holders('advocacy.act')) },
  '_staff.advocacy.reviews.tsx': { get: staffPage(holders('advocacy.view')), post: staffAction(holders('advocacy.act')) },
  '_staff.advocacy.referrals.tsx': { get: staffPage(holders('referrals.view')), post: staffAction(holders('advocacy.act')) },
  '_staff.advocacy.figures.tsx': { get: staffPage(holders('advocacy.view')) },
  '_staff.advocacy.export.candidates.ts': { get: staffPage(holders('advocacy.view')) },
  '_staff.advocacy.export.asks.ts': { get: staffPage(holders('advocacy.view')) },
  // Recovery (docs/recovery.md): CS and admin work cases; sales read the cases of their own promises
  // (the seeded case is one of sales@kept.demo's); only admins change the settings.
  '_staff.recovery._index.tsx': { get: staffPage(holders('recovery.view')) },
  '_staff.recovery.$caseId.tsx': { get: staffPage(holders('recovery.view')), post: staffAction(holders('recovery.act')) },
  '_staff.recovery.settings.tsx': { get: staffPage(holders('recovery.settings')), post: staffAction(holders('recovery.settings')) },
  '_staff.journeys._index.tsx': { get: staffPage(ALL_ROLES) },
  // Everyone reads a journey (sales: their own deals'); CS and admin move it and attach evidence.
  '_staff.journeys.$journeyId/': { get: staffPage(ALL_ROLES), post: staffAction(holders('journeys.work')) },
  // The buyer's plan page: no login. A made-up token gets the same 404 as an expired one.
  'plan.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 400 }) },
  // Signed, not session-authenticated: GET is 405, an unsigned POST 401, whoever sends it.
  'api.webhooks.crm.ts': { get: () => everyone({ status: 405 }), post: () => everyone({ status: 401 }) },
  'api.webhooks.resend.ts': { get: () => everyone({ status: 405 }), post: () => everyone({ status: 401 }) },
  // The JSON API (docs/api.md) authenticates by bearer token, never by the session cookie: 401 for
  // everyone here; its routes with a write answer 401 to POST too, the read-only ones 405.
  'api.v1.accounts.ts': apiRead,
  'api.v1.accounts.$accountId.ts': apiRead,
  'api.v1.deals.ts': { get: () => everyone({ status: 401 }), post: () => everyone({ status: 401 }) },
  'api.v1.deals.$dealId.ts': apiRead,
  'api.v1.journeys.ts': apiRead,
  'api.v1.journeys.$journeyId.ts': apiRead,
  'api.v1.surveys.ts': apiRead,
  'api.v1.surveys.$surveyId.ts': apiRead,
  'api.v1.answers.ts': apiRead,
  'api.v1.answers.$surveyId.ts': apiRead,
  'api.v1.openapi[.]json.ts': { get: () => everyone({ status: 200 }), post: () => everyone({ status: 405 }) },
  // CSV intake is CS and admin work (the import job is one cs@kept.demo uploads in beforeAll).
  '_staff.deals.import._index.tsx': { get: staffPage(holders('deals.import')), post: staffAction(holders('deals.import')) },
  '_staff.deals.import.$jobId.tsx': { get: staffPage(holders('deals.import')), post: staffAction(holders('deals.import')) },
  '_staff.deals.import.$jobId.issues[.]csv.ts': { get: staffPage(holders('deals.import')) },
  '_staff.deals.import.template[.]csv.ts': { get: staffPage(holders('deals.import')) },
  // Everyone reads surveys (sales: their own deals'); CS and admin send, resend and reassign them.
  '_staff.surveys._index.tsx': { get: staffPage(ALL_ROLES) },
  '_staff.surveys.$surveyId.tsx': { get: staffPage(ALL_ROLES), post: staffAction(holders('surveys.manage')) },
  // The buyer's survey and unsubscribe links: no login; a made-up token is a 404 (like an expired one).
  's.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  's.thank-you.tsx': { get: () => everyone({ status: 200 }) },
  // The re-ask of one broken promise (docs/reask.md): the same, with its own thank-you.
  'r.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  'r.thank-you.tsx': { get: () => everyone({ status: 200 }) },
  'u.$token.tsx': { get: () => everyone({ status: 404 }), post: () => everyone({ status: 404 }) },
  // Dashboards (app/auth/permissions.ts): everyone has an overview; value and profitability for
  // leadership, admin and sales (their own); time to live and forecast for leadership, admin and CS
  // (their book); spend and targets read by leadership, changed by admin; churn recorded by admin/CS.
  '_staff.dashboards/': { layout: true },
  '_staff.dashboards._index.tsx': { get: staffPage(ALL_ROLES) },
  '_staff.dashboards.value._index.tsx': { get: staffPage(holders('dashboards.value')) },
  '_staff.dashboards.value.answers.tsx': { get: staffPage(holders('dashboards.value')) },
  '_staff.dashboards.time-to-live.tsx': { get: staffPage(holders('dashboards.time-to-live')) },
  '_staff.dashboards.recovery.tsx': { get: staffPage(holders('dashboards.recovery')) },
  '_staff.dashboards.forecast.tsx': { get: staffPage(holders('dashboards.forecast')) },
  '_staff.dashboards.profitability.tsx': { get: staffPage(holders('dashboards.profitability')) },
  '_staff.dashboards.settings.tsx': { get: staffPage(holders('spend.view')), post: staffAction(holders('spend.edit')) },
  // The chart the URL names (value-by-wave) follows its page's permission.
  '_staff.dashboards.csv.$chart.ts': { get: staffPage(holders('dashboards.value')) },
  '_staff.dashboards.churn.$accountId.tsx': { get: staffPage(holders('churn.record')), post: staffAction(holders('churn.record')) },
};

/** A client that can send a request and read the answer (the access test's and the harness's). */
type Requester = {
  request(method: string, url: string, init?: { body?: string | FormData }): Promise<{ status: number; location: string | null; body: string }>;
};

/** The URL parameters of the seeded demo data (the import job needs an upload: see uploadTemplateImport). */
export function seededParams(): Record<string, string> {
  const seeded = inject('seeded');
  return {
    accountId: seeded.accountId,
    dealId: seeded.dealId,
    userId: seeded.users['cs@kept.demo'],
    journeyId: seeded.journeyId ?? '',
    surveyId: seeded.surveyId ?? '',
    chart: 'value-by-wave',
    token: 'x'.repeat(43), // the shape of a real token (32 random bytes, base64url), unknown to the server
    advocateId: seeded.advocateId ?? '',
    askId: seeded.askId ?? '',
    caseId: seeded.caseId ?? '',
  };
}

/** Uploads Kept's own CSV template as a new import job, as a CS user would; returns the job id. */
export async function uploadTemplateImport(cs: Requester) {
  const template = await cs.request('GET', '/deals/import/template.csv');
  expect(template.status, 'the import template downloads').toBe(200);
  const form = new FormData();
  form.set('file', new Blob([template.body], { type: 'text/csv' }), 'kept-closed-won-template.csv');
  const upload = await cs.request('POST', '/deals/import', { body: form });
  const jobId = upload.location?.match(/^\/deals\/import\/([a-f0-9]{24})$/)?.[1];
  if (upload.status !== 302 || !jobId) throw new Error(`Uploading the template answered ${upload.status} ${upload.location}: ${upload.body.slice(0, 300)}`);
  return jobId;
}
