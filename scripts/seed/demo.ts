import crypto from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { Account, type Segment } from '#models/account';
import { Contact } from '#models/contact';
import { Deal, type PromiseCategory } from '#models/deal';
import { User, type Role } from '#models/user';
import { hashPassword } from '#app/auth/password.server';
import { isDuplicateKey, trusted } from '#app/platform/db.server';
import { newAccountDoc } from '#app/accounts/accounts.server';
import { bumpDealsWon } from '#app/deals/deal-metrics.server';
import { newDealDoc } from '#app/deals/intake.server';
import { mulberry32 } from '#app/utils/random.server';
import { buildSeedJourneys, insertSeedJourneys } from '#scripts/seed/journeys';
import { seedBrand } from '#scripts/seed/brand';
import { markSwedishCustomer } from '#scripts/seed/language';
import { seedDemoPlaybooks } from '#scripts/seed/playbooks';

// Demo data for `npm run seed`, the start script (empty database only), e2e tests and benchmarks.
// Everything below is a pure function of (seed, account index, now) until `seedDemoData` writes it.

/** Shared password of every seeded user; shown in the README and on the demo login page. */
export const DEMO_PASSWORD = 'kept-demo-2026';

/** One login per role (the README, e2e tests and the start script read these). */
export const DEMO_USERS = [
  { email: 'admin@kept.demo', name: 'Ada Admin', role: 'admin' },
  { email: 'cs@kept.demo', name: 'Casey Success', role: 'cs' },
  { email: 'sales@kept.demo', name: 'Sam Seller', role: 'sales' },
  { email: 'leadership@kept.demo', name: 'Lee Leader', role: 'leadership' },
  { email: 'marketing@kept.demo', name: 'Mia Marketing', role: 'marketing' },
] as const satisfies readonly { email: string; name: string; role: Role }[];

export type DemoUser = { email: string; name: string; role: Role };

/** The rest of the demo team, so accounts and deals spread over several CSMs and reps. */
export const DEMO_TEAM: readonly DemoUser[] = [
  { email: 'priya.raman@kept.demo', name: 'Priya Raman', role: 'cs' },
  { email: 'jonas.becker@kept.demo', name: 'Jonas Becker', role: 'cs' },
  { email: 'amara.okafor@kept.demo', name: 'Amara Okafor', role: 'cs' },
  { email: 'diego.alvarez@kept.demo', name: 'Diego Alvarez', role: 'sales' },
  { email: 'hannah.kim@kept.demo', name: 'Hannah Kim', role: 'sales' },
  { email: 'marcus.bell@kept.demo', name: 'Marcus Bell', role: 'sales' },
  { email: 'sofia.rossi@kept.demo', name: 'Sofia Rossi', role: 'sales' },
  { email: 'tom.nakamura@kept.demo', name: 'Tom Nakamura', role: 'sales' },
  { email: 'grace.oneill@kept.demo', name: "Grace O'Neill", role: 'sales' },
];

/** The demo login for a role. */
export const demoUser = (role: Role): DemoUser => DEMO_USERS.find((u) => u.role === role)!;

// The demo CS and sales users own a larger share, so logging in as them shows a full book.
const CSM_WEIGHTS: [string, number][] = [['cs@kept.demo', 2], ...DEMO_TEAM.filter((u) => u.role === 'cs').map((u): [string, number] => [u.email, 1])];
const AE_WEIGHTS: [string, number][] = [['sales@kept.demo', 3], ...DEMO_TEAM.filter((u) => u.role === 'sales').map((u): [string, number] => [u.email, 1])];

// ---------------------------------------------------------------------------------------------
// Randomness: a seeded PRNG per account, so account i is the same whatever N is and in any batch.

/** Mixes 32-bit integers into one (murmur3 finaliser per step). */
function mix32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A seed given as a number or any string (`--seed demo`) -> uint32. */
export function normalizeSeed(seed: number | string): number {
  const text = String(seed).trim();
  if (/^\d+$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  return crypto.createHash('sha256').update(text).digest().readUInt32BE(0);
}

type Rng = {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
  weighted: <T>(items: readonly (readonly [T, number])[]) => T;
  chance: (p: number) => boolean;
};

function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (items) => {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) if ((r -= w) < 0) return item;
      return items[items.length - 1][0];
    },
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------
// Company names. Every index maps to a distinct name through a seeded permutation of the name
// space, so 100,000 accounts get unique domains without remembering the ones already used.

