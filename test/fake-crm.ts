// Local stand-ins for the HubSpot CRM v3 API and the Salesforce REST API, for the CRM write-back's
// tests (docs/crm-write-back.md). Each checks a request the way the real API documents it and
// answers as it does: HubSpot PATCH /crm/v3/objects/{deals|companies}/{id} with
// `Authorization: Bearer <private app token>` and `{ properties: { name: "string" } }` (200 and the
// record); Salesforce POST /services/oauth2/token (client credentials, form-encoded) for
// `{ access_token, instance_url }`, then PATCH /services/data/vXX.X/sobjects/{Opportunity|Account}/{id}
// with a JSON object of fields (204). Either answers 429 (Salesforce also 403 REQUEST_LIMIT_EXCEEDED)
// with Retry-After when a test asks it to.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export type CrmRequest = { method: string; path: string; headers: Record<string, string>; body: string; status: number; at: number };
type Limit = { status: number; retryAfter?: string; body: unknown };
type Answer = { status: number; headers?: Record<string, string>; body?: unknown };
const limited = (l: Limit): Answer => ({ status: l.status, headers: l.retryAfter ? { 'Retry-After': l.retryAfter } : undefined, body: l.body });

abstract class FakeCrm {
  readonly requests: CrmRequest[] = [];
  /** Record key (`deal:<id>`, `company:<id>`) -> its properties as last written. */
  readonly records = new Map<string, Record<string, unknown>>();
  /** Property names the CRM has (custom properties the admin created); others are refused. */
  readonly properties = new Set<string>();
  protected limits: Limit[] = [];
  protected latencyMs = 0;
  private server: http.Server | undefined;
  url = '';
  port = 0;

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
        const request: CrmRequest = { method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8'), status: 0, at: Date.now() };
        this.requests.push(request);
        const answer = this.answer(request);
        request.status = answer.status;
        setTimeout(() => {
          res.writeHead(answer.status, { ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...answer.headers });
          res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
        }, this.latencyMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this.url;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Adds records that exist in the CRM (`deal:123`, `company:9`). */
  seed(...keys: string[]) {
    for (const key of keys) this.records.set(key, {});
  }

  /** Delays every answer (widens race windows). */
  setLatency(ms: number) {
    this.latencyMs = ms;
  }

  reset() {
    this.requests.length = 0;
    this.records.clear();
    this.limits = [];
    this.latencyMs = 0;
  }

  /** The record updates only (Salesforce's token requests left out). */
  get updates() {
    return this.requests.filter((r) => r.method === 'PATCH');
  }

  protected nextLimit(): Limit | undefined {
    return this.limits.shift();
  }

  protected abstract answer(request: CrmRequest): Answer;
}

const HUBSPOT_OBJECTS: Record<string, string> = { deals: 'deal', companies: 'company' };

export class FakeHubSpot extends FakeCrm {
  token = `pat-eu1-${crypto.randomBytes(8).toString('hex')}`;

  /** The next `count` requests are answered 429 (HubSpot's secondly limit), with Retry-After when given. */
  rateLimitNext(count = 1, retryAfter?: string) {
    for (let i = 0; i < count; i++)
      this.limits.push({
        status: 429,
        retryAfter,
        body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: crypto.randomUUID(), policyName: 'SECONDLY' },
      });
  }

  protected answer(r: CrmRequest): Answer {
    const error = (status: number, category: string, message: string) => ({ status, body: { status: 'error', message, correlationId: crypto.randomUUID(), category } });
    const limit = this.nextLimit();
    if (limit) return limited(limit);
    if (r.headers.authorization !== `Bearer ${this.token}`) return error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
    const match = /^\/crm\/v3\/objects\/(deals|companies)\/([^/?]+)$/.exec(r.path);
    if (!match) return error(404, 'OBJECT_NOT_FOUND', `No route for ${r.method} ${r.path}`);
    if (r.method !== 'PATCH') return error(405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
    if (!/^application\/json/.test(r.headers['content-type'] ?? '')) return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'Use application/json');
    const key = `${HUBSPOT_OBJECTS[match[1]]}:${decodeURIComponent(match[2])}`;
    if (!this.records.has(key)) return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch {
      return error(400, 'VALIDATION_ERROR', 'Invalid input JSON');
    }
    const properties = (body as { properties?: unknown })?.properties;
    if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return error(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties is required');
    for (const [name, value] of Object.entries(properties)) {
      if (typeof value !== 'string') return error(400, 'VALIDATION_ERROR', `Property values were not valid: ${name} must be a string`);
      if (!this.properties.has(name)) return error(400, 'VALIDATION_ERROR', `Property values were not valid: Property "${name}" does not exist`);
    }
    const merged = { ...this.records.get(key), ...properties };
    this.records.set(key, merged);
    return { status: 200, body: { id: match[2], properties: merged, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: new Date().toISOString(), archived: false } };
  }
}

const SF_OBJECTS: Record<string, string> = { Opportunity: 'deal', Account: 'company' };

export class FakeSalesforce extends FakeCrm {
  clientId = `3MVG9${crypto.randomBytes(12).toString('hex')}`;
  clientSecret = crypto.randomBytes(16).toString('hex').toUpperCase();
  /** Tokens the org accepts now; expireTokens() empties it (a session timeout). */
  readonly tokens = new Set<string>();
  tokensIssued = 0;

  /** The next `count` requests are refused for a rate limit: 429, or 403 REQUEST_LIMIT_EXCEEDED (the org's daily API allowance). */
  rateLimitNext(count = 1, { status = 429, retryAfter }: { status?: 429 | 403; retryAfter?: string } = {}) {
    for (let i = 0; i < count; i++)
      this.limits.push({
        status,
        retryAfter,
        body: [{ message: status === 403 ? 'TotalRequests Limit exceeded.' : 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      });
  }

  expireTokens() {
    this.tokens.clear();
  }

  reset() {
    super.reset();
    this.tokens.clear();
    this.tokensIssued = 0;
  }

  protected answer(r: CrmRequest): Answer {
    if (r.path === '/services/oauth2/token') {
      if (r.method !== 'POST' || !/^application\/x-www-form-urlencoded/.test(r.headers['content-type'] ?? ''))
        return { status: 400, body: { error: 'invalid_request', error_description: 'must use POST with application/x-www-form-urlencoded' } };
      const form = new URLSearchParams(r.body);
      if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } };
      if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret)
        return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
      const token = `00D${crypto.randomBytes(4).toString('hex')}!${crypto.randomBytes(24).toString('base64url')}`;
      this.tokens.add(token);
      this.tokensIssued++;
      return {
        status: 200,
        body: {
          access_token: token,
          signature: crypto.randomBytes(16).toString('base64'),
          instance_url: this.url,
          id: `${this.url}/id/00D000000000001/005000000000001`,
          token_type: 'Bearer',
          issued_at: String(Date.now()),
        },
      };
    }
    const limit = this.nextLimit();
    if (limit) return limited(limit);
    const bearer = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer)) return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    const match = /^\/services\/data\/v\d+\.\d\/sobjects\/(Opportunity|Account)\/([^/?]+)$/.exec(r.path);
    if (!match) return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    if (r.method !== 'PATCH') return { status: 405, body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${r.method}' not allowed. Allowed are GET,PATCH,DELETE` }] };
    const key = `${SF_OBJECTS[match[1]]}:${decodeURIComponent(match[2])}`;
    if (!this.records.has(key)) return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'Provided external ID field does not exist or is not accessible' }] };
    let fields: unknown;
    try {
      fields = JSON.parse(r.body);
    } catch {
      return { status: 400, body: [{ errorCode: 'JSON_PARSER_ERROR', message: 'Unexpected character' }] };
    }
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return { status: 400, body: [{ errorCode: 'JSON_PARSER_ERROR', message: 'Expected an object' }] };
    for (const name of Object.keys(fields))
      if (!this.properties.has(name)) return { status: 400, body: [{ errorCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${match[1]}` }] };
    this.records.set(key, { ...this.records.get(key), ...fields });
    return { status: 204 };
  }
}

/** A fake for this test file: started before its tests, emptied before each, stopped after. */
export function useFakeCrm<T extends FakeCrm>(fake: T): T {
  beforeAll(async () => {
    await fake.start();
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.stop());
  return fake;
}
