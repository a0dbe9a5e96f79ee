// Serves the production build (`npm run build` first). `npm start` runs this together with the worker.
// Without MONGODB_URI it uses the embedded database (the one `npm start` runs, or its own).
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import { broadcastDevReady } from '@remix-run/node';
import { connectDb } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { createHttpApp } from '#app/http.server';
import { log } from '#app/utils/log.server';
import { ROOT } from './lib/ferretdb';
import { prepareRuntime } from './lib/runtime';

const { db } = await prepareRuntime((line) => log('info', line));
const env = getEnv();
const buildPath = path.join(ROOT, 'build', 'index.js');
const importBuild = async () => (await import(`${buildPath}?t=${Date.now()}`)) as ServerBuild;

await connectDb();
const build = await importBuild();
const app = createHttpApp({
  env,
  root: ROOT,
  build: env.NODE_ENV === 'development' ? importBuild : build,
});
const server = app.listen(env.PORT, () => {
  log('info', 'Kept web server listening', { url: `http://localhost:${env.PORT}` });
  if (env.NODE_ENV === 'development') void broadcastDevReady(build);
});

// SIGTERM: stop accepting connections, let in-flight requests finish, then exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log('info', `Received ${signal}; finishing in-flight requests`);
    server.close(async () => {
      await db?.stop();
      process.exit(0);
    });
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
