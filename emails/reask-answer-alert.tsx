import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type ReaskAnswerAlertProps = {
  csmName: string;
  accountName: string;
  buyerName: string;
  promise: string;
  /** "Delivered", "Partly" or "Not yet". */
  verdictLabel: string;
  /** The buyer's comment, if any. */
  comment: string;
  /** True when the answer closed the case as recovered. */
  recovered: boolean;
  /** The recovery case in Kept. */
  caseUrl: string;
};

/** Tells the case's CSM what the buyer answered to the re-ask of one promise. */
export function ReaskAnswerAlertEmail({ csmName, accountName, buyerName, promise, verdictLabel, comment, recovered, caseUrl }: ReaskAnswerAlertProps) {
  return (
    <Layout preview={`${accountName}: “${promise}” is ${verdictLabel.toLowerCase()}`} reason="You receive this email because you own this recovery case in Kept.">
      <Text style={paragraph}>Hi {csmName},</Text>
      <Text style={paragraph}>
        We asked {buyerName} at {accountName} again whether “{promise}” is delivered now. Their answer: {verdictLabel}.
      </Text>
      {comment ? <Text style={paragraph}>Their comment: “{comment}”</Text> : null}
      <Text style={paragraph}>
        {recovered
          ? 'Kept closed the recovery case as recovered. Nothing more to do.'
          : 'The recovery case stays open. Talk to them and agree a new plan: Kept asks again when its date has passed.'}
      </Text>
      <ActionButton href={caseUrl}>Open the case</ActionButton>
    </Layout>
  );
}

export const PreviewProps: ReaskAnswerAlertProps = {
  csmName: 'Priya Raman',
  accountName: 'Northwind Freight',
  buyerName: 'Maria Lopez',
  promise: 'Cut month-end close from 10 to 4 days',
  verdictLabel: 'Partly',
  comment: 'Down to 6 days; the reconciliation still needs a person.',
  recovered: false,
  caseUrl: 'http://localhost:3000/recovery/64b7f0c2a1b2c3d4e5f60718',
};

ReaskAnswerAlertEmail.PreviewProps = PreviewProps;
export default ReaskAnswerAlertEmail;
