// Installs and runs the embedded database: FerretDB 1.24.2 on SQLite (see README, "Decisions").
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_VERSION = 'v1.24.2';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS = path.join(ROOT, '.tools');
export const FERRETDB_BIN = path.join(TOOLS, 'bin', 'ferretdb');

function installedVersion(): string | undefined {
  if (!fs.existsSync(FERRETDB_BIN)) return undefined;
  try {
    const out = execFileSync(FERRETDB_BIN, ['--version'], { encoding: 'utf8' });
    return /version:\s*(\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Installs FerretDB into .tools/bin with the Go toolchain, unless it is already there.
 *
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
 * start ("Invalid build/version/version.txt"): the module zip lacks the generated version file.
 * So we take the same module from the Go module proxy, add that file as FerretDB's docs say, and
 * `go install` from the copy.
 */
export function ensureFerretDb(log: (line: string) => void = console.log): string {
  if (installedVersion() === FERRETDB_VERSION) return FERRETDB_BIN;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'The embedded database needs the Go toolchain to install FerretDB, and `go` was not found on PATH.\n' +
        'Install Go (https://go.dev/dl/, or `apt-get install golang`), or set MONGODB_URI to a MongoDB server.',
    );
  }
  log(`Installing FerretDB ${FERRETDB_VERSION} into .tools/ (once; about two minutes on a cold Go cache)...`);
  const started = Date.now();
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    }),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? 'no module directory'}`);
  const src = path.join(TOOLS, 'src', `ferretdb-${FERRETDB_VERSION}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(src), { recursive: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  makeWritable(src);
  fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  execFileSync('go', ['install', './cmd/ferretdb'], {
    cwd: src,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: path.dirname(FERRETDB_BIN), GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
  });
  const version = installedVersion();
  if (version !== FERRETDB_VERSION) {
    throw new Error(`FerretDB was built but reports version ${version ?? '(none)'}; expected ${FERRETDB_VERSION}.`);
  }
  log(`FerretDB ${FERRETDB_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s.`);
  return FERRETDB_BIN;
}

function makeWritable(dir: string) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    fs.chmodSync(p, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) makeWritable(p);
  }
  fs.chmodSync(dir, 0o755);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningDb {
  uri: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts FerretDB on 127.0.0.1 with SQLite data in `dataDir`, and waits until it answers. */
export async function startFerretDb(options: { dataDir: string; port?: number; quiet?: boolean }): Promise<RunningDb> {
  const bin = ensureFerretDb();
  const port = options.port ?? (await freePort());
  if (await canConnect(port)) {
    throw new Error(`Port ${port} is already in use; set DB_PORT to another port or stop what is using it.`);
  }
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const debugPort = await freePort();
  const child = spawn(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}`,
      '--telemetry=disable',
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (!options.quiet) process.stderr.write(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`FerretDB did not answer on 127.0.0.1:${port} within 20 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Tables appear as the app creates collections (and again after a test drops a database): look
  // for new ones now and then while FerretDB runs.
  await ensureIdIndexes(dataDir);
  const indexer = setInterval(() => void ensureIdIndexes(dataDir), 10_000);
  indexer.unref();
  child.once('exit', () => clearInterval(indexer));
  return {
    uri: `mongodb://127.0.0.1:${port}/kept`,
    port,
    process: child,
    async stop() {
      clearInterval(indexer);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

let sqliteMissing = false;

/**
 * FerretDB 1.24.2's SQLite backend indexes `_id` on the expression `_ferretdb_sjson->"_id"` but
 * filters `{_id: x}` (find, update, delete) on `_ferretdb_sjson->'$._id'`; SQLite uses an index
 * only for the same expression, so every lookup by `_id` scanned its table (`EXPLAIN QUERY PLAN`:
 * `SCAN`). Measured on the 100k data set: a findById of the last of 200,000 contacts 750 ms before,
 * 1 ms after. This adds, to every collection table of every database in `dataDir`, an index on
 * the expression FerretDB filters on (README, decision 6). Needs the `sqlite3` command (Debian
 * package `sqlite3`); without it Kept works, slower, and says so once.
 */
export async function ensureIdIndexes(dataDir: string): Promise<number> {
  if (sqliteMissing) return 0;
  let files: string[];
  try {
    files = fs.readdirSync(dataDir).filter((f) => f.endsWith('.sqlite'));
  } catch {
    return 0;
  }
  let created = 0;
  for (const file of files) {
    const db = path.join(dataDir, file);
    try {
      const list = await sqlite(db, "SELECT table_name FROM _ferretdb_collections WHERE table_name NOT IN (SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name LIKE '%\\_kept\\_id' ESCAPE '\\');");
      const tables = list.split('\n').map((t) => t.trim()).filter((t) => /^[a-z0-9_]+$/i.test(t));
      if (!tables.length) continue;
      await sqlite(db, tables.map((t) => `CREATE INDEX IF NOT EXISTS "${t}_kept_id" ON "${t}" (_ferretdb_sjson->'$._id');`).join('\n'));
      created += tables.length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        sqliteMissing = true;
        console.warn('[ferretdb] The sqlite3 command is missing (Debian: apt-get install sqlite3): lookups by _id will scan whole collections.');
        return created;
      }
      // A database file FerretDB is still creating, or a busy moment: the next round retries.
    }
  }
  return created;
}

function sqlite(file: string, sql: string) {
  return new Promise<string>((resolve, reject) => {
    const child = execFile('sqlite3', ['-batch', '-cmd', '.timeout 5000', file], { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(sql);
  });
}
