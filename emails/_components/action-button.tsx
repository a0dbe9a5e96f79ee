import { Button, Section, Text } from '@react-email/components';
import type { ReactNode } from 'react';
import { useMessages } from '#app/i18n/i18n';
import { commonMessages } from '#app/i18n/messages/common';
import { paragraph, useButtonStyle } from './layout';

/** An email's one call to action: the button, then its link in plain text for clients that drop buttons. */
export function ActionButton({ href, children }: { href: string; children: ReactNode }) {
  const style = useButtonStyle();
  const t = useMessages(commonMessages);
  return (
    <>
      <Section style={{ margin: '8px 0 20px' }}>
        <Button href={href} style={style}>
          {children}
        </Button>
      </Section>
      {/* A link of 80 characters has no place to break: without this it widens a phone's screen. */}
      <Text style={{ ...paragraph, overflowWrap: 'anywhere', wordBreak: 'break-word' }}>{t('buttonFallback', { href })}</Text>
    </>
  );
}
