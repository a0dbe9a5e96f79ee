import { Section, Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type SurveyInvitationProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
  contactName: string;
  accountName: string;
  /** "6 months", "9 months" or "12 months". */
  waveLabel: string;
  /** The promises made in the sale, in plain words. */
  promises: string[];
  surveyUrl: string;
  unsubscribeUrl: string;
  /** The last day the link works, e.g. "3 August 2026". */
  expiresOn: string;
  /** The one reminder after a week without an answer. */
  reminder?: boolean;
};

/** The value-delivery survey invitation (and its reminder) a buyer receives 6, 9 and 12 months after the close. */
export function SurveyInvitationEmail({ brand, contactName, accountName, waveLabel, promises, surveyUrl, unsubscribeUrl, expiresOn, reminder = false }: SurveyInvitationProps) {
  return (
    <Layout
      brand={brand}
      preview={reminder ? `A reminder: did we deliver what we promised ${accountName}?` : `Did we deliver what we promised ${accountName}?`}
      reason={`You receive this email because you are the contact for ${accountName}'s check-ins.`}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Greeting name={contactName} />
      {reminder ? <Text style={paragraph}>A short reminder of our question from last week. If you have already answered, thank you, and please ignore this email.</Text> : null}
      <Text style={paragraph}>
        It has been {waveLabel} since {accountName} chose us. When you signed, we promised you:
      </Text>
      <Section style={{ margin: '0 0 14px' }}>
        {promises.map((promise, i) => (
          <Text key={i} style={{ ...paragraph, margin: '0 0 6px', paddingLeft: 12 }}>
            • {promise}
          </Text>
        ))}
      </Section>
      <Text style={paragraph}>
        Did we keep these promises? It takes two minutes: one question per promise, then one about the value overall. Your answer goes to the people who made the promises.
      </Text>
      <ActionButton href={surveyUrl}>Answer the survey</ActionButton>
      <Text style={paragraph}>The link is personal and works until {expiresOn}.</Text>
    </Layout>
  );
}

export const PreviewProps: SurveyInvitationProps = {
  brand: PREVIEW_BRAND,
  contactName: 'Maria Lopez',
  accountName: 'Northwind Freight',
  waveLabel: '6 months',
  promises: ['Cut month-end close from 10 to 4 days', 'Every regional team uses the portal weekly'],
  surveyUrl: 'http://localhost:3000/s/preview-token-0000000000000000000000000000',
  unsubscribeUrl: 'http://localhost:3000/u/preview-token-1111111111111111111111111111',
  expiresOn: '3 August 2026',
  reminder: false,
};

SurveyInvitationEmail.PreviewProps = PreviewProps;
export default SurveyInvitationEmail;
