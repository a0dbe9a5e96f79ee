// Child processes for tests: a script run by node with tsx as a loader (one process, so a signal
// reaches the script itself), its output kept for failure messages, and waits with a deadline.
// Used by the server-lane tests that kill workers and import runners, and by the e2e stacks.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Proc = {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr together, the last `keep` characters. */
  output: () => string;
  alive: () => boolean;
};

export type StartOptions = {
  env?: NodeJS.ProcessEnv;
  /** Its own process group, so stopProc(..., { group: true }) also stops what it starts. */
  detached?: boolean;
  /** How many characters of output to keep (default 200,000). */
  keep?: number;
  /** Called with every chunk of output (e.g. to copy it to a log file). */
  onOutput?: (chunk: Buffer) => void;
};

/** Runs `command` from the repository root, keeping its output (stdout and stderr together). */
export function startProcess(command: string, args: string[] = [], options: StartOptions = {}): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const keep = options.keep ?? 200_000;
  let output = '';
  const onChunk = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-keep);
    options.onOutput?.(chunk);
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output, alive: () => child.exitCode === null && child.signalCode === null };
}

/** Runs `script` (relative to the repository) with `node --import tsx`, from the repository root. */
export function startNode(script: string, args: string[] = [], options: StartOptions = {}): Proc {
  return startProcess(process.execPath, ['--import', 'tsx', script, ...args], options);
}

/** Waits until the process has printed `text`; fails with its output if it exits first or after `timeoutMs`. */
export async function waitForOutput(proc: Proc, text: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (!proc.alive()) throw new Error(`The process exited (${proc.child.signalCode ?? proc.child.exitCode}) before printing "${text}":\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`No "${text}" within ${timeoutMs} ms:\n${proc.output()}`);
    await sleep(50);
  }
}

/**
 * Sends `signal` (default SIGKILL) to the process, or to its whole group with `group` (started
 * `detached`), SIGKILL after `graceMs` if it is still alive, and waits until it has exited.
 */
export async function stopProc(
  proc: Proc | undefined,
  { signal = 'SIGKILL', group = false, graceMs = 10_000 }: { signal?: NodeJS.Signals; group?: boolean; graceMs?: number } = {},
) {
  if (!proc || !proc.alive() || !proc.child.pid) return;
  const pid = proc.child.pid;
  const send = (s: NodeJS.Signals) => (group ? process.kill(-pid, s) : proc.child.kill(s));
  send(signal);
  const timer = setTimeout(() => proc.alive() && send('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * Calls `probe` every `pauseMs` until it returns a truthy value, and returns it; throws after
 * `timeoutMs`. With `retryErrors`, a probe that throws counts as "not yet" (e.g. the database is
 * down on purpose); without, its error fails the wait at once.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs: number,
  { pauseMs = 200, retryErrors = false }: { pauseMs?: number; retryErrors?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = retryErrors
      ? await Promise.resolve()
          .then(probe)
          .catch(() => undefined)
      : await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pauseMs);
  }
}

/** Waits until `${baseUrl}/healthz` answers 200; fails at once (with its output) if the server exits. */
export async function waitForHealthz(baseUrl: string, server: Proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.alive()) {
      throw new Error(`The Kept server exited (${server.child.signalCode ?? server.child.exitCode}) before answering /healthz:\n${server.output()}`);
    }
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The Kept server did not answer /healthz with 200 within ${timeoutMs / 1000} s:\n${server.output()}`);
    await sleep(200);
  }
}
