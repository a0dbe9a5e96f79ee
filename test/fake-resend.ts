// A small stand-in for the Resend HTTP API. The real `resend` SDK talks to it through
// RESEND_BASE_URL (or the `baseUrl` option), so tests exercise the exact requests Kept sends.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  idempotencyKey: string | null;
  body: unknown;
  /** Wall-clock arrival time (ms since epoch). */
  at: number;
  /** Status the fake answered with. */
  status: number;
};

export type DeliveredEmail = { id: string; idempotencyKey: string | null; body: Record<string, unknown>; at: number };

export type FakeError = {
  status: number;
  /** Resend error name, e.g. rate_limit_exceeded, daily_quota_exceeded, validation_error. */
  name: string;
  message?: string;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
};

type IdempotentEntry = { fingerprint: string; status: number; response: unknown };

const DEFAULT_MESSAGES: Record<string, string> = {
  rate_limit_exceeded: 'Too many requests. You can only make 2 requests per second.',
  daily_quota_exceeded: 'You have reached your daily email sending quota.',
  monthly_quota_exceeded: 'You have reached your monthly email sending quota.',
  validation_error: 'The request body is invalid.',
  invalid_idempotent_request: 'Same idempotency key used with a different request payload.',
  internal_server_error: 'An unexpected error occurred.',
};

/** Starts with `await fake.start()`; point the SDK at `fake.url`. */
export class FakeResend {
  /** Every request, in arrival order (failed ones too). */
  readonly requests: FakeRequest[] = [];
  /** Unique accepted emails: an idempotent replay is not a second delivery. */
  readonly delivered: DeliveredEmail[] = [];
  private server: http.Server | undefined;
  private failures: FakeError[] = [];
  private idempotency = new Map<string, IdempotentEntry>();
  private latencyMs = 0;
  private onAccepted: ((emails: Array<Record<string, unknown>>) => Promise<void>) | null = null;
  url = '';

  async start() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop() {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers the next `count` requests with `error` (queued after earlier failNext calls). */
  failNext(error: FakeError, count = 1) {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  /** Delays every answer, to widen race windows. */
  setLatency(ms: number) {
    this.latencyMs = ms;
  }

  /**
   * Runs `fn` with the emails of each accepted request before Resend answers it: what a recipient
   * who acts the moment an email arrives would do (e.g. open the link it carries). null to stop.
   */
  whenAccepted(fn: ((emails: Array<Record<string, unknown>>) => Promise<void>) | null) {
    this.onAccepted = fn;
  }

  /** Forgets requests, deliveries, idempotency keys, queued failures, latency and the whenAccepted hook. */
  reset() {
    this.onAccepted = null;
    this.requests.length = 0;
    this.delivered.length = 0;
    this.failures = [];
    this.idempotency.clear();
    this.latencyMs = 0;
  }

  /** Requests that carried `key` as Idempotency-Key. */
  requestsFor(key: string) {
    return this.requests.filter((r) => r.idempotencyKey === key);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const at = Date.now();
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const idempotencyKey = headers['idempotency-key'] ?? null;
    const path = (req.url ?? '/').split('?')[0];
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const record: FakeRequest = { method: req.method ?? 'GET', path, headers, idempotencyKey, body, at, status: 0 };
    this.requests.push(record);

    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      const send = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...extra });
        res.end(JSON.stringify(payload));
      };
      if (this.latencyMs > 0) setTimeout(send, this.latencyMs);
      else send();
    };
    const error = (status: number, name: string, message = DEFAULT_MESSAGES[name] ?? name, extra = {}) => answer(status, { statusCode: status, name, message }, extra);

    if (!headers.authorization?.startsWith('Bearer ')) return error(401, 'missing_api_key', 'Missing API key in the authorization header.');

    const failure = this.failures.shift();
    if (failure) {
      const extra: Record<string, string> = failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
      return error(failure.status, failure.name, failure.message, extra);
    }

    const isSingle = record.method === 'POST' && path === '/emails';
    const isBatch = record.method === 'POST' && path === '/emails/batch';
    if (!isSingle && !isBatch) return error(404, 'not_found', 'The requested endpoint does not exist.');

    // Idempotency as Resend documents it: same key + same payload -> the original answer;
    // same key + different payload -> 409 invalid_idempotent_request.
    const fingerprint = `${path}:${raw}`;
    if (idempotencyKey) {
      const seen = this.idempotency.get(idempotencyKey);
      if (seen) {
        if (seen.fingerprint !== fingerprint) return error(409, 'invalid_idempotent_request');
        return answer(seen.status, seen.response);
      }
    }

    const emails = isBatch ? body : [body];
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100) {
      return error(422, 'validation_error', 'A batch must contain between 1 and 100 emails.');
    }
    for (const email of emails as Array<Record<string, unknown> | null>) {
      const missing = ['from', 'to', 'subject'].filter((field) => !email?.[field]);
      if (missing.length) return error(422, 'validation_error', `Missing \`${missing[0]}\` field.`);
      if (!email?.html && !email?.text) return error(422, 'validation_error', 'Missing `html` or `text` field.');
    }

    const accepted = (emails as Array<Record<string, unknown>>).map((email) => {
      const id = crypto.randomUUID();
      this.delivered.push({ id, idempotencyKey, body: email, at });
      return { id };
    });
    const response = isBatch ? { data: accepted } : accepted[0];
    if (idempotencyKey) this.idempotency.set(idempotencyKey, { fingerprint, status: 200, response });
    if (this.onAccepted) await this.onAccepted(emails as Array<Record<string, unknown>>);
    return answer(200, response);
  }
}

/** Creates and starts a fake; call `stop()` in afterAll. */
export async function startFakeResend() {
  const fake = new FakeResend();
  await fake.start();
  return fake;
}
