// Starts one FerretDB for the whole unit/integration run; each test file gets its own database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb, type RunningDb } from '../scripts/lib/ferretdb';

let db: RunningDb | undefined;
let dataDir: string | undefined;

export async function setup() {
  if (process.env.MONGODB_URI) {
    // CI against a real MongoDB (.github/workflows/ci.yml): use that server.
    process.env.KEPT_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-test-db-'));
  db = await startFerretDb({ dataDir, quiet: true });
  process.env.KEPT_TEST_MONGODB_URI = db.uri;
}

export async function teardown() {
  await db?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
