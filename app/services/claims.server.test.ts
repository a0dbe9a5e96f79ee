import { describe, expect, it } from 'vitest';
import { acquireLease, claimOnce, holdsLease, releaseClaim, releaseLease } from './claims.server';

describe('claimOnce', () => {
  it('lets exactly one of many concurrent callers claim a key', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => claimOnce({ key: 'token:abc', owner: `req-${i}` })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimOnce({ key: 'token:abc', owner: 'late' })).toBe(false);
  });

  it('can be released by its owner so the work can be retried', async () => {
    expect(await claimOnce({ key: 'k2', owner: 'a' })).toBe(true);
    await releaseClaim({ key: 'k2', owner: 'b' });
    expect(await claimOnce({ key: 'k2', owner: 'c' })).toBe(false);
    await releaseClaim({ key: 'k2', owner: 'a' });
    expect(await claimOnce({ key: 'k2', owner: 'c' })).toBe(true);
  });
});

describe('leases', () => {
  const t0 = new Date('2026-05-01T10:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);

  it('gives a resource to exactly one of several concurrent takers', async () => {
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => acquireLease({ resource: 'job:1', owner: `w${i}`, now: t0, ttlMs: 30_000 })));
    expect(leases.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a held lease, hands an expired one over, and the old holder can no longer complete', async () => {
    const a = await acquireLease({ resource: 'job:2', owner: 'A', now: t0, ttlMs: 30_000 });
    expect(a).not.toBeNull();
    expect(await acquireLease({ resource: 'job:2', owner: 'B', now: at(10), ttlMs: 30_000 })).toBeNull();
    expect(await holdsLease(a!, at(10))).toBe(true);
    const b = await acquireLease({ resource: 'job:2', owner: 'B', now: at(31), ttlMs: 30_000 });
    expect(b).not.toBeNull();
    expect(await holdsLease(a!, at(20))).toBe(false); // taken over: A must not mark work done
    expect(await holdsLease(b!, at(40))).toBe(true);
    await releaseLease(b!, at(41));
    expect(await acquireLease({ resource: 'job:2', owner: 'C', now: at(42), ttlMs: 30_000 })).not.toBeNull();
  });
});
