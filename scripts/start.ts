// `npm start`: embedded database (unless MONGODB_URI is set), production build, demo data on an
// empty database (never in production), then the web server and the worker together.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib/ferretdb';
import { prepareRuntime } from './lib/runtime';

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

const { connectDb, disconnectDb } = await import('#app/db.server');
await connectDb();
if (config.NODE_ENV !== 'production') {
  const { isDatabaseEmpty, seedDemoData, DEMO_USERS, DEMO_PASSWORD } = await import('#app/services/seed.server');
  if (await isDatabaseEmpty()) {
    say('Empty database: adding demo data (npm run seed)...');
    await seedDemoData({ log: say });
    const { seedAdvocacyDemo } = await import('#app/services/advocacy-seed.server');
    await seedAdvocacyDemo({ log: say });
    const { seedSurveyDemo } = await import('#app/services/survey-seed.server');
    await seedSurveyDemo({ log: say });
  }
  say(`Demo sign-in: ${DEMO_USERS.map((u) => u.email).join(', ')} / password ${DEMO_PASSWORD}`);
}
await disconnectDb();

const children: ChildProcess[] = [];
const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const runEnv = { ...env, NODE_ENV: config.NODE_ENV === 'development' ? 'production' : config.NODE_ENV };
for (const script of ['serve.ts', 'worker.ts']) {
  const child = spawn(tsx, [path.join(ROOT, 'scripts', script)], { cwd: ROOT, stdio: 'inherit', env: runEnv });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${script} exited (${signal ?? code}); stopping Kept.`);
      void stop(code ?? 1);
    }
  });
}
say(`Kept is running at http://localhost:${config.PORT} (ready in ${Math.round((Date.now() - started) / 1000)} s). Ctrl-C stops it.`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await db?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
