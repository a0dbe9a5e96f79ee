import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import type { AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FormError, TextareaField } from '#app/components/forms';
import { Pagination } from '#app/components/pagination';
import {
  closeReferral,
  linkReferralToDeal,
  listExpansionCandidates,
  listReferrals,
  ReferralActionSchema,
  ReferralListQuerySchema,
  requireAdvocacyWriter,
  unlinkReferral,
} from '#app/advocacy/advocacy.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';
import { formatDate, formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';

const MATCH_BADGE = { same: 'ok', different: 'bad', unknown: 'muted' } as const;
const MATCH_LABEL = { same: 'same', different: 'different', unknown: 'not known' } as const;

export const meta: MetaFunction = () => [{ title: 'Referrals · Kept' }];

export const handle = { advocacy: { outsiderHeading: 'Referrals from your customers' } } satisfies AdvocacyPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'referrals.view' });
  const query = ReferralListQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('That referral filter is not valid.', { status: 400 });
  const [list, expansion] = await Promise.all([listReferrals({ user, query: query.data }), listExpansionCandidates({ user, limit: 25 })]);
  // Outside the section (sales): only their own customers' referrals, and no advocate pages to open.
  return { ...list, expansion, query: query.data, ownOnly: !may(user.role, 'advocacy.view') };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'referrals.view' });
  // Here, not at the module's top: a .server module is empty in the browser bundle.
  const [LinkSchema, LostSchema, UnlinkSchema] = ReferralActionSchema.options;
  const formData = await readFormData(request);
  const values = formValues(formData);
  // Linking and marking lost are marketing's; undoing a link is also an admin's (unlinkReferral checks).
  if (values.intent !== 'unlink') requireAdvocacyWriter(user);
  const answer = (result: { ok: true; message: string } | { ok: false; error: string }) =>
    result.ok ? { ok: true as const, message: result.message } : data({ ok: false as const, errors: { '': [result.error] } as Record<string, string[]>, values }, { status: 409 });
  return dispatchIntent(formData, {
    link: intent(LinkSchema, async ({ referralId, dealId }) => {
      const result = await linkReferralToDeal({ referralId, dealId, via: 'manual', actorId: user.id });
      if (result.ok) throw redirect(`/deals/${dealId}`);
      return answer(result);
    }),
    lost: intent(LostSchema, async ({ referralId }) => answer(await closeReferral({ user, referralId }))),
    unlink: intent(UnlinkSchema, async ({ referralId, reason }) => answer(await unlinkReferral({ user, referralId, reason }))),
  });
}

