/// <reference types="vite/client" />
import { render } from '@react-email/components';
import type { ComponentType } from 'react';
import { describe, expect, test } from 'vitest';
import { Layout } from '#emails/_components/layout';
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
        if (typeof value === 'string') expect(plain, `prop ${key}`).toContain(value);
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
