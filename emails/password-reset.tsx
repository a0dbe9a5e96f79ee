import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type PasswordResetProps = {
  name: string;
  resetUrl: string;
  /** How long the link works, e.g. "15 minutes". */
  validFor: string;
};

/** The single-use link to choose a new password, sent from "Forgot your password?" or by an admin. */
export function PasswordResetEmail({ name, resetUrl, validFor }: PasswordResetProps) {
  return (
    <Layout preview="Choose a new Kept password" reason="You receive this email because someone asked to reset the password of your Kept account.">
      <Text style={paragraph}>Hi {name},</Text>
      <Text style={paragraph}>
        Someone asked to reset the password of your Kept account. To choose a new one, use the button below. The link works once, for {validFor}; choosing a new password signs you
        out everywhere.
      </Text>
      <ActionButton href={resetUrl}>Choose a new password</ActionButton>
      <Text style={paragraph}>If you did not ask for this, ignore this email: your password stays as it is.</Text>
    </Layout>
  );
}

export const PreviewProps: PasswordResetProps = {
  name: 'Dana Whitfield',
  resetUrl: 'http://localhost:3000/reset-password/3q2-example-token',
  validFor: '15 minutes',
};

PasswordResetEmail.PreviewProps = PreviewProps;
export default PasswordResetEmail;
