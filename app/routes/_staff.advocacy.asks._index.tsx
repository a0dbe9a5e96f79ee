import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { AskStatusBadge, type AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { AskListQuerySchema, listAsks } from '#app/advocacy/advocacy.server';
import { ASK_STATUS_LABELS, ASK_STATUSES, ASK_TYPE_LABELS, ASK_TYPES, PLATFORM_LABELS } from '#app/advocacy/advocacy-types';
import { formatDate } from '#app/utils/format';
import { FilterSelect } from '#app/components/forms';

export const meta: MetaFunction = () => [{ title: 'Asks · Advocacy · Kept' }];

export const handle = { advocacy: { download: { href: '/advocacy/export/asks', label: 'Export asks (CSV)' } } } satisfies AdvocacyPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'advocacy.view' });
  const query = AskListQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('That ask filter is not valid.', { status: 400 });
  return { ...(await listAsks({ query: query.data })), query: query.data };
}

export default function Asks() {
  const { asks, total, page, pageCount, query } = useLoaderData<typeof loader>();
  return (
    <>
      <Form method="get" className="toolbar">
        <FilterSelect id="type" label="Ask" name="type" defaultValue={query.type ?? ''} anyLabel="All" options={ASK_TYPES.map((t) => ({ value: t, label: ASK_TYPE_LABELS[t] }))} />
        <FilterSelect
          id="status"
          label="Status"
          name="status"
          defaultValue={query.status ?? ''}
          anyLabel="All"
          options={ASK_STATUSES.map((s) => ({ value: s, label: ASK_STATUS_LABELS[s] }))}
        />
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <div className="table-wrap">
        {asks.length === 0 ? (
          <p className="empty">No asks match.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Sent</th>
                <th>Ask</th>
                <th>Contact</th>
                <th>Account</th>
                <th>How</th>
                <th>Status</th>
                <th>Answer due</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {asks.map((a) => (
                <tr key={a.id}>
                  <td>{formatDate(a.sentAt)}</td>
                  <td>
                    <Link to={`/advocacy/asks/${a.id}`}>
                      {ASK_TYPE_LABELS[a.type]}
                      {a.platform ? ` · ${PLATFORM_LABELS[a.platform]}` : ''}
                    </Link>
                  </td>
                  <td>{a.contact.name}</td>
                  <td>
                    <Link to={`/accounts/${a.account.id}`}>{a.account.name}</Link>
                  </td>
                  <td>{a.channel}</td>
                  <td>
                    <AskStatusBadge status={a.status} />
                  </td>
                  <td>{formatDate(a.noResponseBy)}</td>
                  <td>
                    {a.reviewUrl ? (
                      <a href={a.reviewUrl}>review</a>
                    ) : (
                      (a.referredCompany ?? (a.referenceDate ? `call ${formatDate(a.referenceDate)}` : a.caseStudyUrl ? <a href={a.caseStudyUrl}>case study</a> : '—'))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pageCount} total={total} noun="ask" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
