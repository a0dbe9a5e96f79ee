// Outgoing webhooks and Slack (docs/webhooks.md): the endpoints admins register, the deliveries
// each recorded event makes (one per matching endpoint, unique per endpoint and event), and the
// worker step that sends them under a lease, judges the answer, retries for a day and disables an
// endpoint that failed for a day (emailing the admins once).
import crypto from 'node:crypto';
import { createElement } from 'react';
import { Types } from 'mongoose';
import { z } from 'zod';
import { User } from '#models/user';
import { WebhookDelivery } from '#models/webhook-delivery';
import { SLACK_TEAMS, WebhookEndpoint } from '#models/webhook-endpoint';
import { getEnv } from '#app/env.server';
import { sendEmail } from '#app/email/email.server';
import { insertIgnoringDuplicates } from '#app/platform/db.server';
import type { DomainEvents } from '#app/platform/events.server';
import { complete, type Lease } from '#app/platform/lease.server';
import { blockedAddressClass, isIpLiteral } from '#app/integrations/address-rules';
import { REQUEST_TIMEOUT_MS, dispatchDue, postOnce, type DispatchResult } from '#app/integrations/deliver.server';
import { eventData, keptUrl } from '#app/integrations/event-data.server';
import { eventIdFor } from '#app/integrations/event-ids.server';
import { slackMessage, type EventData } from '#app/integrations/slack-rules';
import {
  SLACK_TEAM_LABELS,
  WEBHOOK_EVENT_TYPES,
  displayUrl,
  endpointUrlProblem,
  failedForADay,
  judgeAttempt,
  slackUrlProblem,
  type AttemptAnswer,
  type SlackTeam,
  type WebhookEvent,
} from '#app/integrations/webhook-rules';
import { cachedFor } from '#app/utils/cached-for';
import { signPayload } from '#app/utils/hmac-signature.server';
import { isObjectId, objectIdFrom } from '#app/utils/ids.server';
import { log, logError } from '#app/utils/log.server';
import { WebhookEndpointDisabledEmail } from '#emails/webhook-endpoint-disabled';

const LEASE_MS = 3 * REQUEST_TIMEOUT_MS;
/** In production: https only, Slack URLs on hooks.slack.com, no inside addresses (SSRF). */
const production = () => getEnv().NODE_ENV === 'production';

type EndpointLean = {
  _id: Types.ObjectId;
  kind: 'webhook' | 'slack';
  team?: string | null;
  url: string;
  description?: string;
  events: string[];
  secret?: string | null;
  enabled: boolean;
  disabledReason?: string | null;
  disabledAt?: Date | null;
  failingSince?: Date | null;
  lastSuccessAt?: Date | null;
  createdAt?: Date;
};

const labelOf = (e: Pick<EndpointLean, 'kind' | 'team' | 'url'>) =>
  e.kind === 'slack' ? `Slack (${SLACK_TEAM_LABELS[e.team as SlackTeam] ?? e.team})` : displayUrl(e.url, 'webhook');

// ---------------------------------------------------------------------------------------------
// Forms

/**
 * The events ticked on a form: one checkbox per event, named `event:<type>`, gathered into
 * `events` before the schema runs, so "choose an event" shows next to the boxes together with any
 * other field's error.
 */
const withEvents = (values: unknown) => {
  const v = (values ?? {}) as Record<string, unknown>;
  return { ...v, events: WEBHOOK_EVENT_TYPES.filter((t) => v[`event:${t}`] === 'on') };
};
const Events = z.array(z.enum(WEBHOOK_EVENT_TYPES as [WebhookEvent, ...WebhookEvent[]])).min(1, 'Choose at least one event.');
const Description = z.string().trim().max(200, 'Use at most 200 characters.').default('');
const EndpointId = z.string().regex(/^[a-f0-9]{24}$/, 'That endpoint was not found.');

/** Why Kept refuses `url`: the rules of webhook-rules.ts, and in production no inside IP literal. */
function urlProblem(kind: 'webhook' | 'slack', url: string) {
  const problem = (kind === 'slack' ? slackUrlProblem : endpointUrlProblem)(url, { production: production() });
  if (problem) return problem;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (production() && (host === 'localhost' || (isIpLiteral(host) && blockedAddressClass(host)))) return 'Kept sends webhooks only to public addresses, never to its own network.';
  return null;
}

