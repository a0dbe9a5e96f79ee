// The HTTP layer around Remix: security headers with a CSP nonce, cross-site mutation refusal,
// request body limits, no-store by default, static files, and the client IP. Used by
// scripts/serve.ts and the test servers.
import crypto from 'node:crypto';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { createReadableStreamFromReadable, createRequestHandler, writeReadableStreamToWritable, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isDatabaseUnavailable, unlessDatabaseFrozen } from '#app/platform/db.server';
import type { Env } from '#app/env.server';
import { DISCARD_MAX_BYTES, DISCARD_MAX_MS, FORM_MAX_BYTES, IMPORT_ENVELOPE_BYTES, IMPORT_MAX_BYTES, WEBHOOK_MAX_BYTES } from '#app/utils/body-limits.server';
import { log } from '#app/utils/log.server';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Server-to-server endpoints authenticate by signature, not by browser origin.
const SIGNED_ENDPOINTS = /^\/api\/webhooks\//;
const TOKEN_PAGES = /^\/(s|plan|u|invite|reset-password)\//;
// The CSV upload's form (document or single-fetch post): the one route allowed a large body.
const IMPORT_UPLOAD = /^\/deals\/import(\.data)?\/?$/;

/** The most bytes of request body Kept reads for a path (see app/utils/body-limits.server.ts). */
export function bodyLimitFor(path: string) {
  if (IMPORT_UPLOAD.test(path)) return IMPORT_MAX_BYTES + IMPORT_ENVELOPE_BYTES;
  if (SIGNED_ENDPOINTS.test(path)) return WEBHOOK_MAX_BYTES;
  return FORM_MAX_BYTES;
}

/**
 * True when a mutation comes from another site: a Sec-Fetch-Site other than same-origin or none, or
 * an Origin whose host is not Kept's (X-Forwarded-Host, else Host: what Remix's own check compares,
 * which would otherwise throw a 500 on a crafted request that passed here).
 */
export function isCrossSiteMutation(input: { method: string; path: string; host?: string; forwardedHost?: string; origin?: string; fetchSite?: string }) {
  if (SAFE_METHODS.has(input.method.toUpperCase()) || SIGNED_ENDPOINTS.test(input.path)) return false;
  if (input.fetchSite && !['same-origin', 'none'].includes(input.fetchSite)) return true;
  if (input.origin && input.origin !== 'null') {
    const host = input.forwardedHost?.split(',')[0]?.trim() || input.host;
    try {
      return new URL(input.origin).host !== host;
    } catch {
      return true;
    }
  }
  // `Origin: null` with Sec-Fetch-Site same-origin is a token page's own post (see refuseCrossSite).
  if (input.origin === 'null') return input.fetchSite !== 'same-origin';
  if (input.fetchSite) return false;
  // No Origin and no Sec-Fetch-Site: not a browser form post (curl, mail clients' one-click unsubscribe).
  return false;
}

export function securityHeaders(env: Pick<Env, 'NODE_ENV'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    res.locals.nonce = nonce;
    const dev = env.NODE_ENV === 'development';
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'${dev ? " 'unsafe-eval'" : ''}`,
        // recharts and React set style attributes; no inline <style> elements are used.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        `connect-src 'self'${dev ? ' ws:' : ''}`,
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', TOKEN_PAGES.test(req.path) ? 'no-referrer' : 'strict-origin-when-cross-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (env.NODE_ENV === 'production') res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

function refuseCrossSite(req: Request, res: Response, next: NextFunction) {
  const crossSite = isCrossSiteMutation({
    method: req.method,
    path: req.path,
    host: req.get('host'),
    forwardedHost: req.get('x-forwarded-host'),
    origin: req.get('origin'),
    fetchSite: req.get('sec-fetch-site'),
  });
  if (crossSite) {
    res.status(403).type('text/plain').send('Cross-site requests are not allowed.');
    return;
  }
  // Token pages are served with Referrer-Policy: no-referrer, so browsers send `Origin: null` on
  // their own form posts. Sec-Fetch-Site (which pages cannot forge) already proved same-origin;
  // Remix's CSRF check would read "null" as a foreign origin and fail the post with a 500.
  if (req.get('origin') === 'null' && req.get('sec-fetch-site') === 'same-origin') delete req.headers.origin;
  next();
}

/**
 * Answers 413 for a body over its limit, then reads and throws away up to DISCARD_MAX_BYTES more
 * (for at most DISCARD_MAX_MS) so that a client still sending can read the answer; past that the
 * connection is closed. Nothing of the refused body is kept.
 */
function refuseBody(req: Request, res: Response, limit: number) {
  if (res.locals.bodyRefused) return;
  res.locals.bodyRefused = true;
  log('warn', 'Request body over its limit; answered 413', { path: req.path, limit });
  if (!res.headersSent) {
    res.status(413).set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).send(`The request body is larger than ${limit} bytes.`);
  }
  if (req.readableEnded) return;
  let discarded = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

const KEPT_METHODS = 'GET, HEAD, POST';

/**
 * Kept's pages and endpoints use GET, HEAD and POST only, and Kept answers no CORS preflight:
 * anything else (OPTIONS to a `.data` URL reached Remix's action path and its CSRF check threw a
 * 500) is a 405 here.
 */
function refuseOtherMethods(req: Request, res: Response, next: NextFunction) {
  if (KEPT_METHODS.split(', ').includes(req.method)) return next();
  res.status(405).set({ Allow: KEPT_METHODS, 'Cache-Control': 'no-store' }).type('text/plain').send('Method not allowed.');
}

/** A declared Content-Length over the limit is refused before any route runs. */
function limitDeclaredBodies(req: Request, res: Response, next: NextFunction) {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const limit = bodyLimitFor(req.path);
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > limit) return refuseBody(req, res, limit);
  next();
}

