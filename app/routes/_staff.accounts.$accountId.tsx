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
import { SelectField } from '#app/components/forms';
import { RecoverPartlySchema, getRecoverPartly, setRecoverPartly } from '#app/recovery/settings.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';
import { BuyerLanguageSchema, setBuyerLanguage } from '#app/accounts/language.server';
import { LOCALE_NAMES, LOCALES } from '#app/i18n/locales';

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
    canSetLanguage: may(user.role, 'buyers.language'),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  // A role with neither form is refused before its form is read; each intent's service then checks its own.
  const user = await requireUser(request, { may: ['recovery.act', 'buyers.language'] });
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
      // The language buyers read pages and emails in: the account's, or one contact's (docs/i18n.md).
      'buyer-language': intent(BuyerLanguageSchema, async (input) => {
        if (!(await setBuyerLanguage({ user, accountId: params.accountId ?? '', input }))) notFound('That contact');
        const name = input.language ? LOCALE_NAMES[input.language] : null;
        return data<FormResult>({ ok: true, form, message: name ? `Saved: ${name}.` : 'Saved: no language of its own.' });
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

/**
 * The language buyers read pages and emails in, for the account (`contactId` absent) or one contact.
 * "Not set" follows the next level: a contact the account, the account the admin's default.
 */
function BuyerLanguageForm({ id, contactId, value, label, unsetLabel }: { id: string; contactId?: string; value: string | null; label: string; unsetLabel: string }) {
  const f = useFormFeedback(id, { reset: false });
  const field = f.field('language', value ?? '');
  return (
    <FeedbackForm feedback={f} className="row">
      <input type="hidden" name="intent" value="buyer-language" />
      {contactId ? <input type="hidden" name="contactId" value={contactId} /> : null}
      <SelectField label={label} id={field.id} name={field.name} defaultValue={field.defaultValue} errors={field.errors}>
        <option value="">{unsetLabel}</option>
        {LOCALES.map((code) => (
          <option key={code} value={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </SelectField>
      <button type="submit" className="secondary" disabled={f.busy}>
        Save language
      </button>
    </FeedbackForm>
  );
}

export default function AccountPage() {
  const { account, canAddDeal, canRecordChurn, recoverPartly, canSetRecovery, canSetLanguage } = useLoaderData<typeof loader>();
  const languageName = (code: string | null) => (code && code in LOCALE_NAMES ? LOCALE_NAMES[code as keyof typeof LOCALE_NAMES] : null);
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
            <dt>Buyers’ language</dt>
            <dd>
              {canSetLanguage ? (
                <BuyerLanguageForm id="language-account" value={account.language} label="Language of this account’s buyers" unsetLabel="The default (set by an admin)" />
              ) : (
                (languageName(account.language) ?? 'the default')
              )}
            </dd>
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
                  {canSetLanguage ? (
                    <BuyerLanguageForm id={`language-${c.id}`} contactId={c.id} value={c.language} label={`Language of ${c.name}`} unsetLabel="As the account" />
                  ) : languageName(c.language) ? (
                    <span className="badge muted">{languageName(c.language)}</span>
                  ) : null}
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
