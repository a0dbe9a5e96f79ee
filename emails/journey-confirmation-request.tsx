import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { planMessages } from '#app/i18n/messages/plan';
import { playbookText } from '#app/i18n/messages/playbook';

export type JourneyConfirmationRequestProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  contactName: string;
  accountName: string;
  stageName: string;
  /** What the buyer is asked to confirm, one line each (the playbook's buyer actions). */
  items: string[];
  csmName: string;
  planUrl: string;
  /** The date in the buyer's language (app/i18n/format.ts), e.g. "26 Dec 2026". */
  expiresOn: string;
};

/** Asks the buyer to confirm the current stage's outcomes on the shared plan page (no login). */
export function JourneyConfirmationRequestEmail({
  brand,
  locale = 'en',
  contactName,
  accountName,
  stageName,
  items,
  csmName,
  planUrl,
  expiresOn,
}: JourneyConfirmationRequestProps) {
  const t = translator(planMessages, locale);
  const stage = playbookText(locale, stageName);
  return (
    <Layout
      brand={brand}
      locale={locale}
      preview={t('confirmSubject', { stage: stage.toLowerCase(), account: accountName })}
      reason={t('confirmReason', { csm: csmName, account: accountName })}
    >
      <Greeting name={contactName} />
      <Text style={paragraph}>{t('confirmBody', { csm: csmName, account: accountName, stage })}</Text>
      <ul>
        {items.map((item) => (
          <li key={item} style={{ ...paragraph, margin: '0 0 6px' }}>
            {playbookText(locale, item)}
          </li>
        ))}
      </ul>
      <Text style={paragraph}>{t('confirmExplain')}</Text>
      <ActionButton href={planUrl}>{t('confirmButton')}</ActionButton>
      <Text style={paragraph}>{t('confirmLinkNote', { date: expiresOn })}</Text>
    </Layout>
  );
}

export const PreviewProps: JourneyConfirmationRequestProps = {
  brand: PREVIEW_BRAND,
  contactName: 'Nora Lindqvist',
  accountName: 'Northwind Traders',
  stageName: 'Handoff',
  items: ['Confirms the kickoff date and the promises recorded in the sale'],
  csmName: 'Cass Success',
  planUrl: 'http://localhost:3000/plan/preview-token-not-valid',
  expiresOn: '26 Dec 2026',
};

JourneyConfirmationRequestEmail.PreviewProps = PreviewProps;
export default JourneyConfirmationRequestEmail;
