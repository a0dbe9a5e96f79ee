import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { advocacyMessages } from '#app/i18n/messages/advocacy';
import { commonMessages } from '#app/i18n/messages/common';

export type ReviewInvitationProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  /** The buyer's language (docs/i18n.md); English when absent. */
  locale?: Locale;
  contactName: string;
  accountName: string;
  /** "G2", "TrustRadius" or "Capterra"; null for the vendor's own review page ("our review page"). */
  platformName: string | null;
  reviewUrl: string;
  /** The same incentive for everyone invited, whatever their rating; empty when there is none. */
  incentive: string;
  senderName: string;
  unsubscribeUrl: string;
};

// Review platforms' rules (G2, TrustRadius, Capterra): invite every eligible customer (or an
// impartial sample), neutral wording that asks for an honest review, positive or critical, and the
// same incentive for everyone, stated up front and never tied to the rating.
/** An invitation to review us, sent to every customer live long enough (or a random sample), never chosen by score. */
export function ReviewInvitationEmail({ brand, locale = 'en', contactName, accountName, platformName, reviewUrl, incentive, senderName, unsubscribeUrl }: ReviewInvitationProps) {
  const t = translator(advocacyMessages, locale);
  const platform = platformName ?? t('ourReviewPage');
  return (
    <Layout brand={brand} locale={locale} preview={t('reviewSubject', { platform })} reason={t('reviewReason', { account: accountName })} unsubscribeUrl={unsubscribeUrl}>
      <Greeting name={contactName} />
      <Text style={paragraph}>{t('reviewInvite', { platform })}</Text>
      <ActionButton href={reviewUrl}>{t('reviewButton')}</ActionButton>
      {incentive ? <Text style={paragraph}>{t('reviewIncentive', { incentive })}</Text> : <Text style={paragraph}>{t('reviewNoIncentive')}</Text>}
      <Text style={paragraph}>{translator(commonMessages, locale)('thanksSignature', { name: senderName })}</Text>
    </Layout>
  );
}

/** The subject line, in the buyer's language (null platform: the vendor's own review page). */
export const reviewInvitationSubject = (locale: Locale, platformName: string | null) => {
  const t = translator(advocacyMessages, locale);
  return t('reviewSubject', { platform: platformName ?? t('ourReviewPage') });
};

export const PreviewProps: ReviewInvitationProps = {
  brand: PREVIEW_BRAND,
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  platformName: 'G2',
  reviewUrl: 'https://www.g2.com/products/kept/take_survey',
  incentive: 'a USD 25 gift card',
  senderName: 'Morgan Ellis',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-3333333333333333333333333333',
};

ReviewInvitationEmail.PreviewProps = PreviewProps;
export default ReviewInvitationEmail;
