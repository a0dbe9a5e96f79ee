// CRM write-back (docs/crm-write-back.md): the one CRM connection an admin sets up, the pushes a
// deal's changes make (one per change and record, unique by key), the worker step that sends them
// under a lease and judges the answer like a webhook delivery (retried with back-off for a day,
// honouring Retry-After), the test push and the sync log.
import { Types } from 'mongoose';
import { z } from 'zod';
import { CRM_PROVIDERS, CrmConnection, type CrmProvider } from '#models/crm-connection';
import { CrmPush, type CrmObject } from '#models/crm-push';
import { CrmSyncAttempt } from '#models/crm-sync-attempt';
import { Deal } from '#models/deal';
import { getEnv } from '#app/env.server';
import { insertIgnoringDuplicates } from '#app/platform/db.server';
import type { DomainEvents } from '#app/platform/events.server';
import { complete, type Lease } from '#app/platform/lease.server';
import { REQUEST_TIMEOUT_MS, dispatchDue, type DispatchResult } from '#app/integrations/deliver.server';
import { eventIdFor } from '#app/integrations/event-ids.server';
import { judgeAttempt, type AttemptAnswer } from '#app/integrations/webhook-rules';
import { forgetCrmSessions, updateCrmRecord, type CrmCredentials, type UpdateAnswer } from '#app/crm/crm-client.server';
import { companyValues, dealValues } from '#app/crm/crm-values.server';
import {
  CRM_PROVIDER_LABELS,
  KEPT_FIELD_KEYS,
  PROPERTY_NAME,
  crmErrorMessage,
  crmProperties,
  effectiveMapping,
  loginUrlProblem,
  maskSecret,
  objectLabel,
  type KeptField,
} from '#app/crm/crm-rules';
import { cachedFor } from '#app/utils/cached-for';
import { objectIdFrom } from '#app/utils/ids.server';
import { log } from '#app/utils/log.server';

/** The domain events that change what Kept writes back (app/crm/reactions.server.ts). */
export const CRM_EVENTS = ['deal.closed_won', 'journey.stage_changed', 'journey.live', 'survey.answered', 'advocate.candidate'] as const;
export type CrmEvent = (typeof CRM_EVENTS)[number];

// Salesforce may take a token request and two updates (a 401 asks for a new token): each up to 10 s.
const LEASE_MS = 6 * REQUEST_TIMEOUT_MS;
/** In production: https only, no inside addresses (SSRF), as for webhooks. */
const production = () => getEnv().NODE_ENV === 'production';
const CONNECTION_ID = objectIdFrom('crm-connection');

type ConnectionLean = {
  _id: Types.ObjectId;
  provider: CrmProvider;
  enabled: boolean;
  hubspotToken?: string | null;
  hubspotApiUrl?: string | null;
  salesforceLoginUrl?: string | null;
  salesforceClientId?: string | null;
  salesforceClientSecret?: string | null;
  mapping?: Record<string, string> | Map<string, string> | null;
  rev?: number | null;
  lastTestAt?: Date | null;
  lastTestOk?: boolean | null;
  lastTestMessage?: string | null;
  updatedAt?: Date;
};

const mappingOf = (c: ConnectionLean) => effectiveMapping(c.provider, c.mapping instanceof Map ? Object.fromEntries(c.mapping) : (c.mapping ?? {}));
const credentialsOf = (c: ConnectionLean): CrmCredentials => ({
  id: String(c._id),
  rev: c.rev ?? 0,
  provider: c.provider,
  hubspotToken: c.hubspotToken,
  hubspotApiUrl: c.hubspotApiUrl,
  salesforceLoginUrl: c.salesforceLoginUrl,
  salesforceClientId: c.salesforceClientId,
  salesforceClientSecret: c.salesforceClientSecret,
});

// ---------------------------------------------------------------------------------------------
// Forms

const Secret = z.string().trim().max(500, 'Use at most 500 characters.').default('');
/** Connect (or change) the CRM. A secret left empty keeps the one saved for the same CRM. */
export const ConnectFormSchema = z.object({
  provider: z.enum(CRM_PROVIDERS, { message: 'Choose HubSpot or Salesforce.' }),
  hubspotToken: Secret,
  salesforceLoginUrl: z.string().trim().max(300, 'Use at most 300 characters.').default(''),
  salesforceClientId: z.string().trim().max(300, 'Use at most 300 characters.').default(''),
  salesforceClientSecret: Secret,
});
export type ConnectForm = z.infer<typeof ConnectFormSchema>;

