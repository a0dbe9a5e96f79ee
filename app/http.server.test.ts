import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpApp } from '#test/http-app';

// Over HTTP, through the Express app; the cross-site rule itself is in http.server.unit.test.ts.

describe('crafted requests over HTTP', () => {
  let app: Awaited<ReturnType<typeof startHttpApp>>;
  const errors: unknown[][] = [];
  beforeAll(async () => {
    app = await startHttpApp({
      login: { loader: () => Response.json({ page: 'login' }), action: () => Response.json({ ok: true }) },
      'own-cache': { loader: () => new Response('cached', { headers: { 'Cache-Control': 'public, max-age=60' } }) },
    });
    vi.spyOn(console, 'error').mockImplementation((...args) => void errors.push(args));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await app.close();
  });

  it('answers OPTIONS and a foreign Origin claiming same-origin with 4xx, never a 500 or a logged error', async () => {
    const foreign = { Origin: 'https://evil.example' };
    const options = await fetch(`${app.url}/login.data`, { method: 'OPTIONS', headers: { ...foreign, 'Access-Control-Request-Method': 'POST' } });
    expect(options.status).toBe(405);
    expect(options.headers.get('Allow')).toBe('GET, HEAD, POST');
    expect(options.headers.get('Access-Control-Allow-Origin')).toBeNull();
    for (const url of ['/login', '/login.data']) {
      const post = await fetch(`${app.url}${url}`, {
        method: 'POST',
        headers: { ...foreign, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect({ url, status: post.status }).toEqual({ url, status: 403 });
    }
    expect((await fetch(`${app.url}/login`, { method: 'PUT', body: 'x' })).status).toBe(405);
    // The honest requests still work.
    expect(
      (
        await fetch(`${app.url}/login.data`, {
          method: 'POST',
          headers: { Origin: app.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'a=1',
        })
      ).status,
    ).toBe(200);
    expect(errors).toEqual([]);
  });

  it("gives every answer without its own Cache-Control 'private, no-store', and keeps a route's own", async () => {
    for (const url of ['/login', '/login.data', '/nowhere']) {
      expect({ url, cache: (await fetch(`${app.url}${url}`)).headers.get('Cache-Control') }).toEqual({ url, cache: 'private, no-store' });
    }
    expect((await fetch(`${app.url}/own-cache`)).headers.get('Cache-Control')).toBe('public, max-age=60');
  });
});
