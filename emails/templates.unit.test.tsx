/// <reference types="vite/client" />
import { render } from '@react-email/components';
import type { ComponentType } from 'react';
import { describe, expect, test } from 'vitest';
import { textOn } from '#app/branding/brand-rules';
import type { EmailBrand } from '#emails/_components/brand';
import { Layout } from '#emails/_components/layout';
import { SurveyInvitationEmail, PreviewProps as surveyPreview } from '#emails/survey-invitation';
import { UserInvitationEmail, PreviewProps as invitationPreview } from '#emails/user-invitation';

// Every template in emails/ (one per file: default export + PreviewProps) renders with its preview
// props; asserts on the plain-text version, since React puts comment nodes into the HTML.
type TemplateModule = { default: ComponentType<object>; PreviewProps: Record<string, unknown> };
const templates = import.meta.glob<TemplateModule>(['./*.tsx', '!./*.test.tsx'], { eager: true });

const text = (node: React.ReactElement) => render(node, { plainText: true });

describe('every template', () => {
  test('there is at least one template to check', () => {
    expect(Object.keys(templates)).toContain('./user-invitation.tsx');
  });

  for (const [file, mod] of Object.entries(templates)) {
    test(`${file} renders its preview props into text and html`, async () => {
      expect(mod.PreviewProps, `${file} must export PreviewProps`).toBeTypeOf('object');
      const Template = mod.default;
      const plain = await text(<Template {...mod.PreviewProps} />);
      const html = await render(<Template {...mod.PreviewProps} />);
      expect(html).toMatch(/^<!DOCTYPE html/i);
      expect(plain).toContain('Kept');
      expect(plain).not.toMatch(/undefined|\[object Object\]|NaN/);
      // Every string the template was given shows up for the reader (links as "label url").
      for (const [key, value] of Object.entries(mod.PreviewProps)) {
        // A buyer is greeted by their first name ("Hi Maria,"), the full name stays in the props.
        if (key === 'contactName' && typeof value === 'string') expect(plain, `prop ${key}`).toContain(`Hi ${value.split(' ')[0]},`);
        else if (typeof value === 'string') expect(plain, `prop ${key}`).toContain(value);
      }
    });
  }
});

describe('user invitation', () => {
  test('names the invitee, the role, who invited them and the sign-in link', async () => {
    const plain = await text(<UserInvitationEmail name="Ana Ruiz" role="Sales" invitedBy="Sam Okafor" signInUrl="https://kept.test/login" />);
    expect(plain).toContain('Hi Ana Ruiz,');
    expect(plain).toContain('Sam Okafor invited you to Kept as Sales.');
    expect(plain).toContain('Sign in to Kept https://kept.test/login');
    // Staff invitations are not marketing: no unsubscribe link.
    expect(plain).not.toMatch(/unsubscribe/i);
  });

  test('preview props are complete', () => {
    expect(Object.keys(invitationPreview).sort()).toEqual(['expiresOn', 'invitedBy', 'name', 'role', 'setPasswordUrl', 'signInUrl']);
  });
});

describe('layout', () => {
  test('the button’s link in plain text may break anywhere, so a long link does not widen a phone’s screen', async () => {
    const html = await render(<SurveyInvitationEmail {...surveyPreview} />);
    const fallback = /<p[^>]*style="([^"]*)"[^>]*>If the button does not work/.exec(html);
    expect(fallback?.[1]).toContain('overflow-wrap:anywhere');
  });
  test('shows the unsubscribe link in the footer only when given', async () => {
    const withLink = await text(
      <Layout preview="p" unsubscribeUrl="https://kept.test/u/abc">
        body
      </Layout>,
    );
    expect(withLink).toMatch(/Unsubscribe https:\/\/kept\.test\/u\/abc/);
    const without = await text(<Layout preview="p">body</Layout>);
    expect(without).not.toMatch(/unsubscribe/i);
    expect(without).toContain('body');
  });
});

// Every email a buyer receives carries the vendor's letterhead: its name (or logo) in the header on
// the accent colour, its postal address and privacy link in the footer, Kept only as "Powered by".
const BUYER_TEMPLATES = ['./survey-invitation.tsx', './journey-confirmation-request.tsx', './advocacy-ask.tsx', './review-invitation.tsx'];

describe('the vendor brand in buyer emails', () => {
  const acme: EmailBrand = {
    name: 'Acme Analytics',
    accentColor: '#b91c1c',
    textOnAccent: '#ffffff',
    logoUrl: null,
    postalAddress: 'Acme Analytics Ltd\n1 Main Street, Leeds',
    privacyUrl: 'https://acme.example/privacy',
    vendor: true,
  };

  for (const file of BUYER_TEMPLATES) {
    test(`${file} shows the brand's name, accent, address and privacy link, and Kept only as "Powered by"`, async () => {
      const mod = templates[file];
      expect(mod, file).toBeDefined();
      const Template = mod.default;
      const props = { ...mod.PreviewProps, brand: acme };
      const plain = await text(<Template {...props} />);
      const html = await render(<Template {...props} />);
      expect(plain).toContain('Acme Analytics');
      expect(plain).toContain('Acme Analytics Ltd, 1 Main Street, Leeds');
      expect(plain).toContain('privacy policy https://acme.example/privacy');
      expect(plain.match(/Kept/g)).toEqual(['Kept']);
      expect(plain).toContain('Powered by Kept');
      expect(html).toContain('background-color:#b91c1c');
    });
  }

  test('with a logo, the header shows it (alt text = the name) instead of the name as text', async () => {
    const html = await render(<SurveyInvitationEmail {...surveyPreview} brand={{ ...acme, logoUrl: 'https://kept.test/brand/logo?v=abc123' }} />);
    expect(html).toMatch(
      /<img[^>]+alt="Acme Analytics"[^>]+src="https:\/\/kept\.test\/brand\/logo\?v=abc123"|<img[^>]+src="https:\/\/kept\.test\/brand\/logo\?v=abc123"[^>]+alt="Acme Analytics"/,
    );
  });

  test('the button takes the accent, with dark text on a light accent', async () => {
    const html = await render(<SurveyInvitationEmail {...surveyPreview} brand={{ ...acme, accentColor: '#fde047', textOnAccent: textOn('#fde047') }} />);
    expect(html).toMatch(/href="http:\/\/localhost:3000\/s\/preview-token[^"]*"[^>]*style="[^"]*background-color:#fde047;[^"]*color:#1b2430/);
  });

  test('greets the buyer by first name', async () => {
    const plain = await text(<SurveyInvitationEmail {...surveyPreview} contactName="Ana María Ruiz" />);
    expect(plain).toContain('Hi Ana,');
    expect(plain).not.toContain('Hi Ana María Ruiz');
  });

  test('without a brand, a buyer email keeps Kept’s own letterhead', async () => {
    const plain = await text(<SurveyInvitationEmail {...surveyPreview} brand={undefined} />);
    expect(plain).toContain('Sent by Kept');
    expect(plain).not.toContain('Powered by');
  });
});
