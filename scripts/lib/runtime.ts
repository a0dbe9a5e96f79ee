// The one way every script (`npm start`, `npm run dev|db|serve|worker|seed|metrics:rebuild`) gets
// its runtime settings: loads .env, fills the local secrets kept under .data/, and finds the
// database: MONGODB_URI when set; else the embedded FerretDB already running on DB_PORT (say,
// under `npm start`); else it starts that embedded FerretDB itself.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { ROOT, canConnect, startFerretDb, type RunningDb } from './ferretdb';

export const DEFAULT_DB_PORT = 27117;

export function loadDotEnv() {
  const file = path.join(ROOT, '.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

/** Where local state lives: the embedded database and the generated secrets (KEPT_DATA_DIR, default .data/). */
export function dataDir() {
  return path.resolve(ROOT, process.env.KEPT_DATA_DIR || '.data');
}

/** A session secret kept under .data/ so restarts keep sessions; production must set its own. */
function localSessionSecret() {
  const file = path.join(dataDir(), 'session-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // `wx`: two scripts starting at once keep the first secret instead of overwriting it.
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** True when a FerretDB answers on 127.0.0.1:port (something else on the port answers false). */
export async function embeddedDbAnswers(port: number): Promise<boolean> {
  // Nothing listening (the usual case before `npm start`): say so at once, without the driver's wait.
  if (!(await canConnect(port))) return false;
  const client = new mongoose.mongo.MongoClient(`mongodb://127.0.0.1:${port}/`, {
    serverSelectionTimeoutMS: 1500,
    connectTimeoutMS: 1500,
    directConnection: true,
  });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string';
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export type DbSource = 'MONGODB_URI' | 'running' | 'started';

/**
 * Sets MONGODB_URI and the local SESSION_SECRET in process.env. `db` is set only when this call
 * started the embedded database: the caller stops it when it exits.
 */
export async function prepareRuntime(log: (line: string) => void = console.log): Promise<{ db?: RunningDb; env: NodeJS.ProcessEnv; source: DbSource }> {
  loadDotEnv();
  const production = process.env.NODE_ENV === 'production';
  if (!process.env.SESSION_SECRET && !production) process.env.SESSION_SECRET = localSessionSecret();
  if (process.env.MONGODB_URI) return { env: process.env, source: 'MONGODB_URI' };

  const port = Number(process.env.DB_PORT || DEFAULT_DB_PORT);
  const uri = `mongodb://127.0.0.1:${port}/kept`;
  if (await embeddedDbAnswers(port)) {
    log(`Using the embedded database already running on port ${port} (MONGODB_URI=${uri}).`);
    process.env.MONGODB_URI = uri;
    return { env: process.env, source: 'running' };
  }
  if (production) log('MONGODB_URI is not set: using the embedded FerretDB (fine for one machine; see docs/scale.md).');
  const dir = path.join(dataDir(), 'ferretdb');
  log(`Starting the embedded database (FerretDB on SQLite, data in ${dir.startsWith(ROOT) ? path.relative(ROOT, dir) : dir}, port ${port})...`);
  const db = await startFerretDb({ dataDir: dir, port, quiet: true });
  process.env.MONGODB_URI = db.uri;
  return { db, env: process.env, source: 'started' };
}
