import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { Pagination } from '#app/components/pagination';
import {
  ConnectFormSchema,
  DisconnectSchema,
  MappingFormSchema,
  SyncLogQuerySchema,
  TestPushSchema,
  countPendingPushes,
  disconnectCrm,
  getCrmConnection,
  listSyncAttempts,
  saveCrmConnection,
  saveCrmMapping,
  setCrmEnabled,
  testCrmPush,
  type CrmConnectionView,
} from '#app/crm/crm.server';
import { CRM_PROVIDER_LABELS, DEFAULT_MAPPING, KEPT_FIELDS, KEPT_FIELD_KEYS, type KeptField } from '#app/crm/crm-rules';
import { formIdOf } from '#app/utils/form-feedback.server';
import { NoFields, dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';

// CRM write-back, for admins: connect HubSpot or Salesforce, map Kept's figures to CRM properties,
// try a test push, pause or disconnect, and read the sync log. See docs/crm-write-back.md.
export const meta: MetaFunction = () => [{ title: 'CRM write-back · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'integrations.manage' });
  const query = SyncLogQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [connection, log, pending] = await Promise.all([getCrmConnection(), listSyncAttempts({ page: query.page }), countPendingPushes()]);
  return { connection, log, pending };
}

/** Secrets never travel back to the page, not even what was just typed into a refused form. */
const withoutSecrets = (values: Record<string, string>) => {
  const { hubspotToken: _token, salesforceClientSecret: _secret, ...rest } = values;
  return rest;
};

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'integrations.manage' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const reply = (result: FormResult, status = 200) => data<FormResult>({ ...result, form }, { status });
  const notConnected = () => reply({ ok: false, errors: { '': ['Connect a CRM first.'] } }, 409);
  return dispatchIntent(
    formData,
    {
      connect: intent(ConnectFormSchema, async (input, values) => {
        const saved = await saveCrmConnection({ input, actorId: admin.id });
        if (!saved.ok) return reply({ ok: false, errors: saved.errors, values: withoutSecrets(values) }, 400);
        return reply({ ok: true, message: `Connected to ${CRM_PROVIDER_LABELS[input.provider]}: deals from it are updated as they change. Try a test push below.` });
      }),
      mapping: intent(MappingFormSchema, async (_input, values) => {
        const cleaned = Object.fromEntries(KEPT_FIELD_KEYS.map((k) => [`map.${k}`, (values[`map.${k}`] ?? '').trim()]));
        return (await saveCrmMapping(cleaned)) ? reply({ ok: true, message: 'Mapping saved: the next pushes use these property names.' }) : notConnected();
      }),
      test: intent(TestPushSchema, async ({ crmDealId }, values) => {
        const result = await testCrmPush({ crmDealId });
        if (result.ok) return reply({ ok: true, message: result.message });
        // Not a 5xx: Kept worked; the CRM (or the missing connection) said no, and the page says why.
        return reply({ ok: false, errors: { [result.field ?? '']: [result.error] }, values }, result.field ? 400 : 409);
      }),
      pause: intent(NoFields, async () =>
        (await setCrmEnabled(false)) ? reply({ ok: true, message: 'Paused: Kept sends nothing to the CRM until you resume.' }) : notConnected(),
      ),
      resume: intent(NoFields, async () => ((await setCrmEnabled(true)) ? reply({ ok: true, message: 'Resumed: changes are pushed again.' }) : notConnected())),
      disconnect: intent(DisconnectSchema, async () => {
        await disconnectCrm();
        return reply({ ok: true, message: 'Disconnected: the credentials are deleted. The sync log stays.' });
      }),
    },
    { form },
  );
}

export default function CrmWriteBack() {
  const { connection, log, pending } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>CRM write-back</h1>
        <Link to="/admin/webhooks">Webhooks</Link>
      </div>
      <p className="muted">
        Kept writes each deal’s post-sale stage, go-live date, time to live, latest value verdict, value delivered and advocate status to the deal (opportunity) and its company
        (account) in your CRM, whenever one of them changes. Failed pushes are retried for a day; nothing here slows a page down.
      </p>
      <ConnectionPanel connection={connection} />
      {connection ? (
        <>
          <MappingPanel connection={connection} />
          <TestPanel connection={connection} />
          <ManagePanel connection={connection} />
        </>
      ) : null}
      <section className="panel" aria-labelledby="sync-log-h" style={{ marginTop: '1.5rem' }}>
        <h2 id="sync-log-h">Sync log</h2>
        {pending ? <p className="muted">{pending === 1 ? '1 push waits for its next attempt.' : `${pending} pushes wait for their next attempt.`}</p> : null}
        <SyncLog log={log} />
      </section>
    </>
  );
}

