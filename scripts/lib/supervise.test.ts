// `npm start`'s supervision (scripts/lib/supervise.ts), with two stand-in children: a web server
// and a worker. kill -9 of the worker leaves the site up and brings the worker back; stop() ends both.
import http from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { supervise } from './supervise';

const WEB = `require('node:http').createServer((q, s) => s.end('up ' + process.pid)).listen(0, '127.0.0.1', function () { process.send(this.address().port); }); process.on('SIGTERM', () => process.exit(0));`;
const WORKER = `process.send('ready'); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));`;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const get = (port: number) =>
  new Promise<string>((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject),
  );
const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('kill -9 of the worker: the site stays up, the worker is back after its back-off, the log says so', async () => {
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);
  const options = { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[] };
  const backoff = { firstMs: 200, maxMs: 1000, healthyAfterMs: 60_000 };
  const web = supervise({ name: 'serve.ts', command: process.execPath, args: ['-e', WEB], options, say, backoff });
  const worker = supervise({ name: 'worker.ts', command: process.execPath, args: ['-e', WORKER], options, say, backoff });
  stops.push(
    () => web.stop(2000),
    () => worker.stop(2000),
  );
  const port = await new Promise<number>((resolve) => web.child.once('message', (m) => resolve(Number(m))));
  await new Promise((resolve) => worker.child.once('message', resolve));
  const webPid = web.child.pid;
  const firstWorker = worker.child.pid!;

  const killedAt = Date.now();
  process.kill(firstWorker, 'SIGKILL');
  await until(() => lines.length > 0);
  expect(await get(port)).toBe(`up ${webPid}`); // the site is up while the worker is away
  await until(() => worker.child.pid !== firstWorker && worker.child.exitCode === null && worker.child.connected);
  await new Promise((resolve) => worker.child.once('message', resolve));
  const backAfterMs = Date.now() - killedAt;
  console.log(`worker back ${backAfterMs} ms after kill -9 (back-off 200 ms)`);
  expect(backAfterMs).toBeGreaterThanOrEqual(200);
  expect(lines).toEqual(['worker.ts exited (SIGKILL); starting it again in 0.2 s (restart 1).']);
  expect(web.child.pid).toBe(webPid);
  expect(web.restarts).toBe(0);

  // A child that keeps crashing waits longer each time (0.2 s, 0.4 s, 0.8 s, capped at 1 s).
  for (let i = 0; i < 3; i++) {
    const pid = worker.child.pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => worker.child.pid !== pid, 5000);
  }
  expect(lines.slice(1).map((l) => l.match(/again in ([\d.]+) s/)?.[1])).toEqual(['0.4', '0.8', '1.0']);

  // stop() ends both and starts nothing again.
  const last = worker.child;
  await Promise.all([web.stop(2000), worker.stop(2000)]);
  expect(last.signalCode ?? last.exitCode).not.toBeNull();
  await new Promise((r) => setTimeout(r, 1200));
  expect(worker.child).toBe(last);
  await expect(get(port)).rejects.toThrow();
}, 30_000);
