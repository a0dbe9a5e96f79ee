import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from './log.server';

describe('request URLs in the logs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never carry the SSO callback’s one-time code or state', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    log('info', 'request', { url: '/sso/callback?code=SECRET-CODE-123&state=STATE-456&iss=https%3A%2F%2Fidp' });
    expect(lines.join('')).toContain('/sso/callback?[redacted]');
    expect(lines.join('')).not.toMatch(/SECRET-CODE-123|STATE-456/);
  });
});
