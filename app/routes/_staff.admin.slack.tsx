import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { DeliveryLog, EventCheckboxes } from '#app/components/webhooks';
import { SLACK_TEAM_LABELS, type SlackTeam } from '#app/integrations/webhook-rules';
import {
  SlackFormSchema,
  SlackRemoveSchema,
  SlackTeamSchema,
  listDeliveries,
  listSlackChannels,
  removeSlackChannel,
  saveSlackChannel,
  sendTestEvent,
  setEndpointEnabled,
} from '#app/integrations/webhooks.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';
import { plural } from '#app/utils/format';

// Slack, for admins: one incoming-webhook URL per team (CS, sales, marketing, leadership) and the
// events its channel gets, as Slack messages with a link back to Kept. See docs/webhooks.md.
export const meta: MetaFunction = () => [{ title: 'Slack · Kept' }];

const LogQuerySchema = z.object({
  team: z
    .enum(Object.keys(SLACK_TEAM_LABELS) as [SlackTeam, ...SlackTeam[]])
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'integrations.manage' });
  const query = LogQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const teams = await listSlackChannels();
  const shown = query.team ? teams.find((t) => t.team === query.team)?.channel : null;
  const log = shown ? await listDeliveries({ endpointId: shown.id, page: query.page }) : null;
  return { teams, logTeam: shown ? query.team! : null, log };
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUser(request, { may: 'integrations.manage' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const reply = (result: FormResult, status = 200) => data<FormResult>({ ...result, form }, { status });
  const channelOf = async (team: SlackTeam) => (await listSlackChannels()).find((t) => t.team === team)?.channel ?? null;
  const notConnected = () => reply({ ok: false, errors: { '': ['This team has no Slack channel yet: save its URL first.'] } }, 409);
  return dispatchIntent(
    formData,
    {
      save: intent(SlackFormSchema, async (input, values) => {
        const saved = await saveSlackChannel({ ...input, actorId: admin.id });
        if (!saved.ok) return reply({ ok: false, errors: { url: [saved.error] }, values }, 400);
        return reply({ ok: true, message: `Saved: the ${SLACK_TEAM_LABELS[input.team]} channel gets ${plural(input.events.length, 'event')}.` });
      }),
      test: intent(SlackTeamSchema, async ({ team }) => {
        const channel = await channelOf(team);
        if (!channel) return notConnected();
        const sent = await sendTestEvent({ endpointId: channel.id });
        if (!sent.ok) return reply({ ok: false, errors: { '': [sent.error] } }, 409);
        return reply({ ok: true, message: 'Test message queued: it reaches the channel within a few seconds.' });
      }),
      enable: intent(SlackTeamSchema, async ({ team }) => {
        const channel = await channelOf(team);
        if (!channel) return notConnected();
        await setEndpointEnabled({ endpointId: channel.id, enabled: true });
        return reply({ ok: true, message: 'Enabled: new events reach the channel again.' });
      }),
      disable: intent(SlackTeamSchema, async ({ team }) => {
        const channel = await channelOf(team);
        if (!channel) return notConnected();
        await setEndpointEnabled({ endpointId: channel.id, enabled: false });
        return reply({ ok: true, message: 'Disabled: Kept posts nothing to the channel until you enable it.' });
      }),
      remove: intent(SlackRemoveSchema, async ({ team }) => {
        await removeSlackChannel({ team });
        return reply({ ok: true, message: `The ${SLACK_TEAM_LABELS[team]} channel is removed.` });
      }),
    },
    { form },
  );
}

type TeamRow = ReturnType<typeof useLoaderData<typeof loader>>['teams'][number];

export default function Slack() {
  const { teams, logTeam, log } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>Slack</h1>
        <Link to="/admin/webhooks">Webhooks</Link>
      </div>
      <p className="muted">
        Each team’s channel gets the events it chooses, as a message with the account, the deal and a button back to Kept. Create an incoming webhook in Slack (
        <em>Apps → Incoming Webhooks → Add New Webhook to Workspace</em>) and paste its URL here.
      </p>
      {teams.map((t) => (
        <TeamPanel key={t.team} row={t} />
      ))}
      {logTeam && log ? (
        <section className="panel" style={{ marginTop: '1.5rem' }}>
          <div className="page-header">
            <span />
            <Link to="/admin/slack">Close</Link>
          </div>
          <DeliveryLog log={log} title={`Delivery log: ${SLACK_TEAM_LABELS[logTeam]}`} />
        </section>
      ) : null}
    </>
  );
}

