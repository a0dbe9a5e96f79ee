import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import type { ReactNode } from 'react';
import { LocaleProvider } from '#app/i18n/i18n';
import { DEFAULT_LOCALE, type Locale } from '#app/i18n/locales';
import { commonMessages } from '#app/i18n/messages/common';
import { translator } from '#app/i18n/messages';
import { BrandFooter, BrandHeader, BrandProvider, KEPT_EMAIL_BRAND, useEmailBrand, type EmailBrand } from './brand';

const styles = {
  body: { backgroundColor: '#f6f7f9', fontFamily: 'Helvetica, Arial, sans-serif', color: '#1b2430', margin: 0 },
  container: { backgroundColor: '#ffffff', border: '1px solid #d9dee5', borderRadius: 8, margin: '24px auto', maxWidth: 560 },
  content: { padding: '20px 32px 24px' },
  footer: { color: '#5b6574', fontSize: 12, lineHeight: '18px', margin: '4px 0' },
} as const;

export type LayoutProps = {
  /** The inbox preview line. */
  preview: string;
  children: ReactNode;
  /** One-click unsubscribe page; shown in the footer of every survey and ask. */
  unsubscribeUrl?: string;
  /** Why the recipient gets this email, one sentence. */
  reason?: string;
  /** The vendor's brand (every buyer email: app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); staff emails are English. */
  locale?: Locale;
};

/** The frame every Kept email shares: brand header, body, footer (with unsubscribe when given). */
export function Layout({ preview, children, unsubscribeUrl, reason, brand = KEPT_EMAIL_BRAND, locale = DEFAULT_LOCALE }: LayoutProps) {
  const t = translator(commonMessages, locale);
  return (
    <BrandProvider value={brand}>
      <LocaleProvider locale={locale}>
        <Html lang={locale}>
          <Head />
          <Preview>{preview}</Preview>
          <Body style={styles.body}>
            <Container style={styles.container}>
              <BrandHeader />
              <Section style={styles.content}>
                <Section>{children}</Section>
                <Hr style={{ borderColor: '#d9dee5', margin: '24px 0 12px' }} />
                {reason ? <Text style={styles.footer}>{reason}</Text> : null}
                {unsubscribeUrl ? (
                  <Text style={styles.footer}>
                    {t('unsubscribeQuestion')} <Link href={unsubscribeUrl}>{t('unsubscribe')}</Link>
                  </Text>
                ) : null}
                <BrandFooter />
              </Section>
            </Container>
          </Body>
        </Html>
      </LocaleProvider>
    </BrandProvider>
  );
}

export const paragraph = { fontSize: 15, lineHeight: '22px', margin: '0 0 14px' } as const;
export const button = {
  backgroundColor: '#1f4e79',
  borderRadius: 6,
  color: '#ffffff',
  display: 'inline-block',
  fontSize: 15,
  fontWeight: 600,
  padding: '10px 18px',
  textDecoration: 'none',
} as const;

/** The button style in the brand's accent (inside <Layout brand>). */
export function useButtonStyle() {
  const brand = useEmailBrand();
  return { ...button, backgroundColor: brand.accentColor, color: brand.textOnAccent };
}
