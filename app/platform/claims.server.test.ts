import { describe, expect, it } from 'vitest';
import { claimOnce, releaseClaim } from '#app/platform/claims.server';

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
