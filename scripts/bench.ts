// `npm run bench [-- --runs 3 --seconds 5 --accounts 100000 --baseline-accounts 1000 --skip-build --only pages,survey,dispatch,import,js]`
//
// Runs the production build against the embedded database and prints one table of ratios against
// baselines measured in the same run (these machines are shared and noisy), medians of --runs runs.
// Load comes from separate processes (scripts/bench/load.ts, autocannon) on loopback. The data sets
// live under .data/bench/ and are seeded once (`npm run seed -- --accounts N`), then reused.
// The same figures are written as JSON to .data/bench/bench-<date>.json.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { z } from 'zod';
import { ROOT, freePort, startFerretDb, type RunningDb } from './lib/ferretdb';
import type { LoadJob, LoadResult } from './bench/load';
import { FakeResend } from '../test/fake-resend';

const ArgsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(15),
  seconds: z.coerce.number().min(1).max(60),
  accounts: z.coerce.number().int().min(1000).max(1_000_000),
  'baseline-accounts': z.coerce.number().int().min(10).max(100_000),
  'skip-build': z.boolean(),
  only: z.string().transform(
    (s) =>
      new Set(
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
  ),
  'dispatch-surveys': z.coerce.number().int().min(100).max(100_000),
  'dispatch-seconds': z.coerce.number().int().min(10).max(3600),
  'import-rows': z.coerce.number().int().min(1000).max(100_000),
});

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    accounts: { type: 'string', default: '100000' },
    'baseline-accounts': { type: 'string', default: '1000' },
    'skip-build': { type: 'boolean', default: false },
    only: { type: 'string', default: 'pages,survey,dispatch,import,js' },
    'dispatch-surveys': { type: 'string', default: '10000' },
    // The whole bench must stay under 20 minutes; on FerretDB the dispatch of 10,000 takes longer
    // (every survey and message state change rewrites a document: see docs/benchmarks.md).
    'dispatch-seconds': { type: 'string', default: '240' },
    'import-rows': { type: 'string', default: '100000' },
  },
});
const parsed = ArgsSchema.safeParse(values);
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  process.exit(2);
}
const opts = parsed.data;
const want = (part: string) => opts.only.has(part);

const BENCH_DIR = path.join(ROOT, '.data', 'bench');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const PASSWORD = 'kept-demo-2026';
const RATE = 2; // Resend's default requests per second
const t0 = Date.now();
const say = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

type Row = { what: string; figure: string; baseline: string; ratio: string; budget: string; verdict: string };
const rows: Row[] = [];
const figures: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? ''}`.trim(),
  node: process.version,
  options: { ...values },
};
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** Runs a tsx script to completion; returns stdout. Its stderr goes to ours (progress). */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, { inherit = false } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(TSX, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', inherit ? 'inherit' : 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`))));
  });
}

