import { describe, expect, it } from 'vitest';
import { accentWarning, BrandFormSchema, checkLogo, contrastRatio, firstName, fromHeader, inkOn, normalizeHex, senderDomainNote, sniffImage, textOn } from './brand-rules';

describe('colours', () => {
  it('normalises hex colours and refuses anything else', () => {
    expect(normalizeHex('#1F4E79')).toBe('#1f4e79');
    expect(normalizeHex('abc')).toBe('#aabbcc');
    expect(normalizeHex('teal')).toBeUndefined();
    expect(normalizeHex('#12345')).toBeUndefined();
  });

  it('measures contrast as WCAG does and picks the text colour that reads', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(textOn('#1f4e79')).toBe('#ffffff');
    expect(textOn('#fde047')).toBe('#1b2430');
    expect(inkOn('#fde047')).toBe('#1b2430');
    expect(inkOn('#0f5c7a')).toBe('#0f5c7a');
  });

  it('warns the admin when white text does not read on the accent', () => {
    expect(accentWarning('#1f4e79')).toBeNull();
    expect(accentWarning('#fde047')).toMatch(/dark text/);
  });
});

describe('the logo', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
  it('goes by magic bytes, not names or declared types', () => {
    expect(sniffImage(png)).toBe('image/png');
    expect(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImage(new TextEncoder().encode('GIF89a'))).toBeNull();
  });
  it('refuses empty and oversize files', () => {
    expect(checkLogo(new Uint8Array(0)).ok).toBe(false);
    const big = new Uint8Array(256 * 1024 + 1);
    big.set(png);
    expect(checkLogo(big)).toMatchObject({ ok: false, error: expect.stringMatching(/257 KB/) });
    expect(checkLogo(png)).toEqual({ ok: true, contentType: 'image/png' });
  });
});

describe('the sender', () => {
  it('quotes a name with specials and drops what would break the header', () => {
    expect(fromHeader('Acme Success', 'a@acme.example')).toBe('Acme Success <a@acme.example>');
    expect(fromHeader('Acme, Inc.', 'a@acme.example')).toBe('"Acme, Inc." <a@acme.example>');
    expect(fromHeader('Bad "x" <y>', 'a@acme.example')).toBe('Bad x y <a@acme.example>');
  });
  it('notes Resend’s domain verification when the sender’s domain is not the default’s', () => {
    expect(senderDomainNote('a@example.com', 'Kept <kept@example.com>')).toBeNull();
    expect(senderDomainNote('a@acme.example', 'Kept <kept@example.com>')).toMatch(/Verify acme\.example/);
    expect(senderDomainNote(null, 'Kept <kept@example.com>')).toBeNull();
  });
  it('greets by first name', () => {
    expect(firstName('Maria Lopez')).toBe('Maria');
    expect(firstName('  Cher ')).toBe('Cher');
    expect(firstName('')).toBe('there');
  });
});

describe('the form', () => {
  it('empty optional fields are unset, a CR/LF in a one-line field is refused', () => {
    const ok = BrandFormSchema.safeParse({ name: 'Acme', accentColor: '#abc', senderName: '', senderEmail: '', replyTo: '', postalAddress: '', privacyUrl: '' });
    expect(ok.success && ok.data).toEqual({
      name: 'Acme',
      accentColor: '#aabbcc',
      senderName: undefined,
      senderEmail: undefined,
      replyTo: undefined,
      postalAddress: undefined,
      privacyUrl: undefined,
    });
    const bad = BrandFormSchema.safeParse({ name: 'Acme\r\nBcc: x@y.example', accentColor: '#abc' });
    expect(bad.success).toBe(false);
  });
});

describe('the privacy link', () => {
  it('refuses what is not a URL with a field error, never a throw (found by the schema fuzz)', () => {
    const parsed = BrandFormSchema.safeParse({ name: 'Acme', accentColor: '#abc', privacyUrl: 'not a url' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain('privacyUrl');
    expect(BrandFormSchema.safeParse({ name: 'Acme', accentColor: '#abc', privacyUrl: 'http://acme.example/p' }).success).toBe(false);
    expect(BrandFormSchema.safeParse({ name: 'Acme', accentColor: '#abc', privacyUrl: 'https://acme.example/p' }).success).toBe(true);
  });
});