/** A URL field; `optional` lets it stay empty (a Slack channel keeping its saved URL). */
const UrlField = (kind: 'webhook' | 'slack', { optional = false } = {}) =>
  z
    .string()
    .trim()
    .default('')
    .superRefine((url, ctx) => {
      const problem = url ? urlProblem(kind, url) : optional ? null : 'Enter the URL.';
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

export const EndpointFormSchema = z.preprocess(withEvents, z.object({ url: UrlField('webhook'), description: Description, events: Events }));
export const EndpointEventsSchema = z.preprocess(withEvents, z.object({ endpointId: EndpointId, description: Description, events: Events }));
export const EndpointIdSchema = z.object({ endpointId: EndpointId });
export const DeleteEndpointSchema = EndpointIdSchema.extend({ confirm: z.literal('yes', { message: 'Tick the box to confirm: deleting cannot be undone.' }) });

/** A team's Slack channel: the URL may stay empty to keep the one saved. */
export const SlackFormSchema = z.preprocess(withEvents, z.object({ team: z.enum(SLACK_TEAMS), url: UrlField('slack', { optional: true }), events: Events }));
export const SlackTeamSchema = z.object({ team: z.enum(SLACK_TEAMS) });
export const SlackRemoveSchema = SlackTeamSchema.extend({ confirm: z.literal('yes', { message: 'Tick the box to confirm.' }) });

export const DeliveryLogQuerySchema = z.object({
  endpoint: z
    .string()
    .regex(/^[a-f0-9]{24}$/)
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});

// ---------------------------------------------------------------------------------------------
// Endpoints

const newSecret = () => `whsec_${crypto.randomBytes(24).toString('base64url')}`;

function endpointView(e: EndpointLean) {
  return {
    id: String(e._id),
    kind: e.kind,
    team: (e.team as SlackTeam | null) ?? null,
    label: labelOf(e),
    url: displayUrl(e.url, e.kind),
    description: e.description ?? '',
    events: e.events.filter((t): t is WebhookEvent => (WEBHOOK_EVENT_TYPES as string[]).includes(t)),
    enabled: e.enabled,
    disabledReason: e.disabledReason ?? null,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    failingSince: e.failingSince?.toISOString() ?? null,
    lastSuccessAt: e.lastSuccessAt?.toISOString() ?? null,
    createdAt: e.createdAt?.toISOString() ?? null,
  };
}
export type EndpointView = ReturnType<typeof endpointView>;

export async function listEndpoints() {
  const docs = (await WebhookEndpoint.find({ kind: 'webhook' }).sort({ createdAt: 1 }).lean()) as EndpointLean[];
  return docs.map(endpointView);
}

export async function getEndpoint(id: string) {
  if (!isObjectId(id)) return null;
  const doc = (await WebhookEndpoint.findById(id).lean()) as EndpointLean | null;
  return doc ? endpointView(doc) : null;
}

/** Registers an endpoint; the secret is returned this once (the admin page shows it once). */
export async function createEndpoint({ url, description, events, actorId }: { url: string; description: string; events: WebhookEvent[]; actorId: string }) {
  const secret = newSecret();
  const doc = await WebhookEndpoint.create({ kind: 'webhook', url, description, events, secret, enabled: true, createdById: actorId });
  forgetEndpoints();
  log('info', 'Webhook endpoint registered', { endpointId: String(doc._id), events });
  return { id: String(doc._id), secret };
}

export async function updateEndpointEvents({ endpointId, description, events }: { endpointId: string; description: string; events: WebhookEvent[] }) {
  const { matchedCount } = await WebhookEndpoint.updateOne({ _id: endpointId, kind: 'webhook' }, { $set: { events, description } });
  forgetEndpoints();
  return matchedCount === 1;
}

/** Enables (clearing the failure streak) or disables an endpoint by hand. */
export async function setEndpointEnabled({ endpointId, enabled, now = new Date() }: { endpointId: string; enabled: boolean; now?: Date }) {
  const update = enabled
    ? { $set: { enabled: true, disabledReason: null, disabledAt: null, failingSince: null } }
    : { $set: { enabled: false, disabledReason: 'admin', disabledAt: now } };
  const { matchedCount } = await WebhookEndpoint.updateOne({ _id: endpointId }, update);
  forgetEndpoints();
  return matchedCount === 1;
}

/** Deletes an endpoint and its delivery log. */
export async function deleteEndpoint({ endpointId }: { endpointId: string }) {
  const { deletedCount } = await WebhookEndpoint.deleteOne({ _id: endpointId });
  forgetEndpoints();
  await WebhookDelivery.deleteMany({ endpointId });
  return deletedCount === 1;
}

/** Queues a test event for one endpoint, due at once. */
export async function sendTestEvent({ endpointId, now = new Date() }: { endpointId: string; now?: Date }) {
  const endpoint = (await WebhookEndpoint.findById(endpointId).lean()) as EndpointLean | null;
  if (!endpoint) return { ok: false as const, error: 'That endpoint was not found.' };
  if (!endpoint.enabled) return { ok: false as const, error: 'Enable the endpoint before sending it a test event.' };
  const id = `evt_test_${crypto.randomBytes(12).toString('hex')}`;
  const data: EventData = { url: keptUrl('/home'), dealId: null, deal: null, account: null, test: true };
  const body =
    endpoint.kind === 'slack'
      ? JSON.stringify({
          text: '[Test] Kept is connected to this channel',
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: '[Test] Kept is connected to this channel' } },
            { type: 'section', text: { type: 'mrkdwn', text: `This channel gets: ${endpoint.events.join(', ')}.` } },
            { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Kept' }, url: data.url, action_id: 'open-in-kept' }] },
          ],
        })
      : JSON.stringify({ id, type: 'kept.test', createdAt: now.toISOString(), data });
  await WebhookDelivery.create({ endpointId: endpoint._id, kind: endpoint.kind, eventId: id, eventType: 'kept.test', body, test: true, state: 'pending', nextAttemptAt: now });
  return { ok: true as const, eventId: id };
}

