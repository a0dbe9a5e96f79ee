import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { listValueAnswers, parseAnswersQuery, queryString } from '#app/dashboards/dashboards.server';
import { CATEGORY_LABELS, SEGMENT_LABELS, formatDate } from '#app/utils/format';
import { OVERALL_BADGE, OVERALL_LABELS, VERDICT_BADGE, VERDICT_LABELS } from '#app/surveys/survey-labels';

export const meta: MetaFunction = () => [{ title: 'Answers behind the figures · Dashboards · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'dashboards.value' });
  const query = parseAnswersQuery(new URL(request.url));
  const data = await listValueAnswers({ user, query });
  const { category: _c, page: _p, ...filters } = data.query;
  return { ...data, back: `/dashboards/value${queryString(user.role === 'sales' ? { ...filters, rep: undefined } : filters)}` };
}

export default function ValueAnswers() {
  const { answers, total, page, pages, query, back } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to={back}>← Value delivered</Link>
      </p>
      <div className="page-header">
        <h1>Answers{query.category ? `: ${CATEGORY_LABELS[query.category] ?? query.category}` : ''}</h1>
      </div>
      <p className="muted">
        The buyers’ answers behind the figure you opened, newest first
        {query.wave ? `, wave ${query.wave} months` : ''}
        {query.segment ? `, ${SEGMENT_LABELS[query.segment] ?? query.segment}` : ''}
        {query.cohort ? `, cohort ${query.cohort}` : ''}.
      </p>
      {answers.length === 0 ? (
        <p className="empty">No answer matches. Answers arrive as buyers reply to their 6, 9 and 12-month surveys.</p>
      ) : (
        <ol className="answers">
          {answers.map((a) => (
            <li key={a.id} className="panel">
              <div className="page-header">
                <h2>
                  <Link to={`/deals/${a.dealId}`}>{a.accountName || 'Customer'}</Link>
                </h2>
                <span className="muted">
                  {a.wave} months · {SEGMENT_LABELS[a.segment] ?? a.segment} · cohort {a.cohort} · rep {a.rep} · answered {formatDate(a.answeredAt)}
                </span>
              </div>
              <p>
                Value delivered: <span className={`badge ${OVERALL_BADGE[a.overall] ?? 'muted'}`}>{OVERALL_LABELS[a.overall] ?? a.overall}</span> · NPS {a.nps}
              </p>
              <table>
                <caption className="sr-only">Promises judged in this answer</caption>
                <thead>
                  <tr>
                    <th scope="col">Promise</th>
                    <th scope="col">Category</th>
                    <th scope="col">Verdict</th>
                    <th scope="col">Buyer’s comment</th>
                  </tr>
                </thead>
                <tbody>
                  {a.promises.map((p, i) => (
                    <tr key={i}>
                      <td>{p.text}</td>
                      <td>{CATEGORY_LABELS[p.category] ?? p.category}</td>
                      <td>
                        <span className={`badge ${VERDICT_BADGE[p.verdict] ?? 'muted'}`}>{VERDICT_LABELS[p.verdict] ?? p.verdict}</span>
                      </td>
                      <td>{p.comment || <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {a.comment ? <blockquote>{a.comment}</blockquote> : null}
            </li>
          ))}
        </ol>
      )}
      <Pagination page={page} pages={pages} total={total} noun="answer" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
