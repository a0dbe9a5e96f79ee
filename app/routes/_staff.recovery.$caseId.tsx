import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { RecoveryStatusBadge } from '#app/components/recovery';
import {
  AgreePlanSchema,
  DeliverSchema,
  EscalateSchema,
  ReassignSchema,
  WontDeliverSchema,
  agreePlan,
  escalateCase,
  getCase,
  markDelivered,
  markWontDeliver,
  reassignCase,
  sendPlanToBuyer,
} from '#app/recovery/cases.server';
import { resendStoppedReask } from '#app/recovery/reask.server';
import { STOP_REASON_LABELS } from '#app/surveys/survey-labels';
import { RECOVERY_TRIGGER_LABELS } from '#app/recovery/recovery-rules';
import { formIdOf } from '#app/utils/form-feedback.server';
import { NoFields, dispatchIntent, formValues, intent, notFound, readFormData } from '#app/utils/forms.server';
import { CATEGORY_LABELS, formatDate, formatMoney } from '#app/utils/format';

// One recovery case (docs/recovery.md): CS and admin work it; the rep who made the promise reads it.
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.account.name ?? 'Recovery case'} · Recovery · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'recovery.view' });
  const found = await getCase({ user, caseId: params.caseId ?? '' });
  if (!found) notFound('That recovery case');
  return found;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'recovery.act' });
  const caseId = params.caseId ?? '';
  const formData = await readFormData(request);
  const values = formValues(formData);
  const form = formIdOf(values);
  const reply = (result: Omit<FormResult, 'form'>, status = 200) => data<FormResult>({ ...result, form }, { status });
  type Outcome = { ok: true; message: string } | { ok: false; status: number; message?: string; errors?: Record<string, string[]> } | null;
  const answer = (result: Outcome) => {
    if (!result) notFound('That recovery case');
    if (result.ok) return reply({ ok: true, message: result.message });
    return reply({ ok: false, message: result.message, errors: result.errors, values }, result.status);
  };
  return dispatchIntent(
    formData,
    {
      agree_plan: intent(AgreePlanSchema, async (input) => answer(await agreePlan({ user, caseId, input }))),
      deliver: intent(DeliverSchema, async (input) => answer(await markDelivered({ user, caseId, input }))),
      wont_deliver: intent(WontDeliverSchema, async (input) => answer(await markWontDeliver({ user, caseId, input }))),
      escalate: intent(EscalateSchema, async (input) => answer(await escalateCase({ user, caseId, input }))),
      reassign: intent(ReassignSchema, async (input) => answer(await reassignCase({ user, caseId, input }))),
      resend_reask: intent(NoFields, async () => {
        await rateLimit('emailAction', user.id);
        return answer(await resendStoppedReask({ user, caseId }));
      }),
      send_plan: intent(NoFields, async () => {
        // Emails a buyer: limited like every email-triggering action.
        await rateLimit('emailAction', user.id);
        return answer(await sendPlanToBuyer({ user, caseId }));
      }),
    },
    { form },
  );
}

/** Without JavaScript a submitted page opens at the actions, where every form's message shows. */
const AT_ACTIONS = { anchor: 'case-actions' };

