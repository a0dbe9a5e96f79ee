import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import type { ReactNode } from 'react';

const styles = {
  body: { backgroundColor: '#f6f7f9', fontFamily: 'Helvetica, Arial, sans-serif', color: '#1b2430', margin: 0 },
  container: { backgroundColor: '#ffffff', border: '1px solid #d9dee5', borderRadius: 8, margin: '24px auto', maxWidth: 560, padding: '24px 32px' },
  brand: { color: '#1f4e79', fontSize: 20, fontWeight: 700, margin: '0 0 16px' },
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
};

/** The frame every Kept email shares: brand header, body, footer (with unsubscribe when given). */
export function Layout({ preview, children, unsubscribeUrl, reason }: LayoutProps) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.brand}>Kept</Text>
          <Section>{children}</Section>
          <Hr style={{ borderColor: '#d9dee5', margin: '24px 0 12px' }} />
          {reason ? <Text style={styles.footer}>{reason}</Text> : null}
          {unsubscribeUrl ? (
            <Text style={styles.footer}>
              Don&apos;t want these emails? <Link href={unsubscribeUrl}>Unsubscribe</Link>
            </Text>
          ) : null}
          <Text style={styles.footer}>Sent by Kept, the customer-advocacy and post-sale tracking portal.</Text>
        </Container>
      </Body>
    </Html>
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
