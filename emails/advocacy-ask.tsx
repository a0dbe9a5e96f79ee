import { Text } from '@react-email/components';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type AdvocacyAskProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
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
// recipient can stop these emails in one click.
const ASKS: Record<AdvocacyAskProps['askType'], { preview: string; ask: string; what: string }> = {
  referral: {
    preview: 'A question about introductions',
    ask: 'do you know another company that faces the challenges you brought to us? If so, would you be open to introducing us (a referral)?',
    what: 'If yes, a reply with the company’s name (and a contact, if you are comfortable sharing one) is all we need. We will mention that you introduced us only if you agree.',
  },
  reference: {
    preview: 'Would you speak with a company like yours?',
    ask: 'would you be willing to be a reference: a short call (about 20 minutes) with a company considering us, to share your own experience, good and bad?',
    what: 'If yes, reply and we will agree a time that suits you. You would never be asked more than once in a while.',
  },
  case_study: {
    preview: 'Would you tell your story with us?',
    ask: 'would you be open to a case study: a short interview about what you set out to do and what happened, written up with you and published only with your approval?',
    what: 'If yes, reply and we will send the questions in advance. You review every word before anything is published.',
  },
};

/** An ask of an advocate who told us they were open to it: a referral, a reference call or a case study. */
export function AdvocacyAskEmail({ brand, askType, contactName, accountName, message, senderName, senderEmail, unsubscribeUrl }: AdvocacyAskProps) {
  const copy = ASKS[askType];
  return (
    <Layout
      brand={brand}
      preview={copy.preview}
      reason={`You receive this email because you work with us at ${accountName} and said you might be open to this.`}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      <Text style={paragraph}>
        A question from {senderName}: {copy.ask}
      </Text>
      {message ? <Text style={paragraph}>{message}</Text> : null}
      <Text style={paragraph}>{copy.what}</Text>
      <Text style={paragraph}>
        Saying no, or not answering, is perfectly fine and changes nothing in how we work with {accountName}. Reply to {senderEmail} either way.
      </Text>
      <Text style={paragraph}>Thank you, {senderName}</Text>
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