async function task<T>(uri: string, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const out = await runScript('scripts/bench/tasks.ts', [name, JSON.stringify(args)], {
    MONGODB_URI: uri,
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`bench task ${name} printed no RESULT line:\n${out.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as T;
}

async function load(job: LoadJob): Promise<LoadResult> {
  // Items can be large (thousands of tokens): pass them through a file, not argv.
  const file = path.join(os.tmpdir(), `kept-bench-job-${crypto.randomBytes(4).toString('hex')}.json`);
  fs.writeFileSync(file, JSON.stringify(job));
  try {
    const out = await runScript('scripts/bench/load.ts', [file], {} as NodeJS.ProcessEnv);
    return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function ensureDataSet(uri: string, accounts: number) {
  const size = await task<{ accounts: number; surveys: number }>(uri, 'size', { accounts });
  if (size.accounts >= accounts) {
    say(
      `data set of ${accounts.toLocaleString('en-US')} accounts present (${size.accounts.toLocaleString('en-US')} accounts, ${size.surveys.toLocaleString('en-US')} surveys): reused`,
    );
    return;
  }
  say(`seeding ${accounts.toLocaleString('en-US')} accounts (once; reused by later runs)...`);
  const started = Date.now();
  await runScript(
    'scripts/seed.ts',
    ['--accounts', String(accounts)],
    { MONGODB_URI: uri, NODE_ENV: 'development', SESSION_SECRET: 'bench-secret-0123456789abcdef' },
    { inherit: true },
  );
  say(`seeded ${accounts.toLocaleString('en-US')} accounts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

type Server = { url: string; pid: number; rssMB(): number; stop(): Promise<void> };

/**
 * BENCH_PROFILE_DIR=<dir>: each server and the dispatch worker write a V8 CPU profile there when
 * they stop (open it in Chrome DevTools, or summarise it with `npx tsx scripts/bench/profile-summary.ts <file>`).
 */
const profileFlags = () => (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`] : []);

/** The production server (scripts/serve.ts) as one node process, so its RSS is the server's own. */
async function startServer(uri: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...profileFlags(), '--import', 'tsx', 'scripts/serve.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      MONGODB_URI: uri,
      APP_URL: url,
      SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      LOG_LEVEL: 'error',
      TRUST_PROXY: 'true',
      RESEND_API_KEY: '',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited:\n${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`The server did not answer /healthz in 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // The list pages answer from the database until the in-memory indexes have loaded: measure after.
  for (;;) {
    const body = await fetch(`${url}/healthz`).then(
      (r) => r.text(),
      () => '',
    );
    if (body.includes('indexes ready')) break;
    if (child.exitCode !== null) throw new Error(`The server exited:\n${stderr}`);
    if (Date.now() > deadline + 10 * 60_000) throw new Error(`The read indexes did not load in 10 minutes (${body})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  say(`server on ${uri.split('/').pop()} ready in ${((Date.now() - deadline + 60_000) / 1000).toFixed(0)} s (read indexes loaded)`);
  return {
    url,
    pid: child.pid!,
    rssMB: () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function signIn(server: Server, email: string) {
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'X-Forwarded-For': `192.0.2.${crypto.randomInt(1, 250)}` },
    body: new URLSearchParams({ email, password: PASSWORD }).toString(),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 302 || !cookie) throw new Error(`Signing in as ${email} answered ${res.status}`);
  return cookie;
}

// ---------------------------------------------------------------------------------------------

let db: RunningDb | undefined;
let reusable: Server | undefined;
const extraDbs: RunningDb[] = [];
const servers: Server[] = [];
async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  if (!opts['skip-build']) {
    say('remix build (production)...');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'remix'), ['build'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
  }
  // One FerretDB per data set: one process serving both let the large set's long scans hold up the
  // baseline's queries (measured: a 1k board request waited over 60 s), which is no baseline.
  db = await startFerretDb({ dataDir: path.join(BENCH_DIR, 'db'), quiet: true });
  const uriFor = (name: string) => db!.uri.replace(/\/kept$/, `/${name}`);
  const dataSetDb = async (accounts: number) => {
    const own = await startFerretDb({ dataDir: path.join(BENCH_DIR, `db-${accounts}`), quiet: true });
    extraDbs.push(own);
    return own.uri.replace(/\/kept$/, `/bench_${accounts}`);
  };
  const small = await dataSetDb(opts['baseline-accounts']);
  const large = await dataSetDb(opts.accounts);

  if (want('pages') || want('survey')) {
    await ensureDataSet(small, opts['baseline-accounts']);
    await ensureDataSet(large, opts.accounts);
  }

  if (want('pages')) {
    const sets = [
      { label: `${opts['baseline-accounts'].toLocaleString('en-US')} accounts`, uri: small },
      { label: `${opts.accounts.toLocaleString('en-US')} accounts`, uri: large },
    ];
    const live = [];
    for (const set of sets) {
      const server = await startServer(set.uri);
      servers.push(server);
      const [target, cs, leadership, marketing] = await Promise.all([
        task<{ journeyId: string; search: string }>(set.uri, 'pages'),
        signIn(server, 'cs@kept.demo'),
        signIn(server, 'leadership@kept.demo'),
        signIn(server, 'marketing@kept.demo'),
      ]);
      const pages = [
        { name: 'CS board', path: '/journeys', cookie: cs },
        { name: 'account search', path: `/accounts?q=${encodeURIComponent(target.search)}`, cookie: cs },
        { name: 'journey page', path: `/journeys/${target.journeyId}`, cookie: cs },
        { name: 'leadership dashboard', path: '/dashboards', cookie: leadership },
        { name: 'candidates page', path: '/advocacy', cookie: marketing },
        { name: 'CS work queue', path: '/work', cookie: cs },
        { name: 'work queues (leadership)', path: '/work', cookie: leadership },
      ];
      live.push({ ...set, server, pages, rssStart: server.rssMB() });
    }
    // Interleaved: run r measures every page at 1k then at 100k, so noise hits both alike.
    const p95 = new Map<string, number[]>();
    const failures = new Map<string, number>();
    for (let run = 0; run <= opts.runs; run++) {
      for (const page of live[0].pages.keys()) {
        for (const set of live) {
          const p = set.pages[page];
          const result = await load({ url: `${set.server.url}${p.path}`, headers: { cookie: p.cookie }, connections: 4, seconds: run === 0 ? 2 : opts.seconds });
          if (run === 0) continue; // warm-up
          const key = `${p.name}|${set.label}`;
          // No response within the run (p95 null) counts as the run's length: a stalled page is not a fast one.
          const answered = typeof result.p95 === 'number' && Number.isFinite(result.p95);
          p95.set(key, [...(p95.get(key) ?? []), answered ? result.p95 : opts.seconds * 1000]);
          if (!answered) failures.set(key, (failures.get(key) ?? 0) + 1);
          failures.set(key, (failures.get(key) ?? 0) + result.errors + result.non2xx);
          say(
            `${p.name.padEnd(21)} ${set.label.padEnd(17)} run ${run}: p95 ${result.p95} ms, ${result.rps.toFixed(0)} req/s${result.non2xx + result.errors ? `, ${result.non2xx + result.errors} failed` : ''}`,
          );
        }
      }
    }
    const pageFigures = [];
    for (const p of live[0].pages) {
      const base = median(p95.get(`${p.name}|${live[0].label}`)!);
      const big = median(p95.get(`${p.name}|${live[1].label}`)!);
      const failed = (failures.get(`${p.name}|${live[0].label}`) ?? 0) + (failures.get(`${p.name}|${live[1].label}`) ?? 0);
      pageFigures.push({ page: p.name, p95Baseline: base, p95Large: big, ratio: big / base, failed });
      rows.push({
        what: `p95 ${p.name} at ${live[1].label}`,
        figure: `${fmt(big, 0)} ms`,
        baseline: `${fmt(base, 0)} ms at ${live[0].label}`,
        ratio: `${fmt(big / base, 2)}x`,
        budget: '<= 1.5x',
        verdict: verdict(big / base <= 1.5 && failed === 0) + (failed ? ` (${failed} failed)` : ''),
      });
    }
    figures.pages = pageFigures;
    for (const set of live) {
      const rssEnd = set.server.rssMB();
      rows.push({
        what: `server memory (${set.label})`,
        figure: `${fmt(rssEnd, 0)} MB after load`,
        baseline: `${fmt(set.rssStart, 0)} MB at start`,
        ratio: `${fmt(rssEnd / set.rssStart, 2)}x`,
        budget: 'reported',
        verdict: '',
      });
      (figures.memory ??= [] as unknown[]) as unknown[];
      (figures.memory as unknown[]).push({ dataSet: set.label, rssStartMB: set.rssStart, rssEndMB: rssEnd });
      // The large set's server (its read indexes take minutes to load) serves the survey part too.
      if (set.uri === large && want('survey')) reusable = set.server;
      else await set.server.stop();
    }
  }

  if (want('survey')) {
    const server = reusable ?? (await startServer(large));
    servers.push(server);
    // Each submission still runs a few scans at 100k (docs/benchmarks.md): 300 links keep the part within minutes.
    const LINKS = 300;
    const { links } = await task<{ links: { token: string; surveyId: string; promiseIds: string[] }[] }>(large, 'links', { count: LINKS + 20 });
    const viewLinks = links.slice(0, 20);
    const submitLinks = links.slice(20);
    const survey = [] as number[];
    const trivial = [] as number[];
    let failed = 0;
    for (let run = 0; run <= opts.runs; run++) {
      const seconds = run === 0 ? 2 : opts.seconds;
      const s = await load({ url: `${server.url}/s/${viewLinks[0].token}`, items: viewLinks.map((l) => ({ path: `/s/${l.token}` })), clients: 5000, connections: 4, seconds });
      const t = await load({ url: `${server.url}/login`, clients: 5000, connections: 4, seconds });
      if (run === 0) continue;
      survey.push(s.rps);
      trivial.push(t.rps);
      failed += s.errors + s.non2xx + t.errors + t.non2xx;
      say(`survey page GET run ${run}: ${s.rps.toFixed(0)} req/s (p95 ${s.p95} ms); trivial route (/login, no database) ${t.rps.toFixed(0)} req/s`);
    }
    const sRps = median(survey);
    const tRps = median(trivial);
    rows.push({
      what: 'public survey page, requests/s',
      figure: `${fmt(sRps, 0)} req/s`,
      baseline: `${fmt(tRps, 0)} req/s (/login, no database)`,
      ratio: `${fmt(sRps / tRps, 2)}x`,
      budget: '>= 0.5x',
      verdict: verdict(sRps / tRps >= 0.5 && failed === 0) + (failed ? ` (${failed} failed)` : ''),
    });

    // Submissions: every link posted twice (the second is a duplicate a buyer's double click makes).
    const body = (l: (typeof links)[number]) =>
      new URLSearchParams({
        overall: 'yes',
        nps: '9',
        comment: 'Benchmark answer',
        ...Object.fromEntries(l.promiseIds.map((id) => [`promise.${id}.verdict`, 'delivered'])),
      }).toString();
    const items = submitLinks.flatMap((l) => [
      { path: `/s/${l.token}`, body: body(l) },
      { path: `/s/${l.token}`, body: body(l) },
    ]);
    const submitted = await load({
      url: `${server.url}/s/${submitLinks[0].token}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      items,
      once: true,
      clients: 5000,
      connections: 4,
      seconds: 120,
    });
    const { stored } = await task<{ stored: number }>(large, 'responses', { surveyIds: submitLinks.map((l) => l.surveyId) });
    const duplicates = Math.max(0, stored - submitLinks.length);
    say(
      `survey submissions: ${submitted.requests} posts (${submitLinks.length} links x 2) at ${submitted.rps.toFixed(0)} req/s; ${stored} responses stored for ${submitLinks.length} links; statuses ${JSON.stringify(submitted.statuses)}`,
    );
    rows.push({
      what: 'survey submissions/s (each link posted twice)',
      figure: `${fmt(submitted.rps, 0)} req/s, ${stored}/${submitLinks.length} stored`,
      baseline: `${fmt(sRps, 0)} req/s (survey GET)`,
      ratio: `${fmt(submitted.rps / sRps, 2)}x`,
      budget: 'reported; no duplicates',
      verdict: verdict(stored === submitLinks.length && duplicates === 0),
    });
    figures.survey = { getRps: sRps, trivialRps: tRps, runs: { survey, trivial }, submitRps: submitted.rps, submitStatuses: submitted.statuses, links: submitLinks.length, stored };
    await server.stop();
  }

  if (want('dispatch')) {
    const uri = uriFor('bench_dispatch');
    const count = opts['dispatch-surveys'];
    await task(uri, 'dueSurveys', { count });
    const fake = new FakeResend();
    const fakeUrl = await fake.start();
    say(`dispatch: ${count.toLocaleString('en-US')} due surveys, one worker, rate ${RATE} requests/s, batches of 100...`);
    const worker = spawn(process.execPath, [...profileFlags(), '--import', 'tsx', 'scripts/worker.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        MONGODB_URI: uri,
        SESSION_SECRET: 'bench-secret-0123456789abcdef',
        RESEND_API_KEY: 're_bench_fake',
        RESEND_BASE_URL: fakeUrl,
        EMAIL_RATE_PER_SECOND: String(RATE),
        LOG_LEVEL: 'error',
      },
    });
    const started = Date.now();
    const deadline = started + opts['dispatch-seconds'] * 1000;
    while (fake.delivered.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
    await fake.stop();
    const sendRequests = fake.requests.filter((r) => r.path.startsWith('/emails'));
    const first = Math.min(...sendRequests.map((r) => r.at));
    const last = Math.max(...fake.delivered.map((d) => d.at));
    // From the worker's start: preparing the first batch is part of dispatching.
    const perSecond = fake.delivered.length / ((last - started) / 1000);
    const allowed = RATE * 100;
    // Batch members share their batch's idempotency key: a duplicate is a survey invited twice.
    const surveyIds = fake.delivered.map((d) => (d.body as { tags?: { name: string; value: string }[] }).tags?.find((t) => t.name === 'entityId')?.value ?? `untagged:${d.id}`);
    const duplicates = surveyIds.length - new Set(surveyIds).size;
    const states = await task<Record<string, number>>(uri, 'surveyStates');
    say(
      `dispatch: ${fake.delivered.length} delivered in ${((last - first) / 1000).toFixed(1)} s from the first send (${((Date.now() - started) / 1000).toFixed(0)} s from worker start); ${sendRequests.length} requests; survey states ${JSON.stringify(states)}`,
    );
    rows.push({
      what: `email dispatch of ${count.toLocaleString('en-US')} due surveys`,
      figure: `${fmt(perSecond, 0)} emails/s (${fake.delivered.length.toLocaleString('en-US')} delivered in ${fmt((last - started) / 1000, 0)} s), ${duplicates} duplicates`,
      baseline: `${allowed} emails/s (${RATE} req/s x 100)`,
      ratio: `${fmt(perSecond / allowed, 2)}x`,
      budget: '>= 0.9x, 0 duplicates',
      verdict: verdict(perSecond / allowed >= 0.9 && duplicates === 0 && fake.delivered.length === count),
    });
    figures.dispatch = {
      count,
      delivered: fake.delivered.length,
      requests: sendRequests.length,
      seconds: (last - started) / 1000,
      firstSendAfter: (first - started) / 1000,
      perSecond,
      allowed,
      duplicates,
      states,
    };
  }

  if (want('import')) {
    const uri = uriFor('bench_import');
    const results = [];
    for (const n of [Math.floor(opts['import-rows'] / 4), opts['import-rows']]) {
      say(`CSV import of ${n.toLocaleString('en-US')} rows...`);
      const r = await task<{ rows: number; importMs: number; baselineMs: number; documents: number; peakLiveHeapMB: number; peakRssMB: number; bytes: number; outcome: string }>(
        uri,
        'importCsv',
        { rows: n },
      );
      say(
        `  ${r.outcome}: ${(r.importMs / 1000).toFixed(1)} s (${(n / (r.importMs / 1000)).toFixed(0)} rows/s); bulk insert of its ${r.documents} documents ${(r.baselineMs / 1000).toFixed(1)} s; live heap growth peak ${r.peakLiveHeapMB.toFixed(1)} MB; RSS peak ${r.peakRssMB.toFixed(0)} MB`,
      );
      results.push(r);
    }
    const big = results[1];
    const smallRun = results[0];
    rows.push({
      what: `CSV import of ${big.rows.toLocaleString('en-US')} rows (${(big.bytes / 2 ** 20).toFixed(0)} MB)`,
      figure: `${fmt(big.importMs / 1000)} s, live heap +${fmt(big.peakLiveHeapMB)} MB (+${fmt(smallRun.peakLiveHeapMB)} MB at ${smallRun.rows.toLocaleString('en-US')} rows), RSS ${fmt(big.peakRssMB, 0)} MB`,
      baseline: `${fmt(big.baselineMs / 1000)} s bulk insert of the same ${big.documents.toLocaleString('en-US')} documents`,
      ratio: `${fmt(big.baselineMs / big.importMs, 2)}x`,
      budget: '>= 0.5x, memory bounded',
      verdict: verdict(big.baselineMs / big.importMs >= 0.5 && big.peakLiveHeapMB < 4 * Math.max(smallRun.peakLiveHeapMB, 8)),
    });
    figures.import = results;
  }

  if (want('js')) {
    const sizes = await javascriptPerPage();
    figures.javascript = sizes;
    const publicPages = sizes.filter((s) => ['routes/s.$token', 'routes/plan.$token'].includes(s.route));
    const heavy = publicPages.filter((s) => s.charting || s.validation);
    rows.push({
      what: 'JavaScript per page, gzip',
      figure: `survey ${fmt(publicPages.find((s) => s.route === 'routes/s.$token')?.gzipKB ?? NaN)} KB, plan ${fmt(publicPages.find((s) => s.route === 'routes/plan.$token')?.gzipKB ?? NaN)} KB; largest ${sizes[0]?.route} ${fmt(sizes[0]?.gzipKB ?? NaN)} KB`,
      baseline: '-',
      ratio: '-',
      budget: 'public pages: no charting or validation library',
      verdict: verdict(heavy.length === 0),
    });
    console.log('\nJavaScript sent to the browser per page (gzip, entry + root + route chunks):');
    for (const s of sizes) console.log(`  ${s.route.padEnd(48)} ${fmt(s.gzipKB).padStart(7)} KB${s.charting ? '  charting' : ''}${s.validation ? '  validation' : ''}`);
  }

  const widths = (['what', 'figure', 'baseline', 'ratio', 'budget', 'verdict'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\nKept benchmark, ${figures.date}, ${figures.machine}, runs ${opts.runs} x ${opts.seconds} s (medians)\n`);
  console.log(line(['what', 'figure', 'baseline', 'ratio', 'budget', 'verdict']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line([r.what, r.figure, r.baseline, r.ratio, r.budget, r.verdict]));
  figures.rows = rows;
  figures.totalSeconds = (Date.now() - t0) / 1000;
  const out = path.join(BENCH_DIR, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`\nFigures written to ${path.relative(ROOT, out)} (${((Date.now() - t0) / 60_000).toFixed(1)} min).`);
}

/** Per route: the gzip size of every script a first visit loads (entry, root, parents, the route), and whether a charting or validation library is among them. */
async function javascriptPerPage() {
  // Resource routes (CSV, webhooks) render no page: leave them out. The build is imported only to
  // list its routes: no read indexes to warm, no database to reach.
  process.env.READ_INDEX = 'off';
  process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:9/unused';
  process.env.SESSION_SECRET ??= 'bench-route-listing-only-0123456789';
  const build = (await import(path.join(ROOT, 'build', 'index.js'))) as { routes: Record<string, { module: { default?: unknown } }> };
  const manifestFile = fs.readdirSync(path.join(ROOT, 'public', 'build')).find((f) => /^manifest-.*\.js$/.test(f));
  if (!manifestFile) throw new Error('No public/build/manifest-*.js: run the build first.');
  const source = fs.readFileSync(path.join(ROOT, 'public', 'build', manifestFile), 'utf8');
  const manifest = JSON.parse(source.slice(source.indexOf('{'), source.lastIndexOf('}') + 1)) as {
    entry: { module: string; imports?: string[] };
    routes: Record<string, { id: string; parentId?: string; module: string; imports?: string[] }>;
  };
  const cache = new Map<string, { gzip: number; text: string }>();
  const file = (url: string) => {
    let hit = cache.get(url);
    if (!hit) {
      const text = fs.readFileSync(path.join(ROOT, 'public', url), 'utf8');
      hit = { gzip: zlib.gzipSync(text).length, text };
      cache.set(url, hit);
    }
    return hit;
  };
  return Object.values(manifest.routes)
    .filter((r) => r.id !== 'root' && build.routes[r.id]?.module.default)
    .map((route) => {
      const urls = new Set([manifest.entry.module, ...(manifest.entry.imports ?? [])]);
      for (let r: typeof route | undefined = route; r; r = r.parentId ? manifest.routes[r.parentId] : undefined) {
        urls.add(r.module);
        for (const u of r.imports ?? []) urls.add(u);
      }
      const files = [...urls].map(file);
      return {
        route: route.id,
        gzipKB: files.reduce((n, f) => n + f.gzip, 0) / 1024,
        // recharts renders `recharts-wrapper` etc. class names; zod's runtime carries `ZodError`.
        charting: files.some((f) => f.text.includes('recharts-')),
        validation: files.some((f) => f.text.includes('ZodError')),
      };
    })
    .sort((a, b) => b.gzipKB - a.gzipKB);
}

const stopAll = async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const d of extraDbs) await d.stop();
  await db?.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
main()
  .then(stopAll)
  .catch(async (error) => {
    console.error(error);
    await stopAll();
    process.exitCode = 1;
  });
