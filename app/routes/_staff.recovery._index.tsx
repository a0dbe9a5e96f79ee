import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { may } from '#app/auth/permissions';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FilterSelect } from '#app/components/forms';
import { Pagination } from '#app/components/pagination';
import { RecoveryStatusBadge } from '#app/components/recovery';
import { CaseListQuerySchema, listCases } from '#app/recovery/cases.server';
import { RECOVERY_STATUS_LABELS } from '#app/recovery/recovery-rules';
import { formatDate, formatMoney } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Recovery cases · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'recovery.view' });
  // Unknown filter values fall back to the defaults (the schema's `catch`): a hand-edited URL still shows a list.
  const query = CaseListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const list = await listCases({ user, query });
  return { ...list, query, isRep: user.role === 'sales', canSettings: may(user.role, 'recovery.settings') };
}

const VIEW_LABELS = { ...RECOVERY_STATUS_LABELS, all: 'All' } as const;
const VIEWS = Object.keys(VIEW_LABELS) as Array<keyof typeof VIEW_LABELS>;

export default function RecoveryCases() {
  const { cases, total, page, pages, query, isRep, canSettings } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>{isRep ? 'Recovery of the promises you made' : 'Recovery cases'}</h1>
        {canSettings ? (
          <Link className="button secondary" to="/recovery/settings">
            Settings
          </Link>
        ) : null}
      </div>
      <p className="muted">A case opens when a buyer says a promise was not kept (or the answer as a whole was bad). Most overdue first.</p>
      <Form method="get" className="toolbar" role="search">
        <FilterSelect
          id="status"
          label="Status"
          name="status"
          defaultValue={query.status === 'active' ? '' : query.status}
          anyLabel="Not closed"
          options={VIEWS.map((v) => ({ value: v, label: VIEW_LABELS[v] }))}
        />
        {!isRep ? (
          <label>
            <input type="checkbox" name="mine" value="1" defaultChecked={query.mine === '1'} /> Only my cases
          </label>
        ) : null}
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <div className="table-wrap">
        {cases.length === 0 ? (
          <p className="empty">
            {query.status === 'active' && !query.mine ? 'No open recovery cases: every promise the buyers judged is kept or closed.' : 'No recovery cases match.'}
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th>What was not kept</th>
                <th>Status</th>
                <th>Due</th>
                <th>CSM</th>
                <th>Rep</th>
                <th className="num">ARR</th>
              </tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id}>
                  <td>{c.account}</td>
                  <td>
                    <Link to={`/recovery/${c.id}`}>{c.subject}</Link>
                  </td>
                  <td>
                    <RecoveryStatusBadge status={c.status} />
                    {c.planConfirmed ? <div className="muted">buyer confirmed the plan</div> : null}
                  </td>
                  <td>
                    {c.sla ? <span className={c.overdue ? 'badge bad' : undefined}>{c.sla}</span> : <span className="muted">closed</span>}
                    <div className="muted">
                      {c.dueKind === 'plan' ? 'plan: ' : 'SLA: '}
                      {formatDate(c.dueAt)}
                    </div>
                  </td>
                  <td>{c.csm ?? <span className="muted">unassigned</span>}</td>
                  <td>{c.rep}</td>
                  <td className="num">{formatMoney(c.arr)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pages} total={total} noun="case" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
