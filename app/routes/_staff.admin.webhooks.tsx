import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { DeliveryLog, EventCheckboxes } from '#app/components/webhooks';
import {
  DeleteEndpointSchema,
  DeliveryLogQuerySchema,
  EndpointEventsSchema,
  EndpointFormSchema,
  EndpointIdSchema,
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  sendTestEvent,
  setEndpointEnabled,
  updateEndpointEvents,
  type EndpointView,
} from '#app/integrations/webhooks.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';
import { plural } from '#app/utils/format';

// Outgoing webhooks, for admins: register an endpoint (its secret shown once), choose its events,
// test it, disable or delete it, and read its delivery log. See docs/webhooks.md.
export const meta: MetaFunction = () => [{ title: 'Webhooks · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'integrations.manage' });
  const query = DeliveryLogQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [endpoints, selected] = await Promise.all([listEndpoints(), query.endpoint ? getEndpoint(query.endpoint) : null]);
  const webhook = selected?.kind === 'webhook' ? selected : null;
  const log = webhook ? await listDeliveries({ endpointId: webhook.id, page: query.page }) : null;
  return { endpoints, selected: webhook, log, missing: Boolean(query.endpoint && !webhook) };
}

type ActionData = FormResult & { secret?: string; endpointId?: string };

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'integrations.manage' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const reply = (result: ActionData, status = 200) => data<ActionData>({ ...result, form }, { status });
  const gone = () => reply({ ok: false, errors: { '': ['That endpoint was deleted meanwhile: reload the page.'] } }, 404);
  return dispatchIntent(
    formData,
    {
      create: intent(EndpointFormSchema, async (input) => {
        const { id, secret } = await createEndpoint({ ...input, actorId: admin.id });
        return reply({
          ok: true,
          message: `Endpoint added; it receives ${plural(input.events.length, 'event')}. Its signing secret, shown this once:`,
          secret,
          endpointId: id,
        });
      }),
      events: intent(EndpointEventsSchema, async (input) =>
        (await updateEndpointEvents(input)) ? reply({ ok: true, message: `Saved: the endpoint receives ${plural(input.events.length, 'event')}.` }) : gone(),
      ),
      enable: intent(EndpointIdSchema, async ({ endpointId }) =>
        (await setEndpointEnabled({ endpointId, enabled: true })) ? reply({ ok: true, message: 'Enabled: new events are delivered again.' }) : gone(),
      ),
      disable: intent(EndpointIdSchema, async ({ endpointId }) =>
        (await setEndpointEnabled({ endpointId, enabled: false })) ? reply({ ok: true, message: 'Disabled: Kept sends it nothing until you enable it.' }) : gone(),
      ),
      test: intent(EndpointIdSchema, async ({ endpointId }) => {
        const sent = await sendTestEvent({ endpointId });
        if (!sent.ok) return reply({ ok: false, errors: { '': [sent.error] } }, 409);
        return reply({ ok: true, message: `Test event ${sent.eventId} queued: it goes out within a few seconds; reload to see its answer in the log below.` });
      }),
      delete: intent(DeleteEndpointSchema, async ({ endpointId }) =>
        (await deleteEndpoint({ endpointId })) ? reply({ ok: true, message: 'Endpoint deleted, with its delivery log.' }) : gone(),
      ),
    },
    { form },
  );
}

function statusOf(e: EndpointView) {
  if (e.enabled) return <span className="badge ok">enabled</span>;
  return <span className="badge bad">{e.disabledReason === 'failing' ? 'disabled: failed for a day' : 'disabled'}</span>;
}

