import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { requireUser } from '#app/auth/session.server';
import { AdvocacyTabs, AskStatusBadge } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, SelectField, TextareaField, fieldState } from '#app/components/forms';
import { ADVOCACY_READERS, AskUpdateSchema, getAsk, requireAdvocacyWriter, updateAsk } from '#app/services/advocacy.server';
import { ASK_STATUS_LABELS, ASK_TYPE_LABELS, PLATFORM_LABELS, type AskStatus } from '#app/utils/advocacy';
import { badRequest, formValues, notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate, formatDateTime, formatMoney } from '#app/utils/format';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? ASK_TYPE_LABELS[data.ask.type] : 'Ask'} · Advocacy · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { roles: ADVOCACY_READERS });
  const found = await getAsk({ askId: params.askId ?? '' });
  if (!found) notFound('That ask');
  return { ...found, canWrite: user.role === 'marketing' };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { roles: ADVOCACY_READERS });
  requireAdvocacyWriter(user);
  const formData = await readFormData(request);
  const parsed = parseForm(AskUpdateSchema, formData);
  if (!parsed.ok) return badRequest(parsed);
  const result = await updateAsk({ user, askId: params.askId ?? '', input: parsed.data });
  if (!result.ok) {
    if (result.errors) return badRequest({ errors: result.errors, values: formValues(formData) });
    return data({ ok: false as const, errors: { '': [result.error ?? 'That change is not possible.'] } as Record<string, string[]>, values: formValues(formData) }, { status: 409 });
  }
  return { ok: true as const, message: result.message, referralId: result.referralId ?? null };
}

export default function AskPage() {
  const { ask, deal, rep, referral, next, canWrite } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = result && !result.ok ? result : undefined;
  const [status, setStatus] = useState<AskStatus | ''>((errors?.values?.status as AskStatus) ?? next[0] ?? '');
  const outcome = status === 'completed' || status === 'accepted';
  return (
    <>
      <p>
        <Link to="/advocacy/asks">← Asks</Link>
      </p>
      <div className="page-header">
        <h1>
          {ASK_TYPE_LABELS[ask.type]}: {ask.contact.name} <AskStatusBadge status={ask.status} />
        </h1>
      </div>
      <AdvocacyTabs />
      {result?.ok ? (
        <p className="notice" role="status">
          {result.message}
        </p>
      ) : null}
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
            <dd>{formatDateTime(ask.sentAt)}</dd>
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
                {formatDateTime(h.at)} · {ASK_STATUS_LABELS[h.status]} · {h.byName}
                {h.note ? <div className="muted">{h.note}</div> : null}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {canWrite && next.length ? (
        <section className="panel" aria-labelledby="update">
          <h2 id="update">Record what happened</h2>
          <Form method="post" className="stack">
            <FormError errors={errors?.errors?.['']} />
            <div className="row">
              <SelectField label="New status" name="status" value={status} onChange={(e) => setStatus(e.target.value as AskStatus)} errors={errors?.errors?.status}>
                {next.map((s) => (
                  <option key={s} value={s}>
                    {ASK_STATUS_LABELS[s]}
                  </option>
                ))}
              </SelectField>
              {outcome && ask.type === 'review' ? <Field label="Published review link" name="reviewUrl" type="url" defaultValue={errors?.values?.reviewUrl} errors={errors?.errors?.reviewUrl} /> : null}
              {outcome && ask.type === 'reference' ? <Field label="Reference call date" name="referenceDate" type="date" defaultValue={errors?.values?.referenceDate} errors={errors?.errors?.referenceDate} /> : null}
              {outcome && ask.type === 'case_study' ? <Field label="Case study link" name="caseStudyUrl" type="url" defaultValue={errors?.values?.caseStudyUrl} errors={errors?.errors?.caseStudyUrl} /> : null}
            </div>
            {status === 'completed' && ask.type === 'referral' ? (
              <div className="row">
                <Field label="Referred company" name="referredCompany" defaultValue={errors?.values?.referredCompany} errors={errors?.errors?.referredCompany} />
                <Field label="Domain" name="referredDomain" placeholder="example.com" defaultValue={errors?.values?.referredDomain} errors={errors?.errors?.referredDomain} />
                <Field label="Contact name" name="referredContactName" defaultValue={errors?.values?.referredContactName} />
                <Field label="Contact email" name="referredContactEmail" type="email" defaultValue={errors?.values?.referredContactEmail} errors={errors?.errors?.referredContactEmail} />
                <Field label="Estimated ARR" name="estimatedArr" inputMode="numeric" defaultValue={errors?.values?.estimatedArr} errors={errors?.errors?.estimatedArr} />
              </div>
            ) : null}
            <TextareaField label="Note" name="note" rows={2} defaultValue={errors?.values?.note} />
            <button type="submit" disabled={navigation.state === 'submitting'}>
              Save
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
