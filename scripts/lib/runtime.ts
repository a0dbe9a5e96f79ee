// Shared by `npm start`, `npm run dev` and `npm run db`: loads .env, fills demo defaults,
// and starts the embedded database unless MONGODB_URI points elsewhere.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startFerretDb, type RunningDb } from './ferretdb';

export function loadDotEnv() {
  const file = path.join(ROOT, '.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

/** A session secret kept under .data/ so restarts keep sessions; production must set its own. */
function localSessionSecret() {
  const file = path.join(ROOT, '.data', 'session-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export async function prepareRuntime(log: (line: string) => void = console.log): Promise<{ db?: RunningDb; env: NodeJS.ProcessEnv }> {
  loadDotEnv();
  const production = process.env.NODE_ENV === 'production';
  if (!process.env.SESSION_SECRET && !production) process.env.SESSION_SECRET = localSessionSecret();
  let db: RunningDb | undefined;
  if (!process.env.MONGODB_URI) {
    if (production) log('MONGODB_URI is not set: using the embedded FerretDB (fine for one machine; see README "Running at scale").');
    const port = Number(process.env.DB_PORT ?? 27117);
    log(`Starting the embedded database (FerretDB on SQLite, data in .data/ferretdb, port ${port})...`);
    db = await startFerretDb({ dataDir: path.join(ROOT, '.data', 'ferretdb'), port, quiet: true });
    process.env.MONGODB_URI = db.uri;
  }
  return { db, env: process.env };
}
