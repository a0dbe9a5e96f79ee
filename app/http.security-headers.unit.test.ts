// Unit half of the headers check (the e2e half, test/e2e/hardening.test.ts, crawls the production
// server): securityHeaders() sends HSTS in production only, never on a development server
// (plain-http localhost would be pinned to https for a year).
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './http.server';

function headersFor(nodeEnv: 'development' | 'production' | 'test', path = '/home') {
  const headers: Record<string, string> = {};
  const res = { locals: {} as Record<string, unknown>, setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value) };
  let nextCalled = false;
  securityHeaders({ NODE_ENV: nodeEnv })({ path } as Request, res as unknown as Response, (() => void (nextCalled = true)) as NextFunction);
  expect(nextCalled).toBe(true);
  return { headers, nonce: res.locals.nonce as string };
}

describe('securityHeaders', () => {
  it('sends Strict-Transport-Security in production only', () => {
    expect(headersFor('production').headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(headersFor('development').headers).not.toHaveProperty('strict-transport-security');
    expect(headersFor('test').headers).not.toHaveProperty('strict-transport-security');
  });

  it('keeps the rest of the policy in development too: nonce, object-src, base-uri, frame-ancestors, nosniff, referrer', () => {
    for (const env of ['development', 'production'] as const) {
      const { headers, nonce } = headersFor(env, '/s/abc');
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(headers['content-security-policy']).toContain(`'nonce-${nonce}'`);
      for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(headers['content-security-policy']).toContain(directive);
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
    }
    expect(headersFor('production').nonce).not.toEqual(headersFor('production').nonce);
  });

  it('sends no Referer from the pages behind invitation and reset links (their token is in the URL)', () => {
    expect(headersFor('production', '/invite/abc').headers['referrer-policy']).toBe('no-referrer');
    expect(headersFor('production', '/reset-password/abc').headers['referrer-policy']).toBe('no-referrer');
    expect(headersFor('production', '/forgot-password').headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });
});
