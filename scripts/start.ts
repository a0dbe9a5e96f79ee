// `npm start`: embedded database (unless MONGODB_URI is set), production build, demo data on an
// empty database (never in production), then the web server and the worker together.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib/ferretdb';
import { prepareRuntime } from './lib/runtime';
import { supervise } from './lib/supervise';

const started = Date.now();
const say = (line: string) => console.log(`[kept] ${line}`);
const { db, env } = await prepareRuntime(say);

const { getEnv } = await import('#app/env.server');
let config;
try {
  config = getEnv();
} catch (error) {
  console.error(String((error as Error).message));
  await db?.stop();
  process.exit(1);
}

say('Building the app (remix build)...');
execFileSync(path.join(ROOT, 'node_modules', '.bin', 'remix'), ['build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, NODE_ENV: 'production' } });

const { connectDb, disconnectDb } = await import('#app/platform/db.server');
await connectDb();
if (config.NODE_ENV !== 'production') {
  const { isDatabaseEmpty, seedDemoData, DEMO_USERS, DEMO_PASSWORD } = await import('#scripts/seed/demo');
  if (await isDatabaseEmpty()) {
    say('Empty database: adding demo data (npm run seed)...');
    await seedDemoData({ log: say });
    const { seedAdvocacyDemo } = await import('#scripts/seed/advocacy');
    await seedAdvocacyDemo({ log: say });
    const { seedRecoveryDemo } = await import('#scripts/seed/recovery');
    await seedRecoveryDemo({ log: say });
    const { seedSurveyDemo } = await import('#scripts/seed/surveys');
    await seedSurveyDemo({ log: say });
    const { seedReaskDemo } = await import('#scripts/seed/reask');
    await seedReaskDemo({ log: say });
    const { seedBuyerTaskDemo } = await import('#scripts/seed/buyer-tasks');
    await seedBuyerTaskDemo({ log: say });
    // Journeys waiting on the customer: confirmed (SLA paused), claimed only, ended (docs/buyer-delays.md).
    const { seedDelayDemo } = await import('#scripts/seed/delays');
    await seedDelayDemo({ log: say });
  }
  say(`Demo sign-in: ${DEMO_USERS.map((u) => u.email).join(', ')} / password ${DEMO_PASSWORD}`);
}
await disconnectDb();

const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const runEnv = { ...env, NODE_ENV: config.NODE_ENV === 'development' ? 'production' : config.NODE_ENV };
// A crashed child is started again (1 s, 2 s, ... up to 30 s apart) and the other keeps running:
// one dead worker must not take the site down. Only Ctrl-C / SIGTERM stops Kept.
const children = ['serve.ts', 'worker.ts'].map((script) =>
  supervise({ name: script, command: tsx, args: [path.join(ROOT, 'scripts', script)], options: { cwd: ROOT, stdio: 'inherit', env: runEnv }, say }),
);
say(`Kept is running at http://localhost:${config.PORT} (ready in ${Math.round((Date.now() - started) / 1000)} s). Ctrl-C stops it.`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((child) => child.stop(30_000)));
  await db?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
