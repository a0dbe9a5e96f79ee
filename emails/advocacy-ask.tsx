import { Text } from '@react-email/components';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { advocacyMessages } from '#app/i18n/messages/advocacy';
import { commonMessages } from '#app/i18n/messages/common';

export type AdvocacyAskProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  askType: 'referral' | 'reference' | 'case_study';
  contactName: string;
  accountName: string;
  /** An optional personal note from the marketer, shown as written. */
  message: string;
  senderName: string;
  senderEmail: string;
  unsubscribeUrl: string;
};

// Neutral wording on purpose: one question, no pressure, no reward, "no" is a fine answer, and the
// recipient can stop these emails in one click (app/i18n/messages/advocacy.ts).
const ASKS = {
  referral: { subject: 'referralSubject', ask: 'referralAsk', what: 'referralWhat' },
  reference: { subject: 'referenceSubject', ask: 'referenceAsk', what: 'referenceWhat' },
  case_study: { subject: 'caseStudySubject', ask: 'caseStudyAsk', what: 'caseStudyWhat' },
} as const;

/** The subject line of an ask, in the buyer's language. */
export const advocacyAskSubject = (locale: Locale, askType: AdvocacyAskProps['askType']) => translator(advocacyMessages, locale)(ASKS[askType].subject);

/** An ask of an advocate who told us they were open to it: a referral, a reference call or a case study. */
export function AdvocacyAskEmail({ brand, locale = 'en', askType, contactName, accountName, message, senderName, senderEmail, unsubscribeUrl }: AdvocacyAskProps) {
  const t = translator(advocacyMessages, locale);
  const keys = ASKS[askType];
  return (
    <Layout brand={brand} locale={locale} preview={t(keys.subject)} reason={t('askReason', { account: accountName })} unsubscribeUrl={unsubscribeUrl}>
      <Greeting name={contactName} />
      <Text style={paragraph}>{t('askFrom', { sender: senderName, ask: t(keys.ask) })}</Text>
      {message ? <Text style={paragraph}>{message}</Text> : null}
      <Text style={paragraph}>{t(keys.what)}</Text>
      <Text style={paragraph}>{t('askNoPressure', { account: accountName, email: senderEmail })}</Text>
      <Text style={paragraph}>{translator(commonMessages, locale)('thanksSignature', { name: senderName })}</Text>
    </Layout>
  );
}

export const PreviewProps: AdvocacyAskProps = {
  brand: PREVIEW_BRAND,
  askType: 'reference',
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  message: 'We met at the kickoff in March; your team’s rollout is the one we are proudest of.',
  senderName: 'Morgan Ellis',
  senderEmail: 'marketing@kept.demo',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-2222222222222222222222222222',
};

AdvocacyAskEmail.PreviewProps = PreviewProps;
export default AdvocacyAskEmail;
