import { Section, Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { surveyMessages } from '#app/i18n/messages/survey';
import { commonMessages } from '#app/i18n/messages/common';

export type SurveyInvitationProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  contactName: string;
  accountName: string;
  /** Months since the close: 6, 9 or 12. */
  waveMonths: number;
  /** The promises made in the sale, in plain words. */
  promises: string[];
  surveyUrl: string;
  unsubscribeUrl: string;
  /** The last day the link works, written in the buyer's language (app/i18n/format.ts), e.g. "3 Aug 2026". */
  expiresOn: string;
  /** The one reminder after a week without an answer. */
  reminder?: boolean;
};

/** The value-delivery survey invitation (and its reminder) a buyer receives 6, 9 and 12 months after the close. */
export function SurveyInvitationEmail({
  brand,
  locale = 'en',
  contactName,
  accountName,
  waveMonths,
  promises,
  surveyUrl,
  unsubscribeUrl,
  expiresOn,
  reminder = false,
}: SurveyInvitationProps) {
  const t = translator(surveyMessages, locale);
  return (
    <Layout
      brand={brand}
      locale={locale}
      preview={t(reminder ? 'emailPreviewReminder' : 'emailPreview', { account: accountName })}
      reason={t('emailReason', { account: accountName })}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      {reminder ? <Text style={paragraph}>{t('emailReminder')}</Text> : null}
      <Text style={paragraph}>{t('emailSince', { months: waveMonths, account: accountName })}</Text>
      <Section style={{ margin: '0 0 14px' }}>
        {promises.map((promise, i) => (
          <Text key={i} style={{ ...paragraph, margin: '0 0 6px', paddingLeft: 12 }}>
            • {promise}
          </Text>
        ))}
      </Section>
      <Text style={paragraph}>{t('emailAsk')}</Text>
      <ActionButton href={surveyUrl}>{t('emailButton')}</ActionButton>
      <Text style={paragraph}>{translator(commonMessages, locale)('linkWorksUntil', { date: expiresOn })}</Text>
    </Layout>
  );
}

/** The subject line, in the buyer's language. */
export const surveyInvitationSubject = (locale: Locale, { accountName, reminder }: { accountName: string; reminder: boolean }) =>
  translator(surveyMessages, locale)(reminder ? 'emailSubjectReminder' : 'emailSubject', { account: accountName });

export const PreviewProps: SurveyInvitationProps = {
  brand: PREVIEW_BRAND,
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  waveMonths: 6,
  promises: ['Cut month-end close from 10 to 4 days', 'Every regional team uses the portal weekly'],
  surveyUrl: 'http://localhost:3000/s/preview-token-0000000000000000000000000000',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-1111111111111111111111111111',
  expiresOn: '3 Aug 2026',
  reminder: false,
};

SurveyInvitationEmail.PreviewProps = PreviewProps;
export default SurveyInvitationEmail;
