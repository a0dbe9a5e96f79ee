import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { commonMessages } from '#app/i18n/messages/common';
import { planMessages } from '#app/i18n/messages/plan';

export type RecoveryPlanRequestProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  contactName: string;
  accountName: string;
  promise: string;
  /** What the team will do. */
  planText: string;
  /** Human date, e.g. "15 Jan 2027". */
  dueBy: string;
  csmName: string;
  planUrl: string;
  /** Human date the link expires. */
  expiresOn: string;
};

/** Sends the buyer the plan agreed to fix a promise, with a link to confirm it on the shared plan page. */
export function RecoveryPlanRequestEmail({ brand, locale = 'en', contactName, accountName, promise, planText, dueBy, csmName, planUrl, expiresOn }: RecoveryPlanRequestProps) {
  const t = translator(planMessages, locale);
  return (
    <Layout brand={brand} locale={locale} preview={t('recoverySubject', { account: accountName })} reason={t('recoveryReason')}>
      <Greeting name={contactName} />
      <Text style={paragraph}>{t('recoveryThanks', { account: accountName })}</Text>
      <Text style={{ ...paragraph, fontWeight: 700 }}>{promise}</Text>
      <Text style={paragraph}>{t('recoveryPlan', { date: dueBy, plan: planText })}</Text>
      <Text style={paragraph}>{t('recoveryConfirm', { csm: csmName })}</Text>
      <ActionButton href={planUrl}>{t('recoveryButton')}</ActionButton>
      <Text style={paragraph}>{translator(commonMessages, locale)('linkWorksUntil', { date: expiresOn })}</Text>
    </Layout>
  );
}

/** The subject line, in the buyer's language. */
export const recoveryPlanRequestSubject = (locale: Locale, accountName: string) => translator(planMessages, locale)('recoverySubject', { account: accountName });

export const PreviewProps: RecoveryPlanRequestProps = {
  contactName: 'Dana Whitfield',
  accountName: 'Blackglen Construction',
  promise: 'Site reports sync to the ERP every night',
  planText: 'Move the sync to the new connector and check it with your controller every morning for two weeks.',
  dueBy: '15 Jan 2027',
  csmName: 'Priya Raman',
  planUrl: 'http://localhost:3000/plan/abc',
  expiresOn: '6 Jan 2027',
};

RecoveryPlanRequestEmail.PreviewProps = PreviewProps;
export default RecoveryPlanRequestEmail;