function ConnectionPanel({ connection }: { connection: CrmConnectionView | null }) {
  const f = useFormFeedback('crm-connect', { reset: false });
  return (
    <section className="panel" aria-labelledby="crm-connect-h" style={{ marginTop: '1rem' }}>
      <div className="page-header">
        <h2 id="crm-connect-h">Connection</h2>
        {connection ? (
          connection.enabled ? (
            <span className="badge ok">connected to {connection.providerLabel}</span>
          ) : (
            <span className="badge warn">{connection.providerLabel}: paused</span>
          )
        ) : (
          <span className="badge muted">not connected</span>
        )}
      </div>
      <FeedbackForm feedback={f} className="stack" noValidate>
        <input type="hidden" name="intent" value="connect" />
        <SelectField label="CRM" {...f.field('provider', connection?.provider ?? 'hubspot')}>
          <option value="hubspot">HubSpot</option>
          <option value="salesforce">Salesforce</option>
        </SelectField>
        <fieldset className="stack">
          <legend>HubSpot</legend>
          <Field
            label="Private app access token"
            type="password"
            autoComplete="off"
            placeholder="pat-…"
            id={`${f.id}-hubspotToken`}
            name="hubspotToken"
            errors={f.field('hubspotToken').errors}
            hint={
              connection?.hubspotToken
                ? `Saved: ${connection.hubspotToken}. Leave empty to keep it.`
                : 'Settings → Integrations → Private apps: a private app with the crm.objects.deals.write and crm.objects.companies.write scopes.'
            }
          />
        </fieldset>
        <fieldset className="stack">
          <legend>Salesforce</legend>
          <Field
            label="Login URL"
            type="url"
            placeholder="https://yourdomain.my.salesforce.com"
            hint="Your org’s My Domain URL (client credentials need it)."
            {...f.field('salesforceLoginUrl', connection?.salesforceLoginUrl ?? '')}
          />
          <Field label="Consumer key (client id)" autoComplete="off" {...f.field('salesforceClientId', connection?.salesforceClientId ?? '')} />
          <Field
            label="Consumer secret (client secret)"
            type="password"
            autoComplete="off"
            id={`${f.id}-salesforceClientSecret`}
            name="salesforceClientSecret"
            errors={f.field('salesforceClientSecret').errors}
            hint={
              connection?.salesforceClientSecret
                ? `Saved: ${connection.salesforceClientSecret}. Leave empty to keep it.`
                : 'A connected app with the client credentials flow enabled.'
            }
          />
        </fieldset>
        <p className="hint">Kept uses the fields of the CRM chosen above; credentials are never shown again after saving.</p>
        <div>
          <button type="submit" disabled={f.busy}>
            {connection ? 'Save connection' : 'Connect'}
          </button>
        </div>
      </FeedbackForm>
    </section>
  );
}

const FIELD_HINTS: Record<KeptField, string> = {
  stage: 'Text: the stage’s name, e.g. “Onboarding”.',
  goLiveDate: 'Date (YYYY-MM-DD); empty until live.',
  timeToLiveDays: 'Number: days from close to go-live.',
  valueVerdict: 'Text: yes, partly or no (the buyer’s latest answer).',
  valueDeliveredPct: 'Number 0-100: promises judged delivered.',
  advocateStatus: 'Text: candidate, satisfied or none.',
};

function MappingPanel({ connection }: { connection: CrmConnectionView }) {
  const f = useFormFeedback('crm-mapping', { reset: false });
  return (
    <section className="panel" aria-labelledby="crm-mapping-h" style={{ marginTop: '1rem' }}>
      <h2 id="crm-mapping-h">Field mapping</h2>
      <p className="muted">
        The {connection.providerLabel} property each figure is written to, on the deal and on the company alike; leave one empty to not send it. Create the properties in{' '}
        {connection.providerLabel} first (suggested names: <code>{DEFAULT_MAPPING[connection.provider].stage}</code> and so on).
      </p>
      <FeedbackForm feedback={f} className="stack" noValidate>
        <input type="hidden" name="intent" value="mapping" />
        <div className="grid-2">
          {KEPT_FIELD_KEYS.map((key) => (
            <Field key={key} label={KEPT_FIELDS[key]} hint={FIELD_HINTS[key]} maxLength={100} {...f.field(`map.${key}`, connection.mapping[key])} />
          ))}
        </div>
        <div>
          <button type="submit" disabled={f.busy}>
            Save mapping
          </button>
        </div>
      </FeedbackForm>
    </section>
  );
}

