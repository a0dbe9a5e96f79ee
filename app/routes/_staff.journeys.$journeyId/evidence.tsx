// The evidence recorded against a criterion, each item with its retract form (a retracted item stays
// on the record, struck through, with the reason).
import { FeedbackForm, FormFeedback, useFormFeedback } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { EVIDENCE_LABELS, type EvidenceType } from '#app/journeys/journey-rules';
import type { EvidenceItem } from './types';

export function EvidenceList({ items, canWrite, stageCurrent }: { items: EvidenceItem[]; canWrite: boolean; stageCurrent: boolean }) {
  if (items.length === 0) return <p className="muted">No evidence yet.</p>;
  return (
    <ul className="evidence">
      {items.map((e) => (
        <EvidenceRow key={e.id} e={e} canWrite={canWrite} stageCurrent={stageCurrent} />
      ))}
    </ul>
  );
}

function EvidenceRow({ e, canWrite, stageCurrent }: { e: EvidenceItem; canWrite: boolean; stageCurrent: boolean }) {
  // The retract form disappears once it succeeds, so its message shows in the row instead.
  const retract = useFormFeedback(`retract-${e.id}`, { anchor: `evidence-${e.id}` });
  return (
    <li id={`evidence-${e.id}`} className={e.retracted ? 'retracted' : undefined}>
      <span className="badge muted">{EVIDENCE_LABELS[e.kind as EvidenceType] ?? e.kind}</span>{' '}
      {!e.counts && !e.retracted ? <span className="badge warn">note only: does not meet this criterion</span> : null}{' '}
      {e.url ? (
        <a href={e.url} target="_blank" rel="noopener noreferrer">
          {e.url}
        </a>
      ) : null}
      {e.contactName ? (
        <span>
          Confirmed by {e.contactName} ({e.contactEmail})
        </span>
      ) : null}
      {e.note ? <span> · {e.note}</span> : null}
      <span className="muted">
        {' '}
        · {e.byName ? `${e.byName}, ` : ''}
        <LocalTime iso={e.at} />
      </span>
      {e.retracted ? (
        <>
          <div className="muted">
            Retracted by {e.retracted.byName} on <LocalTime iso={e.retracted.at} />: “{e.retracted.reason}”
          </div>
          <FormFeedback feedback={retract} />
        </>
      ) : canWrite ? (
        <details open={retract.result && !retract.result.ok ? true : undefined}>
          <summary>Retract…</summary>
          <FeedbackForm feedback={retract} className="stack">
            <input type="hidden" name="intent" value="retract" />
            <input type="hidden" name="evidenceId" value={e.id} />
            <Field label="Why is this evidence wrong?" {...retract.field('reason')} required minLength={5} maxLength={500} />
            <div>
              <button type="submit" className="secondary" disabled={retract.busy}>
                Retract evidence
              </button>
            </div>
            {!stageCurrent ? <p className="hint">This stage was already left; the move stays on record as it happened.</p> : null}
          </FeedbackForm>
        </details>
      ) : null}
    </li>
  );
}
