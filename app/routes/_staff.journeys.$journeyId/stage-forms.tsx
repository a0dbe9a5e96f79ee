// The forms that work the current stage: accept the handoff, attach evidence, ask the buyer to
// confirm, move on. Each shows its answer next to its own button (app/components/form-feedback.tsx).
import type { ReactNode } from 'react';
import { FeedbackForm, useFormFeedback, type FormFeedbackState } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { EVIDENCE_LABELS, LINK_EVIDENCE_KINDS } from '#app/journeys/journey-rules';
import type { Contact, Criterion, Detail } from './types';

/** One panel form: its title and the intent the action dispatches on. */
function IntentPanel({
  f,
  intent,
  title,
  className = 'stack panel',
  missingHref,
  children,
}: {
  f: FormFeedbackState;
  intent: string;
  title: string;
  className?: string;
  missingHref?: (key: string) => string;
  children: ReactNode;
}) {
  return (
    <FeedbackForm feedback={f} className={className} missingHref={missingHref}>
      <h3>{title}</h3>
      <input type="hidden" name="intent" value={intent} />
      {children}
    </FeedbackForm>
  );
}

export function AcceptForm({ f }: { f: FormFeedbackState }) {
  return (
    <IntentPanel f={f} intent="accept" title="Accept the handoff" className="panel">
      <p className="muted">Records that CS took the customer over; the CS reaction time ends now.</p>
      <button type="submit" disabled={f.busy}>
        Accept handoff
      </button>
    </IntentPanel>
  );
}

export function EvidenceForm({ criteria }: { criteria: Criterion[] }) {
  const f = useFormFeedback('evidence');
  return (
    <IntentPanel f={f} intent="evidence" title="Attach evidence">
      <SelectField label="Criterion" {...f.field('criterionKey')}>
        {criteria.map((c) => (
          <option key={c.key} value={c.key}>
            {c.text}
          </option>
        ))}
      </SelectField>
      <SelectField label="The link points to" {...f.field('kind', 'email')}>
        {LINK_EVIDENCE_KINDS.map((k) => (
          <option key={k} value={k}>
            {EVIDENCE_LABELS[k]}
          </option>
        ))}
      </SelectField>
      <Field label="Link (https://…)" {...f.field('url')} type="url" required hint="The email thread, meeting recording or document where the buyer did it." />
      <TextareaField label="Note" {...f.field('note')} rows={2} />
      {criteria.some((c) => c.evidenceType === 'buyer_confirmation') ? (
        <p className="hint">
          A criterion that asks for the buyer’s confirmation is met only when the buyer confirms on the shared plan page; a link attached to it is kept as a note.
        </p>
      ) : null}
      <div>
        <button type="submit" disabled={f.busy}>
          Attach evidence
        </button>
      </div>
    </IntentPanel>
  );
}

export function ConfirmationForm({ deliverable }: { deliverable: Contact[] }) {
  const f = useFormFeedback('request-confirmation');
  return (
    <IntentPanel f={f} intent="request-confirmation" title="Request buyer confirmation">
      <p className="muted">Kept emails the buyer a personal link to the shared plan page, where they confirm with one click. No login needed.</p>
      {deliverable.length ? (
        <SelectField label="Buyer" {...f.field('contactId', deliverable[0]?.id)}>
          {deliverable.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} · {c.email}
              {c.isPrimary ? ' (primary)' : ''}
            </option>
          ))}
        </SelectField>
      ) : (
        <p className="form-error">This account has no contact with a deliverable email address. Add one on the deal first.</p>
      )}
      <div>
        <button type="submit" disabled={f.busy || deliverable.length === 0}>
          Send confirmation request
        </button>
      </div>
    </IntentPanel>
  );
}

export function AdvanceForm({ f, journey, isAdmin }: { f: FormFeedbackState; journey: Detail; isAdmin: boolean }) {
  return (
    <IntentPanel f={f} intent="advance" title={`Move to ${journey.nextStageName}`} missingHref={(key) => `#criterion-${key}`}>
      <input type="hidden" name="fromStage" value={journey.stage} />
      {journey.missing.length ? (
        <>
          <p className="muted">Waiting for evidence: {journey.missing.map((m) => m.text).join('; ')}.</p>
          {isAdmin ? (
            <TextareaField label="Admin override: why move without the evidence?" {...f.field('overrideReason')} rows={2} hint="Audited and shown wherever this stage appears." />
          ) : null}
        </>
      ) : (
        <p className="muted">Every required criterion has evidence.</p>
      )}
      <div>
        <button type="submit" disabled={f.busy} className={journey.missing.length ? 'secondary' : undefined}>
          {journey.missing.length && isAdmin ? `Override and move to ${journey.nextStageName}` : `Move to ${journey.nextStageName}`}
        </button>
      </div>
    </IntentPanel>
  );
}
