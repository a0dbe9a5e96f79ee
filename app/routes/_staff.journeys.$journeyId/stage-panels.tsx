// The current stage's exit criteria with the forms that work it (or the live notice), and the
// evidence of the stages already left.
import { FormFeedback, type FormFeedbackState } from '#app/components/form-feedback';
import { EVIDENCE_LABELS, type EvidenceType } from '#app/journeys/journey-rules';
import { formatDate } from '#app/utils/format';
import { EvidenceList } from './evidence';
import { AcceptForm, AdvanceForm, ConfirmationForm, EvidenceForm } from './stage-forms';
import type { Detail } from './types';

/**
 * The accept and advance forms disappear when they succeed (the handoff is accepted; the journey
 * goes live), so the page owns their state and their message shows where the form was.
 */
export function CurrentStagePanel({
  journey,
  canWrite,
  isAdmin,
  accept,
  advance,
}: {
  journey: Detail;
  canWrite: boolean;
  isAdmin: boolean;
  accept: FormFeedbackState;
  advance: FormFeedbackState;
}) {
  const current = journey.stages.find((s) => s.state === 'current');
  const openCriteria = current?.criteria.filter((c) => c.evidenceType !== 'cs_acceptance') ?? [];
  const deliverable = journey.contacts.filter((c) => c.emailStatus === 'ok');
  return current && !current.terminal ? (
    <section className="panel" aria-labelledby="criteria-h">
      <h2 id="criteria-h">Exit criteria: {current.name}</h2>
      <p className="muted">The journey moves to {journey.nextStageName} only when every required criterion has evidence. The server checks it on every move.</p>
      <ol className="criteria">
        {current.criteria.map((c) => (
          <li key={c.key} id={`criterion-${c.key}`} tabIndex={-1}>
            <div>
              <strong>{c.text}</strong> {c.required ? <span className="badge muted">required</span> : <span className="badge muted">optional</span>}{' '}
              {c.satisfied ? <span className="badge ok">evidence in</span> : <span className="badge warn">waiting</span>}
            </div>
            <div className="muted">
              {c.buyerAction ? `Buyer: ${c.buyerAction}. ` : ''}
              Evidence: {c.evidenceType ? EVIDENCE_LABELS[c.evidenceType as EvidenceType] : 'any record'}
            </div>
            <EvidenceList items={c.evidence} canWrite={canWrite} stageCurrent />
          </li>
        ))}
      </ol>

      {canWrite ? (
        <div className="grid-2">
          {!journey.acceptedAt ? <AcceptForm f={accept} /> : <FormFeedback feedback={accept} />}
          {openCriteria.length ? <EvidenceForm criteria={openCriteria} /> : null}
          {current.criteria.some((c) => c.buyerAction && c.acceptedKinds.includes('buyer_confirmation') && !c.satisfied) ? <ConfirmationForm deliverable={deliverable} /> : null}
          <AdvanceForm f={advance} journey={journey} isAdmin={isAdmin} />
        </div>
      ) : null}
    </section>
  ) : (
    <section className="panel">
      <h2>Live</h2>
      <FormFeedback feedback={advance} />
      <p>The customer went live on {formatDate(journey.liveAt)}. Value surveys and advocacy follow from here.</p>
    </section>
  );
}

export function EarlierStagesPanel({ journey, canWrite }: { journey: Detail; canWrite: boolean }) {
  return journey.stages.some((s) => s.state === 'done' && s.criteria.length) ? (
    <section className="panel" aria-labelledby="past-h">
      <h2 id="past-h">Evidence of earlier stages</h2>
      {journey.stages
        .filter((s) => s.state === 'done' && s.criteria.length)
        .map((s) => (
          <details key={s.key}>
            <summary>
              {s.name} {s.override ? <span className="badge bad">override</span> : null}
            </summary>
            <ol className="criteria">
              {s.criteria.map((c) => (
                <li key={c.key}>
                  <strong>{c.text}</strong> {c.satisfied ? <span className="badge ok">evidence in</span> : <span className="badge bad">no evidence</span>}
                  <EvidenceList items={c.evidence} canWrite={canWrite} stageCurrent={false} />
                </li>
              ))}
            </ol>
          </details>
        ))}
    </section>
  ) : null;
}
