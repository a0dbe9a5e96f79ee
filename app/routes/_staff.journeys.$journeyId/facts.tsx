// Who the customer is and how long each step took: the two panels at the top of the journey page.
import { Link } from '@remix-run/react';
import { LocalTime } from '#app/components/local-time';
import { formatDuration } from '#app/journeys/journey-rules';
import { SEGMENT_LABELS, formatDate, formatMoney } from '#app/utils/format';
import type { Detail } from './types';

export function JourneyFacts({ journey }: { journey: Detail }) {
  return (
    <div className="grid-2">
      <section className="panel" aria-labelledby="facts-h">
        <h2 id="facts-h">Customer</h2>
        <dl className="facts">
          <dt>Account</dt>
          <dd>
            <Link to={`/accounts/${journey.accountId}`}>{journey.accountName}</Link> · {SEGMENT_LABELS[journey.segment] ?? journey.segment}
          </dd>
          <dt>Deal</dt>
          <dd>
            <Link to={`/deals/${journey.dealId}`}>{journey.dealName}</Link> · {formatMoney(journey.arr, journey.currency)} ARR
          </dd>
          <dt>Source</dt>
          <dd>{journey.source}</dd>
          <dt>Account executive</dt>
          <dd>{journey.ae?.name ?? '—'}</dd>
          <dt>CSM</dt>
          <dd>{journey.csm?.name ?? 'unassigned'}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="timing-h">
        <h2 id="timing-h">Timing</h2>
        <dl className="facts">
          <dt>Closed won</dt>
          <dd>{formatDate(journey.closedWonAt)}</dd>
          {journey.backfilledAt ? (
            <>
              <dt>In Kept since</dt>
              <dd>{formatDate(journey.backfilledAt)}: entered long after its close, so its stage clocks and CS reaction time start here</dd>
            </>
          ) : null}
          <dt>CS reaction time</dt>
          <dd>
            {journey.timing.reactionHours !== null ? (
              <>
                {formatDuration(journey.timing.reactionHours / 24)} (accepted <LocalTime iso={journey.acceptedAt} />)
              </>
            ) : (
              `not accepted yet (${formatDuration((journey.timing.waitingHours ?? 0) / 24)} since ${journey.backfilledAt ? 'it entered Kept' : 'closed-won'})`
            )}
          </dd>
          {journey.stages
            .filter((s) => !s.terminal && s.days !== null)
            .map((s) => (
              <div key={s.key} className="contents">
                <dt>Time in {s.name.toLowerCase()}</dt>
                <dd>
                  {formatDuration(s.days)}
                  {s.state === 'current' ? ' so far' : ''}
                  {s.slaDays ? ` of ${s.slaDays} days SLA` : ''}
                </dd>
              </div>
            ))}
          <dt>Closed-won → live</dt>
          <dd>
            {journey.timing.closedWonToLiveDays !== null
              ? `${formatDuration(journey.timing.closedWonToLiveDays)} (live ${formatDate(journey.liveAt)})`
              : `not live yet (${formatDuration(journey.timing.daysSinceClosedWon)} since closed-won)`}
          </dd>
        </dl>
      </section>
    </div>
  );
}
