import { Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type WebhookEndpointDisabledProps = {
  adminName: string;
  /** The endpoint as the admin pages name it: its URL, or "Slack (Sales)". */
  endpointLabel: string;
  /** When its deliveries started failing, formatted for the reader (UTC). */
  failingSince: string;
  /** What the last attempt got back, e.g. "HTTP 503". */
  lastError: string;
  /** The endpoint's page in Kept (delivery log, the button to enable it again). */
  settingsUrl: string;
};

/** Tells every admin that Kept stopped sending to an endpoint whose deliveries failed for a day. */
export function WebhookEndpointDisabledEmail({ adminName, endpointLabel, failingSince, lastError, settingsUrl }: WebhookEndpointDisabledProps) {
  return (
    <Layout preview={`Kept disabled the webhook ${endpointLabel}: its deliveries failed for a day`} reason="You receive this email because you are an admin of Kept.">
      <Text style={paragraph}>Hi {adminName},</Text>
      <Text style={paragraph}>
        Every delivery to {endpointLabel} has failed since {failingSince}, so Kept disabled it and sends it no more events. The last attempt got: {lastError}.
      </Text>
      <Text style={paragraph}>Once the receiving side works again, enable the endpoint in Kept; its delivery log shows each attempt and its answer.</Text>
      <ActionButton href={settingsUrl}>Open the endpoint</ActionButton>
    </Layout>
  );
}

export const PreviewProps: WebhookEndpointDisabledProps = {
  adminName: 'Sam Okafor',
  endpointLabel: 'https://hooks.example.com/kept',
  failingSince: '6 Dec 2026, 09:12 UTC',
  lastError: 'HTTP 503',
  settingsUrl: 'http://localhost:3000/admin/webhooks?endpoint=64b7f0c2a1b2c3d4e5f60718',
};

WebhookEndpointDisabledEmail.PreviewProps = PreviewProps;
export default WebhookEndpointDisabledEmail;
