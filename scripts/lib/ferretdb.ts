// Installs and runs the embedded database: FerretDB 1.24.2 on SQLite (see docs/decisions/0006-ferretdb-with-four-patches.md).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_VERSION = 'v1.24.2';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS = path.join(ROOT, '.tools');
export const FERRETDB_BIN = path.join(TOOLS, 'bin', 'ferretdb');

/** Kept's changes to FerretDB, applied in name order to the module copy (docs/ferretdb-patches.md). */
export const PATCH_DIR = path.join(ROOT, 'scripts', 'ferretdb-patches');

function patchFiles(): string[] {
  if (!fs.existsSync(PATCH_DIR)) return [];
  return fs
    .readdirSync(PATCH_DIR)
    .filter((f) => f.endsWith('.patch'))
    .sort();
}

/**
 * The mark of the patch set a build carries: "kept-" and the start of a SHA-256 over the patch
 * files' names and contents. It is built into the binary as its "package" (`ferretdb --version`),
 * so a .tools/ built before a patch changed is rebuilt on the next start or test run.
 */
export function patchSetMark(): string {
  const hash = crypto.createHash('sha256');
  for (const file of patchFiles()) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(PATCH_DIR, file)));
    hash.update('\0');
  }
  return `kept-${hash.digest('hex').slice(0, 16)}`;
}

/** The version and patch-set mark `ferretdb --version` reports, or undefined without a binary. */
export function installedBuild(bin = FERRETDB_BIN): { version?: string; mark?: string } | undefined {
  if (!fs.existsSync(bin)) return undefined;
  try {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    return { version: /version:\s*(\S+)/.exec(out)?.[1], mark: /package:\s*(\S+)/.exec(out)?.[1] };
  } catch {
    return undefined;
  }
}

/**
 * Installs FerretDB, with Kept's patches, into .tools/bin with the Go toolchain, unless that build
 * is already there.
 *
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
 * start ("Invalid build/version/version.txt"): the module zip lacks the generated version file.
 * So we take the same module from the Go module proxy, add that file as FerretDB's docs say, apply
 * scripts/ferretdb-patches/*.patch in order (a patch that does not apply stops the build), and
 * `go install` from the copy.
 */
export function ensureFerretDb(log: (line: string) => void = console.log): string {
  const mark = patchSetMark();
  const installed = installedBuild();
  if (installed?.version === FERRETDB_VERSION && installed.mark === mark) return FERRETDB_BIN;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'The embedded database needs the Go toolchain to install FerretDB, and `go` was not found on PATH.\n' +
        'Install Go (https://go.dev/dl/, or `apt-get install golang`), or set MONGODB_URI to a MongoDB server.',
    );
  }
  log(
    installed
      ? `Rebuilding FerretDB ${FERRETDB_VERSION} in .tools/: its patch set changed (${installed.mark ?? 'none'} -> ${mark})...`
      : `Installing FerretDB ${FERRETDB_VERSION} into .tools/ (once; about two minutes on a cold Go cache)...`,
  );
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
  fs.writeFileSync(path.join(src, 'build', 'version', 'package.txt'), `${mark}\n`);
  applyPatches(src, log);
  execFileSync('go', ['install', './cmd/ferretdb'], {
    cwd: src,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: path.dirname(FERRETDB_BIN), GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
  });
  const built = installedBuild();
  if (built?.version !== FERRETDB_VERSION || built.mark !== mark) {
    throw new Error(`FerretDB was built but reports version ${built?.version ?? '(none)'} and package ${built?.mark ?? '(none)'}; ` + `expected ${FERRETDB_VERSION} and ${mark}.`);
  }
  log(`FerretDB ${FERRETDB_VERSION} (${mark}) installed in ${Math.round((Date.now() - started) / 1000)} s.`);
  return FERRETDB_BIN;
}

/**
 * Applies every patch with `git apply` (git is on any machine that cloned Kept). The copy lies
 * inside Kept's own work tree, where `git apply` would take paths relative to Kept's root and
 * skip the files it does not find there, silently; GIT_CEILING_DIRECTORIES (an absolute path)
 * keeps git from looking above the copy, so it patches the copy as a plain directory, and a
 * reverse check after each patch proves it is in. A patch that does not apply throws, naming
 * the patch and git's reason.
 */
export function applyPatches(src: string, log: (line: string) => void = console.log) {
  const dir = path.resolve(src);
  const env = { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(dir) };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: 'pipe' });
  for (const file of patchFiles()) {
    const patch = path.join(PATCH_DIR, file);
    try {
      git('apply', patch);
      git('apply', '--reverse', '--check', patch);
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
      throw new Error(`FerretDB patch ${file} does not apply to ${path.relative(ROOT, src)}:\n${stderr}`, { cause: error });
    }
    log(`  applied ${file}`);
  }
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
  return {
    uri: `mongodb://127.0.0.1:${port}/kept`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
