// Load generator for `npm run bench`, run as its own process so the load never shares an event loop
// with the server it measures. Reads one JSON job from the file named by argv[2], drives it with autocannon on
// loopback and prints one JSON line: requests/s, latency percentiles (from every response's own
// time, so p95 is exact) and errors.
import fs from 'node:fs';
import autocannon from 'autocannon';

export type LoadJob = {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Per-request path and body, in turn (each used once when `once` is set, else cycled). */
  items?: { path?: string; body?: string }[];
  once?: boolean;
  /** Spread requests over this many client addresses (X-Forwarded-For; the server must trust its proxy), as many buyers would. */
  clients?: number;
  connections: number;
  seconds: number;
};

export type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
};

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);

const job = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoadJob;
const times: number[] = [];
const statuses: Record<string, number> = {};
let next = 0;
const started = Date.now();
const items = job.items;
const ipOf = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const instance = autocannon(
  {
    url: job.url,
    method: job.method ?? 'GET',
    headers: job.headers,
    connections: job.connections,
    duration: job.seconds,
    // With one item per request, stop when they are used up.
    amount: job.once && items ? items.length : undefined,
    requests:
      items || job.clients
        ? [
            {
              setupRequest: (req) => {
                const n = next++;
                const item = items ? items[job.once ? n : n % items.length] : undefined;
                const headers = job.clients ? { ...req.headers, 'x-forwarded-for': ipOf(n % job.clients) } : req.headers;
                return { ...req, ...(item?.path ? { path: item.path } : {}), ...(item?.body !== undefined ? { body: item.body } : {}), headers };
              },
            },
          ]
        : undefined,
  },
  (error, result) => {
    if (error) throw error;
    const seconds = (Date.now() - started) / 1000;
    times.sort((a, b) => a - b);
    const out: LoadResult = {
      requests: times.length,
      rps: times.length / seconds,
      p50: quantile(times, 0.5),
      p95: quantile(times, 0.95),
      p99: quantile(times, 0.99),
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      statuses,
    };
    console.log(JSON.stringify(out));
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  times.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
// With `amount`, autocannon ignores `duration`: stop at the time bound anyway (what has not
// answered by then is counted as not done).
if (job.once && items) setTimeout(() => instance.stop(), job.seconds * 1000).unref();