const NAME_HEADS = [
  'North',
  'South',
  'East',
  'West',
  'Bright',
  'Blue',
  'Silver',
  'Iron',
  'Clear',
  'Red',
  'Green',
  'High',
  'Cedar',
  'Maple',
  'Oak',
  'Pine',
  'Birch',
  'Harbor',
  'Granite',
  'Copper',
  'Gold',
  'Crystal',
  'Swift',
  'True',
  'Prime',
  'Bold',
  'Black',
  'White',
  'Sun',
  'Moon',
  'Star',
  'Sky',
  'Lake',
  'Bay',
  'Cloud',
  'Frost',
  'Ember',
  'Fox',
  'Hawk',
  'Eagle',
  'Wolf',
  'Bear',
  'Elm',
  'Ash',
  'Willow',
  'Lumen',
  'Nova',
  'Vector',
  'Amber',
  'Coral',
  'Delta',
  'Echo',
  'Falcon',
  'Glacier',
  'Indigo',
  'Juniper',
  'Keystone',
  'Lantern',
  'Meridian',
  'Orchard',
  'Quarry',
  'Raven',
  'Tidal',
  'Zenith',
] as const;
const NAME_TAILS = [
  'wind',
  'path',
  'stone',
  'field',
  'bridge',
  'point',
  'gate',
  'line',
  'ridge',
  'crest',
  'wood',
  'water',
  'forge',
  'light',
  'wave',
  'peak',
  'brook',
  'haven',
  'works',
  'mark',
  'view',
  'leaf',
  'port',
  'rock',
  'spring',
  'vale',
  'well',
  'yard',
  'shore',
  'fall',
  'ford',
  'hill',
  'moor',
  'glen',
  'dale',
  'key',
  'loop',
  'mill',
  'post',
  'tree',
] as const;
const INDUSTRIES = [
  'Logistics',
  'Analytics',
  'Health',
  'Foods',
  'Energy',
  'Robotics',
  'Software',
  'Systems',
  'Labs',
  'Capital',
  'Insurance',
  'Manufacturing',
  'Freight',
  'Biotech',
  'Retail',
  'Media',
  'Security',
  'Networks',
  'Payments',
  'Learning',
  'Construction',
  'Hospitality',
  'Pharma',
  'Telecom',
  'Apparel',
  'Mobility',
  'Materials',
  'Dynamics',
  'Marine',
  'Aerospace',
  'Clinics',
  'Realty',
  'Legal',
  'Travel',
  'Furniture',
  'Packaging',
  'Textiles',
  'Dental',
  'Solar',
  'Cargo',
] as const;
const SURNAMES = [
  'Abbott',
  'Barlow',
  'Calloway',
  'Dempsey',
  'Ellison',
  'Fairbanks',
  'Garrison',
  'Hale',
  'Ingram',
  'Jarvis',
  'Kendrick',
  'Lockhart',
  'Mercer',
  'Norwood',
  'Ogden',
  'Prescott',
  'Quinlan',
  'Radcliffe',
  'Sterling',
  'Thornton',
  'Underhill',
  'Vance',
  'Whitaker',
  'Yardley',
  'Ashby',
  'Becket',
  'Carver',
  'Drummond',
  'Everett',
  'Fletcher',
  'Gallagher',
  'Harding',
  'Kessler',
  'Langley',
  'Montague',
  'Pemberton',
  'Rutherford',
  'Sinclair',
  'Talbot',
  'Winslow',
] as const;
const FIRM_KINDS = ['Group', 'Holdings', 'Industries', 'Consulting', 'Brothers', 'Associates'] as const;
// Accounts beyond the name space reuse it with a region, like a customer's regional subsidiary.
const REGIONS = [
  ['Europe', 'eu'],
  ['Americas', 'us'],
  ['Asia Pacific', 'apac'],
  ['UK', 'uk'],
  ['Nordics', 'nordics'],
  ['Canada', 'ca'],
  ['Australia', 'au'],
  ['Latin America', 'latam'],
  ['Japan', 'jp'],
  ['India', 'in'],
] as const;

const SPACE_A = NAME_HEADS.length * NAME_TAILS.length * INDUSTRIES.length; // "Northwind Logistics"
const SPACE_B = SURNAMES.length * FIRM_KINDS.length; // "Whitaker Group"
const SPACE_C = SURNAMES.length * (SURNAMES.length - 1); // "Hale & Whitaker"
/** How many distinct company names exist before regional suffixes are needed. */
export const COMPANY_NAME_SPACE = SPACE_A + SPACE_B + SPACE_C;

const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The k-th company of the name space (0 <= k < COMPANY_NAME_SPACE): display name and domain stem. */
export function companyAt(k: number): { name: string; stem: string } {
  if (k < SPACE_A) {
    const industry = INDUSTRIES[k % INDUSTRIES.length];
    const rest = Math.floor(k / INDUSTRIES.length);
    const head = NAME_HEADS[Math.floor(rest / NAME_TAILS.length)];
    const brand = head + NAME_TAILS[rest % NAME_TAILS.length];
    return { name: `${brand} ${industry}`, stem: `${slug(brand)}-${slug(industry)}` };
  }
  k -= SPACE_A;
  if (k < SPACE_B) {
    const surname = SURNAMES[Math.floor(k / FIRM_KINDS.length)];
    const kind = FIRM_KINDS[k % FIRM_KINDS.length];
    return { name: `${surname} ${kind}`, stem: `${slug(surname)}-${slug(kind)}` };
  }
  k -= SPACE_B;
  const first = SURNAMES[Math.floor(k / (SURNAMES.length - 1))];
  const others = SURNAMES.filter((s) => s !== first);
  const second = others[k % others.length];
  return { name: `${first} & ${second}`, stem: `${slug(first)}-and-${slug(second)}` };
}

