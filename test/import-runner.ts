// Runs one attempt of a CSV import in its own process (as the web server's background run does),
// so app/deals/import-interrupted.server.test.ts can SIGKILL it half-way.
// Usage: node --import tsx test/import-runner.ts <jobId> <attempt>   (MONGODB_URI from the env)
import { connectDb, disconnectDb } from '#app/platform/db.server';
import { runImport } from '#app/deals/import.server';

const [jobId, attempt] = process.argv.slice(2);
await connectDb(process.env.MONGODB_URI);
const result = await runImport({ jobId, attempt: Number(attempt) });
console.log(`IMPORT ${JSON.stringify(result)}`);
await disconnectDb();
