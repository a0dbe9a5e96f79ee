// Starts one FerretDB for the whole server-lane run; each test file gets its own database.
// With MONGODB_URI set (CI against MongoDB, docs/mongodb.md) that server is used instead. Either
// way the server says which engine it is (test/engine.ts), for the engine-specific tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretDb, type RunningDb } from '../scripts/lib/ferretdb';
import { detectEngine } from './engine';

let db: RunningDb | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject) {
  if (process.env.MONGODB_URI) {
    process.env.KEPT_TEST_MONGODB_URI = process.env.MONGODB_URI;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-test-db-'));
    db = await startFerretDb({ dataDir, quiet: true });
    process.env.KEPT_TEST_MONGODB_URI = db.uri;
  }
  const engine = await detectEngine(process.env.KEPT_TEST_MONGODB_URI);
  project.provide('dbEngine', engine);
  console.log(`[server] database: ${engine} (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded FerretDB started for this run'})`);
}

export async function teardown() {
  await db?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