export default function Webhooks() {
  const { endpoints, selected, log, missing } = useLoaderData<typeof loader>();
  const create = useFormFeedback('new-endpoint');
  const created = create.result as ActionData | undefined;
  return (
    <>
      <div className="page-header">
        <h1>Webhooks</h1>
        <Link to="/admin/slack">Slack channels</Link>
      </div>
      <p className="muted">
        Kept POSTs a signed JSON event to each endpoint when something it subscribed to happens. Verify the <code>Kept-Signature</code> header with the endpoint’s secret and
        de-duplicate on <code>Kept-Event-Id</code>; failed deliveries are retried for a day.
      </p>

      <div className="table-wrap">
        {endpoints.length === 0 ? (
          <p className="empty">No endpoints yet. Add one below to send Kept’s events to your own systems.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Endpoint</th>
                <th>Events</th>
                <th>Status</th>
                <th>Last delivered</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`?endpoint=${e.id}`} aria-current={selected?.id === e.id ? 'true' : undefined}>
                      {e.url}
                    </Link>
                    {e.description ? <div className="muted">{e.description}</div> : null}
                  </td>
                  <td>{e.events.join(', ')}</td>
                  <td>{statusOf(e)}</td>
                  <td>{e.lastSuccessAt ? <LocalTime iso={e.lastSuccessAt} /> : <span className="muted">never</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {missing ? (
        <p className="notice" role="status">
          That endpoint no longer exists. <Link to="/admin/webhooks">Back to the list</Link>
        </p>
      ) : null}
      {selected && log ? <EndpointPanel key={selected.id} endpoint={selected} log={log} /> : null}

      <section className="panel" aria-labelledby="new-endpoint-h" style={{ marginTop: '1.5rem' }}>
        <h2 id="new-endpoint-h">Add an endpoint</h2>
        <FeedbackForm
          feedback={create}
          className="stack"
          noValidate
          successDetail={() =>
            created?.secret ? (
              <>
                <code className="secret-once" data-testid="endpoint-secret">
                  {created.secret}
                </code>
                Copy it now: Kept will not show it again. <Link to={`?endpoint=${created.endpointId}`}>Open the endpoint</Link>
              </>
            ) : null
          }
        >
          <input type="hidden" name="intent" value="create" />
          <Field label="URL" type="url" required placeholder="https://example.com/hooks/kept" hint="https:// only; Kept never follows redirects." {...create.field('url')} />
          <Field label="Description (optional)" maxLength={200} {...create.field('description')} />
          <EventCheckboxes f={create} saved={[]} />
          <div>
            <button type="submit" disabled={create.busy}>
              Add endpoint
            </button>
          </div>
        </FeedbackForm>
      </section>
    </>
  );
}

function EndpointPanel({ endpoint: e, log }: { endpoint: EndpointView; log: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['log']> }) {
  const events = useFormFeedback('endpoint-events', { reset: false });
  const toggle = useFormFeedback('endpoint-toggle');
  const test = useFormFeedback('endpoint-test');
  const remove = useFormFeedback('endpoint-delete');
  const confirmErrors = remove.field('confirm').errors;
  return (
    <section className="panel" aria-labelledby="endpoint-h" style={{ marginTop: '1.5rem' }}>
      <div className="page-header">
        <h2 id="endpoint-h">{e.url}</h2>
        <Link to="/admin/webhooks">Close</Link>
      </div>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          {statusOf(e)}
          {e.disabledAt ? (
            <span className="muted">
              {' '}
              since <LocalTime iso={e.disabledAt} />
            </span>
          ) : null}
        </dd>
        <dt>Failing since</dt>
        <dd>{e.failingSince ? <LocalTime iso={e.failingSince} /> : <span className="muted">not failing</span>}</dd>
        <dt>Last delivered</dt>
        <dd>{e.lastSuccessAt ? <LocalTime iso={e.lastSuccessAt} /> : <span className="muted">never</span>}</dd>
        <dt>Added</dt>
        <dd>
          <LocalTime iso={e.createdAt} />
        </dd>
      </dl>

      <FeedbackForm feedback={events} className="stack">
        <input type="hidden" name="intent" value="events" />
        <input type="hidden" name="endpointId" value={e.id} />
        <Field label="Description (optional)" maxLength={200} {...events.field('description', e.description)} />
        <EventCheckboxes f={events} saved={e.events} />
        <div>
          <button type="submit" disabled={events.busy}>
            Save events
          </button>
        </div>
      </FeedbackForm>

      <div className="row" style={{ marginTop: '1rem', alignItems: 'start' }}>
        <FeedbackForm feedback={test}>
          <input type="hidden" name="endpointId" value={e.id} />
          <button type="submit" name="intent" value="test" className="secondary" disabled={test.busy || !e.enabled}>
            Send a test event
          </button>
        </FeedbackForm>
        <FeedbackForm feedback={toggle}>
          <input type="hidden" name="endpointId" value={e.id} />
          {e.enabled ? (
            <button type="submit" name="intent" value="disable" className="secondary" disabled={toggle.busy}>
              Disable
            </button>
          ) : (
            <button type="submit" name="intent" value="enable" disabled={toggle.busy}>
              Enable
            </button>
          )}
        </FeedbackForm>
      </div>

      <DeliveryLog log={log} title="Delivery log" />

      {/* A required box rather than a script dialog: the confirmation works without JavaScript too. */}
      <FeedbackForm feedback={remove} className="stack" aria-labelledby="delete-endpoint-h" style={{ marginTop: '1rem' }}>
        <h3 id="delete-endpoint-h">Delete this endpoint</h3>
        <input type="hidden" name="intent" value="delete" />
        <input type="hidden" name="endpointId" value={e.id} />
        <div className="field">
          <label>
            <input
              type="checkbox"
              id="endpoint-delete-confirm"
              name="confirm"
              value="yes"
              required
              aria-invalid={confirmErrors ? true : undefined}
              aria-describedby={confirmErrors ? 'endpoint-delete-confirm-error' : undefined}
            />{' '}
            Yes, delete it: Kept stops sending to it and its delivery log is deleted. This cannot be undone.
          </label>
          {confirmErrors ? (
            <p id="endpoint-delete-confirm-error" className="field-error">
              {confirmErrors.join(' ')}
            </p>
          ) : null}
        </div>
        <div>
          <button type="submit" className="danger" disabled={remove.busy}>
            Delete endpoint
          </button>
        </div>
      </FeedbackForm>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
