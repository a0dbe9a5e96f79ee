import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { SsoConnectionSchema, SsoModeSchema, breakGlassCandidates, callbackUrl, saveConnection, setSsoOnly, ssoSettingsView, testDiscovery } from '#app/sso/sso.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { NoFields, dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';

// Single sign-on, for admins: the OpenID Connect connection (issuer, client id, secret shown only by
// its end), a discovery test with its result, and the "SSO only" switch with the break-glass admin
// who keeps a password. Every change is audited. See docs/sso.md.
export const meta: MetaFunction = () => [{ title: 'Single sign-on · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'sso.manage' });
  const [settings, admins] = await Promise.all([ssoSettingsView(), breakGlassCandidates()]);
  return { settings, admins, redirectUrl: callbackUrl() };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'sso.manage' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const reply = (result: FormResult, status = 200) => data<FormResult>({ ...result, form }, { status });
  const withoutSecret = ({ clientSecret: _secret, ...rest }: Record<string, string>) => rest;
  return dispatchIntent(
    formData,
    {
      save: intent(SsoConnectionSchema, async (input, values) => {
        const saved = await saveConnection({ ...input, actorId: admin.id });
        if (!saved.ok) return reply({ ok: false, errors: saved.errors, values: withoutSecret(values) }, 400);
        return reply({ ok: true, message: 'Saved. Test discovery below to check Kept can reach the provider.' });
      }),
      test: intent(NoFields, async () => {
        const tested = await testDiscovery({ actorId: admin.id });
        return tested.ok ? reply({ ok: true, message: tested.message }) : reply({ ok: false, errors: { '': [tested.message] } }, 409);
      }),
      mode: intent(SsoModeSchema, async (input, values) => {
        const saved = await setSsoOnly({ ssoOnly: input.ssoOnly === 'on', breakGlassUserId: input.breakGlassUserId, actorId: admin.id });
        if (!saved.ok) return reply({ ok: false, errors: saved.errors, values }, 409);
        return reply({
          ok: true,
          message: input.ssoOnly === 'on' ? 'SSO only is on: passwords no longer work, except for the break-glass admin.' : 'SSO only is off: passwords work again next to SSO.',
        });
      }),
    },
    { form },
  );
}

export default function SingleSignOn() {
  const { settings, admins, redirectUrl } = useLoaderData<typeof loader>();
  const connection = useFormFeedback('sso-connection', { reset: false });
  const test = useFormFeedback('sso-test');
  const mode = useFormFeedback('sso-mode', { reset: false });
  const ssoOnlyValue = (mode.field('ssoOnly').defaultValue as string | undefined) ?? (settings?.ssoOnly ? 'on' : 'off');
  return (
    <>
      <div className="page-header">
        <h1>Single sign-on</h1>
        {settings ? (
          settings.ssoOnly ? (
            <span className="badge ok">SSO only</span>
          ) : (
            <span className="badge ok">SSO and passwords</span>
          )
        ) : (
          <span className="badge muted">not set up</span>
        )}
      </div>
      <p className="muted">
        Staff sign in with their company account through OpenID Connect (Okta, Microsoft Entra ID, Google Workspace, Keycloak…). Kept finds each person by the verified email their
        identity provider sends: only people you invited or added under <Link to="/admin/users">Users</Link> get in, and deactivated users stay out.
      </p>

      <section className="panel" aria-labelledby="sso-connection-h" style={{ marginTop: '1rem' }}>
        <h2 id="sso-connection-h">Identity provider</h2>
        <p>
          Register Kept in your identity provider as a web application with this redirect (callback) URL: <code data-testid="sso-callback-url">{redirectUrl}</code>
        </p>
        <FeedbackForm feedback={connection} className="stack" noValidate>
          <input type="hidden" name="intent" value="save" />
          <Field
            label="Company name"
            required
            maxLength={60}
            hint="Shown on the sign-in button: “Sign in with Acme SSO”."
            {...connection.field('companyName', settings?.companyName ?? '')}
          />
          <Field
            label="Issuer URL"
            type="url"
            required
            placeholder="https://login.example.com/oauth2/default"
            hint="Kept reads <issuer>/.well-known/openid-configuration; https only."
            {...connection.field('issuer', settings?.issuer ?? '')}
          />
          <Field label="Client id" required autoComplete="off" {...connection.field('clientId', settings?.clientId ?? '')} />
          <Field
            label="Client secret"
            type="password"
            autoComplete="new-password"
            required={!settings}
            hint={settings ? `Saved: ${settings.secretHint}. Leave empty to keep it; Kept never shows it again.` : 'Kept shows only its last four characters after saving.'}
            {...connection.field('clientSecret', '')}
          />
          <div>
            <button type="submit" disabled={connection.busy}>
              {connection.busy ? 'Saving…' : settings ? 'Save connection' : 'Connect'}
            </button>
          </div>
        </FeedbackForm>
      </section>

      <section className="panel" aria-labelledby="sso-test-h" style={{ marginTop: '1rem' }}>
        <h2 id="sso-test-h">Discovery</h2>
        <FeedbackForm feedback={test} className="stack">
          <input type="hidden" name="intent" value="test" />
          <p className="muted">Kept fetches the provider’s discovery document and checks it names the issuer above.</p>
          <div>
            <button type="submit" className="secondary" disabled={test.busy || !settings}>
              {test.busy ? 'Testing…' : 'Test discovery'}
            </button>
          </div>
          {!test.result ? (
            settings?.discovery ? (
              <p className={settings.discovery.ok ? 'notice' : 'form-error'} data-testid="sso-discovery">
                {settings.discovery.ok ? 'Last test passed' : 'Last test failed'} (<LocalTime iso={settings.discovery.at} />
                ): {settings.discovery.message}
              </p>
            ) : (
              <p className="muted">{settings ? 'Not tested yet.' : 'Save the connection first.'}</p>
            )
          ) : null}
        </FeedbackForm>
      </section>

      <section className="panel" aria-labelledby="sso-mode-h" style={{ marginTop: '1rem' }}>
        <h2 id="sso-mode-h">SSO only</h2>
        <p className="muted">
          With SSO only, the password form, password resets and invitation links refuse everyone except one break-glass admin, who keeps a password for the day the identity
          provider is down. Needs a passing discovery test.
        </p>
        <FeedbackForm feedback={mode} className="stack" noValidate>
          <input type="hidden" name="intent" value="mode" />
          <fieldset>
            <legend>Passwords</legend>
            <label>
              <input type="radio" name="ssoOnly" value="off" id="sso-mode-ssoOnly" defaultChecked={ssoOnlyValue === 'off'} /> Passwords and SSO both work
            </label>
            <label>
              <input type="radio" name="ssoOnly" value="on" defaultChecked={ssoOnlyValue === 'on'} /> SSO only (passwords off except for the break-glass admin)
            </label>
            {mode.field('ssoOnly').errors ? <p className="field-error">{mode.field('ssoOnly').errors!.join(' ')}</p> : null}
          </fieldset>
          <SelectField label="Break-glass admin" hint="An active admin with a password of their own." {...mode.field('breakGlassUserId', settings?.breakGlassUserId ?? '')}>
            <option value="">Choose an admin…</option>
            {admins.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.email})
              </option>
            ))}
          </SelectField>
          <div>
            <button type="submit" disabled={mode.busy || !settings}>
              Save
            </button>
          </div>
        </FeedbackForm>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