// ---------------------------------------------------------------------------------------------
// Slack channels: one per team, its _id derived from the team

const slackIdOf = (team: SlackTeam) => objectIdFrom(`webhook-endpoint:slack:${team}`);

export async function listSlackChannels() {
  const docs = (await WebhookEndpoint.find({ kind: 'slack' }).lean()) as EndpointLean[];
  return SLACK_TEAMS.map((team) => {
    const doc = docs.find((d) => d.team === team);
    return { team, label: SLACK_TEAM_LABELS[team], channel: doc ? endpointView(doc) : null };
  });
}

/** Saves a team's channel; `url` empty keeps the saved URL (refused when there is none yet). */
export async function saveSlackChannel({ team, url, events, actorId }: { team: SlackTeam; url: string; events: WebhookEvent[]; actorId: string }) {
  const _id = slackIdOf(team);
  if (!url) {
    const { matchedCount } = await WebhookEndpoint.updateOne({ _id }, { $set: { events } });
    forgetEndpoints();
    return matchedCount === 1 ? { ok: true as const } : { ok: false as const, error: 'Enter the channel’s incoming-webhook URL.' };
  }
  await WebhookEndpoint.updateOne(
    { _id },
    {
      $set: { url, events, enabled: true, disabledReason: null, disabledAt: null, failingSince: null },
      $setOnInsert: { kind: 'slack', team, createdById: new Types.ObjectId(actorId) },
    },
    { upsert: true },
  );
  forgetEndpoints();
  return { ok: true as const };
}

export async function removeSlackChannel({ team }: { team: SlackTeam }) {
  return deleteEndpoint({ endpointId: String(slackIdOf(team)) });
}

// ---------------------------------------------------------------------------------------------
// The delivery log

