import { describe, expect, it } from 'vitest';
import { SsoConnectionSchema, SsoModeSchema, identityFromClaims, issuerProblem, maskSecret, normalizeIssuer } from './sso-rules';

describe('issuer URLs', () => {
  it('takes https everywhere and http only outside production', () => {
    expect(issuerProblem('https://login.example.com/oauth2/default', { production: true })).toBeNull();
    expect(issuerProblem('http://localhost:4000', { production: false })).toBeNull();
    expect(issuerProblem('http://localhost:4000', { production: true })).toBe('The issuer must be an https:// URL.');
    expect(issuerProblem('ftp://idp.example', { production: false })).toBe('The issuer must be an https:// URL.');
  });

  it('refuses text that is no URL, credentials in the URL, and a query or fragment', () => {
    expect(issuerProblem('login.example.com', { production: true })).toMatch(/^Enter the issuer URL/);
    expect(issuerProblem('https://me:pw@login.example.com', { production: true })).toMatch(/user name or password/);
    expect(issuerProblem('https://login.example.com/?tenant=1', { production: true })).toMatch(/no query or fragment/);
  });

  it('drops trailing slashes so the same issuer compares equal', () => {
    expect(normalizeIssuer(' https://login.example.com/tenant/ ')).toBe('https://login.example.com/tenant');
  });
});

describe('the admin forms', () => {
  it('needs the company name, issuer and client id; the secret may stay empty (kept)', () => {
    const parsed = SsoConnectionSchema.safeParse({ intent: 'save', companyName: ' Acme ', issuer: 'https://idp.example', clientId: 'kept', clientSecret: '' });
    expect(parsed.success && parsed.data).toEqual({ intent: 'save', companyName: 'Acme', issuer: 'https://idp.example', clientId: 'kept', clientSecret: '' });
    const empty = SsoConnectionSchema.safeParse({ intent: 'save', companyName: '', issuer: '', clientId: '' });
    expect(empty.success ? [] : empty.error.issues.map((i) => i.path.join('.'))).toEqual(['companyName', 'issuer', 'clientId']);
  });

  it('turns SSO only on only with a break-glass admin', () => {
    const missing = SsoModeSchema.safeParse({ intent: 'mode', ssoOnly: 'on', breakGlassUserId: '' });
    expect(missing.success ? null : missing.error.issues[0].path).toEqual(['breakGlassUserId']);
    expect(SsoModeSchema.parse({ intent: 'mode', ssoOnly: 'off', breakGlassUserId: '' })).toEqual({ intent: 'mode', ssoOnly: 'off', breakGlassUserId: undefined });
    expect(SsoModeSchema.parse({ intent: 'mode', ssoOnly: 'on', breakGlassUserId: 'a'.repeat(24) }).ssoOnly).toBe('on');
  });
});

describe('secrets and claims', () => {
  it('shows a saved secret only by its last four characters', () => {
    expect(maskSecret('s3cr3t-value-abcd')).toBe('••••••••abcd');
    expect(maskSecret('short')).toBe('••••••••');
  });

  it('takes a verified email, lower-cased, with its subject', () => {
    expect(identityFromClaims({ sub: 'u1', email: 'Ann@Example.COM', email_verified: true })).toEqual({ ok: true, subject: 'u1', email: 'ann@example.com' });
    expect(identityFromClaims({ sub: 'u1', email: 'ann@example.com', email_verified: false })).toEqual({ ok: false, reason: 'unverified-email' });
    expect(identityFromClaims({ sub: 'u1', email: 'ann@example.com' })).toEqual({ ok: false, reason: 'unverified-email' });
    expect(identityFromClaims({ sub: 'u1' })).toEqual({ ok: false, reason: 'no-email' });
  });
});