function TestPanel({ connection }: { connection: CrmConnectionView }) {
  const f = useFormFeedback('crm-test', { reset: false });
  const record = connection.provider === 'hubspot' ? 'deal' : 'opportunity';
  return (
    <section className="panel" aria-labelledby="crm-test-h" style={{ marginTop: '1rem' }}>
      <h2 id="crm-test-h">Test push</h2>
      <p className="muted">
        Writes one deal’s figures to its {connection.providerLabel} {record} now and shows the answer. Use the id of a deal Kept received from {connection.providerLabel}.
      </p>
      <FeedbackForm feedback={f} className="row" style={{ alignItems: 'end' }} noValidate>
        <input type="hidden" name="intent" value="test" />
        <Field label={`${connection.providerLabel} ${record} id`} maxLength={200} {...f.field('crmDealId', '')} />
        <div>
          <button type="submit" className="secondary" disabled={f.busy || !connection.enabled}>
            {f.busy ? 'Pushing…' : 'Test push'}
          </button>
        </div>
      </FeedbackForm>
      {connection.lastTest && !f.result ? (
        <p className="muted">
          Last test <LocalTime iso={connection.lastTest.at} />: <span className={`badge ${connection.lastTest.ok ? 'ok' : 'bad'}`}>{connection.lastTest.ok ? 'ok' : 'failed'}</span>{' '}
          {connection.lastTest.message}
        </p>
      ) : null}
    </section>
  );
}

function ManagePanel({ connection }: { connection: CrmConnectionView }) {
  const toggle = useFormFeedback('crm-toggle');
  const remove = useFormFeedback('crm-disconnect');
  const confirmErrors = remove.field('confirm').errors;
  return (
    <section className="panel" aria-labelledby="crm-manage-h" style={{ marginTop: '1rem' }}>
      <h2 id="crm-manage-h">Pause or disconnect</h2>
      <FeedbackForm feedback={toggle} className="row">
        {connection.enabled ? (
          <button type="submit" name="intent" value="pause" className="secondary" disabled={toggle.busy}>
            Pause write-back
          </button>
        ) : (
          <button type="submit" name="intent" value="resume" disabled={toggle.busy}>
            Resume write-back
          </button>
        )}
      </FeedbackForm>
      {/* A required box rather than a script dialog: the confirmation works without JavaScript too. */}
      <FeedbackForm feedback={remove} className="row" style={{ marginTop: '1rem' }}>
        <input type="hidden" name="intent" value="disconnect" />
        <div className="field">
          <label>
            <input
              type="checkbox"
              id="crm-disconnect-confirm"
              name="confirm"
              value="yes"
              required
              aria-invalid={confirmErrors ? true : undefined}
              aria-describedby={confirmErrors ? 'crm-disconnect-confirm-error' : undefined}
            />{' '}
            Yes, disconnect {connection.providerLabel} and delete its credentials
          </label>
          {confirmErrors ? (
            <p id="crm-disconnect-confirm-error" className="field-error">
              {confirmErrors.join(' ')}
            </p>
          ) : null}
        </div>
        <button type="submit" className="danger" disabled={remove.busy}>
          Disconnect
        </button>
      </FeedbackForm>
    </section>
  );
}

const OUTCOME_BADGE: Record<string, string> = { delivered: 'ok', retry: 'warn', failed: 'bad' };
const OUTCOME_LABEL: Record<string, string> = { delivered: 'updated', retry: 'will retry', failed: 'failed' };

function SyncLog({ log }: { log: ReturnType<typeof useLoaderData<typeof loader>>['log'] }) {
  return (
    <>
      {log.attempts.length === 0 ? (
        <p className="empty">No pushes yet. Once a CRM is connected, each change of a deal from it appears here, and so does a test push.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Record</th>
                <th>Change</th>
                <th>Status</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {log.attempts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <LocalTime iso={a.at} />
                  </td>
                  <td>
                    {CRM_PROVIDER_LABELS[a.provider]} {a.record}
                  </td>
                  <td>
                    <code>{a.eventType}</code>
                    {a.test ? <span className="badge muted">test</span> : null}
                  </td>
                  <td>{a.status ? <code>{a.status}</code> : <span className="muted">no answer</span>}</td>
                  <td>
                    <span className={`badge ${OUTCOME_BADGE[a.outcome] ?? 'muted'}`}>{OUTCOME_LABEL[a.outcome] ?? a.outcome}</span>
                    {a.error ? <div className="muted">{a.error}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={log.page} pages={log.pageCount} total={log.total} noun="attempt" />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
