/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}'],
  serverModuleFormat: 'esm',
  serverPlatform: 'node',
  // models/ and emails/ live outside app/ but are part of the server build.
  watchPaths: ['./models/**/*', './emails/**/*'],
  // recharts 2 and its d3/lodash dependencies are ESM/CJS mixes that must be bundled (docs/build.md).
  serverDependenciesToBundle: [
    /^recharts/,
    /^d3-/,
    /^internmap/,
    /^lodash/,
    /^victory-vendor/,
    /^react-smooth/,
    /^recharts-scale/,
    /^decimal\.js-light/,
    /^eventemitter3/,
    /^tiny-invariant/,
    /^fast-equals/,
  ],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
