import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Pagination } from '#app/components/pagination';
import { BoardQuerySchema, boardScope, countJourneysByHealth, listBoardFilterOptions, listJourneyBoard } from '#app/journeys/journey.server';
import { SEGMENT_LABELS, SEGMENT_OPTIONS, formatMoney } from '#app/utils/format';
import { HEALTH_BADGE, HEALTH_LABELS, HEALTHS, formatDuration } from '#app/journeys/journey-rules';
import { may } from '#app/auth/permissions';
import { FilterSelect } from '#app/components/forms';

export const meta: MetaFunction = () => [{ title: 'Journeys · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const query = BoardQuerySchema.parse(Object.fromEntries(url.searchParams));
  const now = new Date();
  const scope = boardScope(user, query);
  const [board, options, health] = await Promise.all([
    listJourneyBoard({ user, query, now }),
    user.role === 'sales' ? { csms: [], reps: [] } : listBoardFilterOptions(),
    // The cards count what the list's filters select, across stages and health.
    countJourneysByHealth({ user, now, criteria: scope.criteria }),
  ]);
  return { board, options, health, query, mine: scope.mine, notice: scope.notice, role: user.role, canImport: may(user.role, 'deals.import') };
}

export default function JourneyBoard() {
  const { board, options, health, query, mine, notice, role, canImport } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    next.delete('page');
    return `?${next}`;
  };
  const sortState = query.sort === '-days' ? 'descending' : 'ascending';
  return (
    <>
      <div className="page-header">
        <h1>{mine ? 'My journeys' : 'Journeys'}</h1>
        {canImport ? (
          <Link className="button secondary" to="/deals/import">
            Import closed-won deals
          </Link>
        ) : null}
      </div>
      {notice ? (
        <p className="notice" role="status" data-testid="mine-refused">
          {notice}
        </p>
      ) : null}
      <div className="cards" aria-label={mine ? 'Health of my journeys' : 'Health of the journeys that match the filters'}>
        {HEALTHS.map((h) => (
          <Link key={h} to={withParams({ health: query.health === h ? null : h, stage: null })} className="card" aria-current={query.health === h ? 'true' : undefined}>
            <div className="label">{HEALTH_LABELS[h]}</div>
            <div className="value">{health[h].toLocaleString('en-US')}</div>
          </Link>
        ))}
      </div>
      <Form method="get" className="toolbar" role="search">
        {role === 'cs' ? (
          <label>
            {/* Unticked, only the hidden 0 is sent: "all CSMs" must be expressible, since ticked is the default. */}
            <input type="hidden" name="mine" value="0" />
            <input type="checkbox" name="mine" value="1" defaultChecked={mine} /> Only my journeys
          </label>
        ) : null}
        {options.csms.length && !mine ? (
          <FilterSelect
            id="csm"
            label="CSM"
            name="csm"
            defaultValue={query.csm ?? ''}
            anyLabel="Any CSM"
            extra={[{ value: 'none', label: 'Unassigned' }]}
            options={options.csms.map((u) => ({ value: u.id, label: u.name }))}
          />
        ) : null}
        {options.reps.length ? (
          <FilterSelect id="rep" label="Rep" name="rep" defaultValue={query.rep ?? ''} anyLabel="Any rep" options={options.reps.map((u) => ({ value: u.id, label: u.name }))} />
        ) : null}
        <FilterSelect id="segment" label="Segment" name="segment" defaultValue={query.segment ?? ''} anyLabel="All segments" options={SEGMENT_OPTIONS} />
        {board.playbooks.length > 1 || query.playbook ? (
          <FilterSelect
            id="playbook"
            label="Playbook"
            name="playbook"
            defaultValue={query.playbook ?? ''}
            anyLabel="All playbooks"
            options={board.playbooks.map((p) => ({ value: p.key, label: p.name }))}
          />
        ) : null}
        <FilterSelect
          id="health"
          label="Health"
          name="health"
          defaultValue={query.health ?? ''}
          anyLabel="Any health"
          options={HEALTHS.map((h) => ({ value: h, label: HEALTH_LABELS[h] }))}
        />
        <input type="hidden" name="sort" value={query.sort} />
        <button type="submit">Filter</button>
      </Form>
      <nav className="tabs" aria-label="Stages">
        {board.stages.map((s) => (
          <Link key={s.key} to={withParams({ stage: s.key })} aria-current={board.stage === s.key ? 'page' : undefined}>
            {s.name} <span className="badge muted">{s.count.toLocaleString('en-US')}</span>
          </Link>
        ))}
      </nav>
      <div className="table-wrap">
        {board.journeys.length === 0 ? (
          <p className="empty">
            {board.unknownPlaybook ? (
              <>
                No playbook has the key “{query.playbook}”: it may have been renamed or the link is old.{' '}
                <Link to={withParams({ playbook: null, stage: null })}>Show every playbook</Link>
              </>
            ) : role === 'sales' ? (
              'No journeys of your deals match.'
            ) : mine && board.stages.every((s) => s.count === 0) && !query.segment && !query.rep && !query.health ? (
              <>
                No journeys are assigned to you yet: new closed-won customers are given to CS users in turn, or a colleague can hand you one from its page.{' '}
                <Link to="?mine=0">See everyone’s journeys</Link>
              </>
            ) : query.playbook && board.stages.every((s) => s.count === 0) ? (
              <>
                No journey on the playbook “{board.playbooks.find((p) => p.key === query.playbook)?.name ?? query.playbook}” matches the filters yet.{' '}
                <Link to={withParams({ playbook: null, stage: null })}>Show every playbook</Link>
              </>
            ) : (
              'No journey in this stage matches the filters.'
            )}
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Customer</th>
                <th>Segment</th>
                {board.playbooks.length > 1 ? <th>Playbook</th> : null}
                <th>CSM</th>
                <th>Rep</th>
                <th aria-sort={sortState}>
                  <Link to={withParams({ sort: query.sort === '-days' ? 'days' : '-days' })}>Days in stage {query.sort === '-days' ? '▼' : '▲'}</Link>
                </th>
                <th>Health</th>
                <th className="num">ARR</th>
              </tr>
            </thead>
            <tbody>
              {board.journeys.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link to={`/journeys/${j.id}`}>{j.accountName}</Link>
                    <div className="muted">{j.dealName}</div>
                  </td>
                  <td>{SEGMENT_LABELS[j.segment] ?? j.segment}</td>
                  {board.playbooks.length > 1 ? <td>{j.playbook}</td> : null}
                  <td>{j.csm || <span className="muted">unassigned</span>}</td>
                  <td>{j.ae}</td>
                  <td>
                    {formatDuration(j.daysInStage)}
                    {j.slaDays ? <span className="muted"> / {j.slaDays} d SLA</span> : null}
                  </td>
                  <td>
                    <span className={`badge ${HEALTH_BADGE[j.health]}`}>{HEALTH_LABELS[j.health]}</span>{' '}
                    {j.overrides ? (
                      <span className="badge bad" title="Stage moved by admin override">
                        override
                      </span>
                    ) : null}
                  </td>
                  <td className="num">{formatMoney(j.arr, j.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={board.page} pages={board.pages} total={board.total} noun="journey" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
