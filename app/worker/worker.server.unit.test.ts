import { describe, expect, test } from 'vitest';
import { atMostEvery, runCycle, type TaskContext } from '#app/worker/worker.server';

// The cycle with tasks of its own (no database); the registered tasks run in worker.server.test.ts.
const NOW = new Date('2026-06-01T00:00:00.000Z');

describe('runCycle', () => {
  test('runs every task once, in order, with the cycle time and owner', async () => {
    const seen: Array<[string, TaskContext]> = [];
    const tasks = ['first', 'second'].map((name) => ({
      name,
      run: async (ctx: TaskContext) => {
        seen.push([name, ctx]);
        return { name };
      },
    }));
    const result = await runCycle({ now: NOW, owner: 'w1', tasks });
    expect(result.ok).toBe(true);
    expect(seen.map(([name]) => name)).toEqual(['first', 'second']);
    expect(seen[0][1]).toMatchObject({ now: NOW, owner: 'w1' });
    expect(result.tasks.map((t) => t.result)).toEqual([{ name: 'first' }, { name: 'second' }]);
  });

  test('a failing task is reported, the others still run, and the cycle is not ok', async () => {
    const ran: string[] = [];
    const result = await runCycle({
      now: NOW,
      owner: 'w1',
      tasks: [
        {
          name: 'broken',
          run: async () => {
            throw new Error('boom');
          },
        },
        {
          name: 'fine',
          run: async () => {
            ran.push('fine');
          },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.tasks).toMatchObject([
      { name: 'broken', ok: false, error: 'boom' },
      { name: 'fine', ok: true },
    ]);
    expect(ran).toEqual(['fine']);
  });

  test('a task that finds the database unreachable ends the cycle: the rest are skipped, not each left to time out', async () => {
    const ran: string[] = [];
    const unreachable = Object.assign(new Error('Server selection timed out after 5000 ms'), { name: 'MongooseServerSelectionError' });
    const result = await runCycle({
      now: NOW,
      owner: 'w1',
      tasks: [
        {
          name: 'first',
          run: async () => {
            ran.push('first');
          },
        },
        {
          name: 'down',
          run: async () => {
            throw unreachable;
          },
        },
        {
          name: 'later',
          run: async () => {
            ran.push('later');
          },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(ran).toEqual(['first']);
    expect(result.tasks).toMatchObject([
      { name: 'first', ok: true },
      { name: 'down', ok: false },
      { name: 'later', ok: false, error: 'skipped: the database is unreachable' },
    ]);
  });

  test('a task that stopped at its limit with work left (more: true) makes the worker go again without a pause', async () => {
    const idle = await runCycle({ now: NOW, owner: 'w1', tasks: [{ name: 'done', run: async () => ({ sent: 3 }) }] });
    expect(idle.more).toBe(false);
    const busy = await runCycle({
      now: NOW,
      owner: 'w1',
      tasks: [
        { name: 'done', run: async () => ({ sent: 3 }) },
        { name: 'at-limit', run: async () => ({ sent: 1000, more: true }) },
      ],
    });
    expect(busy.more).toBe(true);
  });

  test('stops before the next task once asked to stop', async () => {
    const stop = new AbortController();
    const ran: string[] = [];
    await runCycle({
      now: NOW,
      owner: 'w1',
      signal: stop.signal,
      tasks: [
        {
          name: 'a',
          run: async () => {
            ran.push('a');
            stop.abort();
          },
        },
        {
          name: 'b',
          run: async () => {
            ran.push('b');
          },
        },
      ],
    });
    expect(ran).toEqual(['a']);
  });

  test('a scanning task runs at most once a minute of the cycle clock, at once again while it leaves work or after a failure', async () => {
    const results: unknown[] = [{ more: true }, { sent: 1 }, new Error('boom'), { sent: 2 }, { sent: 3 }];
    let calls = 0;
    const run = atMostEvery(60_000, async () => {
      const next = results[calls++];
      if (next instanceof Error) throw next;
      return next;
    });
    const at = (s: number) => ({ now: new Date(NOW.getTime() + s * 1000), owner: 'w1', signal: new AbortController().signal });
    expect(await run(at(0))).toEqual({ more: true });
    expect(await run(at(1))).toEqual({ sent: 1 }); // work was left: no pause
    expect(await run(at(2))).toEqual({ skipped: true });
    expect(await run(at(60))).toEqual({ skipped: true });
    await expect(run(at(61))).rejects.toThrow('boom');
    expect(await run(at(62))).toEqual({ sent: 2 }); // a failed run does not count
    expect(await run(at(100))).toEqual({ skipped: true });
    expect(await run(at(30))).toEqual({ sent: 3 }); // the clock went back (a test, a corrected clock): it runs
  });
});
