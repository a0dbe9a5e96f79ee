import { describe, expect, test } from 'vitest';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal, PROMISE_CATEGORIES } from '#models/deal';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import { verifyPassword } from '#app/auth/password.server';
import { buyerLocale } from '#app/i18n/locale.server';
import {
  COMPANY_NAME_SPACE,
  DEMO_PASSWORD,
  DEMO_TEAM,
  DEMO_USERS,
  PROMISE_TEMPLATES,
  SeedRefusedError,
  companyAt,
  generateAccountPlan,
  generateAccountPlans,
  isDatabaseEmpty,
  seedDemoData,
} from '#scripts/seed/demo';

const now = new Date('2026-11-26T12:00:00Z');
const DAY = 86_400_000;

async function counts() {
  const [users, accounts, contacts, deals] = await Promise.all([User.countDocuments(), Account.countDocuments(), Contact.countDocuments(), Deal.countDocuments()]);
  return { users, accounts, contacts, deals };
}

describe('generator (pure)', () => {
  test('the same seed and now give the same accounts; another seed gives others', () => {
    const a = [...generateAccountPlans({ seed: 42, now, count: 50 })];
    const b = [...generateAccountPlans({ seed: 42, now, count: 50 })];
    const c = [...generateAccountPlans({ seed: 43, now, count: 50 })];
    expect(b).toEqual(a);
    expect(c.map((p) => p.name)).not.toEqual(a.map((p) => p.name));
    // Account i does not depend on how many are generated, so `--accounts 200` then 1000 extends.
    expect(generateAccountPlan({ seed: 42, index: 37, now })).toEqual(a[37]);
  });

  test('every company in the name space has its own domain, and regional repeats stay distinct', () => {
    const stems = new Set<string>();
    for (let k = 0; k < COMPANY_NAME_SPACE; k++) stems.add(companyAt(k).stem);
    expect(stems.size).toBe(COMPANY_NAME_SPACE);
    expect(COMPANY_NAME_SPACE).toBeGreaterThan(100_000);
    const beyond = [0, 1, COMPANY_NAME_SPACE, COMPANY_NAME_SPACE + 1, 2 * COMPANY_NAME_SPACE, 11 * COMPANY_NAME_SPACE].map(
      (index) => generateAccountPlan({ seed: 42, index, now }).domain,
    );
    expect(new Set(beyond).size).toBe(beyond.length);
    for (const d of beyond) expect(d).toMatch(/^[a-z0-9-]+\.example$/);
  });

  test('the data looks like a real book of business', () => {
    const plans = [...generateAccountPlans({ seed: 42, now, count: 2000 })];
    const deals = plans.flatMap((p) => p.deals);
    const share = (pred: (x: (typeof deals)[number]) => boolean) => deals.filter(pred).length / deals.length;

    const segments = new Map<string, number>();
    for (const p of plans) segments.set(p.segment, (segments.get(p.segment) ?? 0) + 1);
    expect(segments.get('smb')! > segments.get('mid-market')! && segments.get('mid-market')! > segments.get('enterprise')!).toBe(true);

    // The demo logins own a good share, and every rep and CSM gets some.
    expect(share((d) => d.aeEmail === 'sales@kept.demo')).toBeGreaterThan(0.2);
    expect(plans.filter((p) => p.csmEmail === 'cs@kept.demo').length / plans.length).toBeGreaterThan(0.3);
    for (const u of DEMO_TEAM) {
      const owns = u.role === 'sales' ? deals.some((d) => d.aeEmail === u.email) : plans.some((p) => p.csmEmail === u.email);
      expect(owns, u.email).toBe(true);
    }

    const churned = plans.filter((p) => p.status === 'churned');
    expect(churned.length).toBeGreaterThan(0);
    expect(churned.length / plans.length).toBeLessThan(0.15);
    for (const p of plans) {
      expect(p.contacts.filter((c) => c.isPrimary)).toHaveLength(1);
      for (const c of p.contacts) expect(c.email.endsWith(`@${p.domain}`)).toBe(true);
      for (const d of p.deals) {
        const age = now.getTime() - d.closedWonAt.getTime();
        expect(age).toBeGreaterThan(0);
        expect(age).toBeLessThanOrEqual(549 * DAY);
        if (p.churnedAt) expect(p.churnedAt > d.closedWonAt && p.churnedAt < now).toBe(true);
        expect(d.grossMarginPct).toBeGreaterThanOrEqual(60);
        expect(d.grossMarginPct).toBeLessThanOrEqual(85);
      }
    }
    // Enterprise first deals are worth more than SMB ones; most (not all) deals carry a CAC.
    const firstArr = (segment: string) => plans.filter((p) => p.segment === segment).map((p) => p.deals[0].arr);
    expect(Math.min(...firstArr('enterprise'))).toBeGreaterThan(Math.max(...firstArr('smb')));
    expect(share((d) => d.cac !== undefined)).toBeGreaterThan(0.7);
    expect(share((d) => d.cac !== undefined)).toBeLessThan(1);
    expect(new Set(deals.flatMap((d) => d.promises.map((p) => p.category)))).toEqual(new Set(PROMISE_CATEGORIES));
    expect(PROMISE_TEMPLATES.length).toBeGreaterThanOrEqual(30);
  });
});

