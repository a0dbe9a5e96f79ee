import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type PromiseReaskProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  contactName: string;
  accountName: string;
  /** The one promise the buyer judged not delivered. */
  promise: string;
  /** What was agreed to put it right, and by when (e.g. "Retrain the regional teams, by 3 June 2026"). */
  plan: string;
  reaskUrl: string;
  unsubscribeUrl: string;
  /** The last day the link works, e.g. "17 June 2026". */
  expiresOn: string;
  /** The one reminder after a few days without an answer. */
  reminder?: boolean;
};

/** The re-ask of one promise once the agreed recovery plan's date has passed: one question, three answers. */
export function PromiseReaskEmail({ brand, contactName, accountName, promise, plan, reaskUrl, unsubscribeUrl, expiresOn, reminder = false }: PromiseReaskProps) {
  return (
    <Layout
      brand={brand}
      preview={`${reminder ? 'A reminder: ' : ''}is “${promise}” delivered now?`}
      reason={`You receive this email because you are the contact for ${accountName}'s check-ins.`}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      {reminder ? (
        <Text style={paragraph}>A short reminder of our question from a few days ago. If you have already answered, thank you, and please ignore this email.</Text>
      ) : null}
      <Text style={paragraph}>You told us this promise was not delivered: “{promise}”.</Text>
      <Text style={paragraph}>We agreed to put it right: {plan}</Text>
      <Text style={paragraph}>Is it delivered now? One question: delivered, partly or not yet, and a comment if you like.</Text>
      <ActionButton href={reaskUrl}>Answer the question</ActionButton>
      <Text style={paragraph}>The link is personal and works until {expiresOn}.</Text>
    </Layout>
  );
}

export const PreviewProps: PromiseReaskProps = {
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  promise: 'Cut month-end close from 10 to 4 days',
  plan: 'Automate the intercompany reconciliation and retrain the finance team, by 3 June 2026.',
  reaskUrl: 'http://localhost:3000/r/preview-token-0000000000000000000000000000',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-1111111111111111111111111111',
  expiresOn: '17 June 2026',
  reminder: false,
};

PromiseReaskEmail.PreviewProps = PreviewProps;
export default PromiseReaskEmail;
