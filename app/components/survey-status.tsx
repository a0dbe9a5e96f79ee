import { Link } from '@remix-run/react';
import { SurveyAnswer, type SurveyAnswerView } from '#app/components/survey-answer';
import { formatDate } from '#app/utils/format';
import { STOP_REASON_LABELS, SURVEY_STATE_BADGE, SURVEY_STATE_LABELS } from '#app/surveys/survey-labels';

export type SurveyRow = {
  id: string;
  wave: number;
  state: string;
  dueAt: string | null;
  contact: { name: string; email: string } | null;
  sentAt: string | null;
  remindedAt: string | null;
  expiresAt: string | null;
  answeredAt: string | null;
  stopReason: string | null;
  attentionReason: string | null;
  held?: string | null;
  heldAt?: string | null;
  answer: SurveyAnswerView | null;
};

export function SurveyStateBadge({ state }: { state: string }) {
  return <span className={`badge ${SURVEY_STATE_BADGE[state] ?? 'muted'}`}>{SURVEY_STATE_LABELS[state] ?? state}</span>;
}

/** A wave held because the customer is not live yet (see docs/surveys.md). */
export function HeldBadge({ held }: { held?: string | null }) {
  if (held !== 'not-live') return null;
  return (
    <span className="badge warn" title="Due, but the customer is not live yet: it goes out when the journey reaches live, or when CS sends it anyway.">
      held: not live yet
    </span>
  );
}

/** One line on where a survey stands: when it went out, was reminded, answered or stopped. */
export function surveyProgress(s: SurveyRow) {
  if (s.state === 'scheduled' && s.held === 'not-live') return `Due ${formatDate(s.dueAt)}, held since ${formatDate(s.heldAt ?? s.dueAt)}: waits until the customer is live`;
  if (s.state === 'scheduled') return `Due ${formatDate(s.dueAt)}`;
  if (s.state === 'skipped') return `Wave had passed at intake (${formatDate(s.dueAt)})`;
  if (s.state === 'answered') return `Answered ${formatDate(s.answeredAt)}`;
  const parts = [s.sentAt ? `Sent ${formatDate(s.sentAt)}` : null, s.remindedAt ? `reminded ${formatDate(s.remindedAt)}` : null];
  if (s.state === 'expired') parts.push('no answer before the link expired');
  else if (s.expiresAt && (s.state === 'sent' || s.state === 'reminded')) parts.push(`open until ${formatDate(s.expiresAt)}`);
  if (s.stopReason) parts.push(STOP_REASON_LABELS[s.stopReason]?.toLowerCase() ?? s.stopReason);
  return parts.filter(Boolean).join(', ');
}

/** The deal page's survey section: status per wave and the buyer's answers. */
export function SurveyStatus({ surveys }: { surveys: SurveyRow[] }) {
  if (surveys.length === 0) return <p className="muted">No surveys are scheduled for this deal.</p>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Wave</th>
              <th>Status</th>
              <th>Recipient</th>
              <th>Progress</th>
            </tr>
          </thead>
          <tbody>
            {surveys.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/surveys/${s.id}`}>{s.wave} months</Link>
                </td>
                <td>
                  <SurveyStateBadge state={s.state} /> <HeldBadge held={s.held} />{' '}
                  {s.attentionReason ? (
                    <span className="badge bad" title={STOP_REASON_LABELS[s.attentionReason]}>
                      needs another contact
                    </span>
                  ) : null}
                </td>
                <td>{s.contact ? `${s.contact.name} (${s.contact.email})` : <span className="muted">none yet</span>}</td>
                <td>{surveyProgress(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {surveys
        .filter((s) => s.answer)
        .map((s) => (
          <section key={s.id} aria-labelledby={`answer-${s.id}`}>
            <h3 id={`answer-${s.id}`}>{s.wave}-month answer</h3>
            <SurveyAnswer answer={s.answer!} />
          </section>
        ))}
    </>
  );
}
