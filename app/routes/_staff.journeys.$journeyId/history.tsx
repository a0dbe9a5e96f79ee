// What was sent and done: the plan links sent to the buyer and the journey's audit trail.
import { LocalTime } from '#app/components/local-time';
import type { Detail } from './types';

export function ConfirmationRequests({ journey }: { journey: Detail }) {
  return journey.requests.length ? (
    <section className="panel" aria-labelledby="requests-h">
      <h2 id="requests-h">Plan links sent to the buyer</h2>
      <ul>
        {journey.requests.map((r, i) => (
          <li key={i}>
            {r.contactName} ({r.contactEmail}) · {r.purpose} · {r.stageName} · sent <LocalTime iso={r.createdAt} /> · <span className="badge muted">{r.state}</span>
            {r.lastSeenAt ? (
              <span className="muted">
                {' '}
                · last used to confirm <LocalTime iso={r.lastSeenAt} />
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  ) : null;
}

export function AuditTrail({ journey }: { journey: Detail }) {
  return (
    <section className="panel" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit trail</h2>
      {journey.audit.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {journey.audit.map((a) => (
                <tr key={a.id}>
                  <td>
                    <LocalTime iso={a.at} />
                  </td>
                  <td>{a.actorName}</td>
                  <td>{a.label}</td>
                  <td>{a.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
