import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type ReviewInvitationProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  contactName: string;
  accountName: string;
  /** "G2", "TrustRadius", "Capterra" or "our review page". */
  platformName: string;
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
export function ReviewInvitationEmail({ brand, contactName, accountName, platformName, reviewUrl, incentive, senderName, unsubscribeUrl }: ReviewInvitationProps) {
  return (
    <Layout
      brand={brand}
      preview={`Would you review us on ${platformName}?`}
      reason={`You receive this email because ${accountName} has used our product for a while; we invite every customer at this stage.`}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      <Text style={paragraph}>
        We invite every customer who has used our product for a while to review us on {platformName}. We would value your honest opinion, whatever it is: positive, critical or
        mixed. Other buyers learn most from reviews that say what worked and what did not.
      </Text>
      <ActionButton href={reviewUrl}>Write a review</ActionButton>
      {incentive ? (
        <Text style={paragraph}>As a thank-you for your time, everyone who writes a review receives the same thing, whatever their rating: {incentive}.</Text>
      ) : (
        <Text style={paragraph}>There is no reward for reviewing, and no review is expected: it is entirely up to you.</Text>
      )}
      <Text style={paragraph}>Thank you, {senderName}</Text>
    </Layout>
  );
}

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
