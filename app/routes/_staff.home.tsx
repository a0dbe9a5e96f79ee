import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getHome } from '#app/dashboards/home.server';
import { formatDate, formatMoney } from '#app/utils/format';
import { HEALTH_LABELS, HEALTHS } from '#app/journeys/journey-rules';
import { may } from '#app/auth/permissions';
import { WorkItemList } from '#app/components/work-queue';

export const meta: MetaFunction = () => [{ title: 'Home · Kept' }];

const INTRO: Record<string, { title: string; body: string }> = {
  admin: { title: 'Administration', body: 'Users and roles, the email outbox, and everything your teams see.' },
  cs: { title: 'Your customers', body: 'Closed-won customers in your book, from handoff to go-live.' },
  sales: { title: 'Your deals and promises', body: 'The customers you won and what you promised them. Buyers will be asked at 6, 9 and 12 months whether each promise was kept.' },
  leadership: { title: 'Post-sale overview', body: 'Closed-won customers and what they were promised. Value-delivered and time-to-live dashboards build on this.' },
  marketing: { title: 'Customers who can speak for us', body: 'Recently won customers and their promises: the source of referral, reference and review advocates.' },
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const home = await getHome({ user });
  return { ...home, role: user.role, name: user.name };
}

export default function Home() {
  const { deals, accounts, users, outbox, health, work, role, name } = useLoaderData<typeof loader>();
  const intro = INTRO[role];
  // A CSM with nothing in their book yet: say so, instead of a page of zeros.
  const emptyBook = role === 'cs' && accounts === 0 && deals.total === 0;
  return (
    <>
      <div className="page-header">
        <div>
          <p className="muted">Welcome, {name}</p>
          <h1 data-testid="home-title">{intro.title}</h1>
        </div>
        {may(role, 'deals.record') ? (
          <Link className="button" to="/deals/new">
            New closed-won deal
          </Link>
        ) : null}
        {role === 'marketing' ? (
          <Link className="button" to="/advocacy">
            Advocacy candidates
          </Link>
        ) : null}
      </div>
      <p>{intro.body}</p>
      {work ? (
        <section className="panel" aria-labelledby="work-queue" data-testid="home-work-queue">
          <h2 id="work-queue">What waits for you</h2>
          {work.items.length === 0 ? (
            <p className="empty">Nothing waits for you{work.snoozedCount ? ` (${work.snoozedCount} snoozed)` : ''}.</p>
          ) : (
            <WorkItemList items={work.items} />
          )}
          <p>
            <Link to="/work">{work.total > work.items.length ? `All ${work.total.toLocaleString('en-US')} items of your work queue` : 'Your work queue'}</Link>
            {work.snoozedCount ? <span className="muted"> · {work.snoozedCount} snoozed</span> : null}
          </p>
        </section>
      ) : null}
      {emptyBook ? (
        <section className="panel" aria-labelledby="empty-book" data-testid="empty-book">
          <h2 id="empty-book">Your book is empty for now</h2>
          <p>
            No customers are assigned to you yet. New closed-won customers are given to CS users in turn, so your first ones arrive with the next deals; a colleague or an admin can
            also hand you a journey from its page.
          </p>
          <p>
            Meanwhile you can look at <Link to="/journeys?mine=0">everyone’s journeys</Link> or <Link to="/surveys">the surveys</Link>.
          </p>
        </section>
      ) : (
        <>
          <div className="cards">
            <div className="card">
              <div className="label">{role === 'sales' ? 'Your accounts' : role === 'cs' ? 'Accounts you manage' : 'Accounts'}</div>
              <div className="value">{accounts.toLocaleString('en-US')}</div>
            </div>
            <div className="card">
              <div className="label">{role === 'sales' ? 'Your closed-won deals' : role === 'cs' ? 'Deals in your book' : 'Closed-won deals'}</div>
              <div className="value">{deals.total.toLocaleString('en-US')}</div>
            </div>
            {users !== null ? (
              <div className="card">
                <div className="label">Active users</div>
                <div className="value">{users}</div>
              </div>
            ) : null}
            {outbox !== null ? (
              <div className="card">
                <div className="label">Emails in the outbox</div>
                <div className="value">{outbox}</div>
              </div>
            ) : null}
          </div>
          {health ? (
            <>
              <h2>Your journeys</h2>
              <div className="cards" aria-label="Health of your journeys">
                {HEALTHS.map((h) => (
                  <Link key={h} to={`/journeys?mine=1&health=${h}`} className="card">
                    <div className="label">{HEALTH_LABELS[h]}</div>
                    <div className="value">{health[h].toLocaleString('en-US')}</div>
                  </Link>
                ))}
              </div>
            </>
          ) : null}
          <h2>{role === 'cs' ? 'Your customers closed in the last 90 days' : 'Closed won in the last 90 days'}</h2>
          <div className="table-wrap">
            {deals.recent.length === 0 ? (
              <p className="empty">{role === 'cs' ? 'None of your customers closed in the last 90 days.' : 'No deals closed in the last 90 days.'}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Deal</th>
                    <th>Customer</th>
                    <th>Closed won</th>
                    <th className="num">ARR</th>
                    <th className="num">Promises</th>
                  </tr>
                </thead>
                <tbody>
                  {deals.recent.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <Link to={`/deals/${d.id}`}>{d.name}</Link>
                      </td>
                      <td>
                        <Link to={`/accounts/${d.accountId}`}>{d.account}</Link>
                      </td>
                      <td>{formatDate(d.closedWonAt)}</td>
                      <td className="num">{formatMoney(d.arr, d.currency)}</td>
                      <td className="num">{d.promises}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </>
      )}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
