// Who leads each stage's calls and schedules the next one, and the journey's CSM; CS and admins
// change them here.
import { FeedbackForm, useFormFeedback } from '#app/components/form-feedback';
import { SelectField } from '#app/components/forms';
import type { Detail } from './types';

type Staff = { id: string; name: string; role: string };

export function OwnersPanel({ journey, canWrite, staff, csUsers }: { journey: Detail; canWrite: boolean; staff: Staff[]; csUsers: { id: string; name: string }[] }) {
  return (
    <section className="panel" aria-labelledby="owners-h">
      <h2 id="owners-h">Owners</h2>
      <table>
        <thead>
          <tr>
            <th>Stage</th>
            <th>Leads the calls</th>
            <th>Schedules the next call</th>
          </tr>
        </thead>
        <tbody>
          {journey.owners.map((o) => (
            <tr key={o.stage}>
              <td>{o.stageName}</td>
              <td>{o.leadsCalls?.name ?? '—'}</td>
              <td>{o.schedulesNextCall?.name ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite ? (
        <details>
          <summary>Change owners or CSM</summary>
          {journey.owners.map((o) => (
            <OwnersForm key={o.stage} owner={o} staff={staff} />
          ))}
          <CsmForm csm={journey.csm} csUsers={csUsers} />
        </details>
      ) : null}
    </section>
  );
}

/** A choice among the staff who can own calls, or nobody. */
function StaffSelect({ label, field, staff }: { label: string; field: { id: string; name: string; errors?: string[]; defaultValue?: string }; staff: Staff[] }) {
  return (
    <SelectField label={label} {...field}>
      <option value="">Nobody</option>
      {staff.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name} ({u.role})
        </option>
      ))}
    </SelectField>
  );
}

function OwnersForm({ owner, staff }: { owner: Detail['owners'][number]; staff: Staff[] }) {
  const f = useFormFeedback(`owners-${owner.stage}`, { reset: false });
  return (
    <FeedbackForm feedback={f} className="stack">
      <div className="row">
        <input type="hidden" name="intent" value="owners" />
        <input type="hidden" name="stage" value={owner.stage} />
        <StaffSelect label={`${owner.stageName}: leads calls`} field={f.field('leadsCallsId', owner.leadsCalls?.id ?? '')} staff={staff} />
        <StaffSelect label="schedules next call" field={f.field('schedulesNextCallId', owner.schedulesNextCall?.id ?? '')} staff={staff} />
        <button type="submit" className="secondary" disabled={f.busy}>
          Save
        </button>
      </div>
    </FeedbackForm>
  );
}

function CsmForm({ csm, csUsers }: { csm: Detail['csm']; csUsers: { id: string; name: string }[] }) {
  const f = useFormFeedback('csm', { reset: false });
  return (
    <FeedbackForm feedback={f} className="stack">
      <div className="row">
        <input type="hidden" name="intent" value="csm" />
        <SelectField label="CSM" {...f.field('csmId', csm?.id ?? '')}>
          <option value="">Choose…</option>
          {csUsers.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="secondary" disabled={f.busy}>
          Change CSM
        </button>
      </div>
    </FeedbackForm>
  );
}
