// The fake Resend (test/fake-resend.ts) for one test file, with the hooks every email test needs.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { resetEmailDispatcher } from '#app/email/email.server';
import { resetEnvCache } from '#app/env.server';
import { FakeResend } from '#test/fake-resend';

/**
 * A fake Resend for this test file: started before its tests, emptied before each, stopped after.
 * With `send`, Kept sends to it: before each test RESEND_API_KEY, RESEND_BASE_URL and the `env`
 * given are set and the dispatcher is fresh; after the file those variables are removed again.
 * Call it at the top of the file, before the file's own hooks.
 */
export function useFakeResend(options: { send?: boolean; env?: Record<string, string> } = {}) {
  const fake = new FakeResend();
  const env = () => ({ RESEND_API_KEY: 're_test_key', RESEND_BASE_URL: fake.url, ...options.env });
  beforeAll(async () => {
    await fake.start();
  });
  beforeEach(() => {
    fake.reset();
    if (!options.send) return;
    resetEmailDispatcher();
    Object.assign(process.env, env());
    resetEnvCache();
  });
  afterAll(async () => {
    await fake.stop();
    if (!options.send) return;
    for (const name of Object.keys(env())) delete process.env[name];
    resetEnvCache();
  });
  return fake;
}
