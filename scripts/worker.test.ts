import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createElement } from 'react';
import { describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { sendEmail } from '#app/email/email.server';
import { EmailMessage } from '#models/email-message';
import { PreviewProps, UserInvitationEmail } from '#emails/user-invitation';
import { useFakeResend } from '#test/harness/fake-resend';

// Runs the real `scripts/worker.ts` (as `npm run worker` does) against this file's database.
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const fake = useFakeResend();

function runWorker(args: string[], env: Record<string, string>, onOutput?: (output: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(tsx, ['scripts/worker.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', RESEND_API_KEY: 're_test_key', RESEND_BASE_URL: fake.url, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      onOutput?.(stdout + stderr, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      onOutput?.(stdout + stderr, () => child.kill('SIGTERM'));
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function unreachableDb() {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return `mongodb://127.0.0.1:${port}/kept`;
}

describe('npm run worker', () => {
  test('--once sends due email and exits 0', async () => {
    process.env.RESEND_API_KEY = 're_test_key';
    resetEnvCache();
    await sendEmail({
      key: 'worker:once',
      template: 'user-invitation',
      to: 'dana@example.com',
      subject: 'Hi',
      react: createElement(UserInvitationEmail, PreviewProps),
    });
    delete process.env.RESEND_API_KEY;
    resetEnvCache();

    const { code, stderr } = await runWorker(['--once'], {});
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(fake.requestsFor('worker:once')).toHaveLength(1);
    expect((await EmailMessage.findOne({ idempotencyKey: 'worker:once' }).lean())?.state).toBe('sent');
  }, 30_000);

  test('--once exits non-zero when the database is unreachable', async () => {
    const { code, stderr } = await runWorker(['--once'], { MONGODB_URI: await unreachableDb() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/"level":"error"/);
  }, 30_000);

  test('stops cleanly on SIGTERM', async () => {
    let sent = false;
    const { code, stdout } = await runWorker(['--interval=200'], {}, (out, kill) => {
      if (!sent && out.includes('Worker started')) {
        sent = true;
        setTimeout(kill, 500);
      }
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Worker stopped');
  }, 30_000);

  test('backs off while the database is unreachable, and still stops at once on SIGTERM', async () => {
    let killed = false;
    const started = Date.now();
    const { code, stderr } = await runWorker(['--interval=200'], { MONGODB_URI: await unreachableDb() }, (out, kill) => {
      if (!killed && out.includes('backing off')) {
        killed = true;
        kill();
      }
    });
    expect(stderr).toMatch(/Worker cycle failed; backing off.*"failures":1,"delayMs":400/);
    expect(code).toBe(0);
    // Killed during the back-off sleep: the sleep is cut short.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
