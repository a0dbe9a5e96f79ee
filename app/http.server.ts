// The HTTP layer around Remix: security headers with a CSP nonce, cross-site mutation refusal,
// static files, and the client IP. Used by scripts/serve.ts and the test servers.
import crypto from 'node:crypto';
import path from 'node:path';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isDatabaseUnavailable } from '#app/db.server';
import type { Env } from '#app/env.server';
import { log } from '#app/utils/log.server';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Server-to-server endpoints authenticate by signature, not by browser origin.
const SIGNED_ENDPOINTS = /^\/api\/webhooks\//;
const TOKEN_PAGES = /^\/(s|plan|u)\//;

/** True when a mutation comes from another site (Sec-Fetch-Site, else Origin vs Host). */
export function isCrossSiteMutation(input: { method: string; path: string; host?: string; origin?: string; fetchSite?: string }) {
  if (SAFE_METHODS.has(input.method.toUpperCase()) || SIGNED_ENDPOINTS.test(input.path)) return false;
  if (input.fetchSite) return !['same-origin', 'none'].includes(input.fetchSite);
  if (input.origin && input.origin !== 'null') {
    try {
      return new URL(input.origin).host !== input.host;
    } catch {
      return true;
    }
  }
  if (input.origin === 'null') return true;
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

type RouteHandler = (args: unknown) => unknown;
const guardedBuilds = new WeakMap<ServerBuild, ServerBuild>();

/**
 * Every loader and action of the build, wrapped so that an unreachable database becomes a thrown
 * 503 Response (the error boundary's "briefly unavailable" page, Retry-After) instead of a 500.
 */
export function withDatabaseOutagePage(build: ServerBuild): ServerBuild {
  const cached = guardedBuilds.get(build);
  if (cached) return cached;
  const guard = (routeId: string, handler: RouteHandler): RouteHandler =>
    async (args) => {
      try {
        return await handler(args);
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
  app.use(refuseCrossSite);
  app.all(
    '*',
    createRequestHandler({
      build: typeof options.build === 'function' ? async () => withDatabaseOutagePage(await (options.build as () => Promise<ServerBuild>)()) : withDatabaseOutagePage(options.build),
      mode: env.NODE_ENV,
      getLoadContext: (req, res) => ({ nonce: String(res.locals.nonce ?? ''), clientIp: req.ip ?? req.socket.remoteAddress ?? '' }),
    }),
  );
  return app;
}
