// `npm run seed [-- --accounts N --seed S]`: writes demo users and accounts into MONGODB_URI.
// Up to 999 accounts: the demo, played through the real services (surveys, advocacy). From 1,000
// on: the scale data set (scale-seed.server.ts), written in bulk, with a progress bar.
// Idempotent: a second run with the same seed adds nothing; a larger --accounts adds the rest.
import { parseArgs } from 'node:util';
import { progressBar } from './lib/progress';
import { loadDotEnv, prepareRuntime } from './lib/runtime';
import { z } from 'zod';
import { connectDb, disconnectDb } from '#app/platform/db.server';
import { DEFAULT_ACCOUNTS, DEFAULT_SEED, DEMO_PASSWORD, DEMO_USERS, SeedRefusedError, assertSeedAllowed, seedDemoData } from '#scripts/seed/demo';

const USAGE = `Usage: npm run seed -- [--accounts N] [--seed S]

  --accounts N   demo accounts to create (default ${DEFAULT_ACCOUNTS}; each with 1-3 contacts and 1-2 deals)
                 from 1,000 on: the scale data set (three survey waves per deal in every state,
                 advocates, asks and referrals), written in bulk; 100,000 takes a few minutes
  --seed S       seed for the generator (default ${DEFAULT_SEED}); the same seed gives the same data

Writes to MONGODB_URI, else to the embedded database (the running one, or started for the seed).
Refuses when NODE_ENV=production.`;

const ArgsSchema = z.object({
  accounts: z.coerce.number({ error: '--accounts must be a number' }).int('--accounts must be a whole number').min(0).max(1_000_000),
  seed: z.string().trim().min(1, '--seed must not be empty'),
});

let db: Awaited<ReturnType<typeof prepareRuntime>>['db'];

async function main() {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: String(DEFAULT_ACCOUNTS) },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const args = ArgsSchema.safeParse(values);
  if (!args.success) {
    console.error(`${args.error.issues.map((i) => i.message).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  loadDotEnv();
  assertSeedAllowed();
  ({ db } = await prepareRuntime());
  await connectDb(process.env.MONGODB_URI);
  const { accounts, seed } = args.data;
  const line = (label: string, c: { inserted: number; existing: number }) =>
    `  ${label.padEnd(10)} ${String(c.inserted).padStart(8)} new ${String(c.existing).padStart(8)} already there`;
  const logins = ['', `Demo logins (password ${DEMO_PASSWORD}):`, ...DEMO_USERS.map((u) => `  ${u.role.padEnd(11)} ${u.email}`)];
  const { SCALE_FROM, seedScaleData } = await import('#scripts/seed/scale');
  if (accounts >= SCALE_FROM) {
    console.log(`Seeding the scale data set: ${accounts.toLocaleString('en-US')} accounts (seed ${seed})...`);
    const bar = progressBar({ label: '  accounts' });
    const s = await seedScaleData({ accounts, seed, now: new Date(), progress: bar.update, log: (l) => (bar.finish(), console.log(l)) });
    bar.finish();
    console.log(
      [
        `Done in ${(s.ms / 1000).toFixed(1)} s (rollups ${(s.rollups.ms / 1000).toFixed(1)} s), peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB.`,
        line('users', s.users),
        line('accounts', s.accounts),
        line('contacts', s.contacts),
        line('deals', s.deals),
        line('journeys', s.journeys),
        line('surveys', s.surveys),
        line('responses', s.responses),
        line('advocates', s.advocates),
        line('asks', s.asks),
        line('referrals', s.referrals),
        ...logins,
      ].join('\n'),
    );
    return 0;
  }
  console.log(`Seeding ${accounts.toLocaleString('en-US')} demo accounts (seed ${seed})...`);
  const s = await seedDemoData({ accounts, seed, now: new Date(), log: console.log });
  const { seedAdvocacyDemo } = await import('#scripts/seed/advocacy');
  await seedAdvocacyDemo({ seed, log: console.log });
  const { seedRecoveryDemo } = await import('#scripts/seed/recovery');
  await seedRecoveryDemo({ seed, log: console.log });
  // Survey waves in every state for the other deals (after advocacy: its answers stay the latest).
  const { seedSurveyDemo } = await import('#scripts/seed/surveys');
  await seedSurveyDemo({ log: console.log });
  // Re-asks of broken promises (after the surveys: they follow up "Not yet" answers).
  const { seedReaskDemo } = await import('#scripts/seed/reask');
  await seedReaskDemo({ log: console.log });
  // Buyer tasks in every state on the journeys not live yet (docs/buyer-tasks.md).
  const { seedBuyerTaskDemo } = await import('#scripts/seed/buyer-tasks');
  await seedBuyerTaskDemo({ log: console.log });
  // Journeys waiting on the customer: confirmed (SLA paused), claimed only, ended (docs/buyer-delays.md).
  const { seedDelayDemo } = await import('#scripts/seed/delays');
  await seedDelayDemo({ log: console.log });
  console.log(
    [
      `Done in ${(s.ms / 1000).toFixed(1)} s.`,
      line('users', s.users),
      line('accounts', s.accounts),
      line('contacts', s.contacts),
      line('deals', s.deals),
      line('journeys', s.journeys),
      `  promises   ${String(s.promises).padStart(8)} new`,
      ...logins,
    ].join('\n'),
  );
  return 0;
}

main()
  .then(async (code) => {
    await disconnectDb();
    await db?.stop();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    if (error instanceof SeedRefusedError) console.error(error.message);
    else console.error('Seeding failed:', error);
    await disconnectDb().catch(() => undefined);
    await db?.stop();
    process.exit(1);
  });
