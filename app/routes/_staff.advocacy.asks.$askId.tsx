import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { requireUser } from '#app/auth/session.server';
import { AskStatusBadge, recordPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, FormFeedback, useFormFeedback, type FormFeedbackState, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { AskUpdateSchema, getAsk, requireAdvocacyWriter, updateAsk } from '#app/advocacy/advocacy.server';
import { ASK_STATUS_LABELS, ASK_TYPE_LABELS, PLATFORM_LABELS, type AskStatus, type AskType } from '#app/advocacy/advocacy-types';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate, formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? ASK_TYPE_LABELS[data.ask.type] : 'Ask'} · Advocacy · Kept` }];

export const handle = recordPageHandle<ReturnType<typeof useLoaderData<typeof loader>>>({ to: '/advocacy/asks', label: 'Asks' }, ({ ask }) => (
  <>
    {ASK_TYPE_LABELS[ask.type]}: {ask.contact.name} <AskStatusBadge status={ask.status} />
  </>
));

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  const found = await getAsk({ askId: params.askId ?? '' });
  if (!found) notFound('That ask');
  return { ...found, canWrite: may(user.role, 'advocacy.act') };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  requireAdvocacyWriter(user);
  const formData = await readFormData(request);
  const values = formValues(formData);
  // The answer names its form, so the page shows it next to the Save button.
  const form = formIdOf(values);
  const reply = (result: Omit<FormResult, 'form'>, status = 200) => data<FormResult>({ ...result, form }, { status });
  const parsed = parseForm(AskUpdateSchema, formData);
  if (!parsed.ok) return reply({ ok: false, errors: parsed.errors, values: parsed.values }, 400);
  const result = await updateAsk({ user, askId: params.askId ?? '', input: parsed.data });
  if (!result.ok) {
    if (result.errors) return reply({ ok: false, errors: result.errors, values }, 400);
    return reply({ ok: false, message: result.error ?? 'That change is not possible.', values }, 409);
  }
  return reply({ ok: true, message: result.message });
}

type NextStatuses = AskStatus[];

/** Remounted after each recorded change (its key is the history's length): fresh choices for the new status. */
function UpdateForm({ f, type, next }: { f: FormFeedbackState; type: AskType; next: NextStatuses }) {
  const kept = f.field('status').defaultValue as AskStatus | undefined;
  const [status, setStatus] = useState<AskStatus | ''>(kept && next.includes(kept) ? kept : (next[0] ?? ''));
  const outcome = status === 'completed' || status === 'accepted';
  const { defaultValue: _unused, ...statusField } = f.field('status');
  return (
    <FeedbackForm feedback={f} className="stack">
      <div className="row">
        <SelectField label="New status" {...statusField} value={status} onChange={(e) => setStatus(e.target.value as AskStatus)}>
          {next.map((s) => (
            <option key={s} value={s}>
              {ASK_STATUS_LABELS[s]}
            </option>
          ))}
        </SelectField>
        {outcome && type === 'review' ? <Field label="Published review link" {...f.field('reviewUrl')} type="url" /> : null}
        {outcome && type === 'reference' ? <Field label="Reference call date" {...f.field('referenceDate')} type="date" /> : null}
        {outcome && type === 'case_study' ? <Field label="Case study link" {...f.field('caseStudyUrl')} type="url" /> : null}
      </div>
      {status === 'completed' && type === 'referral' ? (
        <div className="row">
          <Field label="Referred company" {...f.field('referredCompany')} />
          <Field label="Domain" {...f.field('referredDomain')} placeholder="example.com" />
          <Field label="Contact name" {...f.field('referredContactName')} />
          <Field label="Contact email" {...f.field('referredContactEmail')} type="email" />
          <Field label="Estimated ARR" {...f.field('estimatedArr')} inputMode="numeric" />
        </div>
      ) : null}
      <TextareaField label="Note" {...f.field('note')} rows={2} />
      <div>
        <button type="submit" disabled={f.busy}>
          Save
        </button>
      </div>
    </FeedbackForm>
  );
}

export default function AskPage() {
  const { ask, deal, rep, referral, next, canWrite } = useLoaderData<typeof loader>();
  // The form disappears once the ask reaches a final status: its message then shows where it was.
  const update = useFormFeedback('update', { anchor: 'update-section' });
  return (
    <>
      <div className="grid-2">
        <section className="panel" aria-labelledby="facts">
          <h2 id="facts">The ask</h2>
          <dl className="facts">
            <dt>Contact</dt>
            <dd>
              {ask.contact.name} ({ask.contact.email}) · <Link to={`/accounts/${ask.account.id}`}>{ask.account.name}</Link>
            </dd>
            <dt>Origin deal</dt>
            <dd>{deal ? <Link to={`/deals/${deal.id}`}>{deal.name}</Link> : '—'}</dd>
            <dt>Rep</dt>
            <dd>{rep?.name ?? '—'}</dd>
            {ask.advocateId ? (
              <>
                <dt>Advocate</dt>
                <dd>
                  <Link to={`/advocacy/candidates/${ask.advocateId}`}>open</Link>
                </dd>
              </>
            ) : null}
            <dt>How</dt>
            <dd>
              {ask.channel === 'email' ? 'Email through the outbox' : 'By phone'} · by {ask.createdByName}
            </dd>
            {ask.platform ? (
              <>
                <dt>Platform</dt>
                <dd>
                  {PLATFORM_LABELS[ask.platform]}
                  {ask.reviewUrlToVisit ? ` · ${ask.reviewUrlToVisit}` : ''}
                </dd>
                <dt>Incentive</dt>
                <dd>{ask.incentive || 'none'}</dd>
              </>
            ) : null}
            {ask.campaignId ? (
              <>
                <dt>Campaign</dt>
                <dd>
                  <Link to={`/advocacy/reviews?campaign=${ask.campaignId}`}>the draw it came from</Link>
                </dd>
              </>
            ) : null}
            <dt>Sent</dt>
            <dd>
              <LocalTime iso={ask.sentAt} />
            </dd>
            {ask.noResponseBy ? (
              <>
                <dt>No answer by</dt>
                <dd>{formatDate(ask.noResponseBy)} (then “no response”)</dd>
              </>
            ) : null}
            {ask.reviewUrl ? (
              <>
                <dt>Published review</dt>
                <dd>
                  <a href={ask.reviewUrl}>{ask.reviewUrl}</a>
                </dd>
              </>
            ) : null}
            {ask.referenceDate ? (
              <>
                <dt>Reference call</dt>
                <dd>{formatDate(ask.referenceDate)}</dd>
              </>
            ) : null}
            {ask.caseStudyUrl ? (
              <>
                <dt>Case study</dt>
                <dd>
                  <a href={ask.caseStudyUrl}>{ask.caseStudyUrl}</a>
                </dd>
              </>
            ) : null}
            {referral ? (
              <>
                <dt>Referral</dt>
                <dd>
                  {referral.referredCompany} · id <code>{referral.id}</code> · {referral.status}
                  {referral.newDeal ? (
                    <>
                      {' '}
                      → <Link to={`/deals/${referral.newDeal.id}`}>{referral.newDeal.name}</Link> ({formatMoney(referral.newDeal.arr, referral.newDeal.currency)})
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
          </dl>
          {ask.message ? <blockquote>{ask.message}</blockquote> : null}
        </section>
        <section className="panel" aria-labelledby="history">
          <h2 id="history">History</h2>
          <ol className="plain">
            {ask.history.map((h, i) => (
              <li key={i}>
                <LocalTime iso={h.at} /> · {ASK_STATUS_LABELS[h.status]} · {h.byName}
                {h.note ? <div className="muted">{h.note}</div> : null}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {canWrite && (next.length || update.result) ? (
        <section className="panel" id="update-section" aria-labelledby="update">
          <h2 id="update">Record what happened</h2>
          {next.length ? <UpdateForm key={ask.history.length} f={update} type={ask.type} next={next} /> : <FormFeedback feedback={update} />}
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
