// `npm run db`: runs only the embedded database in the foreground, for development tools.
import { prepareRuntime } from './lib/runtime';

const { db, source } = await prepareRuntime();
if (!db) {
  console.log(source === 'running' ? `The embedded database is already running: MONGODB_URI=${process.env.MONGODB_URI}` : 'MONGODB_URI is set: nothing to start.');
  process.exit(0);
}
console.log(`Embedded database ready: MONGODB_URI=${db.uri}  (Ctrl-C stops it)`);
const stop = async () => {
  await db.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