const PropertyName = z
  .string()
  .trim()
  .default('')
  .refine((v) => v === '' || PROPERTY_NAME.test(v), 'Use the property’s internal name: letters, digits and _ (e.g. kept_post_sale_stage), or leave it empty.');
/** One text field per Kept field (`map.<field>`): a property name, or empty to leave it out. */
export const MappingFormSchema = z.object(Object.fromEntries(KEPT_FIELD_KEYS.map((key) => [`map.${key}`, PropertyName])) as Record<`map.${KeptField}`, typeof PropertyName>);

export const TestPushSchema = z.object({
  crmDealId: z.string().trim().min(1, 'Enter the id of a deal Kept has from this CRM.').max(200, 'Use at most 200 characters.'),
});
export const DisconnectSchema = z.object({ confirm: z.literal('yes', { message: 'Tick the box to confirm.' }) });

export const SyncLogQuerySchema = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1) });

// ---------------------------------------------------------------------------------------------
// The connection

/** The connection as the admin page shows it: secrets masked, never in full. */
export async function getCrmConnection() {
  const c = (await CrmConnection.findById(CONNECTION_ID).lean()) as ConnectionLean | null;
  if (!c) return null;
  return {
    provider: c.provider,
    providerLabel: CRM_PROVIDER_LABELS[c.provider],
    enabled: c.enabled,
    hubspotToken: maskSecret(c.hubspotToken),
    salesforceLoginUrl: c.salesforceLoginUrl ?? '',
    salesforceClientId: c.salesforceClientId ?? '',
    salesforceClientSecret: maskSecret(c.salesforceClientSecret),
    mapping: mappingOf(c),
    lastTest: c.lastTestAt ? { at: c.lastTestAt.toISOString(), ok: Boolean(c.lastTestOk), message: c.lastTestMessage ?? '' } : null,
    updatedAt: c.updatedAt?.toISOString() ?? null,
  };
}
export type CrmConnectionView = NonNullable<Awaited<ReturnType<typeof getCrmConnection>>>;

type SaveResult = { ok: true } | { ok: false; errors: Record<string, string[]> };

/**
 * Saves the connection. A secret left empty keeps the saved one when the CRM stays the same;
 * switching CRM needs its credentials in full. The revision moves on, so no cached token of the
 * old credentials is used again.
 */