function TeamPanel({ row }: { row: TeamRow }) {
  const { team, label, channel } = row;
  const save = useFormFeedback(`slack-${team}`, { reset: false });
  const actions = useFormFeedback(`slack-${team}-actions`);
  const remove = useFormFeedback(`slack-${team}-remove`);
  const confirmErrors = remove.field('confirm').errors;
  return (
    <section className="panel" aria-labelledby={`slack-${team}-h`} style={{ marginTop: '1rem' }}>
      <div className="page-header">
        <h2 id={`slack-${team}-h`}>{label}</h2>
        {channel ? (
          channel.enabled ? (
            <span className="badge ok">connected</span>
          ) : (
            <span className="badge bad">{channel.disabledReason === 'failing' ? 'disabled: failed for a day' : 'disabled'}</span>
          )
        ) : (
          <span className="badge muted">not connected</span>
        )}
      </div>
      {channel ? (
        <p className="muted">
          Posting to <code>{channel.url}</code>
          {channel.lastSuccessAt ? (
            <>
              ; last message <LocalTime iso={channel.lastSuccessAt} />
            </>
          ) : null}
          . <Link to={`?team=${team}`}>Delivery log</Link>
        </p>
      ) : null}
      <FeedbackForm feedback={save} className="stack" noValidate>
        <input type="hidden" name="intent" value="save" />
        <input type="hidden" name="team" value={team} />
        <Field
          label="Incoming-webhook URL"
          type="url"
          placeholder="https://hooks.slack.com/services/…"
          hint={channel ? 'Leave empty to keep the saved URL; Kept does not show it again.' : undefined}
          {...save.field('url', '')}
        />
        <EventCheckboxes f={save} saved={channel?.events ?? []} />
        <div>
          <button type="submit" disabled={save.busy}>
            Save {label} channel
          </button>
        </div>
      </FeedbackForm>
      {channel ? (
        <>
          <FeedbackForm feedback={actions} className="row" style={{ marginTop: '1rem' }}>
            <input type="hidden" name="team" value={team} />
            <button type="submit" name="intent" value="test" className="secondary" disabled={actions.busy || !channel.enabled}>
              Send a test message
            </button>
            {channel.enabled ? (
              <button type="submit" name="intent" value="disable" className="secondary" disabled={actions.busy}>
                Disable
              </button>
            ) : (
              <button type="submit" name="intent" value="enable" disabled={actions.busy}>
                Enable
              </button>
            )}
          </FeedbackForm>
          <FeedbackForm feedback={remove} className="row" style={{ marginTop: '1rem' }}>
            <input type="hidden" name="intent" value="remove" />
            <input type="hidden" name="team" value={team} />
            <div className="field">
              <label>
                <input
                  type="checkbox"
                  id={`slack-${team}-remove-confirm`}
                  name="confirm"
                  value="yes"
                  required
                  aria-invalid={confirmErrors ? true : undefined}
                  aria-describedby={confirmErrors ? `slack-${team}-remove-error` : undefined}
                />{' '}
                Yes, remove this channel and its delivery log
              </label>
              {confirmErrors ? (
                <p id={`slack-${team}-remove-error`} className="field-error">
                  {confirmErrors.join(' ')}
                </p>
              ) : null}
            </div>
            <button type="submit" className="danger" disabled={remove.busy}>
              Remove
            </button>
          </FeedbackForm>
        </>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
