import { Link, Text } from '@react-email/components';
import { ActionButton } from './_components/action-button';
import { Layout, paragraph } from './_components/layout';

export type DigestItem = { account: string; deal: string; stage: string; days: number; slaDays: number | null; url: string };
/** A recovery case escalated (past its SLA, or by its CSM): listed once, in the admins' digest. */
export type EscalatedItem = { account: string; subject: string; csm: string; sla: string; url: string };

export type JourneyDigestProps = {
  name: string;
  /** Human date of the digest, e.g. "26 Nov 2026". */
  date: string;
  stalled: DigestItem[];
  atRisk: DigestItem[];
  /** Admins only: recovery cases escalated since the last digest. */
  escalated?: EscalatedItem[];
  boardUrl: string;
  recoveryUrl?: string;
};

function Items({ items }: { items: DigestItem[] }) {
  return (
    <ul>
      {items.map((i) => (
        <li key={i.url} style={{ ...paragraph, margin: '0 0 6px' }}>
          <Link href={i.url}>{i.account}</Link> · {i.deal}: {i.stage}, {i.days} days in stage{i.slaDays ? ` (SLA ${i.slaDays})` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The daily note to each journey owner: what is stalled (past the stage SLA) or at risk (past 75 %). */
export function JourneyDigestEmail({ name, date, stalled, atRisk, escalated = [], boardUrl, recoveryUrl }: JourneyDigestProps) {
  return (
    <Layout
      preview={`${stalled.length} stalled, ${atRisk.length} at risk: your journeys on ${date}`}
      reason="You receive this email because you own post-sale journeys in Kept. It is sent only on days when something needs you."
    >
      <Text style={paragraph}>Hi {name},</Text>
      <Text style={paragraph}>Here is what needs you today, {date}.</Text>
      {escalated.length ? (
        <>
          <Text style={{ ...paragraph, fontWeight: 700 }}>Recovery cases escalated to you ({escalated.length})</Text>
          <ul>
            {escalated.map((e) => (
              <li key={e.url} style={{ ...paragraph, margin: '0 0 6px' }}>
                <Link href={e.url}>{e.account}</Link> · {e.subject}: {e.sla}, CSM {e.csm}
              </li>
            ))}
          </ul>
          {recoveryUrl ? (
            <Text style={paragraph}>
              All escalated cases: <Link href={recoveryUrl}>{recoveryUrl}</Link>
            </Text>
          ) : null}
        </>
      ) : null}
      {stalled.length ? (
        <>
          <Text style={{ ...paragraph, fontWeight: 700 }}>Stalled: past the stage SLA ({stalled.length})</Text>
          <Items items={stalled} />
        </>
      ) : null}
      {atRisk.length ? (
        <>
          <Text style={{ ...paragraph, fontWeight: 700 }}>At risk: past 75 % of the SLA ({atRisk.length})</Text>
          <Items items={atRisk} />
        </>
      ) : null}
      <ActionButton href={boardUrl}>Open my journeys</ActionButton>
    </Layout>
  );
}

export const PreviewProps: JourneyDigestProps = {
  name: 'Cass Success',
  date: '26 Nov 2026',
  stalled: [{ account: 'Initech', deal: 'Initech — Analytics rollout', stage: 'Handoff', days: 9.5, slaDays: 7, url: 'http://localhost:3000/journeys/000000000000000000000001' }],
  atRisk: [{ account: 'Globex', deal: 'Globex — Platform', stage: 'Implementation', days: 36, slaDays: 45, url: 'http://localhost:3000/journeys/000000000000000000000002' }],
  escalated: [
    {
      account: 'Blackglen Construction',
      subject: 'Site reports sync to the ERP every night',
      csm: 'Priya Raman',
      sla: '2 days overdue',
      url: 'http://localhost:3000/recovery/000000000000000000000003',
    },
  ],
  boardUrl: 'http://localhost:3000/journeys?mine=1',
  recoveryUrl: 'http://localhost:3000/recovery?status=escalated',
};

JourneyDigestEmail.PreviewProps = PreviewProps;
export default JourneyDigestEmail;
