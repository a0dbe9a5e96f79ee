import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, SelectField, TextareaField } from '#app/components/forms';
import { getAccountSummary } from '#app/accounts/accounts.server';
import { createManualDeal, listAssignableReps, parseDealForm } from '#app/deals/deals.server';
import { formValues, readFormData } from '#app/utils/forms.server';
import { CATEGORY_LABELS, CURRENCIES, CURRENCY_LABELS, MAX_PROMISE_ROWS, SEGMENT_LABELS } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'New closed-won deal · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.record' });
  const accountId = new URL(request.url).searchParams.get('accountId');
  const [reps, account] = await Promise.all([listAssignableReps(user), accountId ? getAccountSummary({ user, accountId }) : null]);
  return { reps, account, defaultAeId: user.role === 'sales' ? user.id : '', today: new Date().toISOString().slice(0, 10) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.record' });
  const values = formValues(await readFormData(request));
  const rows = Math.min(MAX_PROMISE_ROWS, Math.max(1, Number(values.promiseRows) || 3));
  // "Add another promise" re-renders the form with one more row and everything typed kept (no JS needed).
  if (values.intent === 'add-promise') {
    return data({ errors: {} as Record<string, string[]>, values, rows: Math.min(MAX_PROMISE_ROWS, rows + 1) });
  }
  const parsed = parseDealForm(values);
  if (!parsed.ok) return data({ errors: parsed.errors, values, rows }, { status: 400 });
  const result = await createManualDeal({ user, input: parsed.data });
  if (!result.ok) return data({ errors: result.errors as Record<string, string[]>, values, rows }, { status: 400 });
  throw redirect(`/accounts/${result.accountId}?created=${result.dealId}`);
}

export default function NewDeal() {
  const { reps, account, defaultAeId, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const values = actionData?.values ?? {};
  const errors = actionData?.errors ?? {};
  const rows = actionData?.rows ?? 3;
  const v = (name: string, fallback = '') => values[name] ?? fallback;
  const e = (name: string) => errors[name];
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <>
      <p>
        <Link to={account ? `/accounts/${account.id}` : '/accounts'}>← Back</Link>
      </p>
      <h1>New closed-won deal</h1>
      <p className="muted">Record a deal the sales team won, with the promises made to the buyer. Kept follows it through handoff, implementation and go-live.</p>
      <Form method="post" className="stack" noValidate>
        {hasErrors ? <FormError errors={['Some fields need your attention: see the messages below.']} /> : null}
        <FormError errors={e('')} />
        <input type="hidden" name="promiseRows" value={rows} />
        {/* Pressing Enter in a field submits the first submit button: make that "Create deal". */}
        <button type="submit" name="intent" value="create" className="sr-only" tabIndex={-1} aria-hidden="true">
          Create deal
        </button>
        <fieldset>
          <legend>Customer</legend>
          <div className="row">
            <Field label="Account name" name="accountName" required defaultValue={v('accountName', account?.name)} errors={e('accountName')} />
            <Field
              label="Account domain"
              name="accountDomain"
              required
              defaultValue={v('accountDomain', account?.domain)}
              errors={e('accountDomain')}
              hint="Finds the existing account, or creates it."
            />
          </div>
          <SelectField label="Segment" name="segment" defaultValue={v('segment', account?.segment ?? 'mid-market')} errors={e('segment')}>
            {Object.entries(SEGMENT_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <div className="row">
            <Field label="Primary contact name" name="contactName" defaultValue={v('contactName')} errors={e('contactName')} />
            <Field
              label="Primary contact email"
              name="contactEmail"
              type="email"
              defaultValue={v('contactEmail')}
              errors={e('contactEmail')}
              hint="The buyer who will confirm stages and answer the value surveys."
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Deal</legend>
          <Field label="Deal name" name="dealName" required defaultValue={v('dealName')} errors={e('dealName')} />
          <div className="row">
            <Field label="Close date" name="closedWonAt" type="date" required max={today} defaultValue={v('closedWonAt', today)} errors={e('closedWonAt')} />
            <Field label="ARR" name="arr" inputMode="decimal" required defaultValue={v('arr')} errors={e('arr')} hint="Annual recurring revenue, e.g. 45,000 or 45.000,00" />
            <SelectField label="Currency" name="currency" defaultValue={v('currency', 'USD')} errors={e('currency')}>
              {CURRENCIES.map((c) => (
                <option key={c} value={c}>
                  {c} · {CURRENCY_LABELS[c]}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="row">
            <Field label="Gross margin %" name="grossMarginPct" inputMode="decimal" defaultValue={v('grossMarginPct')} errors={e('grossMarginPct')} />
            <Field label="CAC" name="cac" inputMode="decimal" defaultValue={v('cac')} errors={e('cac')} hint="Customer acquisition cost, if known" />
          </div>
          <SelectField label="Account executive" name="aeId" defaultValue={v('aeId', defaultAeId)} errors={e('aeId')}>
            {defaultAeId ? null : <option value="">Choose…</option>}
            {reps.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </SelectField>
        </fieldset>
        <fieldset>
          <legend>Promises made in the sale</legend>
          <p className="hint">Each promise needs a measurable success criterion: the buyer will be asked at 6, 9 and 12 months whether it was delivered.</p>
          <FormError errors={e('promises')} />
          {Array.from({ length: rows }, (_, n) => (
            <div key={n} className="panel">
              <TextareaField
                label={`Promise ${n + 1}`}
                name={`promises.${n}.text`}
                defaultValue={v(`promises.${n}.text`)}
                errors={e(`promises.${n}.text`)}
                placeholder="e.g. Cut month-end close from 10 to 4 days"
                rows={2}
              />
              <div className="row">
                <Field
                  label={`Success criterion ${n + 1}`}
                  name={`promises.${n}.successCriterion`}
                  defaultValue={v(`promises.${n}.successCriterion`)}
                  errors={e(`promises.${n}.successCriterion`)}
                />
                <SelectField
                  label={`Category ${n + 1}`}
                  name={`promises.${n}.category`}
                  defaultValue={v(`promises.${n}.category`, 'time-savings')}
                  errors={e(`promises.${n}.category`)}
                >
                  {Object.entries(CATEGORY_LABELS).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </SelectField>
              </div>
            </div>
          ))}
          {rows < MAX_PROMISE_ROWS ? (
            <button type="submit" name="intent" value="add-promise" className="secondary" formNoValidate>
              Add another promise
            </button>
          ) : null}
        </fieldset>
        <div>
          <button type="submit" name="intent" value="create" disabled={navigation.state === 'submitting'}>
            {navigation.state === 'submitting' ? 'Saving…' : 'Create deal'}
          </button>
        </div>
      </Form>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