export async function saveCrmConnection({ input, actorId }: { input: ConnectForm; actorId: string }): Promise<SaveResult> {
  const saved = (await CrmConnection.findById(CONNECTION_ID).lean()) as ConnectionLean | null;
  const same = saved?.provider === input.provider;
  const errors: Record<string, string[]> = {};
  const need = (field: keyof ConnectForm, value: string, message: string) => {
    if (!value) errors[field] = [message];
  };
  const set: Record<string, unknown> = { provider: input.provider, enabled: true, updatedById: new Types.ObjectId(actorId) };
  if (input.provider === 'hubspot') {
    const token = input.hubspotToken || (same ? (saved?.hubspotToken ?? '') : '');
    need('hubspotToken', token, 'Paste the private app’s access token.');
    set.hubspotToken = token;
    set.salesforceClientSecret = null;
  } else {
    const problem = input.salesforceLoginUrl ? loginUrlProblem(input.salesforceLoginUrl, { production: production() }) : 'Enter the login URL, e.g. https://login.salesforce.com.';
    if (problem) errors.salesforceLoginUrl = [problem];
    need('salesforceClientId', input.salesforceClientId, 'Paste the connected app’s consumer key.');
    const secret = input.salesforceClientSecret || (same ? (saved?.salesforceClientSecret ?? '') : '');
    need('salesforceClientSecret', secret, 'Paste the connected app’s consumer secret.');
    Object.assign(set, {
      salesforceLoginUrl: input.salesforceLoginUrl.replace(/\/+$/, ''),
      salesforceClientId: input.salesforceClientId,
      salesforceClientSecret: secret,
      hubspotToken: null,
    });
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  // A switch of CRM starts from that CRM's suggested property names.
  if (!same) set.mapping = {};
  await CrmConnection.updateOne({ _id: CONNECTION_ID }, { $set: set, $inc: { rev: 1 } }, { upsert: true });
  forgetConnection();
  log('info', 'CRM connection saved', { provider: input.provider });
  return { ok: true };
}

export async function saveCrmMapping(values: Record<string, string>) {
  const mapping = Object.fromEntries(KEPT_FIELD_KEYS.map((k) => [k, values[`map.${k}`] ?? '']));
  const { matchedCount } = await CrmConnection.updateOne({ _id: CONNECTION_ID }, { $set: { mapping }, $inc: { rev: 1 } });
  forgetConnection();
  return matchedCount === 1;
}

/** Pauses or resumes the write-back; pushes queued meanwhile fail as "not sent". */
export async function setCrmEnabled(enabled: boolean) {
  const { matchedCount } = await CrmConnection.updateOne({ _id: CONNECTION_ID }, { $set: { enabled } });
  forgetConnection();
  return matchedCount === 1;
}

/** Removes the connection and its credentials; the sync log stays. */
export async function disconnectCrm() {
  const { deletedCount } = await CrmConnection.deleteOne({ _id: CONNECTION_ID });
  forgetConnection();
  forgetCrmSessions();
  return deletedCount === 1;
}

// The connection, read at most every few seconds per process (a CSV import records an event per
// new deal); a change made in this process forgets it at once, another process's within 5 s.
const activeConnection = cachedFor(
  5_000,
  () => CrmConnection.findOne({ _id: CONNECTION_ID, enabled: true }).select('provider enabled').lean().exec() as Promise<ConnectionLean | null>,
);
/** Forgets the connection read (after a change; tests that write it directly call it too). */
export function forgetConnection() {
  activeConnection.clear();
}

// ---------------------------------------------------------------------------------------------
// Recording: one push per change and record

/**
 * The reaction to a recorded event (reactions.server.ts): when a CRM is connected and the deal came
 * from it, one pending push for its deal / opportunity and one for its company / account (when its
 * intake carried the company id). The key is the event's id: a replay inserts the same key and is
 * ignored.
 */
export async function queueCrmPushes<E extends CrmEvent>(type: E, facts: DomainEvents[E]) {
  const connection = await activeConnection.get();
  if (!connection) return { queued: 0 };
  const deal = await Deal.findById(facts.dealId).select('source crmId crmAccountId').lean();
  if (!deal || deal.source !== connection.provider) return { queued: 0 };
  const now = facts.now ?? new Date();
  const eventId = eventIdFor(type, facts as Record<string, unknown>);
  const records: Array<{ object: CrmObject; id: string }> = [{ object: 'deal', id: deal.crmId }];
  if (deal.crmAccountId) records.push({ object: 'company', id: deal.crmAccountId });
  const docs = records.map((r) => ({
    _id: new Types.ObjectId(),
    key: `${connection.provider}:${eventId}:${r.object}`,
    provider: connection.provider,
    object: r.object,
    crmObjectId: r.id,
    dealId: deal._id,
    eventType: type,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    leaseGen: 0,
    createdAt: now,
    updatedAt: now,
  }));
  const inserted = await insertIgnoringDuplicates(CrmPush, docs);
  return { queued: inserted.size };
}

// ---------------------------------------------------------------------------------------------
// Sending (the worker)

type PushLease = Lease & {
  provider: CrmProvider;
  object: CrmObject;
  crmObjectId: string;
  dealId: Types.ObjectId;
  eventType: string;
  attempts: number;
  createdAt: Date;
};

export type CrmDispatchResult = DispatchResult;

/** Worker step: sends due CRM pushes (see dispatchDue). */
export function dispatchDueCrmPushes(input: { now: Date; owner: string; signal?: AbortSignal; limit?: number; lanes?: number; budgetMs?: number }): Promise<CrmDispatchResult> {
  return dispatchDue<PushLease>({ model: CrmPush, attempt: attemptPush, leaseMs: LEASE_MS, lanes: 2, ...input });
}

/** The properties of one record as Kept would write them now, or why nothing can be written. */
async function propertiesFor(connection: ConnectionLean, target: { object: CrmObject; crmObjectId: string; dealId: Types.ObjectId | string }) {
  const values = target.object === 'deal' ? await dealValues(target.dealId) : await companyValues({ source: connection.provider, crmAccountId: target.crmObjectId });
  if (!values) return { problem: 'Not sent: the deal is no longer in Kept.' };
  const properties = crmProperties(connection.provider, values, mappingOf(connection));
  if (Object.keys(properties).length === 0) return { problem: 'Not sent: no Kept field is mapped to a CRM property.' };
  return { properties };
}

/** What an answer says, for the log: the status and the CRM's own message, or why there was none. */
function describe(provider: CrmProvider, answer: UpdateAnswer) {
  const label = CRM_PROVIDER_LABELS[provider];
  const where = answer.stage === 'token' ? `${label} token request: ` : '';
  if ('refused' in answer) return answer.refused;
  if ('error' in answer) return `${where}${answer.error}`;
  const detail = crmErrorMessage(answer.text);
  return `${where}HTTP ${answer.status}${detail ? ` ${detail}` : ''}`;
}

/**
 * The answer as judgeAttempt reads it. Salesforce answers a spent API allowance with 403
 * REQUEST_LIMIT_EXCEEDED rather than 429: a rate limit too, retried like one.
 */
function forJudging(answer: UpdateAnswer): AttemptAnswer {
  if ('status' in answer && answer.status === 403 && /REQUEST_LIMIT_EXCEEDED/.test(answer.text ?? '')) return { status: 429, retryAfter: answer.retryAfter };
  return answer;
}

async function attemptPush(lease: PushLease, clock: () => Date): Promise<'delivered' | 'retried' | 'failed' | 'lost'> {
  const started = clock();
  const connection = (await CrmConnection.findById(CONNECTION_ID).lean()) as ConnectionLean | null;
  const logAttempt = (fields: { status?: number | null; outcome: 'delivered' | 'retry' | 'failed'; error?: string | null; at: Date }) =>
    CrmSyncAttempt.create({
      provider: lease.provider,
      pushId: lease._id as Types.ObjectId,
      object: lease.object,
      crmObjectId: lease.crmObjectId,
      eventType: lease.eventType,
      status: fields.status ?? undefined,
      outcome: fields.outcome,
      error: fields.error ?? undefined,
      at: fields.at,
      ms: fields.at.getTime() - started.getTime(),
    });
  const giveUp = async (reason: string) => {
    const at = clock();
    const done = await complete({ model: CrmPush, lease, now: at, update: { $set: { state: 'failed', lastError: reason, lastAttemptAt: at, nextAttemptAt: null } } });
    if (done) await logAttempt({ outcome: 'failed', error: reason, at });
    return done ? ('failed' as const) : ('lost' as const);
  };
  if (!connection || connection.provider !== lease.provider) return giveUp(`Not sent: ${CRM_PROVIDER_LABELS[lease.provider]} is no longer connected.`);
  if (!connection.enabled) return giveUp('Not sent: the CRM write-back was paused.');
  const built = await propertiesFor(connection, lease);
  if ('problem' in built) return giveUp(built.problem!);

  let answer: UpdateAnswer;
  try {
    answer = await updateCrmRecord({
      credentials: credentialsOf(connection),
      object: lease.object,
      recordId: lease.crmObjectId,
      properties: built.properties,
      guard: production(),
    });
  } catch (error) {
    answer = { error: error instanceof Error ? error.message : String(error) };
  }
  const after = clock();
  const verdict = judgeAttempt({ answer: forJudging(answer), attempts: lease.attempts + 1, createdAt: lease.createdAt, now: after });
  const status = 'status' in answer ? answer.status : null;
  const error =
    verdict.state === 'delivered'
      ? null
      : verdict.state === 'failed' && /gave up after a day/.test(verdict.reason)
        ? `${describe(lease.provider, answer)}; gave up after a day of retries`
        : describe(lease.provider, answer);
  const set: Record<string, unknown> = { state: verdict.state, lastAttemptAt: after, lastStatus: status, lastError: error };
  set.nextAttemptAt = verdict.state === 'pending' ? verdict.nextAttemptAt : null;
  if (verdict.state === 'delivered') set.deliveredAt = after;
  const done = await complete({ model: CrmPush, lease, now: after, update: { $set: set, $inc: { attempts: 1 } } });
  // A worker that lost its lease (it ran past it; another worker took the push over) logs nothing:
  // the attempt that counts is the one whose outcome was written.
  if (!done) return 'lost';
  await logAttempt({ status, outcome: verdict.state === 'pending' ? 'retry' : verdict.state, error, at: after });
  return verdict.state === 'delivered' ? 'delivered' : verdict.state === 'pending' ? 'retried' : 'failed';
}

// ---------------------------------------------------------------------------------------------
// The test push and the sync log

/**
 * Writes one deal's figures to its CRM record now (the "Test push" button) and returns what the
 * CRM answered. The deal is found by its id in the connected CRM.
 */
export async function testCrmPush({
  crmDealId,
  now = new Date(),
}: {
  crmDealId: string;
  now?: Date;
}): Promise<{ ok: true; message: string } | { ok: false; field?: 'crmDealId'; error: string }> {
  const connection = (await CrmConnection.findById(CONNECTION_ID).lean()) as ConnectionLean | null;
  if (!connection) return { ok: false, error: 'Connect a CRM first.' };
  const label = CRM_PROVIDER_LABELS[connection.provider];
  const deal = await Deal.findOne({ source: connection.provider, crmId: crmDealId }).select('_id').lean();
  if (!deal) return { ok: false, field: 'crmDealId', error: `Kept has no deal from ${label} with this id (deals from ${label} come from its webhook or a CSV export of it).` };
  const built = await propertiesFor(connection, { object: 'deal', crmObjectId: crmDealId, dealId: deal._id as Types.ObjectId });
  if ('problem' in built) return { ok: false, error: built.problem! };
  const started = Date.now();
  const answer = await updateCrmRecord({ credentials: credentialsOf(connection), object: 'deal', recordId: crmDealId, properties: built.properties, guard: production() });
  const at = new Date(now.getTime() + (Date.now() - started));
  const ok = 'status' in answer && answer.status >= 200 && answer.status < 300;
  const what = `${objectLabel(connection.provider, 'deal')} ${crmDealId}`;
  const message = ok
    ? `${label} updated ${what} (HTTP ${answer.status}): ${Object.keys(built.properties).length} properties written.`
    : `${label} did not update ${what}: ${describe(connection.provider, answer)}.`;
  await CrmSyncAttempt.create({
    provider: connection.provider,
    test: true,
    object: 'deal',
    crmObjectId: crmDealId,
    eventType: 'kept.test',
    status: 'status' in answer ? answer.status : undefined,
    outcome: ok ? 'delivered' : 'failed',
    error: ok ? undefined : describe(connection.provider, answer),
    at,
    ms: Date.now() - started,
  });
  await CrmConnection.updateOne({ _id: CONNECTION_ID }, { $set: { lastTestAt: at, lastTestOk: ok, lastTestMessage: message } });
  return ok ? { ok: true, message } : { ok: false, error: message };
}

/** The sync log: every attempt, newest first, paginated. */
export async function listSyncAttempts({ page, perPage = 20 }: { page: number; perPage?: number }) {
  const total = await CrmSyncAttempt.countDocuments({});
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const current = Math.min(page, pageCount);
  const docs = await CrmSyncAttempt.find({})
    .sort({ at: -1, _id: -1 })
    .skip((current - 1) * perPage)
    .limit(perPage)
    .lean();
  return {
    total,
    page: current,
    pageCount,
    attempts: docs.map((d) => ({
      id: String(d._id),
      provider: d.provider,
      record: `${objectLabel(d.provider, d.object)} ${d.crmObjectId}`,
      eventType: d.eventType,
      test: Boolean(d.test),
      at: d.at.toISOString(),
      status: d.status ?? null,
      outcome: d.outcome,
      error: d.error ?? null,
    })),
  };
}

/** How many pushes wait for their next attempt (the page says so next to the log). */
export const countPendingPushes = () => CrmPush.countDocuments({ state: 'pending' });