export async function listDeliveries({ endpointId, page, perPage = 20 }: { endpointId: string; page: number; perPage?: number }) {
  const filter = { endpointId };
  const total = await WebhookDelivery.countDocuments(filter);
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const current = Math.min(page, pageCount);
  const docs = await WebhookDelivery.find(filter)
    .select('eventId eventType test state attempts lastStatus lastError lastAttemptAt nextAttemptAt deliveredAt createdAt')
    .sort({ createdAt: -1, _id: -1 })
    .skip((current - 1) * perPage)
    .limit(perPage)
    .lean();
  return {
    total,
    page: current,
    pageCount,
    deliveries: docs.map((d) => ({
      id: String(d._id),
      eventId: d.eventId,
      eventType: d.eventType,
      test: Boolean(d.test),
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.lastStatus ?? null,
      lastError: d.lastError ?? null,
      lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
      nextAttemptAt: d.state === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
      createdAt: (d as { createdAt?: Date }).createdAt?.toISOString() ?? null,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Recording: one delivery per enabled endpoint that takes the event

// The enabled endpoints, read at most every few seconds per process: a CSV import records a
// closed-won event per new deal (100,000 rows: 90,000 reads of the endpoints, most of them finding
// none). A change made in this process forgets them at once; one made by another process (an
// admin's save on another web server) is seen within 5 s.
const enabledEndpoints = cachedFor(
  5_000,
  () => WebhookEndpoint.find({ enabled: true }).select('kind events').lean().exec() as Promise<Pick<EndpointLean, '_id' | 'kind' | 'events'>[]>,
);
/** Forgets the endpoints read (after a change; tests that write endpoints directly call it too). */
export function forgetEndpoints() {
  enabledEndpoints.clear();
}

/**
 * The reaction to a recorded event (reactions.server.ts): one pending delivery per enabled
 * endpoint subscribed to it. Its id and body are fixed here; a replay of the event inserts the
 * same (endpointId, eventId) and is ignored.
 */
export async function queueEventDeliveries<E extends WebhookEvent>(type: E, facts: DomainEvents[E]) {
  const endpoints = (await enabledEndpoints.get()).filter((e) => e.events.includes(type));
  if (endpoints.length === 0) return { queued: 0 };
  const now = (facts as { now?: Date }).now ?? new Date();
  const id = eventIdFor(type, facts as Record<string, unknown>);
  const data = await eventData(type, facts);
  const webhookBody = JSON.stringify({ id, type, createdAt: now.toISOString(), data });
  const slackBody = JSON.stringify(slackMessage({ type, data }));
  const docs = endpoints.map((e) => ({
    _id: new Types.ObjectId(),
    endpointId: e._id,
    kind: e.kind,
    eventId: id,
    eventType: type,
    body: e.kind === 'slack' ? slackBody : webhookBody,
    test: false,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    leaseGen: 0,
    createdAt: now,
    updatedAt: now,
  }));
  const inserted = await insertIgnoringDuplicates(WebhookDelivery, docs);
  return { queued: inserted.size };
}

// ---------------------------------------------------------------------------------------------
// Sending (the worker)

type DeliveryLease = Lease & {
  endpointId: Types.ObjectId;
  kind: 'webhook' | 'slack';
  eventId: string;
  eventType: string;
  body: string;
  test?: boolean;
  attempts: number;
  createdAt: Date;
};

/** The headers of a signed webhook delivery (docs/webhooks.md, "Signature"). */
export function signedHeaders({ secret, body, eventId, eventType, at }: { secret: string; body: string; eventId: string; eventType: string; at: Date }) {
  return {
    'Kept-Signature': signPayload({ secret, body, timestamp: Math.floor(at.getTime() / 1000) }),
    'Kept-Event-Id': eventId,
    'Kept-Event-Type': eventType,
  };
}

/** Worker step: sends due webhook and Slack deliveries (see dispatchDue). */
export function dispatchDueWebhooks(input: { now: Date; owner: string; signal?: AbortSignal; limit?: number; lanes?: number; budgetMs?: number }): Promise<DispatchResult> {
  return dispatchDue<DeliveryLease>({ model: WebhookDelivery, attempt: attemptDelivery, leaseMs: LEASE_MS, lanes: 4, ...input });
}

async function attemptDelivery(lease: DeliveryLease, clock: () => Date): Promise<'delivered' | 'retried' | 'failed' | 'lost'> {
  const endpoint = (await WebhookEndpoint.findById(lease.endpointId).lean()) as EndpointLean | null;
  if (!endpoint || !endpoint.enabled) {
    const reason = endpoint ? 'Not sent: the endpoint is disabled.' : 'Not sent: the endpoint was deleted.';
    const done = await complete({ model: WebhookDelivery, lease, now: clock(), update: { $set: { state: 'failed', lastError: reason, nextAttemptAt: null } } });
    return done ? 'failed' : 'lost';
  }
  const at = clock();
  const headers = endpoint.kind === 'webhook' ? signedHeaders({ secret: endpoint.secret ?? '', body: lease.body, eventId: lease.eventId, eventType: lease.eventType, at }) : {};
  let answer: AttemptAnswer;
  try {
    answer = await postOnce({ url: endpoint.url, body: lease.body, headers, guard: production() });
  } catch (error) {
    answer = { error: error instanceof Error ? error.message : String(error) };
  }
  const after = clock();
  const count = lease.attempts + 1;
  const verdict = judgeAttempt({ answer, attempts: count, createdAt: lease.createdAt, now: after });
  const status = 'status' in answer ? answer.status : null;
  const set: Record<string, unknown> = { state: verdict.state, lastAttemptAt: after, lastStatus: status, lastError: verdict.state === 'delivered' ? null : verdict.reason };
  set.nextAttemptAt = verdict.state === 'pending' ? verdict.nextAttemptAt : null;
  if (verdict.state === 'delivered') set.deliveredAt = after;
  const done = await complete({ model: WebhookDelivery, lease, now: after, update: { $set: set, $inc: { attempts: 1 } } });
  if (!done) return 'lost';
  // A test event tells the admin whether the endpoint answers; only real events count for its health.
  if (!lease.test)
    await recordEndpointHealth({
      endpoint,
      delivered: verdict.state === 'delivered',
      lastError: verdict.state === 'delivered' ? '' : verdict.reason,
      eventAt: lease.createdAt,
      now: after,
    });
  return verdict.state === 'delivered' ? 'delivered' : verdict.state === 'pending' ? 'retried' : 'failed';
}

/**
 * A success ends the endpoint's failure streak; the first failure after one starts it, at the
 * event's time (or the last success, if later): a delivery retried until a day after its event and
 * still failing is a day of failure. An endpoint
 * whose streak is a day old is disabled with one conditional write, and its winner emails the
 * admins (a key per admin and streak: a retried email is the same email).
 */
async function recordEndpointHealth({ endpoint, delivered, lastError, eventAt, now }: { endpoint: EndpointLean; delivered: boolean; lastError: string; eventAt: Date; now: Date }) {
  if (delivered) {
    await WebhookEndpoint.updateOne({ _id: endpoint._id }, { $set: { lastSuccessAt: now, failingSince: null } });
    return;
  }
  const since = Math.min(now.getTime(), Math.max(eventAt.getTime(), endpoint.lastSuccessAt?.getTime() ?? 0));
  await WebhookEndpoint.updateOne({ _id: endpoint._id, failingSince: null }, { $set: { failingSince: new Date(since) } });
  const fresh = (await WebhookEndpoint.findById(endpoint._id).lean()) as EndpointLean | null;
  if (!fresh?.enabled || !fresh.failingSince || !failedForADay(fresh.failingSince, now)) return;
  const off = await WebhookEndpoint.updateOne(
    { _id: fresh._id, enabled: true, failingSince: fresh.failingSince },
    { $set: { enabled: false, disabledReason: 'failing', disabledAt: now } },
  );
  if (off.modifiedCount !== 1) return;
  forgetEndpoints();
  log('warn', 'Webhook endpoint disabled after a day of failed deliveries', { endpointId: String(fresh._id), since: fresh.failingSince.toISOString() });
  await emailAdminsEndpointDisabled({ endpoint: fresh, failingSince: fresh.failingSince, lastError });
}

async function emailAdminsEndpointDisabled({ endpoint, failingSince, lastError }: { endpoint: EndpointLean; failingSince: Date; lastError: string }) {
  const admins = await User.find({ role: 'admin', active: true }).select('name email').lean();
  const settingsUrl = keptUrl(endpoint.kind === 'slack' ? `/admin/slack?team=${endpoint.team}` : `/admin/webhooks?endpoint=${String(endpoint._id)}`);
  const since = `${failingSince.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  for (const admin of admins) {
    const sent = await sendEmail({
      key: `webhook-endpoint:${String(endpoint._id)}:disabled:${failingSince.getTime()}:${String(admin._id)}`,
      template: 'webhook-endpoint-disabled',
      to: admin.email,
      subject: `Kept disabled a webhook: ${labelOf(endpoint)}`,
      react: createElement(WebhookEndpointDisabledEmail, { adminName: admin.name, endpointLabel: labelOf(endpoint), failingSince: since, lastError, settingsUrl }),
      meta: { entityType: 'webhook-endpoint', entityId: String(endpoint._id) },
    });
    if (!sent.ok) logError(new Error(sent.error), { where: 'webhook endpoint disabled email', endpointId: String(endpoint._id) });
  }
}
