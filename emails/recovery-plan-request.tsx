import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Greeting, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type RecoveryPlanRequestProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()); Kept's own when absent. */
  brand?: EmailBrand;
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
export function RecoveryPlanRequestEmail({ brand, contactName, accountName, promise, planText, dueBy, csmName, planUrl, expiresOn }: RecoveryPlanRequestProps) {
  return (
    <Layout
      brand={brand}
      preview={`What we agreed to fix for ${accountName}`}
      reason="You receive this email because you told us a promise was not kept, and we agreed a plan with you."
    >
      <Greeting name={contactName} />
      <Text style={paragraph}>Thank you for telling us that this was not delivered to {accountName}:</Text>
      <Text style={{ ...paragraph, fontWeight: 700 }}>{promise}</Text>
      <Text style={paragraph}>
        Here is what we agreed to do, by {dueBy}: {planText}
      </Text>
      <Text style={paragraph}>Please confirm that this is what we agreed. {csmName} will keep you posted.</Text>
      <ActionButton href={planUrl}>Review and confirm the plan</ActionButton>
      <Text style={paragraph}>The link is personal and works until {expiresOn}.</Text>
    </Layout>
  );
}

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
