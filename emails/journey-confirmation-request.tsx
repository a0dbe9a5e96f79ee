import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type JourneyConfirmationRequestProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  contactName: string;
  accountName: string;
  stageName: string;
  /** What the buyer is asked to confirm, one line each (the playbook's buyer actions). */
  items: string[];
  csmName: string;
  planUrl: string;
  /** Human date, e.g. "26 Dec 2026". */
  expiresOn: string;
};

/** Asks the buyer to confirm the current stage's outcomes on the shared plan page (no login). */
export function JourneyConfirmationRequestEmail({ brand, contactName, accountName, stageName, items, csmName, planUrl, expiresOn }: JourneyConfirmationRequestProps) {
  return (
    <Layout
      brand={brand}
      preview={`Please confirm the ${stageName.toLowerCase()} steps for ${accountName}`}
      reason={`You receive this email because ${csmName} asked you to confirm progress on the ${accountName} rollout.`}
    >
      <Greeting name={contactName} />
      <Text style={paragraph}>
        {csmName} is tracking the {accountName} rollout with you. We are in the <strong>{stageName}</strong> stage, and before we move on we would like your confirmation of:
      </Text>
      <ul>
        {items.map((item) => (
          <li key={item} style={{ ...paragraph, margin: '0 0 6px' }}>
            {item}
          </li>
        ))}
      </ul>
      <Text style={paragraph}>The shared plan page shows every stage, the outcomes promised in the sale, and a button to confirm each item. No login needed.</Text>
      <ActionButton href={planUrl}>Open the shared plan</ActionButton>
      <Text style={paragraph}>The link is personal to you and works until {expiresOn}. Opening it changes nothing: only the confirm buttons do.</Text>
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
