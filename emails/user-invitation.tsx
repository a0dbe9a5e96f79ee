import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type UserInvitationProps = {
  name: string;
  /** Role label as the invitee should read it, e.g. "Customer success". */
  role: string;
  invitedBy: string;
  signInUrl: string;
  /** The single-use link to choose a password; absent when the admin set one (then: sign in). */
  setPasswordUrl?: string;
  /** When that link stops working, as the invitee should read it, e.g. "13 May 2026". */
  expiresOn?: string;
};

/** The invitation a new staff user receives when an admin creates their account (or resends it). */
export function UserInvitationEmail({ name, role, invitedBy, signInUrl, setPasswordUrl, expiresOn }: UserInvitationProps) {
  const href = setPasswordUrl ?? signInUrl;
  return (
    <Layout preview={`${invitedBy} invited you to Kept`} reason="You receive this email because an admin created a Kept account for you.">
      <Text style={paragraph}>Hi {name},</Text>
      <Text style={paragraph}>
        {invitedBy} invited you to Kept as <strong>{role}</strong>. Kept tracks every closed-won customer through handoff, implementation and go-live, and asks them whether we
        delivered what we promised.
      </Text>
      {setPasswordUrl ? <Text style={paragraph}>Choose your password with the button below. The link works once{expiresOn ? `, until ${expiresOn}` : ''}.</Text> : null}
      <ActionButton href={href}>{setPasswordUrl ? 'Choose your password' : 'Sign in to Kept'}</ActionButton>
      {setPasswordUrl ? <Text style={paragraph}>Afterwards, sign in at {signInUrl}</Text> : null}
      <Text style={paragraph}>If you did not expect this invitation, you can ignore this email.</Text>
    </Layout>
  );
}

export const PreviewProps: UserInvitationProps = {
  name: 'Dana Whitfield',
  role: 'Customer success',
  invitedBy: 'Priya Raman',
  signInUrl: 'http://localhost:3000/login',
  setPasswordUrl: 'http://localhost:3000/invite/3q2-example-token',
  expiresOn: '13 May 2026',
};

UserInvitationEmail.PreviewProps = PreviewProps;
export default UserInvitationEmail;
