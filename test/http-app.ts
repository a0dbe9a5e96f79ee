// A real HTTP server from createHttpApp (app/http.server.ts) around a tiny Remix build of resource
// routes, so the HTTP layer's behaviour (body limits, default headers, refusals) is tested over a
// socket without a `remix build`.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ServerBuild } from '@remix-run/node';
import { createHttpApp } from '#app/http.server';
import type { Env } from '#app/env.server';

type Handler = (args: { request: Request }) => Promise<Response> | Response;

/** Starts the app on 127.0.0.1 with the given resource routes (path -> action/loader). */
export async function startHttpApp(routes: Record<string, { action?: Handler; loader?: Handler }>) {
  const build = {
    mode: 'production',
    entry: { module: { default: () => new Response('no documents here', { status: 500 }) } },
    routes: {
      root: { id: 'root', path: '', module: {} },
      ...Object.fromEntries(Object.entries(routes).map(([path, module], i) => [`r${i}`, { id: `r${i}`, parentId: 'root', path, module }])),
    },
    assets: { routes: {}, entry: { module: '/build/entry.js', imports: [] }, url: '/build/manifest.js', version: 'test' },
    publicPath: '/build/',
    assetsBuildDirectory: 'public/build',
    future: { v3_singleFetch: true },
    isSpaMode: false,
    basename: undefined,
  } as unknown as ServerBuild;
  const app = createHttpApp({ build, env: { NODE_ENV: 'production', TRUST_PROXY: false } as unknown as Env, root: '/nonexistent' });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
