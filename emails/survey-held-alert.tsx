import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type SurveyHeldAlertProps = {
  csmName: string;
  accountName: string;
  dealName: string;
  waveLabel: string;
  /** The journey's current stage, e.g. "Implementation". */
  stageName: string;
  /** The survey in Kept, where the CSM can send it anyway. */
  surveyUrl: string;
};

/** Tells the account's CSM that a due value survey waits because the customer is not live yet. */
export function SurveyHeldAlertEmail({ csmName, accountName, dealName, waveLabel, stageName, surveyUrl }: SurveyHeldAlertProps) {
  return (
    <Layout
      preview={`${accountName}: the ${waveLabel} survey waits until the customer is live`}
      reason="You receive this email because you are the customer success manager of this account in Kept."
    >
      <Text style={paragraph}>Hi {csmName},</Text>
      <Text style={paragraph}>
        The {waveLabel} value-delivery survey of {accountName} ({dealName}) is due, but the customer is not live yet (the journey is in {stageName}). Kept will not ask them whether
        we delivered what we promised before they could see it.
      </Text>
      <Text style={paragraph}>The survey goes out on its own once the journey reaches live. If you want the buyer&apos;s view now, you can send it anyway.</Text>
      <ActionButton href={surveyUrl}>Open the survey</ActionButton>
    </Layout>
  );
}

export const PreviewProps: SurveyHeldAlertProps = {
  csmName: 'Priya Raman',
  accountName: 'Northwind Freight',
  dealName: 'Northwind platform rollout',
  waveLabel: '6 months',
  stageName: 'Implementation',
  surveyUrl: 'http://localhost:3000/surveys/64b7f0c2a1b2c3d4e5f60718',
};

SurveyHeldAlertEmail.PreviewProps = PreviewProps;
export default SurveyHeldAlertEmail;
