// `npm run metrics:rebuild`: recomputes every dashboard rollup from the source documents in
// MONGODB_URI (or the embedded database), including a fresh go-live forecast snapshot.
// Safe to run at any time; dashboards show a part as empty for the few seconds it is rebuilt.
import { connectDb, disconnectDb } from '#app/platform/db.server';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { prepareRuntime } from './lib/runtime';

async function main() {
  const { db } = await prepareRuntime((line) => console.log(line));
  try {
    // A full rebuild's aggregations may take minutes on a big data set: no per-command limit.
    await connectDb(process.env.MONGODB_URI, { socketTimeoutMs: 0 });
    const started = Date.now();
    console.log('Rebuilding the dashboard rollups...');
    await rebuildAllMetrics({ now: new Date(), log: (line) => console.log(line) });
    console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    await disconnectDb().catch(() => undefined);
    await db?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('The rebuild failed:', error);
    process.exit(1);
  },
);
