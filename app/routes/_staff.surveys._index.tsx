import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { HeldBadge, SurveyStateBadge, surveyProgress } from '#app/components/survey-status';
import { listSurveys, SurveyListQuerySchema } from '#app/surveys/surveys.server';
import { OVERALL_BADGE, OVERALL_LABELS, STOP_REASON_LABELS, SURVEY_STATE_LABELS, SURVEY_STATE_LIST } from '#app/surveys/survey-labels';
import { FilterSelect } from '#app/components/forms';

export const meta: MetaFunction = () => [{ title: 'Surveys · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const query = SurveyListQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('That survey filter is not valid.', { status: 400 });
  const list = await listSurveys({ user, query: query.data });
  return { ...list, query: query.data };
}

export default function Surveys() {
  const { surveys, total, page, pageCount, query, canFilterMine } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>Value-delivery surveys</h1>
      </div>
      <Form method="get" className="toolbar" role="search">
        <FilterSelect
          id="state"
          label="Status"
          name="state"
          defaultValue={query.state ?? ''}
          anyLabel="All"
          options={SURVEY_STATE_LIST.map((s) => ({ value: s, label: SURVEY_STATE_LABELS[s] }))}
        />
        <div className="field">
          <label htmlFor="wave">Wave</label>
          <select id="wave" name="wave" defaultValue={query.wave ?? ''}>
            <option value="">All</option>
            <option value="6">6 months</option>
            <option value="9">9 months</option>
            <option value="12">12 months</option>
          </select>
        </div>
        <label>
          <input type="checkbox" name="attention" value="1" defaultChecked={query.attention === '1'} /> Needs another contact
        </label>
        <label>
          <input type="checkbox" name="held" value="1" defaultChecked={query.held === '1'} /> Held: not live yet
        </label>
        {canFilterMine ? (
          <label>
            <input type="checkbox" name="mine" value="1" defaultChecked={query.mine === '1'} /> Only my accounts
          </label>
        ) : null}
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <div className="table-wrap">
        {surveys.length === 0 ? (
          <p className="empty">No surveys match.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th>Deal</th>
                <th>Wave</th>
                <th>Status</th>
                <th>Recipient</th>
                <th>Progress</th>
                <th>Value delivered?</th>
                <th className="num">NPS</th>
              </tr>
            </thead>
            <tbody>
              {surveys.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/accounts/${s.accountId}`}>{s.accountName}</Link>
                  </td>
                  <td>
                    <Link to={`/deals/${s.dealId}`}>{s.dealName}</Link>
                  </td>
                  <td>
                    <Link to={`/surveys/${s.id}`}>{s.wave} months</Link>
                  </td>
                  <td>
                    <SurveyStateBadge state={s.state} /> <HeldBadge held={s.held} />
                    {s.attentionReason ? (
                      <div>
                        <span className="badge bad">needs another contact</span>
                        <div className="muted">{STOP_REASON_LABELS[s.attentionReason]}</div>
                      </div>
                    ) : null}
                  </td>
                  <td>{s.contact ? s.contact.email : <span className="muted">none</span>}</td>
                  <td>{surveyProgress(s)}</td>
                  <td>{s.answer ? <span className={`badge ${OVERALL_BADGE[s.answer.overall]}`}>{OVERALL_LABELS[s.answer.overall]}</span> : '—'}</td>
                  <td className="num">{s.answer ? s.answer.nps : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pageCount} total={total} noun="survey" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
