import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { PromiseList } from '#app/components/promise-list';
import { getAccountDetail } from '#app/accounts/accounts.server';
import { notFound } from '#app/utils/forms.server';
import { SEGMENT_LABELS, formatDate, formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.account.name ?? 'Account'} · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const account = await getAccountDetail({ user, accountId: params.accountId ?? '' });
  if (!account) notFound('That account');
  return { account, canAddDeal: may(user.role, 'deals.record'), canRecordChurn: may(user.role, 'churn.record') };
}

export default function AccountPage() {
  const { account, canAddDeal, canRecordChurn } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to="/accounts">← Accounts</Link>
      </p>
      <div className="page-header">
        <h1>{account.name}</h1>
        {canAddDeal ? (
          <Link className="button secondary" to={`/deals/new?accountId=${account.id}`}>
            Add a closed-won deal
          </Link>
        ) : null}
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="facts">
          <h2 id="facts">Account</h2>
          <dl className="facts">
            <dt>Domain</dt>
            <dd>{account.domain || '—'}</dd>
            <dt>Segment</dt>
            <dd>{SEGMENT_LABELS[account.segment] ?? account.segment}</dd>
            <dt>Status</dt>
            <dd>
              {account.status}
              {account.churnedAt ? ` since ${formatDate(account.churnedAt)}` : ''}
              {canRecordChurn && account.status !== 'churned' ? (
                <>
                  {' · '}
                  <Link to={`/dashboards/churn/${account.id}`}>Record churn</Link>
                </>
              ) : null}
            </dd>
            <dt>CSM</dt>
            <dd>{account.csm ?? 'unassigned'}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="contacts">
          <h2 id="contacts">Contacts</h2>
          {account.contacts.length === 0 ? (
            <p className="muted">No contacts yet.</p>
          ) : (
            <ul>
              {account.contacts.map((c) => (
                <li key={c.id}>
                  {c.name} {c.title ? <span className="muted">· {c.title}</span> : null} · <span>{c.email}</span> {c.isPrimary ? <span className="badge ok">primary</span> : null}{' '}
                  {c.emailStatus !== 'ok' ? <span className="badge bad">{c.emailStatus}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <h2>Closed-won deals</h2>
      {account.deals.length === 0 ? <p className="empty panel">No deals you can see on this account.</p> : null}
      {account.deals.map((d) => (
        <section className="panel" key={d.id} aria-labelledby={`deal-${d.id}`}>
          <h3 id={`deal-${d.id}`}>
            <Link to={`/deals/${d.id}`}>{d.name}</Link>
          </h3>
          <p className="muted">
            Closed won {formatDate(d.closedWonAt)} · {formatMoney(d.arr, d.currency)} ARR · AE {d.ae || '—'}
          </p>
          <PromiseList promises={d.promises} />
        </section>
      ))}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
