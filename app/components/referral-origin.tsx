import { Link } from '@remix-run/react';
import { formatDate, formatMoney } from '#app/utils/format';

export type ReferralOriginView = {
  referral: {
    id: string;
    referredCompany: string;
    advocate: { id: string; name: string; accountId: string; accountName: string };
    originDeal: { id: string; name: string };
    repName: string;
    linkedVia: string | null;
    linkedAt: string | null;
    newDeal: { arr: number; currency: string } | null;
  } | null;
  canLink: boolean;
} | null;

/** The deal page's "Referral origin": which advocate (origin deal, rep) referred this customer, or a way to link it. */
export function ReferralOrigin({ origin, dealId }: { origin: ReferralOriginView; dealId: string }) {
  if (!origin || (!origin.referral && !origin.canLink)) return null;
  const r = origin.referral;
  return (
    <section className="panel" aria-labelledby="referral-origin">
      <h2 id="referral-origin">Referral origin</h2>
      {r ? (
        <dl className="facts">
          <dt>Referred by</dt>
          <dd>
            {r.advocate.name} at <Link to={`/accounts/${r.advocate.accountId}`}>{r.advocate.accountName}</Link>
          </dd>
          <dt>Their origin deal</dt>
          <dd>
            <Link to={`/deals/${r.originDeal.id}`}>{r.originDeal.name}</Link> (rep {r.repName})
          </dd>
          <dt>Referred revenue</dt>
          <dd>{r.newDeal ? formatMoney(r.newDeal.arr, r.newDeal.currency) : '—'}</dd>
          <dt>Linked</dt>
          <dd>
            {formatDate(r.linkedAt)} via {r.linkedVia} · referral id <code>{r.id}</code>
          </dd>
        </dl>
      ) : (
        <p>
          Not linked to a referral. If an advocate referred this customer,{' '}
          <Link to={`/advocacy/referrals?${new URLSearchParams({ link: dealId, status: 'open' })}`}>link it to their referral</Link> so its ARR counts as referred revenue.
        </p>
      )}
    </section>
  );
}