/** A seeded bijection on [0, size): a 4-round Feistel network with cycle walking. */
function permute(index: number, size: number, key: number): number {
  let bits = Math.max(2, Math.ceil(Math.log2(size)));
  if (bits % 2) bits += 1;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  let x = index;
  do {
    let left = x >>> half;
    let right = x & mask;
    for (let round = 0; round < 4; round++) {
      const f = mix32(key, round, right) & mask;
      [left, right] = [right, left ^ f];
    }
    x = (left << half) | right;
  } while (x >= size);
  return x;
}

// Seeded accounts use the reserved `.example` TLD (RFC 2606): no seeded email can reach a real inbox.
const DEMO_TLD = 'example';

function companyForIndex(seed: number, index: number) {
  const cycle = Math.floor(index / COMPANY_NAME_SPACE);
  const { name, stem } = companyAt(permute(index % COMPANY_NAME_SPACE, COMPANY_NAME_SPACE, mix32(seed, 0x5eed)));
  if (cycle === 0) return { baseName: name, domain: `${stem}.${DEMO_TLD}` };
  const region = REGIONS[(cycle - 1) % REGIONS.length];
  const round = Math.floor((cycle - 1) / REGIONS.length);
  const tag = round === 0 ? region[1] : `${region[1]}${round + 1}`;
  return {
    baseName: `${name} ${region[0]}${round === 0 ? '' : ` ${round + 1}`}`,
    domain: `${stem}-${tag}.${DEMO_TLD}`,
  };
}

// ---------------------------------------------------------------------------------------------
// People

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Ethan',
  'Sophia',
  'Lucas',
  'Isabella',
  'Mason',
  'Mia',
  'Logan',
  'Charlotte',
  'James',
  'Amelia',
  'Benjamin',
  'Harper',
  'Elijah',
  'Evelyn',
  'Daniel',
  'Aisha',
  'Mateo',
  'Chloe',
  'Henry',
  'Zoe',
  'Samuel',
  'Nora',
  'David',
  'Leah',
  'Omar',
  'Fatima',
  'Wei',
  'Mei',
  'Hiroshi',
  'Yuki',
  'Raj',
  'Ananya',
  'Arjun',
  'Kwame',
  'Ngozi',
  'Lars',
  'Ingrid',
  'Pierre',
  'Camille',
  'Giulia',
  'Marco',
  'Sven',
  'Freya',
  'Carlos',
  'Lucia',
  'Tomasz',
  'Katarzyna',
  'Andrei',
  'Elena',
  'Sean',
  'Siobhan',
  'Malik',
  'Imani',
  'Ravi',
  'Priyanka',
  'Jin',
  'Soo-ah',
  'Tariq',
  'Layla',
  'Felix',
  'Hanna',
  'Mateus',
  'Beatriz',
  'Kofi',
  'Abena',
] as const;
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Garcia',
  'Miller',
  'Davis',
  'Martinez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Thompson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Walker',
  'Young',
  'Patel',
  'Shah',
  'Nguyen',
  'Chen',
  'Wang',
  'Kim',
  'Park',
  'Tanaka',
  'Sato',
  'Mensah',
  'Okonkwo',
  'Adeyemi',
  'Müller',
  'Schmidt',
  'Fischer',
  'Dubois',
  'Moreau',
  'Rossi',
  'Bianchi',
  'Johansson',
  'Nielsen',
  'Kowalski',
  'Novak',
  'Ivanova',
  'Murphy',
  "O'Brien",
  'Kelly',
  'Haddad',
  'Hassan',
  'Singh',
  'Gupta',
  'Silva',
  'Santos',
  'Costa',
  'Fernández',
  'Jiménez',
  'Reyes',
  'Cruz',
  'Hughes',
  'Foster',
] as const;
const PRIMARY_TITLES = [
  'VP of Operations',
  'Head of Finance',
  'Chief Financial Officer',
  'Chief Operating Officer',
  'Director of Customer Experience',
  'VP of Sales',
  'Head of IT',
  'Director of Revenue Operations',
  'Financial Controller',
  'VP of Engineering',
  'Head of People',
  'Chief Marketing Officer',
  'Director of Supply Chain',
  'Head of Product',
  'Chief Information Officer',
] as const;
const OTHER_TITLES = [
  'Operations Manager',
  'IT Manager',
  'Finance Manager',
  'Senior Analyst',
  'Project Manager',
  'Procurement Lead',
  'Systems Administrator',
  'Customer Support Lead',
  'Data Analyst',
  'Marketing Manager',
  'Implementation Lead',
  'Sales Operations Manager',
  'Accounting Manager',
] as const;

// ---------------------------------------------------------------------------------------------
// Promises: what reps promised during the sale, each measurable and checkable by the buyer.

type PromiseTemplate = {
  category: PromiseCategory;
  make: (r: Rng) => { text: string; successCriterion: string };
};

const pct = (r: Rng, min: number, max: number, step = 5) => r.int(min / step, max / step) * step;

