import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type RecoveryCaseOpenedProps = {
  csmName: string;
  accountName: string;
  /** The promise as the buyer judged it, or a sentence about the answer as a whole. */
  promise: string;
  /** What the buyer wrote; empty when they wrote nothing. */
  buyerWords: string;
  repName: string;
  /** Human date the SLA ends, e.g. "14 Dec 2026". */
  slaDue: string;
  caseUrl: string;
};

const quote = { ...paragraph, borderLeft: '3px solid #d9dee5', paddingLeft: 12, color: '#3a4452' } as const;

/** Tells the account's CSM that a buyer said a promise was not kept: the case waits for them. */
export function RecoveryCaseOpenedEmail({ csmName, accountName, promise, buyerWords, repName, slaDue, caseUrl }: RecoveryCaseOpenedProps) {
  return (
    <Layout preview={`A promise was not kept at ${accountName}`} reason="You receive this email because you are the customer success manager of this account in Kept.">
      <Text style={paragraph}>Hi {csmName},</Text>
      <Text style={paragraph}>A promise was not kept at {accountName}. The buyer told us in their value survey:</Text>
      <Text style={{ ...paragraph, fontWeight: 700 }}>{promise}</Text>
      {buyerWords ? <Text style={quote}>“{buyerWords}”</Text> : <Text style={paragraph}>They left no comment.</Text>}
      <Text style={paragraph}>
        {repName} made the promise. Please agree a plan with the buyer, or close the case, by {slaDue}.
      </Text>
      <ActionButton href={caseUrl}>Open the case</ActionButton>
    </Layout>
  );
}

export const PreviewProps: RecoveryCaseOpenedProps = {
  csmName: 'Priya Raman',
  accountName: 'Blackglen Construction',
  promise: 'Site reports sync to the ERP every night',
  buyerWords: 'We are not getting what we were sold: the sync has failed every night since October.',
  repName: 'Sam Okafor',
  slaDue: '14 Dec 2026',
  caseUrl: 'http://localhost:3000/recovery/64b7f0c2a1b2c3d4e5f60718',
};

RecoveryCaseOpenedEmail.PreviewProps = PreviewProps;
export default RecoveryCaseOpenedEmail;
