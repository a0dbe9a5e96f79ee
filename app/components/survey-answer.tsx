import { CATEGORY_LABELS, formatDate } from '#app/utils/format';
import { OVERALL_BADGE, OVERALL_LABELS, VERDICT_BADGE, VERDICT_LABELS } from '#app/surveys/survey-labels';

export type SurveyAnswerView = {
  answeredAt: string | null;
  overall: string;
  nps: number;
  consents: { reference: boolean; caseStudy: boolean; referral: boolean };
  comment: string;
  contactEmail: string;
  promises: { promiseId: string; text: string; category: string; verdict: string; comment: string }[];
};

/** A buyer's answer: the verdict on each promise, the overall verdict, NPS, consents and comment. */
export function SurveyAnswer({ answer }: { answer: SurveyAnswerView }) {
  const consents = [answer.consents.reference && 'reference', answer.consents.caseStudy && 'case study', answer.consents.referral && 'referral'].filter(Boolean);
  return (
    <div className="survey-answer">
      <dl className="facts">
        <dt>Value delivered?</dt>
        <dd>
          <span className={`badge ${OVERALL_BADGE[answer.overall] ?? 'muted'}`}>{OVERALL_LABELS[answer.overall] ?? answer.overall}</span>
        </dd>
        <dt>NPS</dt>
        <dd>{answer.nps} / 10</dd>
        <dt>Willing to be</dt>
        <dd>{consents.length ? consents.join(', ') : 'no consent given'}</dd>
        <dt>Answered</dt>
        <dd>
          {formatDate(answer.answeredAt)}
          {answer.contactEmail ? ` by ${answer.contactEmail}` : ''}
        </dd>
      </dl>
      <ol className="promises">
        {answer.promises.map((p) => (
          <li key={p.promiseId}>
            <span className={`badge ${VERDICT_BADGE[p.verdict] ?? 'muted'}`}>{VERDICT_LABELS[p.verdict] ?? p.verdict}</span> <strong>{p.text}</strong>{' '}
            <span className="badge muted">{CATEGORY_LABELS[p.category] ?? p.category}</span>
            {p.comment ? <div className="muted">“{p.comment}”</div> : null}
          </li>
        ))}
      </ol>
      {answer.comment ? (
        <blockquote className="survey-comment">
          <p>{answer.comment}</p>
        </blockquote>
      ) : null}
    </div>
  );
}
