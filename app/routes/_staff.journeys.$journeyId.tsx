import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, FormFeedback, useFormFeedback, type FormFeedbackState, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { PromiseList } from '#app/components/promise-list';
import {
  acceptHandoff,
  AdvanceFormSchema,
  advanceJourney,
  attachEvidence,
  CsmFormSchema,
  EvidenceFormSchema,
  getJourneyDetail,
  listActiveCsUsers,
  listOwnerCandidates,
  OwnersFormSchema,
  RetractFormSchema,
  retractEvidence,
  setJourneyCsm,
  setStageOwners,
} from '#app/journeys/journey.server';
import { RequestConfirmationSchema, requestBuyerConfirmation } from '#app/journeys/plan.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { fieldErrors, formValues, notFound, readFormData } from '#app/utils/forms.server';
import { SEGMENT_LABELS, formatDate, formatMoney } from '#app/utils/format';
import { EVIDENCE_LABELS, HEALTH_BADGE, LINK_EVIDENCE_KINDS, formatDuration, type EvidenceType } from '#app/journeys/journey-rules';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.journey.accountName ?? 'Journey'} · Journey · Kept` }];


export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const journey = await getJourneyDetail({ user, journeyId: params.journeyId ?? '' });
  if (!journey) notFound('That journey');
  const canWrite = may(user.role, 'journeys.work');
  const [staff, csUsers] = canWrite ? await Promise.all([listOwnerCandidates(), listActiveCsUsers()]) : [[], []];
  return { journey, canWrite, isAdmin: user.role === 'admin', staff, csUsers };
}

// Each answer names the form it belongs to (`form`), so the page shows it next to that form.
type ActionResult = FormResult & { intent: string; errors?: Record<string, string[]> };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'journeys.work' });
  const journeyId = params.journeyId ?? '';
  const values = formValues(await readFormData(request));
  const intent = values.intent ?? '';
  const form = formIdOf(values);
  const reply = (result: Omit<ActionResult, 'form'>, status = 200) => data<ActionResult>({ ...result, form }, { status });
  const invalid = (schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }) => {
    const parsed = schema.safeParse(values);
    return parsed.success ? null : reply({ intent, ok: false, errors: fieldErrors(parsed.error as never), values }, 400);
  };
  const outcome = (result: { ok: boolean; status?: number; message?: string; errors?: Record<string, string[] | undefined>; missing?: { key: string; text: string }[] } | null, message: string) => {
    if (!result) notFound('That journey');
    if (result.ok) return reply({ intent, ok: true, message });
    return reply({ intent, ok: false, message: result.message, errors: result.errors as Record<string, string[]> | undefined, missing: result.missing, values }, result.status ?? 400);
  };

  switch (intent) {
    case 'evidence': {
      const bad = invalid(EvidenceFormSchema);
      if (bad) return bad;
      const result = await attachEvidence({ user, journeyId, input: EvidenceFormSchema.parse(values) });
      const note = result?.ok && !result.meets ? `Link attached as a note. “${result.criterionText}” is met only when the buyer confirms on the shared plan page: send them a confirmation request.` : '';
      return outcome(result, note || 'Evidence attached.');
    }
    case 'retract': {
      const bad = invalid(RetractFormSchema);
      if (bad) return bad;
      return outcome(await retractEvidence({ user, journeyId, input: RetractFormSchema.parse(values) }), 'Evidence retracted. It stays on the record, struck through, with your reason.');
    }
    case 'accept':
      return outcome(await acceptHandoff({ user, journeyId }), 'Handoff accepted.');
    case 'advance': {
      const bad = invalid(AdvanceFormSchema);
      if (bad) return bad;
      const input = AdvanceFormSchema.parse(values);
      const result = await advanceJourney({ user, journeyId, fromStage: input.fromStage, overrideReason: input.overrideReason });
      if (result?.ok) return reply({ intent, ok: true, message: result.live ? 'The customer is live. Go-live date recorded.' : `Moved to the next stage${result.overridden ? ' by override (audited)' : ''}.` });
      return outcome(result, '');
    }
    case 'request-confirmation': {
      const bad = invalid(RequestConfirmationSchema);
      if (bad) return bad;
      await rateLimit('emailAction', user.id);
      const result = await requestBuyerConfirmation({ user, journeyId, contactId: values.contactId });
      return outcome(result, result?.ok ? `Confirmation request sent to ${result.to}.` : '');
    }
    case 'owners': {
      const bad = invalid(OwnersFormSchema);
      if (bad) return bad;
      return outcome(await setStageOwners({ user, journeyId, input: OwnersFormSchema.parse(values) }), 'Owners updated.');
    }
    case 'csm': {
      const bad = invalid(CsmFormSchema);
      if (bad) return bad;
      return outcome(await setJourneyCsm({ user, journeyId, csmId: values.csmId }), 'CSM changed.');
    }
    default:
      return reply({ intent, ok: false, message: 'Unknown action.' }, 400);
  }
}

type Detail = ReturnType<typeof useLoaderData<typeof loader>>['journey'];

function Timeline({ journey }: { journey: Detail }) {
  return (
    <ol className="timeline" aria-label="Stages">
      {journey.stages.map((s) => (
        <li key={s.key} className={`timeline-step ${s.state}`} aria-current={s.state === 'current' ? 'step' : undefined}>
          <div className="timeline-name">
            {s.name} {s.state === 'done' ? <span className="badge ok">done</span> : s.state === 'current' ? <span className="badge muted">current</span> : null}
            {s.override ? <span className="badge bad">override</span> : null}
          </div>
          <div className="muted">
            {s.enteredAt ? `Entered ${formatDate(s.enteredAt)}` : 'Not reached'}
            {s.exitedAt ? ` · left ${formatDate(s.exitedAt)}${s.exitedByName ? ` by ${s.exitedByName}` : ''}` : ''}
          </div>
          {s.days !== null && !s.terminal ? (
            <div>
              {formatDuration(s.days)} in stage{s.slaDays ? ` · SLA ${s.slaDays} days` : ''}{' '}
              {s.overSla ? <span className="badge bad">over SLA</span> : null}
            </div>
          ) : null}
          {s.override ? (
            <p className="override-note">
              Admin override by {s.override.byName} on <LocalTime iso={s.override.at} />: “{s.override.reason}”. Missing then: {s.override.missing.join('; ')}.
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

type EvidenceItem = Detail['stages'][number]['criteria'][number]['evidence'][number];

function EvidenceList({ items, canWrite, stageCurrent }: { items: EvidenceItem[]; canWrite: boolean; stageCurrent: boolean }) {
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

type Criterion = Detail['stages'][number]['criteria'][number];
type Contact = Detail['contacts'][number];

function AcceptForm({ f }: { f: FormFeedbackState }) {
  return (
    <FeedbackForm feedback={f} className="panel">
      <h3>Accept the handoff</h3>
      <p className="muted">Records that CS took the customer over; the CS reaction time ends now.</p>
      <input type="hidden" name="intent" value="accept" />
      <button type="submit" disabled={f.busy}>
        Accept handoff
      </button>
    </FeedbackForm>
  );
}

function EvidenceForm({ criteria }: { criteria: Criterion[] }) {
  const f = useFormFeedback('evidence');
  return (
    <FeedbackForm feedback={f} className="stack panel">
      <h3>Attach evidence</h3>
      <input type="hidden" name="intent" value="evidence" />
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
        <p className="hint">A criterion that asks for the buyer’s confirmation is met only when the buyer confirms on the shared plan page; a link attached to it is kept as a note.</p>
      ) : null}
      <div>
        <button type="submit" disabled={f.busy}>
          Attach evidence
        </button>
      </div>
    </FeedbackForm>
  );
}

function ConfirmationForm({ deliverable }: { deliverable: Contact[] }) {
  const f = useFormFeedback('request-confirmation');
  return (
    <FeedbackForm feedback={f} className="stack panel">
      <h3>Request buyer confirmation</h3>
      <p className="muted">Kept emails the buyer a personal link to the shared plan page, where they confirm with one click. No login needed.</p>
      <input type="hidden" name="intent" value="request-confirmation" />
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
    </FeedbackForm>
  );
}

function AdvanceForm({ f, journey, isAdmin }: { f: FormFeedbackState; journey: Detail; isAdmin: boolean }) {
  return (
    <FeedbackForm feedback={f} className="stack panel" missingHref={(key) => `#criterion-${key}`}>
      <h3>Move to {journey.nextStageName}</h3>
      <input type="hidden" name="intent" value="advance" />
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
    </FeedbackForm>
  );
}

