import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type RecoveryRepNoticeProps = {
  repName: string;
  accountName: string;
  promise: string;
  buyerWords: string;
  /** Who owns the recovery; "nobody yet" when the account has no CSM. */
  csmName: string;
  caseUrl: string;
};

const quote = { ...paragraph, borderLeft: '3px solid #d9dee5', paddingLeft: 12, color: '#3a4452' } as const;

/** Tells the rep who made a promise that the buyer says it was not kept, and who is on it. */
export function RecoveryRepNoticeEmail({ repName, accountName, promise, buyerWords, csmName, caseUrl }: RecoveryRepNoticeProps) {
  return (
    <Layout preview={`${accountName}: a promise you made was not kept`} reason="You receive this email because you closed this deal and made this promise.">
      <Text style={paragraph}>Hi {repName},</Text>
      <Text style={paragraph}>The buyer at {accountName} told us in their value survey that this promise was not kept:</Text>
      <Text style={{ ...paragraph, fontWeight: 700 }}>{promise}</Text>
      {buyerWords ? <Text style={quote}>“{buyerWords}”</Text> : null}
      <Text style={paragraph}>{csmName} owns the recovery. Nothing is needed from you unless they ask; you can follow the case in Kept.</Text>
      <ActionButton href={caseUrl}>Follow the case</ActionButton>
    </Layout>
  );
}

export const PreviewProps: RecoveryRepNoticeProps = {
  repName: 'Sam Okafor',
  accountName: 'Blackglen Construction',
  promise: 'Site reports sync to the ERP every night',
  buyerWords: 'The sync has failed every night since October.',
  csmName: 'Priya Raman',
  caseUrl: 'http://localhost:3000/recovery/64b7f0c2a1b2c3d4e5f60718',
};

RecoveryRepNoticeEmail.PreviewProps = PreviewProps;
export default RecoveryRepNoticeEmail;
