import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type SurveyContactAlertProps = {
  csmName: string;
  accountName: string;
  dealName: string;
  waveLabel: string;
  contactEmail: string;
  /** What happened, one sentence, e.g. "Their mail server rejected the survey (bounce)." */
  reason: string;
  /** The survey in Kept, where the CSM picks another contact. */
  surveyUrl: string;
};

/** Tells the account's CSM that a survey cannot reach its contact, so they pick another one. */
export function SurveyContactAlertEmail({ csmName, accountName, dealName, waveLabel, contactEmail, reason, surveyUrl }: SurveyContactAlertProps) {
  return (
    <Layout
      preview={`${accountName}: the ${waveLabel} survey needs another contact`}
      reason="You receive this email because you are the customer success manager of this account in Kept."
    >
      <Text style={paragraph}>Hi {csmName},</Text>
      <Text style={paragraph}>
        The {waveLabel} value-delivery survey of {accountName} ({dealName}) cannot reach {contactEmail}. {reason}
      </Text>
      <Text style={paragraph}>Kept has stopped emailing that address. Please pick another contact for this survey.</Text>
      <ActionButton href={surveyUrl}>Choose another contact</ActionButton>
    </Layout>
  );
}

export const PreviewProps: SurveyContactAlertProps = {
  csmName: 'Priya Raman',
  accountName: 'Northwind Freight',
  dealName: 'Northwind platform rollout',
  waveLabel: '9 months',
  contactEmail: 'maria.lopez@northwind.example',
  reason: 'Their mail server rejected the survey email (a bounce).',
  surveyUrl: 'http://localhost:3000/surveys/64b7f0c2a1b2c3d4e5f60718',
};

SurveyContactAlertEmail.PreviewProps = PreviewProps;
export default SurveyContactAlertEmail;