export default function RecoveryCasePage() {
  const { case: c, account, deal, surveyId, contact, rep, csm, history, actions, canAct, canSendPlan, csmOptions } = useLoaderData<typeof loader>();
  const plan = useFormFeedback('agree-plan', { anchor: 'plan-section' });
  const sendPlan = useFormFeedback('send-plan', { anchor: 'plan-section' });
  const resend = useFormFeedback('resend-reask', { anchor: 'plan-section' });
  const deliver = useFormFeedback('deliver', AT_ACTIONS);
  const wont = useFormFeedback('wont-deliver', AT_ACTIONS);
  const escalate = useFormFeedback('escalate', AT_ACTIONS);
  const reassign = useFormFeedback('reassign', AT_ACTIONS);
  const may = (a: string) => (actions as string[]).includes(a);
  const revField = <input type="hidden" name="rev" value={c.rev} />;
  return (
    <>
      <p>
        <Link to="/recovery">← Recovery cases</Link>
      </p>
      <div className="page-header">
        <h1>
          {account.name}: {c.promiseText ? 'a promise was not kept' : 'the buyer is unhappy'} <RecoveryStatusBadge status={c.status} />
        </h1>
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="facts">
          <h2 id="facts">The case</h2>
          <dl className="facts">
            <dt>{c.promiseText ? 'Promise' : 'About'}</dt>
            <dd>
              <strong>{c.subject}</strong> {c.category ? <span className="badge muted">{CATEGORY_LABELS[c.category] ?? c.category}</span> : null}
            </dd>
            <dt>Why it opened</dt>
            <dd>
              {RECOVERY_TRIGGER_LABELS[c.trigger as keyof typeof RECOVERY_TRIGGER_LABELS] ?? c.trigger} · <Link to={`/surveys/${surveyId}`}>{c.wave}-month survey</Link>
              {c.nps !== null ? ` · NPS ${c.nps}` : ''}
            </dd>
            <dt>Account</dt>
            <dd>
              <Link to={`/accounts/${account.id}`}>{account.name}</Link> · <Link to={`/deals/${deal.id}`}>{deal.name}</Link> · {formatMoney(c.arr, c.currency)} ARR
            </dd>
            <dt>Buyer</dt>
            <dd>{contact ? `${contact.name} (${contact.email})` : '—'}</dd>
            <dt>Rep who made it</dt>
            <dd>{rep.name}</dd>
            <dt>CSM</dt>
            <dd>{csm?.name ?? <span className="badge warn">unassigned</span>}</dd>
            <dt>Opened</dt>
            <dd>
              <LocalTime iso={c.openedAt} />
            </dd>
            <dt>SLA</dt>
            <dd>
              {formatDate(c.slaDueAt)}{' '}
              {c.sla && c.status !== 'plan_agreed' ? (
                <span className={`badge ${c.sla.overdue ? 'bad' : c.sla.daysLeft <= 1 ? 'warn' : 'muted'}`}>{c.sla.label}</span>
              ) : (
                <span className="muted">{c.sla ? '(a plan is agreed: its date counts now)' : '(closed)'}</span>
              )}
            </dd>
            {c.closedAt ? (
              <>
                <dt>Closed</dt>
                <dd>
                  <LocalTime iso={c.closedAt} />
                  {c.wontDeliverReason ? <div>Reason: {c.wontDeliverReason}</div> : null}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>In the buyer’s words</h3>
          {c.buyerWords ? <blockquote className="survey-comment">{c.buyerWords}</blockquote> : <p className="muted">The buyer left no comment.</p>}
        </section>
        <section className="panel" aria-labelledby="history">
          <h2 id="history">History</h2>
          {history.length === 0 ? (
            <p className="muted">Nothing recorded yet.</p>
          ) : (
            <ol className="plain">
              {history.map((h, i) => (
                <li key={i}>
                  <LocalTime iso={h.at} /> · {h.what} · {h.by}
                  {h.note ? <div className="muted">{h.note}</div> : null}
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <section className="panel" id="plan-section" aria-labelledby="plan-h">
        <h2 id="plan-h">The plan agreed with the buyer</h2>
        {c.plan ? (
          <>
            <p>
              <strong>{c.plan.text}</strong>
            </p>
            <p className="muted">
              Done by {formatDate(c.plan.dueBy)} · agreed by {c.plan.agreedBy}, <LocalTime iso={c.plan.agreedAt} />
            </p>
            <p>
              {c.plan.buyerConfirmedAt ? (
                <>
                  <span className="badge ok">confirmed by the buyer</span> {c.plan.buyerConfirmedBy}, <LocalTime iso={c.plan.buyerConfirmedAt} />
                </>
              ) : (
                <span className="badge warn">waiting for the buyer’s confirmation</span>
              )}
            </p>
            {c.reaskStop ? (
              <div className="notice warn" role="status">
                <p>
                  <strong>The re-ask of this promise could not be sent:</strong> {(STOP_REASON_LABELS[c.reaskStop.reason] ?? c.reaskStop.reason).toLowerCase()}. Fix the contact on{' '}
                  <Link to={`/accounts/${account.id}`}>{account.name}</Link>, then send it again, or agree a new plan.
                </p>
                {canAct ? (
                  <FeedbackForm feedback={resend}>
                    <input type="hidden" name="intent" value="resend_reask" />
                    <button type="submit" className="secondary" disabled={resend.busy}>
                      Send the re-ask again
                    </button>
                  </FeedbackForm>
                ) : null}
              </div>
            ) : null}
            {canSendPlan && !c.plan.buyerConfirmedAt ? (
              <FeedbackForm feedback={sendPlan}>
                <input type="hidden" name="intent" value="send_plan" />
                <button type="submit" className="secondary" disabled={sendPlan.busy}>
                  Email the plan to {contact?.name ?? 'the buyer'} to confirm
                </button>
              </FeedbackForm>
            ) : null}
          </>
        ) : (
          <p className="muted">No plan yet.{canAct && may('agree_plan') ? ' Agree one with the buyer and record it here.' : ''}</p>
        )}
        {may('agree_plan') ? (
          <FeedbackForm key={`plan-${c.rev}`} feedback={plan} className="stack">
            <input type="hidden" name="intent" value="agree_plan" />
            {revField}
            <h3>{c.plan ? 'Change the plan' : 'Record the plan'}</h3>
            <TextareaField
              label="What will be done"
              {...plan.field('planText', c.plan?.text ?? '')}
              rows={3}
              required
              hint="As you agreed it with the buyer: they see these words."
            />
            <Field label="Done by" type="date" {...plan.field('dueBy', c.plan ? c.plan.dueBy.slice(0, 10) : '')} required />
            <div>
              <button type="submit" disabled={plan.busy}>
                {c.plan ? 'Save the new plan' : 'Agree the plan'}
              </button>
            </div>
          </FeedbackForm>
        ) : null}
      </section>

      {canAct && actions.length ? (
        <section className="panel" id="case-actions" aria-labelledby="actions-h">
          <h2 id="actions-h">Close or escalate</h2>
          <div className="grid-2">
            {may('deliver') ? (
              <FeedbackForm key={`deliver-${c.rev}`} feedback={deliver} className="stack">
                <input type="hidden" name="intent" value="deliver" />
                {revField}
                <h3>Delivered</h3>
                <TextareaField label="Note (optional)" {...deliver.field('note')} rows={2} />
                <div>
                  <button type="submit" disabled={deliver.busy}>
                    Mark delivered
                  </button>
                </div>
              </FeedbackForm>
            ) : null}
            {may('wont_deliver') ? (
              <FeedbackForm key={`wont-${c.rev}`} feedback={wont} className="stack">
                <input type="hidden" name="intent" value="wont_deliver" />
                {revField}
                <h3>Won’t deliver</h3>
                <TextareaField label="Reason" {...wont.field('reason')} rows={2} required />
                <div className="field">
                  <label>
                    <input
                      type="checkbox"
                      name="confirm"
                      value="yes"
                      id="wont-deliver-confirm"
                      defaultChecked={wont.field('confirm').defaultValue === 'yes'}
                      aria-describedby={wont.result && !wont.result.ok && wont.result.errors?.confirm ? 'wont-confirm-error' : undefined}
                    />{' '}
                    I understand this closes the case for good
                  </label>
                  {wont.result && !wont.result.ok && wont.result.errors?.confirm ? (
                    <p className="field-error" id="wont-confirm-error">
                      {wont.result.errors.confirm.join(' ')}
                    </p>
                  ) : null}
                </div>
                <div>
                  <button type="submit" className="danger" disabled={wont.busy}>
                    Close: won’t deliver
                  </button>
                </div>
              </FeedbackForm>
            ) : null}
            {may('escalate') ? (
              <FeedbackForm key={`escalate-${c.rev}`} feedback={escalate} className="stack">
                <input type="hidden" name="intent" value="escalate" />
                {revField}
                <h3>Escalate</h3>
                <TextareaField label="What you need (optional)" {...escalate.field('note')} rows={2} hint="The admins see it in their daily digest." />
                <div>
                  <button type="submit" className="secondary" disabled={escalate.busy}>
                    Escalate
                  </button>
                </div>
              </FeedbackForm>
            ) : null}
            {may('reassign') ? (
              <FeedbackForm key={`reassign-${c.rev}`} feedback={reassign} className="stack">
                <input type="hidden" name="intent" value="reassign" />
                {revField}
                <h3>Hand over</h3>
                <SelectField label="CSM" {...reassign.field('csmId', csm?.id ?? '')} required>
                  <option value="" disabled>
                    Choose a CSM
                  </option>
                  {csmOptions.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
                </SelectField>
                <div>
                  <button type="submit" className="secondary" disabled={reassign.busy}>
                    Reassign
                  </button>
                </div>
              </FeedbackForm>
            ) : null}
          </div>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
