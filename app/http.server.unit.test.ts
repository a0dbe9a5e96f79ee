import { describe, expect, it } from 'vitest';
import { isCrossSiteMutation } from './http.server';

const base = { method: 'POST', path: '/deals/new', host: 'kept.example' };

describe('cross-site mutation refusal', () => {
  it('refuses a POST from another site by Sec-Fetch-Site or Origin', () => {
    expect(isCrossSiteMutation({ ...base, fetchSite: 'cross-site' })).toBe(true);
    expect(isCrossSiteMutation({ ...base, fetchSite: 'same-site' })).toBe(true);
    expect(isCrossSiteMutation({ ...base, origin: 'https://evil.example' })).toBe(true);
    expect(isCrossSiteMutation({ ...base, origin: 'null' })).toBe(true);
  });

  it('refuses a foreign Origin even when Sec-Fetch-Site claims same-origin (a crafted request)', () => {
    expect(isCrossSiteMutation({ ...base, fetchSite: 'same-origin', origin: 'https://evil.example' })).toBe(true);
    expect(isCrossSiteMutation({ ...base, fetchSite: 'none', origin: 'https://evil.example' })).toBe(true);
    expect(isCrossSiteMutation({ ...base, fetchSite: 'same-origin', origin: 'not a url' })).toBe(true);
    // Behind a proxy the public host is in X-Forwarded-Host, as Remix's own check reads it.
    expect(isCrossSiteMutation({ ...base, host: 'internal:3000', forwardedHost: 'kept.example', origin: 'https://kept.example' })).toBe(false);
    // A token page's own post: Origin null with Sec-Fetch-Site same-origin (no-referrer pages).
    expect(isCrossSiteMutation({ ...base, fetchSite: 'same-origin', origin: 'null' })).toBe(false);
  });

  it('allows same-origin posts, safe methods and signed webhooks', () => {
    expect(isCrossSiteMutation({ ...base, fetchSite: 'same-origin', origin: 'https://kept.example' })).toBe(false);
    expect(isCrossSiteMutation({ ...base, origin: 'https://kept.example' })).toBe(false);
    expect(isCrossSiteMutation({ ...base, method: 'GET', fetchSite: 'cross-site' })).toBe(false);
    expect(isCrossSiteMutation({ ...base, path: '/api/webhooks/crm', fetchSite: 'cross-site' })).toBe(false);
  });
});
