// Builders for test data, written through the models (the real database, no mocks).
import crypto from 'node:crypto';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { User, type Role } from '#models/user';
import { hashPassword } from '#app/auth/password.server';
import { createUserSession, type SessionUser } from '#app/auth/session.server';
import { journeyIdForDeal } from '#app/journeys/journey.server';

export const TEST_PASSWORD = 'correct horse battery staple';
let cachedHash: Promise<string> | undefined;
const uid = () => crypto.randomBytes(4).toString('hex');

export async function makeUser(overrides: Partial<{ role: Role; email: string; name: string; active: boolean }> = {}) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const role = overrides.role ?? 'cs';
  const user = await User.create({
    email: overrides.email ?? `${role}-${uid()}@example.test`,
    name: overrides.name ?? `Test ${role} ${uid()}`,
    role,
    passwordHash: await cachedHash,
    active: overrides.active ?? true,
  });
  const sessionUser: SessionUser = { id: String(user._id), email: user.email, name: user.name, role };
  return sessionUser;
}

/** A Request carrying a live session cookie for `user`. */
export async function requestAs(user: SessionUser | null, url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (user) {
    const setCookie = await createUserSession({ userId: user.id });
    headers.set('Cookie', setCookie.split(';')[0]);
  }
  return new Request(new URL(url, 'http://localhost:3000'), { ...init, headers });
}

export function formRequest(user: SessionUser | null, url: string, fields: Record<string, string>) {
  return requestAs(user, url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

export async function makeAccount(overrides: Partial<{ name: string; domain: string; segment: 'smb' | 'mid-market' | 'enterprise'; csmId: string; aeIds: string[] }> = {}) {
  const name = overrides.name ?? `Account ${uid()}`;
  const account = await Account.create({
    name,
    nameLower: name.toLowerCase(),
    domain: overrides.domain ?? `${uid()}.example.com`,
    segment: overrides.segment ?? 'mid-market',
    csmId: overrides.csmId,
    aeIds: overrides.aeIds ?? [],
  });
  return { id: String(account._id), name: account.name, domain: account.domain! };
}

export async function makeContact(accountId: string, overrides: Partial<{ email: string; isPrimary: boolean; name: string }> = {}) {
  const c = await Contact.create({
    accountId,
    name: overrides.name ?? `Buyer ${uid()}`,
    email: overrides.email ?? `buyer-${uid()}@example.com`,
    isPrimary: overrides.isPrimary ?? true,
  });
  return { id: String(c._id), email: c.email };
}

export async function makeDeal(input: { accountId: string; aeId: string; closedWonAt?: Date; promises?: number; arr?: number }) {
  await Account.updateOne({ _id: input.accountId }, { $addToSet: { aeIds: input.aeId } });
  const deal = await Deal.create({
    source: 'manual',
    crmId: `t-${uid()}`,
    name: `Deal ${uid()}`,
    accountId: input.accountId,
    aeId: input.aeId,
    closedWonAt: input.closedWonAt ?? new Date('2026-01-15T00:00:00Z'),
    arr: input.arr ?? 50_000,
    currency: 'USD',
    grossMarginPct: 75,
    promises: Array.from({ length: input.promises ?? 2 }, (_, i) => ({
      text: `Promise ${i + 1}: cut onboarding time in half`,
      successCriterion: `Onboarding under 5 days for cohort ${i + 1}`,
      category: 'time-savings',
    })),
  });
  return { id: String(deal._id), promiseIds: deal.promises.map((p) => String(p._id)) };
}

/**
 * `n` surveys due an hour ago, on deals of one account whose primary contact receives them (the
 * delivery and worker-kill tests). Returns the ids of every survey in the database.
 */
export async function makeDueSurveys(n: number) {
  const HOUR = 3600_000;
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount();
  await makeContact(account.id);
  const closedWonAt = new Date(Date.now() - 200 * 24 * HOUR);
  const deals = await Deal.insertMany(
    Array.from({ length: Math.ceil(n / 3) }, (_, i) => ({
      source: 'manual',
      crmId: `due-${i}-${uid()}`,
      name: `Deal ${i}`,
      accountId: account.id,
      aeId: rep.id,
      closedWonAt,
      arr: 1000,
      currency: 'USD',
      promises: [{ text: 'Cut onboarding time in half', successCriterion: 'Under 5 days', category: 'time-savings' }],
    })),
  );
  // Live customers: a wave due before go-live would be held (docs/surveys.md).
  await Journey.insertMany(deals.map((d) => liveJourneyDoc({ deal: d, accountName: account.name, liveAt: new Date(closedWonAt.getTime() + 60 * 24 * HOUR) })));
  const dueAt = new Date(Date.now() - HOUR);
  const surveys = deals.flatMap((d) =>
    [6, 9, 12].map((wave) => ({ dealId: d._id, wave, dueAt, state: 'scheduled', accountId: account.id, aeId: rep.id, segment: 'smb', closedWonAt })),
  );
  await Survey.insertMany(surveys.slice(0, n));
  return (await Survey.find({}).select('_id').lean()).map((s) => String(s._id));
}

/** A journey already live, written directly (the stage history is not what these tests are about). */
export function liveJourneyDoc({
  deal,
  accountName,
  liveAt,
}: {
  deal: { _id: unknown; accountId: unknown; aeId: unknown; name: string; closedWonAt: Date };
  accountName: string;
  liveAt: Date;
}) {
  return {
    _id: journeyIdForDeal(String(deal._id)),
    dealId: deal._id,
    accountId: deal.accountId,
    aeId: deal.aeId,
    segment: 'smb',
    accountName,
    dealName: deal.name,
    closedWonAt: deal.closedWonAt,
    playbookVersion: 1,
    stage: 'live',
    stageIndex: 2,
    stageEnteredAt: liveAt,
    liveAt,
    atRiskAt: null,
    stalledAt: null,
  };
}
