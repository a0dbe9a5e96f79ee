import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { commonMessages } from '#app/i18n/messages/common';
import { reaskMessages } from '#app/i18n/messages/reask';

export type PromiseReaskProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  contactName: string;
  accountName: string;
  /** The one promise the buyer judged not delivered. */
  promise: string;
  /** What was agreed to put it right (e.g. "Retrain the regional teams"). */
  plan: string;
  /** By when, in the buyer's language (app/i18n/format.ts), e.g. "3 Jun 2026". */
  planDueBy: string;
  reaskUrl: string;
  unsubscribeUrl: string;
  /** The last day the link works, e.g. "17 June 2026". */
  expiresOn: string;
  /** The one reminder after a few days without an answer. */
  reminder?: boolean;
};

/** The re-ask of one promise once the agreed recovery plan's date has passed: one question, three answers. */
export function PromiseReaskEmail({
  brand,
  locale = 'en',
  contactName,
  accountName,
  promise,
  plan,
  planDueBy,
  reaskUrl,
  unsubscribeUrl,
  expiresOn,
  reminder = false,
}: PromiseReaskProps) {
  const t = translator(reaskMessages, locale);
  return (
    <Layout
      brand={brand}
      locale={locale}
      preview={t(reminder ? 'emailPreviewReminder' : 'emailPreview', { promise })}
      reason={t('emailReason', { account: accountName })}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      {reminder ? <Text style={paragraph}>{t('emailReminder')}</Text> : null}
      <Text style={paragraph}>{t('emailToldUs', { promise })}</Text>
      <Text style={paragraph}>{t('emailPlan', { plan: plan.replace(/[.\s]+$/, ''), date: planDueBy })}</Text>
      <Text style={paragraph}>{t('emailQuestion')}</Text>
      <ActionButton href={reaskUrl}>{t('emailButton')}</ActionButton>
      <Text style={paragraph}>{translator(commonMessages, locale)('linkWorksUntil', { date: expiresOn })}</Text>
    </Layout>
  );
}

/** The subject line, in the buyer's language. */
export const promiseReaskSubject = (locale: Locale, { accountName, reminder }: { accountName: string; reminder: boolean }) =>
  translator(reaskMessages, locale)(reminder ? 'emailSubjectReminder' : 'emailSubject', { account: accountName });

export const PreviewProps: PromiseReaskProps = {
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  promise: 'Cut month-end close from 10 to 4 days',
  plan: 'Automate the intercompany reconciliation and retrain the finance team',
  planDueBy: '3 Jun 2026',
  reaskUrl: 'http://localhost:3000/r/preview-token-0000000000000000000000000000',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-1111111111111111111111111111',
  expiresOn: '17 Jun 2026',
  reminder: false,
};

PromiseReaskEmail.PreviewProps = PreviewProps;
export default PromiseReaskEmail;
