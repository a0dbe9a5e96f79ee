import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { AdvocacyTabs } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FormError } from '#app/components/forms';
import { Pagination } from '#app/components/pagination';
import {
  closeReferral,
  linkReferralToDeal,
  listExpansionCandidates,
  listReferrals,
  REFERRAL_READERS,
  ReferralActionSchema,
  ReferralListQuerySchema,
  requireAdvocacyWriter,
} from '#app/services/advocacy.server';
import { badRequest, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate, formatMoney } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Referrals · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { roles: REFERRAL_READERS });
  const query = ReferralListQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('That referral filter is not valid.', { status: 400 });
  const [list, expansion] = await Promise.all([listReferrals({ user, query: query.data }), listExpansionCandidates({ user, limit: 25 })]);
  return { ...list, expansion, query: query.data, isSales: user.role === 'sales' };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { roles: REFERRAL_READERS });
  requireAdvocacyWriter(user);
  const formData = await readFormData(request);
  const parsed = parseForm(ReferralActionSchema, formData);
  if (!parsed.ok) return badRequest(parsed);
  const input = parsed.data;
  const result =
    input.intent === 'link'
      ? await linkReferralToDeal({ referralId: input.referralId, dealId: input.dealId, via: 'manual', actorId: user.id })
      : await closeReferral({ user, referralId: input.referralId });
  if (!result.ok) return data({ ok: false as const, errors: { '': [result.error] } as Record<string, string[]>, values: {} }, { status: 409 });
  if (input.intent === 'link') throw redirect(`/deals/${input.dealId}`);
  return { ok: true as const, message: result.message };
}

export default function Referrals() {
  const { referrals, total, page, pageCount, linkDeal, canWrite, expansion, query, isSales } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && !result.ok ? result : undefined;
  return (
    <>
      <div className="page-header">
        <h1>{isSales ? 'Referrals from your customers' : 'Advocacy'}</h1>
      </div>
      {isSales ? null : <AdvocacyTabs />}
      {result?.ok ? (
        <p className="notice" role="status">
          {result.message}
        </p>
      ) : null}
      <FormError errors={errors?.errors?.['']} />
      {linkDeal ? (
        <p className="notice">
          {linkDeal.linked ? (
            <>
              <Link to={`/deals/${linkDeal.id}`}>{linkDeal.name}</Link> is already linked to a referral.
            </>
          ) : (
            <>
              Choose the referral that <Link to={`/deals/${linkDeal.id}`}>{linkDeal.name}</Link> came from: its ARR will count as referred revenue for the
              advocate, their origin deal and rep.
            </>
          )}
        </p>
      ) : null}
      <p className="muted">
        A referral records advocate → referred company → contact. When the referred company closes, the new deal links back (the
        CRM webhook or CSV import carrying the referral id, or by hand here) and its ARR counts as referred revenue for the
        advocate, the origin deal and the rep who won it.
      </p>
      <Form method="get" className="toolbar">
        {linkDeal ? <input type="hidden" name="link" value={linkDeal.id} /> : null}
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={query.status ?? ''}>
            <option value="">All</option>
            <option value="open">Open</option>
            <option value="won">Became a deal</option>
            <option value="lost">Lost</option>
          </select>
        </div>
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <div className="table-wrap">
        {referrals.length === 0 ? (
          <p className="empty">No referrals yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Referred company</th>
                <th>Advocate</th>
                <th>Origin deal</th>
                <th>Rep</th>
                <th>Status</th>
                <th className="num">Pipeline / revenue</th>
                <th>Referral id</th>
                {canWrite ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {referrals.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.referredCompany}
                    <div className="muted">{[r.referredContactName, r.referredContactEmail, r.referredDomain].filter(Boolean).join(' · ')}</div>
                  </td>
                  <td>
                    {isSales ? r.advocate.name : <Link to={`/advocacy/candidates/${r.advocate.id}`}>{r.advocate.name}</Link>}
                    <div className="muted">{r.advocate.accountName}</div>
                  </td>
                  <td>
                    <Link to={`/deals/${r.originDeal.id}`}>{r.originDeal.name}</Link>
                  </td>
                  <td>{r.repName}</td>
                  <td>
                    {r.newDeal ? (
                      <>
                        <span className="badge ok">became a deal</span>{' '}
                        <div>
                          <Link to={`/deals/${r.newDeal.id}`}>{r.newDeal.name}</Link> · {formatDate(r.newDeal.closedWonAt)} · via {r.linkedVia}
                        </div>
                      </>
                    ) : (
                      <span className={`badge ${r.status === 'lost' ? 'bad' : 'muted'}`}>{r.status}</span>
                    )}
                  </td>
                  <td className="num">{r.newDeal ? formatMoney(r.newDeal.arr, r.newDeal.currency) : r.estimatedArr ? `est. ${formatMoney(r.estimatedArr, r.currency)}` : '—'}</td>
                  <td>
                    <code>{r.id}</code>
                  </td>
                  {canWrite ? (
                    <td>
                      {linkDeal && !linkDeal.linked && !r.newDeal ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="link" />
                          <input type="hidden" name="referralId" value={r.id} />
                          <input type="hidden" name="dealId" value={linkDeal.id} />
                          <button type="submit">Link to {linkDeal.name}</button>
                        </Form>
                      ) : r.status === 'open' ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="lost" />
                          <input type="hidden" name="referralId" value={r.id} />
                          <button type="submit" className="secondary">
                            Mark lost
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Pagination page={page} pages={pageCount} total={total} noun="referral" />

      <section className="panel" aria-labelledby="expansion">
        <h2 id="expansion">Expansion candidates{isSales ? ' on your accounts' : ''}</h2>
        <p className="muted">Live customers whose latest survey says we delivered the promised value, with NPS 9-10: the easiest to sell more to.</p>
        {expansion.accounts.length === 0 ? (
          <p className="muted">None right now.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th>Deal</th>
                <th>Rep</th>
                <th className="num">NPS</th>
                <th className="num">Promises kept</th>
                <th>Answered</th>
              </tr>
            </thead>
            <tbody>
              {expansion.accounts.map((a) => (
                <tr key={a.advocateId}>
                  <td>
                    <Link to={`/accounts/${a.account.id}`}>{a.account.name}</Link>
                    <div className="muted">{a.contactName}</div>
                  </td>
                  <td>
                    <Link to={`/deals/${a.deal.id}`}>{a.deal.name}</Link> · {formatMoney(a.deal.arr, a.deal.currency)}
                  </td>
                  <td>{a.rep.name}</td>
                  <td className="num">{a.nps}</td>
                  <td className="num">
                    {a.promisesKept} of {a.promisesTotal}
                  </td>
                  <td>{formatDate(a.answeredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {expansion.total > expansion.accounts.length ? <p className="muted">{expansion.total} in all; the largest are shown.</p> : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
