// The parts the webhook and Slack admin pages share: the events checkboxes of a form and the
// delivery log of one endpoint.
import { Pagination } from '#app/components/pagination';
import { LocalTime } from '#app/components/local-time';
import type { FormFeedbackState } from '#app/components/form-feedback';
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from '#app/integrations/webhook-rules';

const BADGE: Record<string, string> = { delivered: 'ok', pending: 'warn', failed: 'bad' };

/** One checkbox per event (`event:<type>`), ticked as saved or as the person left them after a refusal. */
export function EventCheckboxes({ f, saved }: { f: FormFeedbackState; saved: readonly string[] }) {
  const refused = f.result && !f.result.ok ? f.result.values : undefined;
  const errors = f.result && !f.result.ok ? f.result.errors?.events : undefined;
  const errorId = `${f.id}-events-error`;
  return (
    <fieldset className="event-choices" id={`${f.id}-events`} tabIndex={-1} aria-describedby={errors ? errorId : undefined}>
      <legend>Events</legend>
      {WEBHOOK_EVENT_TYPES.map((type) => (
        <label key={type}>
          <input type="checkbox" name={`event:${type}`} defaultChecked={refused ? refused[`event:${type}`] === 'on' : saved.includes(type)} /> <code>{type}</code>{' '}
          <span className="muted">{WEBHOOK_EVENTS[type]}</span>
        </label>
      ))}
      {errors ? (
        <p className="field-error" id={errorId}>
          {errors.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}

export type DeliveryRow = {
  id: string;
  eventId: string;
  eventType: string;
  test: boolean;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string | null;
};

/** The delivery log of one endpoint: newest first, paginated. */
export function DeliveryLog({ log, title }: { log: { deliveries: DeliveryRow[]; total: number; page: number; pageCount: number }; title: string }) {
  return (
    <section aria-labelledby="delivery-log-h">
      <h3 id="delivery-log-h">{title}</h3>
      {log.deliveries.length === 0 ? (
        <p className="empty">No deliveries yet. Events the endpoint subscribed to appear here as they happen; “Send a test event” makes one now.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>State</th>
                <th className="num">Attempts</th>
                <th>Response</th>
                <th>Last attempt</th>
                <th>Next retry</th>
              </tr>
            </thead>
            <tbody>
              {log.deliveries.map((d) => (
                <tr key={d.id}>
                  <td>
                    <code>{d.eventType}</code>
                    {d.test ? <span className="badge muted">test</span> : null}
                    <div className="muted">
                      <code>{d.eventId}</code>
                    </div>
                  </td>
                  <td>
                    <span className={`badge ${BADGE[d.state] ?? 'muted'}`}>{d.state}</span>
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td>
                    {d.lastStatus ? <code>{d.lastStatus}</code> : null}
                    {d.lastError && d.lastError !== `HTTP ${d.lastStatus}` ? <div className="muted">{d.lastError}</div> : null}
                    {!d.lastStatus && !d.lastError ? <span className="muted">not sent yet</span> : null}
                  </td>
                  <td>{d.lastAttemptAt ? <LocalTime iso={d.lastAttemptAt} /> : <span className="muted">–</span>}</td>
                  <td>{d.nextAttemptAt ? <LocalTime iso={d.nextAttemptAt} /> : <span className="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={log.page} pages={log.pageCount} total={log.total} noun="delivery" nouns="deliveries" />
    </section>
  );
}
