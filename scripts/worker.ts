// The background worker (`npm run worker`): runs the tasks in app/worker/worker.server.ts every few
// seconds. `--once` runs one cycle and exits 0 on success, 1 on failure (for cron).
// `--interval=<ms>` changes the pause between cycles (default 5000).
//
// Running (not --once), email dispatch has a lane of its own next to the other tasks: sending is
// paced by the provider's rate limit (100 emails per request, 2 requests a second by default), so
// in one sequential cycle the batches queued by the survey tasks waited for the pacing and the
// next survey chunk waited for the sends. Side by side, preparing and sending overlap; the dispatch
// lane wakes as soon as an email or batch is queued in this process.
import { connectDb, disconnectDb } from '#app/db.server';
import { getEnv } from '#app/env.server';
import { onEmailQueued } from '#app/services/email.server';
import { log, logError } from '#app/utils/log.server';
import { createLeaseOwner } from '#app/worker/lease.server';
import { runCycle, TASKS, type WorkerTask } from '#app/worker/worker.server';

const args = process.argv.slice(2);
const once = args.includes('--once');
const intervalArg = args.find((a) => a.startsWith('--interval='))?.split('=')[1];
const intervalMs = intervalArg && Number(intervalArg) > 0 ? Number(intervalArg) : 5_000;
const MAX_BACKOFF_MS = 60_000;

/** A pause that `wake()` cuts short; a wake while the lane is busy makes its next pause end at once. */
function createNap() {
  let wake: (() => void) | null = null;
  let pending = false;
  return {
    sleep(ms: number) {
      if (pending || ms <= 0) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
      });
    },
    wake() {
      if (wake) wake();
      else pending = true;
    },
  };
}

type Lane = { name: string; tasks: WorkerTask[]; nap: ReturnType<typeof createNap> };
const DISPATCH = 'email-dispatch';
const lanes: Lane[] = once
  ? [{ name: 'all', tasks: TASKS, nap: createNap() }]
  : [
      { name: 'tasks', tasks: TASKS.filter((t) => t.name !== DISPATCH), nap: createNap() },
      { name: 'dispatch', tasks: TASKS.filter((t) => t.name === DISPATCH), nap: createNap() },
    ];

// SIGTERM/SIGINT: stop claiming new work, let the current cycles finish, then exit 0.
// A second signal falls through to the default handler and ends the process at once.
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log('info', `Worker received ${signal}; finishing the current cycle`);
    stop.abort();
    for (const lane of lanes) lane.nap.wake();
  });
}

/** One lane's loop: a cycle of its tasks, then a pause (none when a task left work, growing while cycles fail). */
async function runLane(lane: Lane, owner: string): Promise<boolean> {
  let failures = 0;
  while (!stop.signal.aborted) {
    let ok = false;
    let more = false;
    try {
      await connectDb();
      ({ ok, more } = await runCycle({ now: new Date(), owner, signal: stop.signal, tasks: lane.tasks }));
    } catch (error) {
      // Typically the database is unreachable (connect or server selection timed out).
      logError(error, { where: 'worker cycle', lane: lane.name });
    }
    if (once) return ok;
    failures = ok ? 0 : failures + 1;
    // A task left work behind (e.g. 1,000 invitations queued, more due): go again without a pause.
    const delayMs = ok ? (more ? 0 : intervalMs) : Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** failures);
    if (!ok) log('warn', 'Worker cycle failed; backing off', { lane: lane.name, failures, delayMs });
    if (!stop.signal.aborted) await lane.nap.sleep(delayMs);
  }
  return true;
}

async function main(): Promise<number> {
  try {
    getEnv();
  } catch (error) {
    log('error', error instanceof Error ? error.message : String(error));
    return 1;
  }
  const owner = createLeaseOwner('worker');
  log('info', 'Worker started', { owner, once, intervalMs, lanes: lanes.map((l) => l.name) });
  const dispatch = lanes.find((l) => l.name === 'dispatch');
  const unsubscribe = dispatch ? onEmailQueued(() => dispatch.nap.wake()) : () => undefined;
  const results = await Promise.all(lanes.map((lane) => runLane(lane, owner)));
  unsubscribe();
  if (once) return results.every(Boolean) ? 0 : 1;
  log('info', 'Worker stopped');
  return 0;
}

const code = await main();
await disconnectDb().catch(() => undefined);
process.exit(code);