/** The library the seed draws from (~30 realistic promises across every category). */
export const PROMISE_TEMPLATES: readonly PromiseTemplate[] = [
  // time-savings
  {
    category: 'time-savings',
    make: (r) => {
      const from = r.int(8, 12),
        to = r.int(3, 5);
      return { text: `Cut month-end close from ${from} to ${to} days`, successCriterion: `Close completed within ${to} business days for 3 consecutive months` };
    },
  },
  {
    category: 'time-savings',
    make: (r) => {
      const from = r.int(6, 10),
        to = r.int(2, 4);
      return { text: `Reduce new-customer onboarding from ${from} weeks to ${to}`, successCriterion: `Median onboarding time at or below ${to} weeks across a full quarter` };
    },
  },
  {
    category: 'time-savings',
    make: (r) => {
      const h = r.int(3, 8);
      return {
        text: `Save each account manager ${h} hours a week on reporting`,
        successCriterion: `Time logged on weekly reporting down by ${h} hours per manager for 6 consecutive weeks`,
      };
    },
  },
  {
    category: 'time-savings',
    make: (r) => {
      const m = pct(r, 15, 60);
      return { text: `Answer support tickets within ${m} minutes`, successCriterion: `90th-percentile first-response time under ${m} minutes for 30 days` };
    },
  },
  {
    category: 'time-savings',
    make: () => ({ text: 'Send invoices the same day an order is fulfilled', successCriterion: '95% of invoices sent within 24 hours of fulfilment for 2 consecutive months' }),
  },
  {
    category: 'time-savings',
    make: (r) => {
      const from = r.int(4, 7),
        to = 1;
      return { text: `Cut quote turnaround from ${from} days to ${to}`, successCriterion: `80% of quotes sent within ${to} business day of the request over a quarter` };
    },
  },
  {
    category: 'time-savings',
    make: (r) => {
      const from = r.int(10, 15),
        to = r.int(2, 4);
      return {
        text: `Shorten quarterly access reviews from ${from} days to ${to}`,
        successCriterion: `Last quarterly review finished within ${to} working days, per the audit log`,
      };
    },
  },
  // cost-reduction
  {
    category: 'cost-reduction',
    make: (r) => {
      const p = pct(r, 8, 20, 2);
      return { text: `Lower freight spend by ${p}% in the first year`, successCriterion: `Freight cost per shipment ${p}% below the pre-purchase baseline over 2 quarters` };
    },
  },
  {
    category: 'cost-reduction',
    make: (r) => {
      const n = r.int(2, 5);
      return { text: `Retire ${n} legacy tools and their licences`, successCriterion: `${n} tools decommissioned and licences cancelled, confirmed by procurement` };
    },
  },
  {
    category: 'cost-reduction',
    make: (r) => {
      const p = pct(r, 15, 40);
      return { text: `Reduce warehouse overtime by ${p}%`, successCriterion: `Overtime hours ${p}% below the same months last year for 3 consecutive months` };
    },
  },
  {
    category: 'cost-reduction',
    make: (r) => {
      const p = pct(r, 10, 30);
      return { text: `Cut cloud infrastructure costs by ${p}%`, successCriterion: `Monthly cloud bill ${p}% below the 3-month baseline for 2 consecutive months` };
    },
  },
  {
    category: 'cost-reduction',
    make: (r) => {
      const p = pct(r, 20, 50);
      return { text: `Reduce payment write-offs by ${p}%`, successCriterion: `Write-offs in the first two quarters ${p}% below the prior two` };
    },
  },
  {
    category: 'cost-reduction',
    make: (r) => {
      const k = r.int(2, 6) * 10;
      return { text: `Save $${k}k a year in agency fees by bringing reporting in-house`, successCriterion: `Agency contract ended and no replacement spend for 6 months` };
    },
  },
  // revenue-growth
  {
    category: 'revenue-growth',
    make: (r) => {
      const from = r.int(78, 84),
        to = from + r.int(4, 8);
      return { text: `Raise gross renewal rate from ${from}% to ${to}%`, successCriterion: `Trailing-12-month gross renewal rate at or above ${to}%` };
    },
  },
  {
    category: 'revenue-growth',
    make: (r) => {
      const p = pct(r, 5, 15);
      return { text: `Lift average order value by ${p}%`, successCriterion: `Average order value ${p}% above baseline for a full quarter` };
    },
  },
  {
    category: 'revenue-growth',
    make: (r) => {
      const k = r.int(5, 30) * 10;
      return { text: `Recover $${k}k a year in missed billing`, successCriterion: `Billing audit shows at least $${Math.round(k / 2)}k recovered in the first 6 months` };
    },
  },
  {
    category: 'revenue-growth',
    make: (r) => {
      const p = pct(r, 15, 40);
      return { text: `Grow qualified pipeline by ${p}% within two quarters`, successCriterion: `Sales-accepted pipeline ${p}% above the same two quarters last year` };
    },
  },
  {
    category: 'revenue-growth',
    make: (r) => {
      const from = r.int(8, 14),
        to = from + r.int(3, 6);
      return { text: `Increase trial-to-paid conversion from ${from}% to ${to}%`, successCriterion: `Conversion at or above ${to}% for 2 consecutive months` };
    },
  },
  // adoption
  {
    category: 'adoption',
    make: (r) => {
      const p = pct(r, 70, 90);
      return {
        text: `${p}% of field staff using the mobile app every week within 90 days`,
        successCriterion: `Weekly active users at or above ${p}% of licensed seats for 4 consecutive weeks`,
      };
    },
  },
  {
    category: 'adoption',
    make: (r) => {
      const n = r.int(3, 8);
      return {
        text: `All ${n} regional teams run their weekly forecast in the platform`,
        successCriterion: `Every region submits its forecast in-platform for 8 consecutive weeks`,
      };
    },
  },
  {
    category: 'adoption',
    make: () => ({ text: 'Replace the capacity-planning spreadsheets', successCriterion: 'No planning spreadsheet in use for a full quarter, confirmed by the operations lead' }),
  },
  {
    category: 'adoption',
    make: () => ({ text: 'Managers run their weekly review from the dashboard', successCriterion: 'Dashboard used in at least 90% of weekly reviews over a quarter' }),
  },
  {
    category: 'adoption',
    make: (r) => {
      const p = pct(r, 25, 45);
      return { text: `Self-service answers resolve ${p}% of customer questions`, successCriterion: `${p}% of help-centre sessions end without a ticket over 60 days` };
    },
  },
  // integration
  {
    category: 'integration',
    make: () => ({ text: 'Two-way Salesforce sync live within 30 days of kickoff', successCriterion: 'Records sync both ways within 5 minutes, checked on 100 sampled records' }),
  },
  {
    category: 'integration',
    make: () => ({ text: 'NetSuite journal entries posted automatically', successCriterion: 'Zero manual journal entries for synced transactions in a full month' }),
  },
  { category: 'integration', make: () => ({ text: 'Single sign-on through Okta for every user at go-live', successCriterion: '100% of logins through SSO for 30 days' }) },
  {
    category: 'integration',
    make: () => ({ text: 'Shopify orders reach the warehouse system without re-keying', successCriterion: 'No manually entered orders for 4 consecutive weeks' }),
  },
  {
    category: 'integration',
    make: () => ({ text: 'Hourly export to the Snowflake data warehouse', successCriterion: 'Hourly refresh succeeds at least 99% of the time over 30 days' }),
  },
  // compliance
  {
    category: 'compliance',
    make: () => ({ text: 'Pass the SOC 2 Type II audit with no access-review findings', successCriterion: "The auditor's report lists zero access-review exceptions" }),
  },
  {
    category: 'compliance',
    make: () => ({ text: 'Every patient-record access logged and reviewable (HIPAA)', successCriterion: 'Quarterly review finds 100% of record views in the audit log' }),
  },
  {
    category: 'compliance',
    make: (r) => {
      const d = r.int(5, 10);
      return { text: `Close GDPR deletion requests within ${d} days`, successCriterion: `Every deletion request in a quarter closed within ${d} days` };
    },
  },
  // other
  {
    category: 'other',
    make: () => ({ text: 'A named CSM and quarterly business reviews in the first year', successCriterion: 'Four QBRs held, with minutes shared with the buyer' }),
  },
  {
    category: 'other',
    make: () => ({ text: 'Executive sponsor check-in twice a year', successCriterion: 'Two sponsor meetings held in the first 12 months, confirmed by the buyer' }),
  },
];

