import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, fieldState } from '#app/components/forms';
import { getAccountDetail } from '#app/accounts/accounts.server';
import { ChurnFormSchema, recordAccountChurn } from '#app/deals/deal-metrics.server';
import { badRequest, notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Record churn · Kept' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'churn.record' });
  const account = await getAccountDetail({ user, accountId: params.accountId ?? '' });
  if (!account) notFound('That account');
  return { account: { id: account.id, name: account.name, status: account.status, churnedAt: account.churnedAt }, today: new Date().toISOString().slice(0, 10) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'churn.record' });
  const parsed = parseForm(ChurnFormSchema, await readFormData(request));
  if (!parsed.ok) return badRequest(parsed);
  const accountId = params.accountId ?? '';
  const result = await recordAccountChurn({ user, accountId, churnedAt: parsed.data.churnedAt, now: new Date() });
  if (result.ok) throw redirect(`/accounts/${accountId}`);
  if (result.status === 404) notFound('That account');
  return data(
    { ok: false as const, errors: result.errors ?? { '': [result.message ?? 'The churn could not be recorded.'] }, values: {} as Record<string, string> },
    { status: result.status },
  );
}

export default function RecordChurn() {
  const { account, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <>
      <p>
        <Link to={`/accounts/${account.id}`}>← {account.name}</Link>
      </p>
      <h1>Record that {account.name} churned</h1>
      {account.status === 'churned' ? (
        <p className="notice" role="status">
          {account.name} is already recorded as churned{account.churnedAt ? ` since ${formatDate(account.churnedAt)}` : ''}.
        </p>
      ) : (
        <Form method="post" className="stack">
          <p>The customer’s deals won before this date count as churned in the profitability figures (observed churn, LTV). This is recorded once and audited.</p>
          <FormError errors={actionData?.errors?.['']} />
          <Field
            label="Churn date"
            name="churnedAt"
            type="date"
            max={today}
            defaultValue={fieldState(actionData, 'churnedAt').value ?? today}
            errors={fieldState(actionData, 'churnedAt').errors}
          />
          <label>
            <input type="checkbox" name="confirm" value="yes" /> The customer has stopped paying and will not renew.
          </label>
          {fieldState(actionData, 'confirm').errors ? <p className="field-error">{fieldState(actionData, 'confirm').errors!.join(' ')}</p> : null}
          <div>
            <button type="submit" className="danger" disabled={busy}>
              Record churn
            </button>
          </div>
        </Form>
      )}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