describe('seedDemoData (FerretDB)', () => {
  const ACCOUNTS = 30;

  test('refuses under NODE_ENV=production and writes nothing', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(seedDemoData({ accounts: ACCOUNTS, seed: 42, now })).rejects.toThrow(SeedRefusedError);
      await expect(seedDemoData({ accounts: ACCOUNTS, seed: 42, now })).rejects.toThrow(/NODE_ENV is "production"/);
    } finally {
      process.env.NODE_ENV = before;
    }
    expect(await counts()).toEqual({ users: 0, accounts: 0, contacts: 0, deals: 0 });
  });

  test('seeds an empty database, and a second run creates nothing', async () => {
    expect(await isDatabaseEmpty()).toBe(true);
    const lines: string[] = [];
    const first = await seedDemoData({ accounts: ACCOUNTS, seed: 42, now, log: (l) => lines.push(l) });
    expect(await isDatabaseEmpty()).toBe(false);
    expect(lines).toContainEqual(expect.stringMatching(/accounts 30\/30/));
    expect(lines.at(-1)).toMatch(/reads Kept in Swedish$/);

    const after = await counts();
    expect(after.users).toBe(DEMO_USERS.length + DEMO_TEAM.length);
    expect(after.accounts).toBe(ACCOUNTS);
    expect(first.accounts).toEqual({ inserted: ACCOUNTS, existing: 0 });
    expect(first.contacts.inserted).toBe(after.contacts);
    expect(first.deals.inserted).toBe(after.deals);
    expect(after.deals).toBeGreaterThanOrEqual(ACCOUNTS);

    const second = await seedDemoData({ accounts: ACCOUNTS, seed: 42, now: new Date(now.getTime() + 3 * DAY) });
    expect(await counts()).toEqual(after);
    expect([second.users.inserted, second.accounts.inserted, second.contacts.inserted, second.deals.inserted, second.promises]).toEqual([0, 0, 0, 0, 0]);
    expect(second.deals.existing).toBe(after.deals);

    // A larger run only adds the new accounts.
    const third = await seedDemoData({ accounts: ACCOUNTS + 5, seed: 42, now });
    expect(third.accounts).toEqual({ inserted: 5, existing: ACCOUNTS });
    expect(await Account.countDocuments()).toBe(ACCOUNTS + 5);
  });

  test('what is stored matches the generator (names, ARR, owners)', async () => {
    const plans = [...generateAccountPlans({ seed: 42, now, count: ACCOUNTS })];
    const users = new Map((await User.find().select('email').lean()).map((u) => [String(u._id), u.email]));
    for (const plan of plans.slice(0, 10)) {
      const account = await Account.findOne({ domain: plan.domain }).lean();
      expect(account?.name).toBe(plan.name);
      expect(users.get(String(account?.csmId))).toBe(plan.csmEmail);
      const deals = await Deal.find({ accountId: account!._id }).sort({ closedWonAt: 1 }).lean();
      expect(deals.map((d) => [d.source, d.arr, users.get(String(d.aeId))])).toEqual(
        [...plan.deals].sort((a, b) => +a.closedWonAt - +b.closedWonAt).map((d) => ['seed', d.arr, d.aeEmail]),
      );
    }
  });

  test('every deal has 1-4 promises, each with an id and a category', async () => {
    const deals = await Deal.find().select('promises currency grossMarginPct').lean();
    const promiseIds = new Set<string>();
    for (const deal of deals) {
      expect(deal.currency).toBe('USD');
      expect(deal.promises.length).toBeGreaterThanOrEqual(1);
      expect(deal.promises.length).toBeLessThanOrEqual(4);
      for (const p of deal.promises) {
        expect(p._id).toBeTruthy();
        promiseIds.add(String(p._id));
        expect(PROMISE_CATEGORIES).toContain(p.category);
        expect(p.text.length).toBeGreaterThan(5);
        expect(p.successCriterion.length).toBeGreaterThan(5);
      }
    }
    expect(promiseIds.size).toBe(deals.reduce((n, d) => n + d.promises.length, 0));
  });

  test('every account has exactly one primary contact', async () => {
    const accounts = await Account.find().select('_id').lean();
    for (const a of accounts) {
      const contacts = await Contact.find({ accountId: a._id }).select('isPrimary').lean();
      expect(contacts.length).toBeGreaterThanOrEqual(1);
      expect(contacts.length).toBeLessThanOrEqual(3);
      expect(contacts.filter((c) => c.isPrimary)).toHaveLength(1);
    }
  });

  test('a Swedish-speaking customer of cs@kept.demo, its journey under way: its buyers read Kept in Swedish', async () => {
    const cs = await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean();
    const swedish = await Account.find({ language: 'sv' }).lean();
    expect(swedish).toHaveLength(1);
    expect(String(swedish[0].csmId)).toBe(String(cs!._id));
    expect(await Journey.exists({ accountId: swedish[0]._id, liveAt: null })).not.toBeNull();
    const buyer = await Contact.findOne({ accountId: swedish[0]._id, isPrimary: true }).lean();
    expect(await buyerLocale({ contact: buyer, account: swedish[0] })).toBe('sv');
  });

  test('the demo users exist with their roles and can log in with the shared password', async () => {
    for (const demo of DEMO_USERS) {
      const user = await User.findOne({ email: demo.email }).lean();
      expect(user).toMatchObject({ name: demo.name, role: demo.role, demo: true, active: true });
    }
    expect(new Set(DEMO_USERS.map((u) => u.role)).size).toBe(5);
    const sam = await User.findOne({ email: 'sales@kept.demo' }).select('passwordHash').lean();
    expect(await verifyPassword(DEMO_PASSWORD, sam!.passwordHash)).toBe(true);
    expect(await User.countDocuments({ role: 'sales' })).toBeGreaterThanOrEqual(6);
  });
});