// ---------------------------------------------------------------------------------------------
// The plan for one account: what the seed writes, with people referenced by email.

const DAY = 86_400_000;
const HISTORY_DAYS = 548; // 18 months

const SEGMENT_MIX: [Segment, number][] = [
  ['smb', 55],
  ['mid-market', 32],
  ['enterprise', 13],
];
const ARR_RANGE: Record<Segment, { min: number; max: number; step: number }> = {
  smb: { min: 6_000, max: 30_000, step: 500 },
  'mid-market': { min: 30_000, max: 120_000, step: 1_000 },
  enterprise: { min: 120_000, max: 600_000, step: 5_000 },
};
const PLAN_NAMES: Record<Segment, readonly string[]> = {
  smb: ['Starter plan', 'Growth plan', 'Team plan'],
  'mid-market': ['Business plan', 'Professional plan', 'Growth plan'],
  enterprise: ['Enterprise platform', 'Enterprise agreement', 'Global rollout'],
};
const EXPANSION_NAMES = ['Expansion: more seats', 'Add-on: analytics', 'Add-on: integrations', 'Expansion: new region'];

export type SeedPromise = { text: string; successCriterion: string; category: PromiseCategory };
export type SeedDeal = {
  crmId: string;
  name: string;
  aeEmail: string;
  closedWonAt: Date;
  arr: number;
  currency: 'USD';
  grossMarginPct: number;
  cac?: number;
  promises: SeedPromise[];
};
export type SeedContact = { name: string; email: string; title: string; isPrimary: boolean; emailStatus: 'ok' | 'bounced' | 'unsubscribed' };
export type SeedAccountPlan = {
  index: number;
  name: string;
  domain: string;
  segment: Segment;
  csmEmail: string;
  status: 'active' | 'churned';
  churnedAt?: Date;
  contacts: SeedContact[];
  deals: SeedDeal[];
};

