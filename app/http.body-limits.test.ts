// Request bodies are capped in the HTTP layer while they stream in (app/http.server.ts): small for
// forms and webhooks, large only for the CSV upload; the answer is a 413 the client can read, and a
// huge chunked body costs the server no memory.
import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM_MAX_BYTES, WEBHOOK_MAX_BYTES } from '#app/utils/body-limits.server';
import { startHttpApp } from '#test/http-app';

let app: Awaited<ReturnType<typeof startHttpApp>>;
const countBytes = async (request: Request) => {
  let bytes = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return new Response(String(bytes));
};

beforeAll(async () => {
  app = await startHttpApp({
    // As the real routes read their bodies: whole text (webhooks), form data (forms), a stream (upload).
    // Like api.webhooks.crm.ts, which refuses a declared Content-Length over its limit itself.
    'api/webhooks/crm': {
      action: async ({ request }) =>
        Number(request.headers.get('Content-Length') ?? 0) > WEBHOOK_MAX_BYTES ? new Response('too large', { status: 413 }) : new Response(String((await request.text()).length)),
    },
    login: { action: async ({ request }) => new Response(String([...(await request.formData()).keys()].length)) },
    'deals/import': { action: ({ request }) => countBytes(request) },
  });
});
afterAll(() => app.close());

/** A body of `total` bytes made as it is sent, in 64 KiB chunks, with no Content-Length (chunked). */
function chunked(total: number, fill = 'a') {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  return Readable.from(
    (function* () {
      while (sent < total) {
        const size = Math.min(chunk.length, total - sent);
        sent += size;
        yield size === chunk.length ? chunk : chunk.subarray(0, size);
      }
    })(),
  );
}

/** POST with http.request; resolves with the status, or the error code if the connection was cut. */
function post(path: string, body: Readable | Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number | string; text: string }>((resolve) => {
    const req = http.request(`${app.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: e.code ?? 'error', text }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: e.code ?? 'error', text: '' }));
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

describe('request body limits', () => {
  it("answers a 300 KB webhook POST from Node's fetch with a 413 it can read, every time", async () => {
    const body = 'x'.repeat(300 * 1024);
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        await fetch(`${app.url}/api/webhooks/crm`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })
          .then(async (res) => (await res.text(), res.status))
          .catch((error: Error) => String((error.cause as Error | undefined)?.message ?? error)),
      );
    }
    expect(statuses).toEqual(Array(20).fill(413));
  });

  it('refuses chunked bodies over the limit while they stream: webhooks and forms', async () => {
    expect((await post('/api/webhooks/crm', chunked(WEBHOOK_MAX_BYTES + 1))).status).toBe(413);
    expect((await post('/api/webhooks/crm', chunked(WEBHOOK_MAX_BYTES))).text).toBe(String(WEBHOOK_MAX_BYTES));
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expect((await post('/login', chunked(FORM_MAX_BYTES + 1), form)).status).toBe(413);
    expect((await post('/login', chunked(FORM_MAX_BYTES), form)).text).toBe('1');
    // A Content-Length over the limit is refused before the route reads anything.
    expect((await post('/login', Buffer.alloc(FORM_MAX_BYTES + 1, 'a'), form)).status).toBe(413);
  });

  it('lets the CSV upload, and only it, send a large body', async () => {
    const size = 8 * 1024 * 1024;
    expect(await post('/deals/import', chunked(size))).toEqual({ status: 200, text: String(size) });
    expect((await post('/deals/import.data', chunked(size))).status).toBe(200);
    expect((await post('/api/webhooks/crm', chunked(size))).status).not.toBe(200);
  });

  it('keeps memory flat under three concurrent 200 MB chunked posts to a webhook and a form', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = Date.now();
    const results = await Promise.all([
      post('/api/webhooks/crm', chunked(200 * 1024 * 1024)),
      post('/api/webhooks/crm', chunked(200 * 1024 * 1024)),
      post('/login', chunked(200 * 1024 * 1024), { 'Content-Type': 'application/x-www-form-urlencoded' }),
    ]);
    clearInterval(sampler);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(
      `three 200 MB chunked posts: ${JSON.stringify(results.map((r) => r.status))}, RSS ${Math.round(before / 1048576)} MB -> peak ${Math.round(peak / 1048576)} MB (+${growthMb.toFixed(1)} MB), ${Date.now() - started} ms`,
    );
    // The server read at most its limit plus the discard allowance of each, then closed the connection.
    for (const { status } of results) expect([413, 'ECONNRESET', 'EPIPE']).toContain(status);
    expect(growthMb).toBeLessThan(64);
  }, 60_000);
});
