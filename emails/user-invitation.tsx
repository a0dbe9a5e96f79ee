import { Button, Section, Text } from '@react-email/components';
import { button, Layout, paragraph } from './_components/layout';

export type UserInvitationProps = {
  name: string;
  /** Role label as the invitee should read it, e.g. "Customer success". */
  role: string;
  invitedBy: string;
  signInUrl: string;
};

/** The invitation a new staff user receives when an admin creates their account. */
export function UserInvitationEmail({ name, role, invitedBy, signInUrl }: UserInvitationProps) {
  return (
    <Layout
      preview={`${invitedBy} invited you to Kept`}
      reason="You receive this email because an admin created a Kept account for you."
    >
      <Text style={paragraph}>Hi {name},</Text>
      <Text style={paragraph}>
        {invitedBy} invited you to Kept as <strong>{role}</strong>. Kept tracks every closed-won customer
        through handoff, implementation and go-live, and asks them whether we delivered what we promised.
      </Text>
      <Section style={{ margin: '8px 0 20px' }}>
        <Button href={signInUrl} style={button}>
          Sign in to Kept
        </Button>
      </Section>
      <Text style={paragraph}>If the button does not work, open this link: {signInUrl}</Text>
      <Text style={paragraph}>If you did not expect this invitation, you can ignore this email.</Text>
    </Layout>
  );
}

export const PreviewProps: UserInvitationProps = {
  name: 'Dana Whitfield',
  role: 'Customer success',
  invitedBy: 'Priya Raman',
  signInUrl: 'http://localhost:3000/login?email=dana%40example.com',
};

UserInvitationEmail.PreviewProps = PreviewProps;
export default UserInvitationEmail;