const roundTo = (value: number, step: number) => Math.max(step, Math.round(value / step) * step);

/** A UTC instant `daysAgo` days before `now`'s day, during the US/EU working day. */
function daysBefore(now: Date, daysAgo: number, r: Rng) {
  const day = Math.floor(now.getTime() / DAY) * DAY - daysAgo * DAY;
  return new Date(day + r.int(13 * 60, 22 * 60) * 60_000);
}

function pickPromises(r: Rng): SeedPromise[] {
  const count = r.weighted([
    [1, 20],
    [2, 35],
    [3, 30],
    [4, 15],
  ] as const);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(r.int(0, PROMISE_TEMPLATES.length - 1));
  return [...chosen].map((i) => ({ ...PROMISE_TEMPLATES[i].make(r), category: PROMISE_TEMPLATES[i].category }));
}

function makeDeal(r: Rng, input: { crmId: string; name: string; aeEmail: string; closedWonAt: Date; arr: number; cacRatio: [number, number] }): SeedDeal {
  const grossMarginPct = r.int(60, 85);
  const cac = r.chance(0.85) ? roundTo(input.arr * (input.cacRatio[0] + r.next() * (input.cacRatio[1] - input.cacRatio[0])), 100) : undefined;
  return {
    crmId: input.crmId,
    name: input.name,
    aeEmail: input.aeEmail,
    closedWonAt: input.closedWonAt,
    arr: input.arr,
    currency: 'USD',
    grossMarginPct,
    ...(cac === undefined ? {} : { cac }),
    promises: pickPromises(r),
  };
}

/**
 * The demo account at `index` for `seed`, relative to `now`: pure and deterministic, and
 * independent of how many accounts are generated (account i is the same for N=200 and N=100k).
 */
export function generateAccountPlan({ seed, index, now }: { seed: number; index: number; now: Date }): SeedAccountPlan {
  const r = createRng(mix32(seed, index, 0xacc));
  const { baseName, domain } = companyForIndex(seed, index);
  const legal = r.weighted([
    ['', 70],
    [', Inc.', 18],
    [' Ltd', 7],
    [' GmbH', 5],
  ] as const);
  const name = `${baseName}${legal}`;
  const segment = r.weighted(SEGMENT_MIX);
  const csmEmail = r.weighted(CSM_WEIGHTS);

  // Contacts: 1-3, the first is the primary (the survey recipient, so always deliverable).
  const contactCount = r.weighted([
    [1, 30],
    [2, 40],
    [3, 30],
  ] as const);
  const contacts: SeedContact[] = [];
  const emails = new Set<string>();
  while (contacts.length < contactCount) {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const email = `${slug(first).replace(/-/g, '')}.${slug(last).replace(/-/g, '')}@${domain}`;
    if (emails.has(email)) continue;
    emails.add(email);
    const isPrimary = contacts.length === 0;
    const emailStatus = isPrimary
      ? 'ok'
      : r.weighted([
          ['ok', 94],
          ['bounced', 4],
          ['unsubscribed', 2],
        ] as const);
    contacts.push({ name: `${first} ${last}`, email, title: r.pick(isPrimary ? PRIMARY_TITLES : OTHER_TITLES), isPrimary, emailStatus });
  }

  // Deals: the first closes some time in the last 18 months; some accounts expand later, and
  // some of the older ones churn (churned accounts never expand).
  const { min, max, step } = ARR_RANGE[segment];
  const aeEmail = r.weighted(AE_WEIGHTS);
  const firstDaysAgo = r.int(3, HISTORY_DAYS);
  const crmBase = `SEED-${domain.replace(/\.example$/, '')}`;
  const deals = [
    makeDeal(r, {
      crmId: `${crmBase}-1`,
      name: `${baseName} – ${r.pick(PLAN_NAMES[segment])}`,
      aeEmail,
      closedWonAt: daysBefore(now, firstDaysAgo, r),
      arr: roundTo(min + r.next() * (max - min), step),
      cacRatio: [0.5, 1.6],
    }),
  ];
  const churns = firstDaysAgo >= 240 && r.chance(0.12);
  const churnedAt = churns ? daysBefore(now, r.int(7, firstDaysAgo - 180), r) : undefined;
  if (!churns && firstDaysAgo >= 150 && r.chance(0.22)) {
    deals.push(
      makeDeal(r, {
        crmId: `${crmBase}-2`,
        name: `${baseName} – ${r.pick(EXPANSION_NAMES)}`,
        aeEmail: r.chance(0.8) ? aeEmail : r.weighted(AE_WEIGHTS),
        closedWonAt: daysBefore(now, r.int(2, firstDaysAgo - 90), r),
        arr: roundTo(deals[0].arr * (0.15 + r.next() * 0.3), step),
        cacRatio: [0.2, 0.6],
      }),
    );
  }
  return { index, name, domain, segment, csmEmail, status: churns ? 'churned' : 'active', ...(churnedAt ? { churnedAt } : {}), contacts, deals };
}

