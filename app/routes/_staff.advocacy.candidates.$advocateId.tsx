import crypto from 'node:crypto';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { AskStatusBadge, recordPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormFeedbackState, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { AskFormSchema, createAsk, createReferral, getCandidate, ReferralFormSchema, requireAdvocacyWriter } from '#app/advocacy/advocacy.server';
import { ASK_TYPE_LABELS, ASK_TYPES, CANDIDATE_TYPES, type AskType } from '#app/advocacy/advocacy-types';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, notFound, readFormData } from '#app/utils/forms.server';
import { CATEGORY_LABELS, formatDate, formatMoney, plural } from '#app/utils/format';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.advocate.contact.name ?? 'Advocate'} · Advocacy · Kept` }];

export const handle = recordPageHandle<ReturnType<typeof useLoaderData<typeof loader>>>({ to: '/advocacy', label: 'Candidates' }, ({ advocate }) => (
  <>
    {advocate.contact.name} <span className="muted">· {advocate.account.name}</span>
  </>
));

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  const candidate = await getCandidate({ advocateId: params.advocateId ?? '' });
  if (!candidate) notFound('That advocate');
  // A fresh id per page view: the same form posted twice records one ask.
  return { ...candidate, requestId: crypto.randomUUID(), canWrite: may(user.role, 'advocacy.act') };
}

/** An answer naming its form (`form`), so the page shows it next to that form's button. */
type CandidateResult = FormResult & { askId?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  requireAdvocacyWriter(user);
  const formData = await readFormData(request);
  const values = formValues(formData);
  const form = formIdOf(values);
  const reply = (result: Omit<CandidateResult, 'form'>, status = 200) => data<CandidateResult>({ ...result, form }, { status });
  const advocateId = params.advocateId ?? '';
  return dispatchIntent(
    formData,
    {
      referral: intent(ReferralFormSchema, async (input) => {
        const result = await createReferral({ user, advocateId, input });
        return reply({ ok: true, message: `The referral is recorded. Its referral id is ${result.referralId}: give it to sales for the CRM, so the new deal links back.` });
      }),
      ask: intent(AskFormSchema, async (input) => {
        // Asks send email: rate-limited per user like every email-triggering action.
        await rateLimit('emailAction', user.id);
        const result = await createAsk({ user, target: { advocateId }, form: input });
        if (!result.ok) return reply({ ok: false, message: result.error, values }, 409);
        return reply({ ok: true, message: result.message, askId: result.askId });
      }),
    },
    { form, unknown: 'Choose what to do.' },
  );
}

function Conditions({ items }: { items: { key: string; ok: boolean; text: string }[] }) {
  return (
    <ul className="conditions">
      {items.map((c) => (
        <li key={c.key} className={c.ok ? 'ok' : 'no'}>
          <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span> {c.text}
        </li>
      ))}
    </ul>
  );
}

const VERDICT_LABEL: Record<string, string> = { delivered: 'Delivered', partly: 'Partly', not_yet: 'Not yet' };

type CanAsk = Record<AskType, boolean>;

function AskForm({ f, canAsk, requestId }: { f: FormFeedbackState; canAsk: CanAsk; requestId: string }) {
  const kept = f.field('type').defaultValue as AskType | undefined;
  const [type, setType] = useState<AskType>(kept ?? (canAsk.reference && !canAsk.referral ? 'reference' : canAsk.case_study && !canAsk.referral ? 'case_study' : 'referral'));
  const [channel, setChannel] = useState(f.field('channel').defaultValue ?? 'email');
  const { defaultValue: _type, ...typeField } = f.field('type');
  const { defaultValue: _channel, ...channelField } = f.field('channel');
  return (
    <FeedbackForm
      feedback={f}
      className="stack wide"
      successDetail={(r) => ((r as CandidateResult).askId ? <Link to={`/advocacy/asks/${(r as CandidateResult).askId}`}>Open the ask</Link> : null)}
    >
      <input type="hidden" name="intent" value="ask" />
      <input type="hidden" name="requestId" value={requestId} />
      <div className="row">
        <SelectField label="Ask for" {...typeField} value={type} onChange={(e) => setType(e.target.value as AskType)}>
          {CANDIDATE_TYPES.map((t) => (
            <option key={t} value={t}>
              {ASK_TYPE_LABELS[t]}
              {canAsk[t] ? '' : ' (not eligible now)'}
            </option>
          ))}
        </SelectField>
        <SelectField label="Channel" {...channelField} value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="email">Email through the outbox</option>
          <option value="phone">Already asked by phone (log it)</option>
        </SelectField>
        {channel === 'phone' ? (
          <SelectField label="Their answer" {...f.field('phoneStatus', 'sent')}>
            <option value="sent">No answer yet</option>
            <option value="accepted">Accepted</option>
            <option value="declined">Declined</option>
          </SelectField>
        ) : null}
      </div>
      <TextareaField label="Personal note (optional, shown in the email as written)" {...f.field('message')} rows={3} />
      <p className="muted">The email uses neutral wording: one question, no pressure, and a one-click unsubscribe. Review invitations go out in rounds.</p>
      <div>
        <button type="submit" disabled={f.busy}>
          {f.busy ? 'Recording…' : channel === 'phone' ? 'Log the ask' : 'Send the ask'}
        </button>
      </div>
    </FeedbackForm>
  );
}

export default function CandidatePage() {
  const { advocate, eligibility, canAsk, asks, referrals, budget, budgetClearAt, minTenureDays, requestId, canWrite } = useLoaderData<typeof loader>();
  const ask = useFormFeedback('ask');
  const referral = useFormFeedback('referral');
  // A referral that fails is kept open with its fields; one just recorded shows its message.
  const referralOpen = Boolean(referral.result);

  return (
    <>
      {!advocate.current ? <p className="form-error">A later survey answer on this deal came from someone else: this contact no longer speaks for it.</p> : null}

      <div className="grid-2">
        <section className="panel" aria-labelledby="origin">
          <h2 id="origin">Where they came from</h2>
          <dl className="facts">
            <dt>Contact</dt>
            <dd>
              {advocate.contact.name} ({advocate.contact.email}){advocate.contact.title ? `, ${advocate.contact.title}` : ''}{' '}
              {advocate.contact.status !== 'ok' ? <span className="badge bad">{advocate.contact.status}</span> : null}
            </dd>
            <dt>Origin deal</dt>
            <dd>
              <Link to={`/deals/${advocate.deal.id}`}>{advocate.deal.name}</Link> · {formatMoney(advocate.deal.arr, advocate.deal.currency)} · won{' '}
              {formatDate(advocate.deal.closedWonAt)}
            </dd>
            <dt>Rep</dt>
            <dd>{advocate.rep.name}</dd>
            <dt>Live since</dt>
            <dd>{formatDate(advocate.liveAt)}</dd>
            <dt>Latest survey</dt>
            <dd>
              {advocate.wave} months, answered {formatDate(advocate.answeredAt)}: value delivered “{advocate.overall}”, NPS {advocate.nps}
            </dd>
            <dt>Said yes to</dt>
            <dd>
              {[advocate.consents.referral && 'referrals', advocate.consents.reference && 'reference calls', advocate.consents.case_study && 'a case study']
                .filter(Boolean)
                .join(', ') || 'nothing yet'}
            </dd>
            {advocate.expansion ? (
              <>
                <dt>Expansion</dt>
                <dd>
                  <span className="badge ok">flagged to {advocate.rep.name}</span>
                </dd>
              </>
            ) : null}
          </dl>
          {advocate.comment ? <blockquote>{advocate.comment}</blockquote> : null}
          <h3>
            Promises kept: {advocate.promisesKept} of {advocate.promisesTotal}
          </h3>
          <ul className="plain">
            {advocate.promises.map((p, i) => (
              <li key={i}>
                <span className={`badge ${p.verdict === 'delivered' ? 'ok' : p.verdict === 'partly' ? 'warn' : 'bad'}`}>{VERDICT_LABEL[p.verdict] ?? p.verdict}</span> {p.text}{' '}
                <span className="muted">({CATEGORY_LABELS[p.category] ?? p.category})</span>
                {p.comment ? <div className="muted">“{p.comment}”</div> : null}
              </li>
            ))}
          </ul>
        </section>

        <section className="panel" aria-labelledby="eligible">
          <h2 id="eligible">What they can be asked</h2>
          <p>
            <strong>Ask budget:</strong> {budgetClearAt ? `used; ${advocate.contact.name} can next be asked on ${formatDate(budgetClearAt)}.` : 'clear: they can be asked now.'}
          </p>
          {ASK_TYPES.map((t) => (
            <div key={t}>
              <h3>
                {ASK_TYPE_LABELS[t]} {canAsk[t] ? <span className="badge ok">can ask</span> : <span className="badge muted">not now</span>}
              </h3>
              <Conditions items={eligibility[t]} />
              {t === 'review' ? (
                <p className="muted">
                  Review invitations go out in <Link to="/advocacy/reviews">rounds</Link> to every eligible customer or a random sample, never one by one.
                </p>
              ) : null}
            </div>
          ))}
          <p className="muted">
            One ask budget: at most {plural(budget.perContact, 'ask')} per contact and {budget.perAccount} per account in {budget.windowDays} days, survey emails included. Review
            invitations need {minTenureDays} days live and never look at the survey score.
          </p>
        </section>
      </div>

      {canWrite ? (
        <section className="panel" aria-labelledby="ask">
          <h2 id="ask">Ask</h2>
          {/* Remounted once an ask is recorded (its key is the number of asks): fresh choices, a fresh request id. */}
          <AskForm key={asks.length} f={ask} canAsk={canAsk} requestId={requestId} />
        </section>
      ) : null}

      <section className="panel" aria-labelledby="asks">
        <h2 id="asks">Past asks of {advocate.contact.name}</h2>
        {asks.length === 0 ? (
          <p className="muted">Never asked.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Sent</th>
                <th>Ask</th>
                <th>How</th>
                <th>Status</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {asks.map((a) => (
                <tr key={a.id}>
                  <td>{formatDate(a.sentAt)}</td>
                  <td>
                    <Link to={`/advocacy/asks/${a.id}`}>{ASK_TYPE_LABELS[a.type]}</Link>
                  </td>
                  <td>{a.channel}</td>
                  <td>
                    <AskStatusBadge status={a.status} />
                  </td>
                  <td>{a.reviewUrl ?? a.referredCompany ?? (a.referenceDate ? `call on ${formatDate(a.referenceDate)}` : (a.caseStudyUrl ?? '—'))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel" aria-labelledby="referrals">
        <h2 id="referrals">Referrals from {advocate.contact.name}</h2>
        {referrals.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul className="plain">
            {referrals.map((r) => (
              <li key={r.id}>
                {r.referredCompany} · <code>{r.id}</code> · {r.status}
                {r.newDeal ? (
                  <>
                    {' '}
                    → <Link to={`/deals/${r.newDeal.id}`}>{r.newDeal.name}</Link> ({formatMoney(r.newDeal.arr, r.newDeal.currency)})
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {canWrite && advocate.current ? (
          <details open={referralOpen || undefined}>
            <summary>Record a referral they gave outside an ask</summary>
            <FeedbackForm feedback={referral} className="stack">
              <input type="hidden" name="intent" value="referral" />
              <div className="row">
                <Field label="Referred company" {...referral.field('referredCompany')} required />
                <Field label="Domain" {...referral.field('referredDomain')} placeholder="example.com" />
                <Field label="Contact name" {...referral.field('referredContactName')} />
                <Field label="Contact email" {...referral.field('referredContactEmail')} type="email" />
                <Field label="Estimated ARR" {...referral.field('estimatedArr')} inputMode="numeric" />
              </div>
              <div>
                <button type="submit" className="secondary" disabled={referral.busy}>
                  Record the referral
                </button>
              </div>
            </FeedbackForm>
          </details>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
