import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FilterSelect } from '#app/components/forms';
import { Pagination } from '#app/components/pagination';
import { listRepPromises } from '#app/promises/promises.server';
import { PROMISE_SORT_LABELS, PROMISE_SORTS, PromisesQuerySchema, VERDICT_BADGE, VERDICT_LABELS } from '#app/promises/promise-rules';
import { CATEGORY_LABELS, formatDate, plural } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Promises · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'promises.view' });
  const query = PromisesQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const list = await listRepPromises({ user, query });
  return { ...list, query, own: user.role === 'sales' };
}

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)} %`);

export default function Promises() {
  const { summary, categories, promises, total, page, pages, query, own, reps, repName } = useLoaderData<typeof loader>();
  const whose = own ? 'you' : repName ? repName : 'your reps';
  return (
    <>
      <div className="page-header">
        <h1>{own ? 'Your promises' : repName ? `${repName}’s promises` : 'Promises made by sales'}</h1>
      </div>
      <p>Every promise {whose} made in a sale, what the buyer said about it last, and the recovery cases still open. Learn which promises customer success cannot keep.</p>
      <Form method="get" className="toolbar" role="search">
        {!own ? (
          <FilterSelect id="rep" label="Rep" name="rep" defaultValue={query.rep ?? ''} anyLabel="Every rep" options={reps.map((r) => ({ value: r.id, label: r.name }))} />
        ) : null}
        <div className="field">
          <label htmlFor="sort">Sort</label>
          <select id="sort" name="sort" defaultValue={query.sort}>
            {PROMISE_SORTS.map((s) => (
              <option key={s} value={s}>
                {PROMISE_SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          Show
        </button>
      </Form>
      <div className="cards" aria-label="Promise figures">
        <div className="card" data-testid="promises-kept-rate">
          <div className="label">Promise-kept rate</div>
          <div className="value">{pct(summary.keptRate)}</div>
          <div className="muted small">
            {summary.judged.toLocaleString('en-US')} of {plural(summary.promises, 'promise')} judged by buyers
          </div>
        </div>
        <div className="card">
          <div className="label">Not kept yet</div>
          <div className="value">{summary.notYet.toLocaleString('en-US')}</div>
          <div className="muted small">latest verdict “Not yet”</div>
        </div>
        <div className="card">
          <div className="label">Open recovery cases</div>
          <div className="value">{summary.openCases.toLocaleString('en-US')}</div>
        </div>
      </div>
      <section className="panel" aria-labelledby="by-category">
        <h2 id="by-category">Kept least, by category</h2>
        {categories.length === 0 ? (
          <p className="empty">No promises yet.</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="promises-by-category">
              <thead>
                <tr>
                  <th>Category</th>
                  <th className="num">Promises</th>
                  <th className="num">Judged</th>
                  <th className="num">Not yet</th>
                  <th className="num">Kept</th>
                </tr>
              </thead>
              <tbody>
                {categories.map((c) => (
                  <tr key={c.category}>
                    <td>{CATEGORY_LABELS[c.category] ?? c.category}</td>
                    <td className="num">{c.promises.toLocaleString('en-US')}</td>
                    <td className="num">{c.judged.toLocaleString('en-US')}</td>
                    <td className="num">{c.notYet.toLocaleString('en-US')}</td>
                    <td className="num">{pct(c.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <h2>Every promise</h2>
      {promises.length === 0 ? (
        <p className="empty" data-testid="promises-empty">
          {own ? 'You have no closed-won deals with promises yet. Promises are recorded with each closed-won deal.' : 'No promises for this choice.'}
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="promises-list">
            <thead>
              <tr>
                <th>Promise</th>
                <th>Customer · deal</th>
                {!own && !repName ? <th>Rep</th> : null}
                <th>Closed won</th>
                <th>Latest verdict</th>
                <th>Recovery</th>
              </tr>
            </thead>
            <tbody>
              {promises.map((p) => (
                <tr key={p.id}>
                  <td>
                    <div className="muted">{CATEGORY_LABELS[p.category] ?? p.category}</div>
                    {p.text}
                  </td>
                  <td>
                    <Link to={`/accounts/${p.accountId}`}>{p.accountName}</Link> · <Link to={`/deals/${p.dealId}`}>{p.dealName}</Link>
                  </td>
                  {!own && !repName ? <td>{p.repName}</td> : null}
                  <td>{formatDate(p.closedWonAt)}</td>
                  <td>
                    <span className={`badge ${VERDICT_BADGE[p.verdict ?? 'none']}`}>{VERDICT_LABELS[p.verdict ?? 'none']}</span>
                    {p.verdictAt ? (
                      <div className="muted small">{`${p.verdictSource === 'reask' ? 'asked again' : `${p.verdictWave}-month survey`}, ${formatDate(p.verdictAt)}`}</div>
                    ) : null}
                    {p.buyerComment ? <div className="small">“{p.buyerComment}”</div> : null}
                  </td>
                  <td>
                    {p.recoveryCase ? <Link to={`/recovery/${p.recoveryCase.id}`}>Open case ({p.recoveryCase.status.replace('_', ' ')})</Link> : <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} total={total} noun="promise" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