/** Plans for accounts [from, from + count), lazily, so a 100k-account seed keeps memory flat. */
export function* generateAccountPlans({ seed, now, from = 0, count }: { seed: number; now: Date; from?: number; count: number }) {
  for (let index = from; index < from + count; index++) yield generateAccountPlan({ seed, index, now });
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Why the seed refused to run (the CLI prints the message and exits 1). */
export class SeedRefusedError extends Error {}

/** Throws unless demo data may be written: never in production (it creates users with a known password). */
export function assertSeedAllowed(nodeEnv: string | undefined = process.env.NODE_ENV) {
  if (nodeEnv === 'production') {
    throw new SeedRefusedError(
      'Refusing to seed demo data: NODE_ENV is "production". The seed creates users with a published password ' +
        `(${DEMO_USERS.map((u) => u.email).join(', ')}). Run it against a development or demo database instead.`,
    );
  }
}

/** True when the database has no users yet (the start script seeds only an empty database). */
export async function isDatabaseEmpty() {
  return (await User.exists({})) === null;
}

// Ids are derived from the natural key, so a re-run inserts the same _id and the unique index
// refuses it. Upserts would be the usual tool, but on FerretDB's SQLite backend an upsert that
// misses (or matches on any field but _id) scans the whole collection, which at 100k accounts
// turns a seed of minutes into hours; plain inserts stay fast.
function stableId(kind: string, key: string) {
  return new Types.ObjectId(crypto.createHash('sha256').update(`kept-seed:${kind}:${key}`).digest().subarray(0, 12));
}

type Counts = { inserted: number; existing: number };

/**
 * Inserts docs, treating duplicate-key refusals as "already there"; any other error is thrown.
 * Docs are built complete (timestamps, defaults, __v) and inserted lean: hydrating 1,000 mongoose
 * documents costs more than the insert itself. A sample per batch still goes through the schema.
 */
async function insertNew<T>(model: Model<T>, docs: Record<string, unknown>[]): Promise<Counts & { wasInserted: (id: unknown) => boolean }> {
  if (docs.length === 0) return { inserted: 0, existing: 0, wasInserted: () => false };
  for (const doc of docs.slice(0, 10)) await new model(doc).validate();
  try {
    const res = (await model.insertMany(
      docs.map((d) => ({ __v: 0, ...d })),
      { ordered: false, lean: true, rawResult: true },
    )) as unknown as {
      insertedCount: number;
    };
    return { inserted: res.insertedCount, existing: 0, wasInserted: () => true };
  } catch (error) {
    const inserted = (error as { insertedDocs?: { _id: unknown }[] }).insertedDocs;
    if (!isDuplicateKey(error) || !inserted) throw error;
    const ids = new Set(inserted.map((d) => String(d._id)));
    return { inserted: ids.size, existing: docs.length - ids.size, wasInserted: (id) => ids.has(String(id)) };
  }
}

export type SeedSummary = {
  users: Counts;
  accounts: Counts;
  contacts: Counts;
  deals: Counts;
  journeys: Counts;
  promises: number;
  ms: number;
};

/** One batch of seeded documents, built and not yet written (the scale seed adds to it). */
export type SeedBatch = {
  accounts: Record<string, any>[];
  contacts: Record<string, any>[];
  deals: Record<string, any>[];
  journeys: Record<string, any>[];
  now: Date;
};
/**
 * Called for each batch before anything of it is written: may change the batch's documents (a
 * contact that bounced, a deal that came from a referral) and returns the writes of its own
 * documents, run after the batch's accounts, contacts, deals and journeys are in.
 */
export type SeedBatchExtension = (batch: SeedBatch) => Promise<() => Promise<void>>;

const BATCH = 1_000;
export const DEFAULT_ACCOUNTS = 200;
export const DEFAULT_SEED = 42;

/** Writes the demo users and `accounts` demo accounts (with contacts, deals and promises); idempotent. */
export async function seedDemoData({
  accounts = DEFAULT_ACCOUNTS,
  seed = DEFAULT_SEED,
  now = new Date(),
  log = () => undefined,
  progress,
  extend,
  nodeEnv = process.env.NODE_ENV,
}: {
  accounts?: number;
  seed?: number | string;
  now?: Date;
  log?: (line: string) => void;
  /** Called after each batch instead of logging a line (the CLI's progress bar). */
  progress?: (done: number, total: number) => void;
  /** The scale seed's surveys and advocacy per batch; with it, rollups are left to its bulk rebuild. */
  extend?: SeedBatchExtension;
  nodeEnv?: string;
}): Promise<SeedSummary> {
  assertSeedAllowed(nodeEnv);
  const started = Date.now();
  const seedNumber = normalizeSeed(seed);
  const users = await seedUsers(now);
  await seedBrand(now);
  // Two playbooks, before any journey starts: smb deals start on "SMB quick start". The scale data
  // set keeps the default playbook alone, so benchmark figures stay comparable across runs.
  if (!extend) await seedDemoPlaybooks({ now, log });
  const idOf = (email: string) => {
    const id = users.ids.get(email);
    if (!id) throw new Error(`Seed user ${email} is missing`);
    return id;
  };

  const summary: SeedSummary = {
    users: users.counts,
    accounts: { inserted: 0, existing: 0 },
    contacts: { inserted: 0, existing: 0 },
    deals: { inserted: 0, existing: 0 },
    journeys: { inserted: 0, existing: 0 },
    promises: 0,
    ms: 0,
  };
  const add = (into: Counts, c: Counts) => {
    into.inserted += c.inserted;
    into.existing += c.existing;
  };

  let swedish: string | null = null;
  for (let from = 0; from < accounts; from += BATCH) {
    const accountDocs: Record<string, unknown>[] = [];
    const contactDocs: Record<string, unknown>[] = [];
    const dealDocs: Record<string, unknown>[] = [];
    for (const plan of generateAccountPlans({ seed: seedNumber, now, from, count: Math.min(BATCH, accounts - from) })) {
      const accountId = stableId('account', plan.domain);
      const createdAt = plan.deals[0].closedWonAt;
      accountDocs.push({
        _id: accountId,
        ...newAccountDoc({
          name: plan.name,
          domain: plan.domain,
          segment: plan.segment,
          csmId: idOf(plan.csmEmail),
          aeIds: [...new Set(plan.deals.map((d) => d.aeEmail))].map(idOf),
          now: createdAt,
        }),
        status: plan.status,
        ...(plan.churnedAt ? { churnedAt: plan.churnedAt, updatedAt: plan.churnedAt } : {}),
      });
      for (const c of plan.contacts) {
        contactDocs.push({ _id: stableId('contact', `${plan.domain}/${c.email}`), accountId, ...c, createdAt, updatedAt: createdAt });
      }
      for (const d of plan.deals) {
        dealDocs.push({
          _id: stableId('deal', `seed/${d.crmId}`),
          // Promise ids are stable too: survey answers and dashboards refer to them.
          ...newDealDoc(d, { source: 'seed', accountId, aeId: idOf(d.aeEmail), now: d.closedWonAt, promiseId: (i) => stableId('promise', `seed/${d.crmId}/${i}`) }),
        });
      }
    }
    // Each deal's post-sale journey on its segment's playbook, as far along as its age allows, with evidence (scripts/seed/journeys.ts).
    const journeys = await buildSeedJourneys({ deals: dealDocs as never, accounts: accountDocs as never, contacts: contactDocs as never, now });
    const writeExtras = extend ? await extend({ accounts: accountDocs, contacts: contactDocs, deals: dealDocs, journeys: journeys.map((j) => j.doc), now }) : null;
    // A Swedish-speaking customer: its buyers read pages and emails in Swedish (docs/i18n.md).
    if (from === 0) swedish = markSwedishCustomer({ accounts: accountDocs, journeys: journeys.map((j) => j.doc), csId: String(idOf('cs@kept.demo')) });
    // Accounts first: a crash between steps leaves contacts/deals to be filled in by the next run.
    add(summary.accounts, await insertNew(Account, accountDocs));
    add(summary.contacts, await insertNew(Contact, contactDocs));
    const deals = await insertNew(Deal, dealDocs);
    add(summary.deals, deals);
    for (const d of dealDocs) if (deals.wasInserted(d._id)) summary.promises += (d.promises as unknown[]).length;
    // The money rollups of the new deals, as intake bumps them: a fresh start shows the right
    // totals at once, not after the worker's first rebuild (the scale seed sums its own).
    if (!extend) {
      const accountOf = new Map(accountDocs.map((a) => [String(a._id), a]));
      await bumpDealsWon(dealDocs.filter((d) => deals.wasInserted(d._id)).map((d) => ({ deal: d as never, account: accountOf.get(String(d.accountId)) as never })));
    }
    add(summary.journeys, await insertSeedJourneys(journeys, { bumpMetrics: !extend }));
    if (writeExtras) await writeExtras();
    const done = Math.min(from + BATCH, accounts);
    if (progress) progress(done, accounts);
    else log(`  accounts ${done.toLocaleString('en-US')}/${accounts.toLocaleString('en-US')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (swedish) log(`  ${swedish} reads Kept in Swedish`);
  summary.ms = Date.now() - started;
  return summary;
}

async function seedUsers(now: Date) {
  const all: DemoUser[] = [...DEMO_USERS, ...DEMO_TEAM];
  const emails = all.map((u) => u.email);
  const existing = new Set(
    (
      await User.find({ email: trusted({ $in: emails }) })
        .select('email')
        .lean()
    ).map((u) => u.email),
  );
  const missing = all.filter((u) => !existing.has(u.email));
  let counts: Counts = { inserted: 0, existing: existing.size };
  if (missing.length) {
    // scrypt is slow on purpose: hash once and share it (every demo user has the same password).
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const c = await insertNew(
      User,
      missing.map((u) => ({ ...u, passwordHash, active: true, demo: true, createdAt: now, updatedAt: now })),
    );
    counts = { inserted: c.inserted, existing: existing.size + c.existing };
  }
  const rows = await User.find({ email: trusted({ $in: emails }) })
    .select('email')
    .lean();
  return { counts, ids: new Map(rows.map((u) => [u.email, u._id])) };
}
