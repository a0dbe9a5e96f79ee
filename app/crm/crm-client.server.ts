// The two CRMs' REST APIs, one request per call (docs/crm-write-back.md, "What is sent"):
// HubSpot CRM v3 with a private app's token; Salesforce REST with a token from the OAuth 2.0
// client-credentials flow, kept in memory per process and asked for again when Salesforce answers
// 401 (an expired session). Every request goes through requestOnce (app/integrations/deliver.server.ts):
// 10 s limit, no redirects, and in production https only and no inside address (SSRF).
import type { CrmObject } from '#models/crm-push';
import type { CrmProvider } from '#models/crm-connection';
import { requestOnce, type HttpAnswer } from '#app/integrations/deliver.server';
import { recordPath } from '#app/crm/crm-rules';

export type CrmCredentials = {
  id: string;
  rev: number;
  provider: CrmProvider;
  hubspotToken?: string | null;
  hubspotApiUrl?: string | null;
  salesforceLoginUrl?: string | null;
  salesforceClientId?: string | null;
  salesforceClientSecret?: string | null;
};

const WHAT = 'CRM updates';
const USER_AGENT = 'Kept-CRM/1';

type SalesforceSession = { accessToken: string; instanceUrl: string };
// One token per connection revision and process: a save (new credentials) moves the revision on.
const sessions = new Map<string, Promise<{ session: SalesforceSession } | { answer: HttpAnswer; reason: string }>>();
const sessionKey = (c: CrmCredentials) => `${c.id}:${c.rev}`;

/** Forgets every cached Salesforce token (tests; a disconnect). */
export function forgetCrmSessions() {
  sessions.clear();
}

async function askSalesforceToken(c: CrmCredentials, guard: boolean) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.salesforceClientId ?? '', client_secret: c.salesforceClientSecret ?? '' }).toString();
  const url = `${(c.salesforceLoginUrl ?? '').replace(/\/+$/, '')}/services/oauth2/token`;
  const answer = await requestOnce({
    method: 'POST',
    url,
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'User-Agent': USER_AGENT },
    guard,
    readBody: true,
    what: WHAT,
  });
  if (!('status' in answer) || answer.status < 200 || answer.status >= 300) return { answer, reason: 'Salesforce refused the token request' };
  try {
    const parsed = JSON.parse(answer.text ?? '') as { access_token?: unknown; instance_url?: unknown };
    if (typeof parsed.access_token === 'string' && typeof parsed.instance_url === 'string')
      return { session: { accessToken: parsed.access_token, instanceUrl: parsed.instance_url.replace(/\/+$/, '') } };
  } catch {
    // Falls through: an answer without a token.
  }
  return { answer: { error: 'Salesforce’s token answer had no access_token and instance_url' } as HttpAnswer, reason: 'Salesforce token request' };
}

function salesforceSession(c: CrmCredentials, guard: boolean) {
  const key = sessionKey(c);
  let pending = sessions.get(key);
  if (!pending) {
    pending = askSalesforceToken(c, guard);
    sessions.set(key, pending);
    // A refusal is not kept: the next push asks again.
    void pending.then((r) => 'answer' in r && sessions.get(key) === pending && sessions.delete(key));
  }
  return pending;
}

export type UpdateAnswer = HttpAnswer & { stage?: 'token' | 'update' };

/**
 * Updates one record's properties (PATCH). Never throws. `stage: 'token'` marks an answer of
 * Salesforce's token endpoint (the update was not sent).
 */
export async function updateCrmRecord({
  credentials: c,
  object,
  recordId,
  properties,
  guard,
}: {
  credentials: CrmCredentials;
  object: CrmObject;
  recordId: string;
  properties: Record<string, unknown>;
  guard: boolean;
}): Promise<UpdateAnswer> {
  if (c.provider === 'hubspot') {
    const base = (c.hubspotApiUrl || 'https://api.hubapi.com').replace(/\/+$/, '');
    const answer = await requestOnce({
      method: 'PATCH',
      url: `${base}${recordPath('hubspot', object, recordId)}`,
      body: JSON.stringify({ properties }),
      headers: { Authorization: `Bearer ${c.hubspotToken ?? ''}`, 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': USER_AGENT },
      guard,
      readBody: true,
      what: WHAT,
    });
    return { ...answer, stage: 'update' };
  }
  for (let round = 0; round < 2; round++) {
    const got = await salesforceSession(c, guard);
    if ('answer' in got) return { ...got.answer, stage: 'token' };
    const answer = await requestOnce({
      method: 'PATCH',
      url: `${got.session.instanceUrl}${recordPath('salesforce', object, recordId)}`,
      body: JSON.stringify(properties),
      headers: { Authorization: `Bearer ${got.session.accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': USER_AGENT },
      guard,
      readBody: true,
      what: WHAT,
    });
    // An expired or revoked session: ask for a new token once, then send again.
    if ('status' in answer && answer.status === 401 && round === 0) {
      sessions.delete(sessionKey(c));
      continue;
    }
    return { ...answer, stage: 'update' };
  }
  return { error: 'Salesforce refused the new token too', stage: 'update' };
}
