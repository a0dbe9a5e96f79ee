// Keeps a child process running for `npm start`: a child that exits (a crash, an out-of-memory kill,
// `kill -9`) is started again after a back-off, and said so in the log; only stop() ends it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type Backoff = { firstMs: number; maxMs: number; /** A child that ran this long starts again at firstMs. */ healthyAfterMs: number };
export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000 };

export function supervise({
  name,
  command,
  args,
  options,
  say,
  backoff = DEFAULT_BACKOFF,
}: {
  name: string;
  command: string;
  args: string[];
  options: SpawnOptions;
  say: (line: string) => void;
  backoff?: Backoff;
}) {
  let child: ChildProcess;
  let stopping = false;
  let failures = 0;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const start = () => {
    const startedAt = Date.now();
    child = spawn(command, args, options);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      failures = Date.now() - startedAt >= backoff.healthyAfterMs ? 1 : failures + 1;
      const delay = Math.min(backoff.maxMs, backoff.firstMs * 2 ** (failures - 1));
      restarts += 1;
      say(`${name} exited (${signal ?? `code ${code}`}); starting it again in ${(delay / 1000).toFixed(1)} s (restart ${restarts}).`);
      timer = setTimeout(start, delay);
    });
  };
  start();

  return {
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    /** Ends the child (SIGTERM, SIGKILL after `graceMs`) and starts it no more. */
    stop(graceMs = 15_000) {
      stopping = true;
      clearTimeout(timer);
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
