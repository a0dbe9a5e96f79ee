import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeOnEngine } from '../test/engine';
import { startProcess, stopProc, waitForOutput, type Proc } from '../test/harness/processes';
import { canConnect, freePort } from './lib/ferretdb';

// The commands of docs/development.md beside a running Kept: the embedded database is started the way `npm start`
// starts it (scripts/lib/runtime.ts, here through `npm run db`), then `npm run worker -- --once` and
// `npm run metrics:rebuild` run in a shell that sets neither MONGODB_URI nor SESSION_SECRET.
// A private data directory and port keep this away from a real `npm start` and from other tests.
// A run against MongoDB (MONGODB_URI, docs/mongodb.md) has no embedded database to start: skipped there.
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
describeOnEngine(
  'ferretdb',
  'runs `npm run db`, `worker` and `metrics:rebuild` on the embedded database (FerretDB), which a MongoDB run does not build',
  'npm run commands beside a running Kept',
  () => {
    let dataDir: string;
    let port: number;
    let db: Proc | undefined;

    function shellEnv(dir = dataDir, dbPort = port) {
      const env: NodeJS.ProcessEnv = { ...process.env, KEPT_DATA_DIR: dir, DB_PORT: String(dbPort), LOG_LEVEL: 'info' };
      for (const name of ['MONGODB_URI', 'SESSION_SECRET', 'NODE_ENV', 'KEPT_TEST_MONGODB_URI', 'RESEND_API_KEY', 'RESEND_BASE_URL', 'APP_URL']) delete env[name];
      return env;
    }

    async function run(command: string, args: string[], env = shellEnv()) {
      const child = startProcess(command, args, { env });
      const { code } = await child.exited;
      return { code, output: child.output() };
    }

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-runtime-'));
      port = await freePort();
      db = startProcess(tsx, ['scripts/db.ts'], { env: shellEnv() });
      await waitForOutput(db, 'Embedded database ready', 60_000);
    }, 60_000);

    afterAll(async () => {
      await stopProc(db, { signal: 'SIGTERM' });
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('worker --once and metrics:rebuild use the running embedded database and the local secret', async () => {
      const worker = await run('npm', ['run', 'worker', '--', '--once']);
      expect(worker.output).not.toMatch(/Starting the embedded database|Invalid environment configuration/);
      expect(worker.code).toBe(0);

      const rebuild = await run('npm', ['run', 'metrics:rebuild']);
      expect(rebuild.output).not.toMatch(/Starting the embedded database|already in use/);
      expect(rebuild.output).toContain('Done in');
      expect(rebuild.code).toBe(0);

      // Both worked in the database `npm run db` serves, which is still up; the secret is the one under the data dir.
      expect(db?.child.exitCode).toBeNull();
      const conn = await mongoose.createConnection(`mongodb://127.0.0.1:${port}/kept`).asPromise();
      try {
        expect((await conn.db!.listCollections().toArray()).length).toBeGreaterThan(0);
      } finally {
        await conn.close();
      }
      expect(fs.readFileSync(path.join(dataDir, 'session-secret'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    }, 120_000);

    test('alone (nothing running), a command starts the embedded database and stops it when done', async () => {
      const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-runtime-own-'));
      const ownPort = await freePort();
      try {
        const worker = await run('npm', ['run', 'worker', '--', '--once'], shellEnv(ownDir, ownPort));
        expect(worker.output).toContain(`Starting the embedded database`);
        expect(worker.code).toBe(0);
        expect(await canConnect(ownPort)).toBe(false);
      } finally {
        fs.rmSync(ownDir, { recursive: true, force: true });
      }
    }, 120_000);
  },
);
