import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { PromiseList } from '#app/components/promise-list';
import { getAccountDetail } from '#app/accounts/accounts.server';
import { notFound } from '#app/utils/forms.server';
import { SEGMENT_LABELS, formatDate, formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { RecoverPartlySchema, getRecoverPartly, setRecoverPartly } from '#app/recovery/settings.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.account.name ?? 'Account'} · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const account = await getAccountDetail({ user, accountId: params.accountId ?? '' });
  if (!account) notFound('That account');
  return {
    account,
    canAddDeal: may(user.role, 'deals.record'),
    canRecordChurn: may(user.role, 'churn.record'),
    recoverPartly: await getRecoverPartly(account.id),
    canSetRecovery: may(user.role, 'recovery.act'),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'recovery.act' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  return dispatchIntent(
    formData,
    {
      // Whether a promise judged "Partly" opens a recovery case here (docs/recovery.md).
      'recover-partly': intent(RecoverPartlySchema, async ({ recoverPartly }) => {
        const on = recoverPartly === 'on';
        if (!(await setRecoverPartly({ user, accountId: params.accountId ?? '', recoverPartly: on }))) notFound('That account');
        return data<FormResult>({ ok: true, form, message: on ? '“Partly” now opens a recovery case here.' : 'Only “Not yet” opens a recovery case here now.' });
      }),
    },
    { form },
  );
}

/** CS and admin: whether "Partly" opens a recovery case at this account. */
function RecoverPartlyForm({ on }: { on: boolean }) {
  const f = useFormFeedback('recover-partly', { reset: false });
  return (
    <FeedbackForm feedback={f}>
      <input type="hidden" name="intent" value="recover-partly" />
      <input type="hidden" name="recoverPartly" value={on ? 'off' : 'on'} />
      {on ? 'A promise judged “Partly” opens a recovery case. ' : 'Only a promise judged “Not yet” opens a recovery case. '}
      <button type="submit" className="secondary" disabled={f.busy}>
        {on ? 'Stop opening cases for “Partly”' : 'Open cases for “Partly” too'}
      </button>
    </FeedbackForm>
  );
}

export default function AccountPage() {
  const { account, canAddDeal, canRecordChurn, recoverPartly, canSetRecovery } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to="/accounts">← Accounts</Link>
      </p>
      <div className="page-header">
        <h1>{account.name}</h1>
        {canAddDeal ? (
          <Link className="button secondary" to={`/deals/new?accountId=${account.id}`}>
            Add a closed-won deal
          </Link>
        ) : null}
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="facts">
          <h2 id="facts">Account</h2>
          <dl className="facts">
            <dt>Domain</dt>
            <dd>{account.domain || '—'}</dd>
            <dt>Segment</dt>
            <dd>{SEGMENT_LABELS[account.segment] ?? account.segment}</dd>
            <dt>Status</dt>
            <dd>
              {account.status}
              {account.churnedAt ? ` since ${formatDate(account.churnedAt)}` : ''}
              {canRecordChurn && account.status !== 'churned' ? (
                <>
                  {' · '}
                  <Link to={`/dashboards/churn/${account.id}`}>Record churn</Link>
                </>
              ) : null}
            </dd>
            <dt>CSM</dt>
            <dd>{account.csm ?? 'unassigned'}</dd>
            <dt>Recovery</dt>
            <dd>{canSetRecovery ? <RecoverPartlyForm on={recoverPartly} /> : recoverPartly ? '“Partly” and “Not yet” open a case' : '“Not yet” opens a case'}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="contacts">
          <h2 id="contacts">Contacts</h2>
          {account.contacts.length === 0 ? (
            <p className="muted">No contacts yet.</p>
          ) : (
            <ul>
              {account.contacts.map((c) => (
                <li key={c.id}>
                  {c.name} {c.title ? <span className="muted">· {c.title}</span> : null} · <span>{c.email}</span> {c.isPrimary ? <span className="badge ok">primary</span> : null}{' '}
                  {c.emailStatus !== 'ok' ? <span className="badge bad">{c.emailStatus}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <h2>Closed-won deals</h2>
      {account.deals.length === 0 ? <p className="empty panel">No deals you can see on this account.</p> : null}
      {account.deals.map((d) => (
        <section className="panel" key={d.id} aria-labelledby={`deal-${d.id}`}>
          <h3 id={`deal-${d.id}`}>
            <Link to={`/deals/${d.id}`}>{d.name}</Link>
          </h3>
          <p className="muted">
            Closed won {formatDate(d.closedWonAt)} · {formatMoney(d.arr, d.currency)} ARR · AE {d.ae || '—'}
          </p>
          <PromiseList promises={d.promises} />
        </section>
      ))}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
