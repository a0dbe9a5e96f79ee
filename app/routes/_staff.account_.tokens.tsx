import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { may } from '#app/auth/permissions';
import { requireUser } from '#app/auth/session.server';
import { RevokeFormSchema, TokenFormSchema, issueToken, listTokens, mayHoldScope, revokeToken, type TokenRow } from '#app/api/tokens.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';

// Personal API tokens (docs/api.md): every user creates, sees and revokes their own; admins also see
// and revoke everyone's. A new token is shown once, in the answer to the form that created it.
export const meta: MetaFunction = () => [{ title: 'API tokens · Your account · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const admin = may(user.role, 'apiTokens.manage');
  const [mine, everyone] = await Promise.all([listTokens({ user }), admin ? listTokens({ user, everyone: true }) : null]);
  return { mine, everyone, mayWrite: mayHoldScope(user.role, 'write') };
}

type TokenResult = FormResult & { token?: string };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  return dispatchIntent(
    formData,
    {
      create: intent(TokenFormSchema, async (input, values) => {
        const issued = await issueToken({ user, input });
        if (!issued.ok) return data<TokenResult>({ ok: false, form, errors: issued.errors, values }, { status: 400 });
        return data<TokenResult>({ ok: true, form, message: `Token “${input.name}” created.`, token: issued.token });
      }),
      revoke: intent(RevokeFormSchema, async ({ tokenId }) => {
        const revoked = await revokeToken({ user, tokenId });
        if (!revoked.ok) return data<TokenResult>({ ok: false, form: 'revoke', errors: { '': ['That token is revoked already, or not yours to revoke.'] } }, { status: 400 });
        return data<TokenResult>({ ok: true, form: 'revoke', message: `Token “${revoked.name}” revoked: requests with it now get 401.` });
      }),
    },
    { form },
  );
}

export default function ApiTokens() {
  const { mine, everyone, mayWrite } = useLoaderData<typeof loader>();
  const f = useFormFeedback('create');
  const actionData = useActionData<TokenResult>();
  const created = (f.fetcher.data as TokenResult | undefined)?.token ?? (actionData?.form === 'create' ? actionData.token : undefined);
  const revoked = actionData?.form === 'revoke' ? actionData : undefined;
  return (
    <>
      <p>
        <Link to="/account">← Your account</Link>
      </p>
      <h1>API tokens</h1>
      <p className="muted">
        A personal token lets a script or another tool use Kept’s API as you: it sees what you see and may do what your role may. Send it as{' '}
        <code>Authorization: Bearer kept_…</code>. The endpoints are described in the <a href="/api/v1/openapi.json">OpenAPI document</a>.
      </p>
      {created ? <NewToken token={created} /> : null}
      <section className="panel narrow-form" aria-labelledby="create-h">
        <h2 id="create-h">Create a token</h2>
        <FeedbackForm feedback={f} className="stack" noValidate>
          <input type="hidden" name="intent" value="create" />
          <Field label="Name" hint="What will use it, e.g. “Warehouse sync”." maxLength={60} required autoComplete="off" {...f.field('name')} />
          <ScopeChoice feedback={f} mayWrite={mayWrite} />
          <div>
            <button type="submit" disabled={f.busy}>
              {f.busy ? 'Creating…' : 'Create token'}
            </button>
          </div>
        </FeedbackForm>
      </section>
      <section className="panel" aria-labelledby="mine-h">
        <h2 id="mine-h">Your tokens</h2>
        {revoked ? <RevokeFeedback result={revoked} /> : null}
        <TokenTable rows={mine} empty="You have no API tokens yet. Create one above when a tool needs Kept’s data." />
      </section>
      {everyone ? (
        <section className="panel" aria-labelledby="all-h">
          <h2 id="all-h">Everyone’s tokens</h2>
          <p className="muted">As an admin you see every user’s tokens and may revoke any of them, e.g. when someone leaves or a token leaked.</p>
          <TokenTable rows={everyone} withOwner empty="Nobody has created an API token yet." />
        </section>
      ) : null}
    </>
  );
}

/** The new token, once: a read-only field to select and a copy button. */
function NewToken({ token }: { token: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="panel notice" aria-labelledby="new-token-h">
      <h2 id="new-token-h">Copy your new token now</h2>
      <p>Kept keeps only a fingerprint of it: once you leave this page, nobody can show it again. Store it where your tool keeps its secrets.</p>
      <div className="token-reveal">
        <label htmlFor="new-token" className="sr-only">
          Your new API token
        </label>
        <input id="new-token" readOnly value={token} onFocus={(event) => event.currentTarget.select()} spellCheck={false} autoComplete="off" />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(token).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p role="status" className="muted">
        {copied ? 'The token is on your clipboard.' : ''}
      </p>
    </section>
  );
}

function ScopeChoice({ feedback: f, mayWrite }: { feedback: ReturnType<typeof useFormFeedback>; mayWrite: boolean }) {
  const { errors, defaultValue } = f.field('scope', 'read');
  return (
    <fieldset aria-describedby={errors?.length ? 'create-scope-error' : 'create-scope-hint'}>
      <legend>Scope</legend>
      <label>
        <input type="radio" id="create-scope" name="scope" value="read" defaultChecked={defaultValue !== 'write'} /> Read: list and read accounts, deals, journeys, surveys and
        answers
      </label>
      <label>
        <input type="radio" name="scope" value="write" defaultChecked={defaultValue === 'write'} disabled={!mayWrite} /> Read and write: also record closed-won deals
      </label>
      <p className="muted small" id="create-scope-hint">
        {mayWrite ? 'Choose read unless the tool records deals.' : 'Your role may read through the API; recording deals is for admin, CS and sales.'}
      </p>
      {errors?.length ? (
        <p className="field-error" id="create-scope-error">
          {errors.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}

function RevokeFeedback({ result }: { result: TokenResult }) {
  return result.ok ? (
    <p className="notice" role="status">
      {result.message}
    </p>
  ) : (
    <p className="form-error" role="alert">
      {result.errors?.['']?.join(' ')}
    </p>
  );
}

function TokenTable({ rows, withOwner = false, empty }: { rows: TokenRow[]; withOwner?: boolean; empty: string }) {
  const navigation = useNavigation();
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Name</th>
            {withOwner ? <th>Owner</th> : null}
            <th>Scope</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Status</th>
            <th>
              <span className="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              {withOwner ? <td>{t.owner ? `${t.owner.name} (${t.owner.email})` : 'a former user'}</td> : null}
              <td>{t.scope === 'write' ? 'Read and write' : 'Read'}</td>
              <td>
                <LocalTime iso={t.createdAt} />
              </td>
              <td>{t.lastUsedAt ? <LocalTime iso={t.lastUsedAt} /> : <span className="muted">never</span>}</td>
              <td>
                {t.revokedAt ? (
                  <span className="badge muted">
                    Revoked <LocalTime iso={t.revokedAt} />
                  </span>
                ) : (
                  <span className="badge ok">Active</span>
                )}
              </td>
              <td>
                {t.revokedAt ? null : (
                  <Form
                    method="post"
                    onSubmit={(event) => {
                      if (!confirm(`Revoke the token “${t.name}”? Every tool using it loses access at once.`)) event.preventDefault();
                    }}
                  >
                    <input type="hidden" name="_form" value="revoke" />
                    <input type="hidden" name="tokenId" value={t.id} />
                    <button type="submit" name="intent" value="revoke" className="danger small" disabled={navigation.state !== 'idle'} aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