type Staff = { id: string; name: string; role: string };

function OwnersForm({ owner, staff }: { owner: Detail['owners'][number]; staff: Staff[] }) {
  const f = useFormFeedback(`owners-${owner.stage}`, { reset: false });
  return (
    <FeedbackForm feedback={f} className="stack">
      <div className="row">
        <input type="hidden" name="intent" value="owners" />
        <input type="hidden" name="stage" value={owner.stage} />
        <SelectField label={`${owner.stageName}: leads calls`} {...f.field('leadsCallsId', owner.leadsCalls?.id ?? '')}>
          <option value="">Nobody</option>
          {staff.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.role})
            </option>
          ))}
        </SelectField>
        <SelectField label="schedules next call" {...f.field('schedulesNextCallId', owner.schedulesNextCall?.id ?? '')}>
          <option value="">Nobody</option>
          {staff.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.role})
            </option>
          ))}
        </SelectField>
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

export default function JourneyPage() {
  const { journey, canWrite, isAdmin, staff, csUsers } = useLoaderData<typeof loader>();
  const current = journey.stages.find((s) => s.state === 'current');
  // These two forms disappear when they succeed (the handoff is accepted; the journey goes live), so
  // their state lives here and their message shows where the form was.
  const accept = useFormFeedback('accept');
  const advance = useFormFeedback('advance');
  const openCriteria = current?.criteria.filter((c) => c.evidenceType !== 'cs_acceptance') ?? [];
  const deliverable = journey.contacts.filter((c) => c.emailStatus === 'ok');
  return (
    <>
      <p>
        <Link to="/journeys">← Journeys</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {journey.accountName} <span className="muted">· {journey.dealName}</span>
          </h1>
          <p>
            <span className="badge muted">{journey.stageName}</span>{' '}
            {/* A live journey's health is its stage: one "Live" badge, not two. */}
            {journey.healthLabel !== journey.stageName ? <span className={`badge ${HEALTH_BADGE[journey.health]}`}>{journey.healthLabel}</span> : null}{' '}
            {journey.overrideCount > 0 ? <span className="badge bad">{journey.overrideCount} override{journey.overrideCount > 1 ? 's' : ''}</span> : null}{' '}
            <span className="muted">
              Playbook v{journey.playbookVersion}
              {journey.playbookVersion !== journey.currentPlaybookVersion ? ` (current is v${journey.currentPlaybookVersion}; this journey keeps the version it started with)` : ''}
            </span>
          </p>
        </div>
      </div>

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
              {journey.timing.reactionHours !== null
                ? <>{formatDuration(journey.timing.reactionHours / 24)} (accepted <LocalTime iso={journey.acceptedAt} />)</>
                : `not accepted yet (${formatDuration((journey.timing.waitingHours ?? 0) / 24)} since ${journey.backfilledAt ? 'it entered Kept' : 'closed-won'})`}
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
            <dd>{journey.timing.closedWonToLiveDays !== null ? `${formatDuration(journey.timing.closedWonToLiveDays)} (live ${formatDate(journey.liveAt)})` : `not live yet (${formatDuration(journey.timing.daysSinceClosedWon)} since closed-won)`}</dd>
          </dl>
        </section>
      </div>

      <section className="panel" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Stages</h2>
        <Timeline journey={journey} />
      </section>

      {current && !current.terminal ? (
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
      )}

      {journey.stages.some((s) => s.state === 'done' && s.criteria.length) ? (
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
      ) : null}

      <div className="grid-2">
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
        <section className="panel" aria-labelledby="promises-h">
          <h2 id="promises-h">Promises made in the sale</h2>
          <PromiseList promises={journey.promises} />
        </section>
      </div>

      {journey.requests.length ? (
        <section className="panel" aria-labelledby="requests-h">
          <h2 id="requests-h">Buyer confirmation requests</h2>
          <ul>
            {journey.requests.map((r, i) => (
              <li key={i}>
                {r.contactName} ({r.contactEmail}) · {r.stageName} · sent <LocalTime iso={r.createdAt} /> · <span className="badge muted">{r.state}</span>
                {r.lastSeenAt ? <span className="muted"> · last confirmed <LocalTime iso={r.lastSeenAt} />
                  </span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

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
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
