// What every advocacy module uses: who may change advocacy data (docs/product-rules.md, "Who uses
// it": marketing writes; leadership and admin read; sales read their own referrals), the settings,
// the names of the three rollups (described in figures.server.ts) and staff names for rows.
import type { SessionUser } from '#app/auth/session.server';
import { getEnv } from '#app/env.server';
import type { BudgetConfig } from '#app/advocacy/advocacy-rules.server';
import { may } from '#app/auth/permissions';
import { userNamesById } from '#app/users/users.server';

export const ADVOCACY_METRICS = { candidate: 'advocacy.candidate', ask: 'advocacy.ask', referral: 'advocacy.referral' } as const;

/** A 403 with the reason the page shows. */
export function forbidden(message: string): never {
  throw new Response(message, { status: 403 });
}

/** Refuses anyone but marketing (the only role that changes advocacy data). */
export function requireAdvocacyWriter(user: SessionUser) {
  if (!may(user.role, 'advocacy.act')) forbidden('Only marketing makes asks and records referrals.');
}

/** The advocacy settings (ASK_BUDGET_*, ASK_NO_RESPONSE_DAYS, REVIEW_MIN_TENURE_DAYS). */
export function advocacyConfig() {
  const env = getEnv();
  const budget: BudgetConfig = { windowDays: env.ASK_BUDGET_DAYS, perContact: env.ASK_BUDGET_PER_CONTACT, perAccount: env.ASK_BUDGET_PER_ACCOUNT };
  return { budget, noResponseDays: env.ASK_NO_RESPONSE_DAYS, minTenureDays: env.REVIEW_MIN_TENURE_DAYS };
}
export type AdvocacyConfig = ReturnType<typeof advocacyConfig>;

/** Staff names by user id, for the rows that show a rep. */
export const namesOf = userNamesById;
