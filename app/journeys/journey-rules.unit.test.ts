import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buyerCanConfirm, evidenceMeets, EVIDENCE_TYPES, isHttpsLink, LINK_EVIDENCE_KINDS, linkEvidenceEffect } from '#app/journeys/journey-rules';

describe('what evidence means', () => {
  it('only the buyer meets a criterion that names the buyer’s confirmation; a staff link there is a note', () => {
    expect(evidenceMeets('buyer_confirmation', 'buyer_confirmation')).toBe(true);
    for (const kind of LINK_EVIDENCE_KINDS) {
      expect(evidenceMeets('buyer_confirmation', kind)).toBe(false);
      expect(linkEvidenceEffect('buyer_confirmation', kind)).toBe('note');
    }
    expect(buyerCanConfirm({ evidenceType: 'buyer_confirmation', buyerAction: 'Signs off the plan' })).toBe(true);
  });

  it('a link of the named kind meets its criterion; another kind is refused; nobody links a CS acceptance', () => {
    expect(linkEvidenceEffect('meeting', 'meeting')).toBe('meets');
    expect(linkEvidenceEffect('meeting', 'document')).toBe('refused');
    expect(linkEvidenceEffect('email', 'email')).toBe('meets');
    expect(linkEvidenceEffect('', 'document')).toBe('meets');
    for (const kind of LINK_EVIDENCE_KINDS) expect(linkEvidenceEffect('cs_acceptance', kind)).toBe('refused');
    // The buyer's own confirmation counts wherever the buyer's word does, never for CS acceptance.
    for (const type of EVIDENCE_TYPES) expect(evidenceMeets(type, 'buyer_confirmation')).toBe(type !== 'cs_acceptance');
    expect(evidenceMeets('meeting', 'something-else')).toBe(false);
  });
});

describe('isHttpsLink', () => {
  it('accepts secure web addresses and nothing else', () => {
    for (const ok of ['https://mail.example.com/thread/1', 'https://docs.example.com/a.pdf?v=2#p3', 'HTTPS://Example.com']) expect(isHttpsLink(ok), ok).toBe(true);
    for (const bad of ['http://mail.example.com/x', 'https:mail.example.com', 'https://', '//example.com', 'javascript:alert(1)', 'ftp://x.example', 'mail.example.com', ''])
      expect(isHttpsLink(bad), bad).toBe(false);
  });

  it('a web URL is accepted exactly when its scheme is https', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http', 'https'] }), (url) => {
        expect(isHttpsLink(url)).toBe(url.startsWith('https://'));
      }),
    );
  });
});
