import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { AccountListQuerySchema, listAccounts } from '#app/accounts/accounts.server';
import { SEGMENT_LABELS, SEGMENT_OPTIONS, formatDate } from '#app/utils/format';
import { FilterSelect } from '#app/components/forms';

export const meta: MetaFunction = () => [{ title: 'Accounts · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const query = AccountListQuerySchema.parse(Object.fromEntries(url.searchParams));
  const result = await listAccounts({ user, query });
  return { ...result, query, role: user.role };
}

function SortHeader({ field, label }: { field: string; label: string }) {
  const [params] = useSearchParams();
  const current = params.get('sort') ?? 'name';
  const next = new URLSearchParams(params);
  const asc = current === field;
  next.set('sort', asc ? `-${field}` : field);
  next.delete('page');
  const state = current === field ? 'ascending' : current === `-${field}` ? 'descending' : 'none';
  return (
    <th aria-sort={state}>
      <Link to={`?${next}`}>
        {label} {state === 'ascending' ? '▲' : state === 'descending' ? '▼' : ''}
      </Link>
    </th>
  );
}

export default function Accounts() {
  const { accounts, total, page, pages, query, role } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>Accounts</h1>
        {role !== 'leadership' && role !== 'marketing' ? (
          <Link className="button" to="/deals/new">
            New closed-won deal
          </Link>
        ) : null}
      </div>
      <Form method="get" className="toolbar" role="search">
        <div className="field">
          <label htmlFor="q">Search by name or domain</label>
          <input id="q" type="search" name="q" defaultValue={query.q} placeholder="e.g. Acme or acme.com" />
        </div>
        <FilterSelect id="segment" label="Segment" name="segment" defaultValue={query.segment ?? ''} anyLabel="All segments" options={SEGMENT_OPTIONS} />
        {role === 'cs' ? (
          <label>
            <input type="checkbox" name="mine" value="1" defaultChecked={query.mine === '1'} /> Only my accounts
          </label>
        ) : null}
        <input type="hidden" name="sort" value={query.sort} />
        <button type="submit">Search</button>
      </Form>
      <div className="table-wrap">
        {accounts.length === 0 ? (
          <p className="empty">
            {query.q
              ? `No account matches “${query.q}”.`
              : role === 'sales'
                ? 'You have no accounts yet: record a closed-won deal to add one.'
                : 'No accounts yet. Record a closed-won deal to add the first one.'}
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <SortHeader field="name" label="Name" />
                <th>Domain</th>
                <SortHeader field="segment" label="Segment" />
                <th>CSM</th>
                <SortHeader field="status" label="Status" />
                <SortHeader field="createdAt" label="Added" />
              </tr>
            </thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/accounts/${a.id}`}>{a.name}</Link>
                  </td>
                  <td>{a.domain}</td>
                  <td>{SEGMENT_LABELS[a.segment] ?? a.segment}</td>
                  <td>{a.csm || <span className="muted">unassigned</span>}</td>
                  <td>
                    <span className={`badge ${a.status === 'active' ? 'ok' : 'muted'}`}>{a.status}</span>
                  </td>
                  <td>{formatDate(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pages} total={total} noun="account" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
