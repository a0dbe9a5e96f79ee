// Per test file: a fresh database on the shared test server, dropped afterwards.
import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll } from 'vitest';

const base = process.env.KEPT_TEST_MONGODB_URI;
if (!base) throw new Error('KEPT_TEST_MONGODB_URI is not set: run tests through `npm test`.');
const url = new URL(base);
url.pathname = `/kept_test_${crypto.randomBytes(6).toString('hex')}`;
process.env.MONGODB_URI = url.toString();
process.env.NODE_ENV = 'test';
process.env.SESSION_SECRET ??= 'test-session-secret-0123456789';
process.env.APP_URL ??= 'http://localhost:3000';

beforeAll(async () => {
  // As in the web server and the worker: advocacy reacts to what surveys, journeys and deals record.
  await import('#app/advocacy/reactions.server');
  await import('#app/integrations/reactions.server');
  await import('#app/crm/reactions.server');
  await import('#app/recovery/reactions.server');
  await import('#app/buyer-tasks/reactions.server');
  const { connectDb } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  // Build every model's indexes up front so unique constraints hold from the first test.
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
});

afterAll(async () => {
  if (mongoose.connection.readyState === 1) {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
});
