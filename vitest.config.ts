import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = path.dirname(new URL(import.meta.url).pathname);
const alias = ['app', 'models', 'emails', 'test', 'scripts'].map((dir) => ({
  find: new RegExp(`^#${dir}/(.*)$`),
  replacement: `${path.join(root, dir)}/$1`,
}));

// Three lanes (docs/testing.md): the file name says which one a test runs in.
//   unit    *.unit.test.ts(x): pure code, no database, no server, no child process; seconds.
//   server  every other *.test.ts(x) outside test/e2e: one FerretDB for the run, a database per file.
//   e2e     test/e2e/**: a built app, demo data, a production server and Chromium.
const TESTS = '{app,models,emails,scripts,test}/**/*.test.{ts,tsx}';
const UNIT = '{app,models,emails,scripts,test}/**/*.unit.test.{ts,tsx}';

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [UNIT],
          exclude: ['test/e2e/**', 'node_modules/**'],
          // Pure files share one module cache per worker: imports dominate this lane's time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          include: [TESTS],
          exclude: [UNIT, 'test/e2e/**', 'node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/setup-db.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
