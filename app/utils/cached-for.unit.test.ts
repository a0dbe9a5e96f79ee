import { describe, expect, it } from 'vitest';
import { cachedFor } from './cached-for';

/** A read that counts its calls and answers what `answers` holds at the time. */
function countingRead(answers: Array<string | Error>) {
  const read = Object.assign(
    () => {
      read.calls++;
      const answer = answers.shift() ?? 'last';
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    { calls: 0 },
  );
  return read;
}

describe('cachedFor: a read kept for a while', () => {
  it('reads once for every caller within the time, then reads again', async () => {
    let clock = 1_000;
    const read = countingRead(['first', 'second']);
    const cache = cachedFor(5_000, read, () => clock);
    expect(await cache.get()).toBe('first');
    clock += 4_999;
    expect(await cache.get()).toBe('first');
    expect(read.calls).toBe(1);
    clock += 1;
    expect(await cache.get()).toBe('second');
    expect(read.calls).toBe(2);
  });

  it('gives concurrent callers the one read in flight', async () => {
    const read = countingRead(['only']);
    const cache = cachedFor(5_000, read, () => 0);
    const answers = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(answers).toEqual(['only', 'only', 'only']);
    expect(read.calls).toBe(1);
  });

  it('reads again at once after clear(), and when asked for a fresh read', async () => {
    const read = countingRead(['before', 'after clear', 'fresh']);
    const cache = cachedFor(60_000, read, () => 0);
    expect(await cache.get()).toBe('before');
    cache.clear();
    expect(await cache.get()).toBe('after clear');
    expect(await cache.get({ fresh: true })).toBe('fresh');
    // The fresh read is kept for the others.
    expect(await cache.get()).toBe('fresh');
    expect(read.calls).toBe(3);
  });

  it('does not keep a failed read: the next caller reads again', async () => {
    const read = countingRead([new Error('database down'), 'recovered']);
    const cache = cachedFor(60_000, read, () => 0);
    await expect(cache.get()).rejects.toThrow('database down');
    expect(await cache.get()).toBe('recovered');
    expect(await cache.get()).toBe('recovered');
    expect(read.calls).toBe(2);
  });

  it('a failed read does not drop a newer one made meanwhile', async () => {
    let fail!: (error: Error) => void;
    const reads = [new Promise<string>((_, reject) => (fail = reject)), Promise.resolve('newer')];
    let calls = 0;
    const cache = cachedFor(
      60_000,
      () => reads[calls++]!,
      () => 0,
    );
    const failing = cache.get();
    expect(await cache.get({ fresh: true })).toBe('newer');
    fail(new Error('late failure'));
    await expect(failing).rejects.toThrow('late failure');
    expect(await cache.get()).toBe('newer');
    expect(calls).toBe(2);
  });
});