export default function Referrals() {
  const { referrals, total, page, pageCount, linkDeal, linkPreview, canWrite, canUndo, expansion, query, ownOnly } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const errors = result && !result.ok ? result : undefined;
  const unlinkFailed = errors?.values?.intent === 'unlink' ? errors.values.referralId : null;
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return `?${next}`;
  };
  return (
    <>
      {result?.ok ? (
        <p className="notice" role="status">
          {result.message}
        </p>
      ) : null}
      {unlinkFailed ? null : <FormError errors={errors?.errors?.['']} />}
      {linkDeal ? (
        <p className="notice">
          {linkDeal.linked ? (
            <>
              <Link to={`/deals/${linkDeal.id}`}>{linkDeal.name}</Link> is already linked to a referral.
            </>
          ) : (
            <>
              Choose the referral that <Link to={`/deals/${linkDeal.id}`}>{linkDeal.name}</Link> came from: its ARR will count as referred revenue for the advocate, their origin
              deal and rep.
            </>
          )}
        </p>
      ) : null}
      {linkPreview && canWrite ? (
        <section className="panel" aria-labelledby="confirm-link">
          <h2 id="confirm-link">
            Link {linkPreview.deal.name} to the referral from {linkPreview.referral.advocateName}?
          </h2>
          <table className="compare">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">The referral named</th>
                <th scope="col">The deal is with</th>
                <th scope="col">Match</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Company</th>
                <td>{linkPreview.referral.company || '—'}</td>
                <td>{linkPreview.deal.company || '—'}</td>
                <td>
                  <span className={`badge ${MATCH_BADGE[linkPreview.company]}`}>{MATCH_LABEL[linkPreview.company]}</span>
                </td>
              </tr>
              <tr>
                <th scope="row">Domain</th>
                <td>{linkPreview.referral.domain || '—'}</td>
                <td>{linkPreview.deal.domain || '—'}</td>
                <td>
                  <span className={`badge ${MATCH_BADGE[linkPreview.domain]}`}>{MATCH_LABEL[linkPreview.domain]}</span>
                </td>
              </tr>
            </tbody>
          </table>
          {linkPreview.company === 'different' || linkPreview.domain === 'different' ? (
            <p className="form-error">The deal’s company does not match the referred company. Link only if you know it is the same business.</p>
          ) : null}
          <p className="muted">
            {formatMoney(linkPreview.deal.arr, linkPreview.deal.currency)} will count as referred revenue for {linkPreview.referral.advocateName} (
            {linkPreview.referral.advocateAccountName}). Marketing or an admin can undo the link later, with a reason.
          </p>
          {linkPreview.referral.open ? (
            <Form method="post" className="row">
              <input type="hidden" name="intent" value="link" />
              <input type="hidden" name="referralId" value={linkPreview.referral.id} />
              <input type="hidden" name="dealId" value={linkPreview.deal.id} />
              <button type="submit">Yes, link them</button>
              <Link to={withParams({ confirm: null })}>Cancel</Link>
            </Form>
          ) : (
            <p className="form-error">This referral is no longer open: it is linked to another deal or marked lost.</p>
          )}
        </section>
      ) : null}
      <p className="muted">
        A referral records advocate → referred company → contact. When the referred company closes, the new deal links back (the CRM webhook or CSV import carrying the referral id,
        or by hand here) and its ARR counts as referred revenue for the advocate, the origin deal and the rep who won it.
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
                <th>Advocate · origin deal · rep</th>
                <th>Status</th>
                <th className="num">Pipeline / revenue</th>
                {canWrite || canUndo ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {referrals.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.referredCompany}
                    <div className="muted">{[r.referredContactName, r.referredContactEmail, r.referredDomain].filter(Boolean).join(' · ')}</div>
                    <div className="muted">
                      id <code>{r.id}</code>
                    </div>
                  </td>
                  <td>
                    {ownOnly ? r.advocate.name : <Link to={`/advocacy/candidates/${r.advocate.id}`}>{r.advocate.name}</Link>}
                    <span className="muted"> · {r.advocate.accountName}</span>
                    <div>
                      <Link to={`/deals/${r.originDeal.id}`}>{r.originDeal.name}</Link>
                      <span className="muted"> · rep {r.repName}</span>
                    </div>
                  </td>
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
                  {canWrite || canUndo ? (
                    <td>
                      {canWrite && linkDeal && !linkDeal.linked && !r.newDeal && r.status === 'open' ? (
                        <Link className="button small" to={withParams({ confirm: r.id })}>
                          Link to {linkDeal.name}…
                        </Link>
                      ) : canWrite && r.status === 'open' ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="lost" />
                          <input type="hidden" name="referralId" value={r.id} />
                          <button type="submit" className="secondary small">
                            Mark lost
                          </button>
                        </Form>
                      ) : null}
                      {canUndo && r.newDeal ? (
                        <details open={unlinkFailed === r.id ? true : undefined}>
                          <summary>Undo link</summary>
                          <Form method="post" className="stack">
                            <input type="hidden" name="intent" value="unlink" />
                            <input type="hidden" name="referralId" value={r.id} />
                            {unlinkFailed === r.id ? <FormError errors={errors?.errors?.['']} /> : null}
                            <TextareaField
                              label={`Why is ${r.newDeal.name} not from this referral?`}
                              name="reason"
                              rows={2}
                              required
                              minLength={5}
                              maxLength={500}
                              defaultValue={unlinkFailed === r.id ? errors?.values?.reason : undefined}
                              errors={unlinkFailed === r.id ? errors?.errors?.reason : undefined}
                            />
                            <div>
                              <button type="submit" className="danger small">
                                Undo the link
                              </button>
                            </div>
                          </Form>
                        </details>
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
        <h2 id="expansion">Expansion candidates{ownOnly ? ' on your accounts' : ''}</h2>
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
