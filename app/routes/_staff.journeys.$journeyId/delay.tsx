// "Waiting on the customer": CS marks a delay the buyer owns, sees whether the buyer confirmed it (only
// then is the stage's SLA clock paused) and ends it. See docs/buyer-delays.md.
import { FeedbackForm, FormFeedback, useFormFeedback } from '#app/components/form-feedback';
import { TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { formatDuration } from '#app/journeys/journey-rules';
import type { Detail } from './types';

type Delay = NonNullable<Detail['delays']['open']>;

function DelayState({ delay }: { delay: Delay }) {
  return delay.state === 'confirmed' ? (
    <span className="badge ok" data-testid="delay-state">
      Confirmed by the buyer
    </span>
  ) : (
    <span className="badge warn" data-testid="delay-state">
      Claimed by the vendor
    </span>
  );
}

/** The header's note: whether the stage's SLA clock is paused, and why not when a delay is only claimed. */
export function SlaPauseBadge({ journey }: { journey: Detail }) {
  const open = journey.delays.open;
  if (journey.slaPaused)
    return (
      <span className="badge ok" data-testid="sla-paused">
        SLA paused: waiting on the customer
      </span>
    );
  if (open) return <span className="badge warn">Waiting on the customer (not confirmed: the SLA runs)</span>;
  return null;
}

export function DelayPanel({ journey, canWrite }: { journey: Detail; canWrite: boolean }) {
  // Both forms disappear when they succeed (the panel then shows the other one): their answers show here.
  const mark = useFormFeedback('mark-delay');
  const end = useFormFeedback('end-delay');
  const open = journey.delays.open;
  if (journey.terminal && !journey.delays.ended.length) return null;
  return (
    <section className="panel" aria-labelledby="delay-h" id="delay">
      <h2 id="delay-h">Waiting on the customer</h2>
      {open ? (
        <div className="stack">
          <p>
            <DelayState delay={open} /> <strong>{open.reason}</strong>
          </p>
          <p className="muted">
            Marked by {open.markedByName || 'CS'} <LocalTime iso={open.markedAt} />.{' '}
            {open.state === 'confirmed' ? (
              <>
                {open.confirmedByName} confirmed it on the shared plan page <LocalTime iso={open.confirmedAt} />: the SLA clock of this stage is paused (
                {formatDuration(journey.slaDaysUsed)} of {journey.slaDays} days used).
              </>
            ) : (
              <>The buyer has not confirmed it on the shared plan page yet, so the SLA clock keeps running. Send them a plan link to confirm it.</>
            )}
          </p>
          {canWrite ? (
            <FeedbackForm feedback={end} showFeedback={false}>
              <input type="hidden" name="intent" value="end-delay" />
              <input type="hidden" name="delayId" value={open.id} />
              <button type="submit" disabled={end.busy}>
                End the delay
              </button>
            </FeedbackForm>
          ) : null}
        </div>
      ) : journey.terminal ? null : canWrite ? (
        <FeedbackForm feedback={mark} showFeedback={false} className="stack">
          <input type="hidden" name="intent" value="mark-delay" />
          <p className="muted">
            When the customer holds the journey up, say what they owe. Once the buyer confirms it on the shared plan page, this stage’s SLA clock pauses until you end the delay or
            the stage changes.
          </p>
          <TextareaField label="What the customer owes" hint="Shown to the customer on the shared plan page." {...mark.field('reason')} rows={2} maxLength={300} required />
          <div>
            <button type="submit" disabled={mark.busy}>
              Mark as waiting on the customer
            </button>
          </div>
        </FeedbackForm>
      ) : (
        <p className="muted">Nothing waits on the customer.</p>
      )}
      <FormFeedback feedback={mark} />
      <FormFeedback feedback={end} />
      {journey.delays.ended.length ? (
        <div className="table-wrap">
          <table>
            <caption className="muted">Earlier delays</caption>
            <thead>
              <tr>
                <th>Reason</th>
                <th>Marked</th>
                <th>Buyer confirmed</th>
                <th>Ended</th>
                <th>SLA paused</th>
              </tr>
            </thead>
            <tbody>
              {journey.delays.ended.map((d) => (
                <tr key={d.id}>
                  <td>{d.reason}</td>
                  <td>
                    <LocalTime iso={d.markedAt} />
                  </td>
                  <td>{d.confirmedAt ? <LocalTime iso={d.confirmedAt} /> : 'never (claimed by the vendor)'}</td>
                  <td>
                    <LocalTime iso={d.endedAt} /> {d.endedBy === 'stage_changed' ? '(stage changed)' : d.endedByName ? `by ${d.endedByName}` : ''}
                  </td>
                  <td>{d.confirmedAt ? formatDuration(d.pausedDays) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
