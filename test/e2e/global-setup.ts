// End-to-end harness: one production build, one database with demo data, one production server
// (scripts/serve.ts) for the whole e2e run. Specs get the server's URL and the seeded ids via inject().
import { execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, freePort, startFerretDb, type RunningDb } from '../../scripts/lib/ferretdb';
import { detectEngine } from '../engine';
import { startProcess, stopProc, waitForHealthz } from '../harness/processes';
import type { SeededIds } from './seed-db';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    mongoUri: string;
    seeded: SeededIds;
    /** The server's CRM webhook secret, so a spec can deliver a signed deal (advocacy e2e). */
    crmWebhookSecret: string;
    /** The Resend (Svix) webhook secret, so a spec can sign Resend events (fuzzing). */
    resendWebhookSecret: string;
    /**
     * A file holding everything the server wrote to stdout and stderr (LOG_LEVEL=debug), appended as
     * it comes: the secrets-and-logs spec greps it. With the secrets it must never contain.
     */
    serverLog: string;
    serverSecrets: Record<'SESSION_SECRET' | 'RESEND_API_KEY' | 'CRM_WEBHOOK_SECRET' | 'RESEND_WEBHOOK_SECRET', string>;
  }
}

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const say = (line: string) => console.log(`[e2e] ${line}`);

async function timed<T>(label: string, step: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  say(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Runs test/e2e/seed-db.ts with tsx against `mongoUri`; returns its SEEDED line, parsed. */
function runSeedScript(mongoUri: string, args: string[]) {
  const out = execFileSync(bin('tsx'), [path.join(ROOT, 'test/e2e/seed-db.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: mongoUri, SESSION_SECRET: 'e2e-seed-secret-0123456789' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith('SEEDED '));
  return line ? (JSON.parse(line.slice('SEEDED '.length)) as SeededIds) : undefined;
}

export default async function setup(project: TestProject) {
  const cleanups: (() => Promise<void> | void)[] = [];
  // If vitest dies without tearing down (a closed pipe, an uncaught error), still stop the server
  // and the database: synchronous kills are all an 'exit' handler can do.
  const children: { child: ChildProcess; group: boolean }[] = [];
  const tempDirs: string[] = [];
  const killChildren = () => {
    for (const { child, group } of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(group ? -child.pid : child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killChildren);
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    process.off('exit', killChildren);
  };
  try {
    if (process.env.KEPT_E2E_SKIP_BUILD === '1') {
      if (!fs.existsSync(path.join(ROOT, 'build', 'index.js'))) throw new Error('KEPT_E2E_SKIP_BUILD=1 but build/index.js is missing: run `npm run build`.');
    } else {
      await timed('remix build', () =>
        execFileSync(bin('remix'), ['build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } }),
      );
    }

    // CI points MONGODB_URI at a real MongoDB: use a database of our own there, dropped afterwards.
    let mongoUri: string;
    if (process.env.MONGODB_URI) {
      const url = new URL(process.env.MONGODB_URI);
      url.pathname = `/kept_e2e_${crypto.randomBytes(6).toString('hex')}`;
      mongoUri = url.toString();
      cleanups.push(() => void runSeedScript(mongoUri, ['--drop']));
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-e2e-db-'));
      tempDirs.push(dataDir);
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const db: RunningDb = await timed('start FerretDB', () => startFerretDb({ dataDir, quiet: true }));
      children.push({ child: db.process, group: false });
      cleanups.push(() => db.stop());
      mongoUri = db.uri.replace(/\/kept$/, '/kept_e2e');
    }
    const engine = await detectEngine(mongoUri);
    say(`database: ${engine} (${process.env.MONGODB_URI ? 'MONGODB_URI, database of its own' : 'embedded FerretDB started for this run'})`);

    const seeded = await timed('seed demo data (40 accounts)', () => runSeedScript(mongoUri, ['--accounts', '40']));
    if (!seeded) throw new Error('test/e2e/seed-db.ts printed no SEEDED line.');

    // Emails go to the fake Resend when it exists, so nothing the server sends can leave the machine.
    const serverEnv: NodeJS.ProcessEnv = { ...process.env };
    delete serverEnv.RESEND_API_KEY;
    delete serverEnv.RESEND_BASE_URL;
    const fakeResendPath = path.join(ROOT, 'test', 'fake-resend.ts');
    if (fs.existsSync(fakeResendPath)) {
      const { FakeResend } = (await import(/* @vite-ignore */ fakeResendPath)) as typeof import('../fake-resend');
      const fake = new FakeResend();
      serverEnv.RESEND_BASE_URL = await fake.start();
      serverEnv.RESEND_API_KEY = 're_e2e_fake_key';
      cleanups.push(() => fake.stop());
    }

    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const crmWebhookSecret = crypto.randomBytes(24).toString('hex');
    const resendWebhookSecret = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    const sessionSecret = crypto.randomBytes(24).toString('hex');
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-e2e-log-'));
    tempDirs.push(logDir);
    cleanups.push(() => fs.rmSync(logDir, { recursive: true, force: true }));
    const serverLog = path.join(logDir, 'server.log');
    let logFile: number | null = fs.openSync(serverLog, 'a');
    cleanups.push(() => {
      if (logFile !== null) fs.closeSync(logFile);
      logFile = null;
    });
    const server = startProcess(bin('tsx'), [path.join(ROOT, 'scripts', 'serve.ts')], {
      // Its own process group: teardown stops tsx and the node process it starts, and nothing else.
      detached: true,
      keep: 20_000,
      onOutput: (chunk) => {
        if (logFile !== null) fs.writeSync(logFile, chunk);
      },
      env: {
        ...serverEnv,
        NODE_ENV: 'production',
        PORT: String(port),
        MONGODB_URI: mongoUri,
        SESSION_SECRET: sessionSecret,
        APP_URL: baseUrl,
        // Everything down to debug goes to the log file (the secrets spec greps all of it); only
        // warnings and errors reach the console, and only with KEPT_E2E_SERVER_LOG=1.
        LOG_LEVEL: 'debug',
        // Specs send X-Forwarded-For per browser context, so login rate limits do not add up
        // across the suite (see test/e2e/browser.ts).
        TRUST_PROXY: 'true',
        // Configured, so the access test meets the webhooks' signature checks rather than "not configured".
        CRM_WEBHOOK_SECRET: crmWebhookSecret,
        RESEND_WEBHOOK_SECRET: resendWebhookSecret,
      },
    });
    children.push({ child: server.child, group: true });
    cleanups.push(() => stopProc(server, { signal: 'SIGTERM', group: true, graceMs: 5000 }));
    await timed('start server', () => waitForHealthz(baseUrl, server));
    if (process.env.KEPT_E2E_SERVER_LOG === '1') server.child.stderr?.pipe(process.stderr);

    project.provide('baseUrl', baseUrl);
    project.provide('mongoUri', mongoUri);
    project.provide('dbEngine', engine);
    project.provide('seeded', seeded);
    project.provide('crmWebhookSecret', crmWebhookSecret);
    project.provide('resendWebhookSecret', resendWebhookSecret);
    project.provide('serverLog', serverLog);
    project.provide('serverSecrets', {
      SESSION_SECRET: sessionSecret,
      RESEND_API_KEY: serverEnv.RESEND_API_KEY ?? '',
      CRM_WEBHOOK_SECRET: crmWebhookSecret,
      RESEND_WEBHOOK_SECRET: resendWebhookSecret,
    });
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
