import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { PromiseList } from '#app/components/promise-list';
import { ReferralOrigin } from '#app/components/referral-origin';
import { SurveyStatus } from '#app/components/survey-status';
import { getReferralOrigin } from '#app/advocacy/advocacy.server';
import { getDealDetail } from '#app/deals/deals.server';
import { latestPromiseVerdicts } from '#app/recovery/reask-answer.server';
import { listDealSurveys } from '#app/surveys/surveys.server';
import { notFound } from '#app/utils/forms.server';
import { formatDate, formatMoney } from '#app/utils/format';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.deal.name ?? 'Deal'} · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const deal = await getDealDetail({ user, dealId: params.dealId ?? '' });
  if (!deal) notFound('That deal');
  const { surveys } = await listDealSurveys({ user, dealId: deal.id });
  const referralOrigin = await getReferralOrigin({ user, dealId: deal.id });
  // Each promise's latest verdict: a re-ask's answer counts over the survey it follows up.
  const verdicts = (await latestPromiseVerdicts({ dealIds: [deal.id] })).get(deal.id) ?? {};
  return { deal, surveys, referralOrigin, verdicts };
}

export default function DealPage() {
  const { deal, surveys, referralOrigin, verdicts } = useLoaderData<typeof loader>();
  return (
    <>
      {deal.account ? (
        <p>
          <Link to={`/accounts/${deal.account.id}`}>← {deal.account.name}</Link>
        </p>
      ) : null}
      <div className="page-header">
        <h1>{deal.name}</h1>
      </div>
      <section className="panel" aria-labelledby="deal-facts">
        <h2 id="deal-facts">Deal</h2>
        <dl className="facts">
          <dt>Customer</dt>
          <dd>{deal.account?.name ?? '—'}</dd>
          <dt>Closed won</dt>
          <dd>{formatDate(deal.closedWonAt)}</dd>
          <dt>ARR</dt>
          <dd>{formatMoney(deal.arr, deal.currency)}</dd>
          <dt>Gross margin</dt>
          <dd>{deal.grossMarginPct == null ? '—' : `${deal.grossMarginPct} %`}</dd>
          <dt>CAC</dt>
          <dd>{deal.cac == null ? 'not recorded' : formatMoney(deal.cac, deal.currency)}</dd>
          <dt>Journey</dt>
          <dd>
            {deal.journey ? (
              <Link to={`/journeys/${deal.journey.id}`}>{deal.journey.liveAt ? `Live since ${formatDate(deal.journey.liveAt)}` : `In ${deal.journey.stage}`}</Link>
            ) : (
              <span className="muted">not started yet</span>
            )}
          </dd>
          <dt>Account executive</dt>
          <dd>{deal.ae?.name ?? '—'}</dd>
          <dt>Source</dt>
          <dd>
            {deal.source} · {deal.crmId}
          </dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="promises">
        <h2 id="promises">Promises made in the sale</h2>
        <PromiseList promises={deal.promises} verdicts={verdicts} />
      </section>
      <section className="panel" aria-labelledby="surveys">
        <h2 id="surveys">Value-delivery surveys</h2>
        <SurveyStatus surveys={surveys} />
      </section>
      <ReferralOrigin origin={referralOrigin} dealId={deal.id} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
