import { describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { runCycle, TASKS } from '#app/worker/worker.server';

// The registered tasks against the database; the cycle itself is in worker.server.unit.test.ts.
const NOW = new Date('2026-06-01T00:00:00.000Z');

describe('runCycle', () => {
  test('the registered tasks end with email dispatch and its bookkeeping, and run against the database', async () => {
    expect(TASKS.slice(-2).map((t) => t.name)).toEqual(['email-dispatch', 'email-settle']);
    delete process.env.RESEND_API_KEY;
    resetEnvCache();
    const result = await runCycle({ now: NOW, owner: 'w1' });
    expect(result.ok).toBe(true);
    expect(result.tasks.find((t) => t.name === 'email-dispatch')?.result).toMatchObject({ demo: true });
  });
});
