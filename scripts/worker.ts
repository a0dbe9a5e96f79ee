// The background worker (`npm run worker`): runs the tasks in app/worker/worker.server.ts every few
// seconds. `--once` runs one cycle and exits 0 on success, 1 on failure (for cron).
// `--interval=<ms>` changes the pause between cycles (default 5000).
// Without MONGODB_URI it uses the embedded database (the one `npm start` runs, or its own).
import { connectDb, disconnectDb } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { log, logError } from '#app/utils/log.server';
import { createLeaseOwner } from '#app/platform/lease.server';
import { runCycle } from '#app/worker/worker.server';
import { prepareRuntime } from './lib/runtime';

const args = process.argv.slice(2);
const once = args.includes('--once');
const intervalArg = args.find((a) => a.startsWith('--interval='))?.split('=')[1];
const intervalMs = intervalArg && Number(intervalArg) > 0 ? Number(intervalArg) : 5_000;
const MAX_BACKOFF_MS = 60_000;

// SIGTERM/SIGINT: stop claiming new work, let the current cycle finish, then exit 0.
// A second signal falls through to the default handler and ends the process at once.
const stop = new AbortController();
let wake = () => {};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log('info', `Worker received ${signal}; finishing the current cycle`);
    stop.abort();
    wake();
  });
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

let db: Awaited<ReturnType<typeof prepareRuntime>>['db'];
try {
  ({ db } = await prepareRuntime((line) => log('info', line)));
} catch (error) {
  log('error', error instanceof Error ? error.message : String(error));
  process.exit(1);
}

async function main(): Promise<number> {
  try {
    getEnv();
  } catch (error) {
    log('error', error instanceof Error ? error.message : String(error));
    return 1;
  }
  const owner = createLeaseOwner('worker');
  log('info', 'Worker started', { owner, once, intervalMs });

  let failures = 0;
  while (!stop.signal.aborted) {
    let ok = false;
    let more = false;
    try {
      await connectDb();
      ({ ok, more } = await runCycle({ now: new Date(), owner, signal: stop.signal }));
    } catch (error) {
      // Typically the database is unreachable (connect or server selection timed out).
      logError(error, { where: 'worker cycle' });
    }
    if (once) return ok ? 0 : 1;
    failures = ok ? 0 : failures + 1;
    // A task left work behind (e.g. 1,000 invitations queued, more due): go again without a pause.
    const delayMs = ok ? (more ? 0 : intervalMs) : Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** failures);
    if (!ok) log('warn', 'Worker cycle failed; backing off', { failures, delayMs });
    if (!stop.signal.aborted) await sleep(delayMs);
  }
  log('info', 'Worker stopped');
  return 0;
}

const code = await main();
await disconnectDb().catch(() => undefined);
await db?.stop();
process.exit(code);
