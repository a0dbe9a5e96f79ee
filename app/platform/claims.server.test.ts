import { describe, expect, it } from 'vitest';
import { claimOnce, countGroupClaims, getClaim, listGroupClaims, nextTurn, recordClaims, releaseClaim, releaseClaims } from '#app/platform/claims.server';

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

describe('counters and groups of claims', () => {
  it('hands every one of many concurrent callers its own turn, in sequence', async () => {
    const now = new Date();
    const turns = await Promise.all(Array.from({ length: 20 }, () => nextTurn({ key: 'rr:test', owner: 'test', now })));
    expect([...turns].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('claims each member of a group once and lists the group with what each member recorded', async () => {
    const member = (gen: number) => claimOnce({ key: `round:1:member:${gen}`, owner: 'w', group: { resource: 'round:1', gen }, data: { result: `r${gen}` } });
    const [first, ...racing] = await Promise.all([member(0), member(1), member(1)]);
    expect(first).toBe(true);
    expect(racing.filter(Boolean)).toHaveLength(1);
    await claimOnce({ key: 'round:2:member:0', owner: 'w', group: { resource: 'round:2', gen: 0 } });
    expect(await countGroupClaims('round:1')).toBe(2);
    const listed = await listGroupClaims('round:1');
    expect(listed.map((c) => [c.gen, c.data.result]).sort()).toEqual([
      [0, 'r0'],
      [1, 'r1'],
    ]);
    expect((await listGroupClaims(['round:1', 'round:2'])).map((c) => c.resource).sort()).toEqual(['round:1', 'round:1', 'round:2']);
  });

  it('frees keys whoever holds them, and records claims in bulk without touching held ones', async () => {
    const at = new Date('2026-01-01T00:00:00Z');
    await claimOnce({ key: 'held', owner: 'first' });
    await recordClaims([
      { key: 'held', owner: 'seed', at },
      { key: 'new', owner: 'seed', at, data: { n: 1 } },
    ]);
    expect((await getClaim('held'))?.owner).toBe('first');
    expect(await getClaim('new')).toEqual({ owner: 'seed', at, data: { n: 1 } });
    await releaseClaims(['held', 'new', 'never']);
    expect(await getClaim('held')).toBeNull();
    expect(await claimOnce({ key: 'new', owner: 'again' })).toBe(true);
  });
});