/** The body as Remix reads it: counted as it streams; past the limit it fails and the client gets 413. */
function limitedBody(req: Request, res: Response): Readable {
  const limit = bodyLimitFor(req.path);
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen <= limit) return done(null, chunk);
      req.unpipe(counted);
      done(new Error(`The request body is larger than ${limit} bytes.`));
      refuseBody(req, res, limit);
    },
  });
  req.pipe(counted);
  return counted;
}

// The request and response glue below is @remix-run/express's (2.17), with the body read through
// `limitedBody` and a default Cache-Control; its own handler reads the raw request stream.

function createRemixRequest(req: Request, res: Response) {
  // req.hostname respects `trust proxy`; the port comes from X-Forwarded-Host or Host.
  const portOf = (host: string | undefined) => Number.parseInt(host?.split(':')[1] ?? '', 10);
  const port = [portOf(req.get('x-forwarded-host')), portOf(req.get('host'))].find(Number.isSafeInteger);
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ''}${req.originalUrl}`);
  let controller: AbortController | null = new AbortController();
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else if (values) headers.set(key, values);
  }
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = createReadableStreamFromReadable(limitedBody(req, res));
    init.duplex = 'half';
  }
  // Abort loaders and actions once the answer can no longer be written (`close` without `finish`).
  res.on('finish', () => (controller = null));
  res.on('close', () => controller?.abort());
  return new Request(url.href, init);
}

async function sendRemixResponse(res: Response, response: globalThis.Response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

/**
 * Pages and their `.data` answers are per user (staff) or carry a secret link (buyers): unless the
 * route says otherwise, nothing may store them. Remix keeps a loader's headers only when the route
 * exports `headers`, so this is set here, once, for every answer Remix gives.
 */
const DEFAULT_CACHE_CONTROL = 'private, no-store';

type RouteHandler = (args: unknown) => unknown;
const guardedBuilds = new WeakMap<ServerBuild, ServerBuild>();

/**
 * Every loader and action of the build, wrapped so that an unreachable database becomes a thrown
 * 503 Response (the error boundary's "briefly unavailable" page, Retry-After) instead of a 500,
 * and a frozen one the same within about 3 s instead of a request that hangs.
 */
export function withDatabaseOutagePage(build: ServerBuild): ServerBuild {
  const cached = guardedBuilds.get(build);
  if (cached) return cached;
  const guard =
    (routeId: string, handler: RouteHandler): RouteHandler =>
    async (args) => {
      try {
        // A frozen database would hang the request for as long as it stays frozen.
        return await unlessDatabaseFrozen(Promise.resolve(handler(args)));
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        log('warn', 'Database unavailable; answered 503', { route: routeId, error: (error as Error).message });
        throw new Response('The database is not answering. Try again in a moment.', {
          status: 503,
          headers: { 'Retry-After': '5', 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8' },
        });
      }
    };
  const routes = Object.fromEntries(
    Object.entries(build.routes).map(([id, route]) => {
      const module = { ...route.module } as Record<string, unknown>;
      for (const name of ['loader', 'action'] as const) {
        if (typeof module[name] === 'function') module[name] = guard(id, module[name] as RouteHandler);
      }
      return [id, { ...route, module: module as unknown as typeof route.module }];
    }),
  );
  const guarded = { ...build, routes };
  guardedBuilds.set(build, guarded);
  return guarded;
}

/** Builds the express app serving a Remix build. */
export function createHttpApp(options: { build: ServerBuild | (() => Promise<ServerBuild>); env: Env; root: string }) {
  const { env, root } = options;
  const app = express();
  app.disable('x-powered-by');
  // Without a trusted proxy, X-Forwarded-For is ignored: rate limits key on the socket address.
  app.set('trust proxy', env.TRUST_PROXY ? 1 : false);
  app.use(compression());
  app.use(securityHeaders(env));
  app.use('/build', express.static(path.join(root, 'public/build'), { immutable: true, maxAge: '1y' }));
  app.use(express.static(path.join(root, 'public'), { maxAge: '1h', index: false }));
  app.use(refuseOtherMethods);
  app.use(limitDeclaredBodies);
  app.use(refuseCrossSite);
  const build = options.build;
  const handle = createRequestHandler(typeof build === 'function' ? async () => withDatabaseOutagePage(await build()) : withDatabaseOutagePage(build), env.NODE_ENV);
  app.all('*', async (req, res, next) => {
    try {
      const request = createRemixRequest(req, res);
      const context: AppLoadContext = { nonce: String(res.locals.nonce ?? ''), clientIp: req.ip ?? req.socket.remoteAddress ?? '' };
      const response = await handle(request, context);
      // A body over its limit was already answered with 413 while the route read it.
      if (res.headersSent) return void (await response.body?.cancel().catch(() => undefined));
      if (!response.headers.has('Cache-Control')) res.setHeader('Cache-Control', DEFAULT_CACHE_CONTROL);
      await sendRemixResponse(res, response);
    } catch (error) {
      next(error);
    }
  });
  return app;
}
