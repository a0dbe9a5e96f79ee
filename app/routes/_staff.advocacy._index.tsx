import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { PastAsks, type AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { CandidateQuerySchema, listCandidates } from '#app/advocacy/advocacy.server';
import { ASK_TYPE_LABELS, CANDIDATE_TYPES } from '#app/advocacy/advocacy-types';
import { formatDate, formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction = () => [{ title: 'Advocacy candidates · Kept' }];

export const handle = { advocacy: { download: { href: '/advocacy/export/candidates', label: 'Export candidates (CSV)' } } } satisfies AdvocacyPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  const query = CandidateQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('That candidate filter is not valid.', { status: 400 });
  const list = await listCandidates({ query: query.data });
  return { ...list, query: query.data, canAsk: may(user.role, 'advocacy.act') };
}

export default function Candidates() {
  const { candidates, total, readyTotal, waitingTotal, page, pageCount, query, canAsk } = useLoaderData<typeof loader>();
  const href = (changes: Record<string, string>) => `?${new URLSearchParams({ type: query.type, view: query.view, ...changes })}`;
  return (
    <>
      <p className="muted">
        Customers who are live, whose latest survey says we delivered the promised value, with NPS 9-10, who said yes to being asked, whose contact can be emailed and whose ask
        budget is clear. They appear when a survey answer qualifies them and disappear when a later answer does not. Ranked by NPS, promises kept, consents and deal size.
      </p>
      <nav className="tabs" aria-label="Candidate type">
        {CANDIDATE_TYPES.map((t) => (
          <Link key={t} to={href({ type: t, view: 'ready' })} aria-current={query.type === t ? 'page' : undefined}>
            {ASK_TYPE_LABELS[t]}
          </Link>
        ))}
      </nav>
      <p>
        <Link to={href({ view: 'ready' })} aria-current={query.view === 'ready' ? 'true' : undefined}>
          Ready to ask ({readyTotal})
        </Link>{' '}
        ·{' '}
        <Link to={href({ view: 'waiting' })} aria-current={query.view === 'waiting' ? 'true' : undefined}>
          Waiting for their ask budget ({waitingTotal})
        </Link>
      </p>
      <div className="table-wrap">
        {candidates.length === 0 ? (
          <p className="empty">
            {query.view === 'ready' ? `No ${ASK_TYPE_LABELS[query.type].toLowerCase()} candidates are ready to ask.` : 'Nobody is waiting for their ask budget.'}
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Advocate</th>
                <th>Why they qualify</th>
                <th>Origin deal</th>
                <th>Rep</th>
                <th className="num">Promises kept</th>
                <th>Past asks</th>
                {query.view === 'waiting' ? <th>Next available</th> : null}
              </tr>
            </thead>
            <tbody>
              {candidates.map((c, i) => (
                <tr key={c.id}>
                  <td className="num">{(page - 1) * 25 + i + 1}</td>
                  <td>
                    <Link to={`/advocacy/candidates/${c.id}`}>{c.contact.name}</Link>
                    <div className="muted">
                      <Link to={`/accounts/${c.account.id}`}>{c.account.name}</Link>
                    </div>
                  </td>
                  <td>
                    <ul className="plain">
                      {c.why.map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                    <div className="muted">
                      Answered {formatDate(c.answeredAt)} ({c.wave} months)
                    </div>
                  </td>
                  <td>
                    <Link to={`/deals/${c.deal.id}`}>{c.deal.name}</Link>
                    <div className="muted">
                      {formatMoney(c.deal.arr, c.deal.currency)} · won {formatDate(c.deal.closedWonAt)}
                    </div>
                  </td>
                  <td>{c.rep.name}</td>
                  <td className="num">
                    {c.promisesKept} of {c.promisesTotal}
                  </td>
                  <td>
                    <PastAsks asks={c.pastAsks} />
                  </td>
                  {query.view === 'waiting' ? <td>{formatDate(c.budgetClearAt)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pageCount} total={total} noun="candidate" />
      {canAsk ? null : <p className="muted">Read-only: marketing makes the asks.</p>}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
