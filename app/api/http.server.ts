// One way every /api/v1 route answers (docs/api.md): the bearer token first, then the token's scope
// and the rate limit, then the route's work; JSON in the shapes of app/api/schemas.server.ts, errors
// as `{ error: { code, message, fields? } }`, never a page, never cached.
import { z } from 'zod';
import { rateLimit } from '#app/auth/rate-limit.server';
import type { SessionUser } from '#app/auth/session.server';
import { isDatabaseUnavailable } from '#app/platform/db.server';
import { WEBHOOK_MAX_BYTES } from '#app/utils/body-limits.server';
import { fieldErrors } from '#app/utils/forms.server';
import { log, logError } from '#app/utils/log.server';
import type { ApiTokenScope } from '#models/api-token';
import type { ErrorSchema } from './schemas.server';
import { authenticateToken } from './tokens.server';

export type ErrorCode = z.infer<typeof ErrorSchema>['error']['code'];

/** A refusal a route throws; answered as the JSON error with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers } });

const errorAnswer = (error: ApiError, headers: Record<string, string> = {}) =>
  json(error.status, { error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }, { ...error.headers, ...headers });

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found.`);

/** The query string through `schema`: unknown or malformed parameters are a 400 naming them. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.infer<S> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new ApiError(400, 'invalid_request', 'The query string is not valid.', issueFields(parsed.error));
  return parsed.data;
}

/** Field errors, with each unknown key named as its own field (zod reports them on the object). */
function issueFields(error: z.ZodError) {
  const fields = fieldErrors(new z.ZodError(error.issues.filter((i) => i.code !== 'unrecognized_keys')));
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) fields[[...issue.path, key].join('.')] = ['Unknown parameter.'];
  }
  return fields;
}

/** The most bytes of JSON body the API reads (one deal is a few KB); the webhooks' limit. */
export const API_BODY_MAX_BYTES = WEBHOOK_MAX_BYTES;

/** The JSON body through `schema`: not JSON, or fields the schema refuses, are a 400 naming them. */
export async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  if (!/^application\/json\b/i.test(request.headers.get('Content-Type') ?? ''))
    throw new ApiError(400, 'invalid_request', 'Send the body as JSON (Content-Type: application/json).');
  const tooLarge = new ApiError(413, 'payload_too_large', `The body is larger than ${API_BODY_MAX_BYTES} bytes.`);
  if (Number(request.headers.get('Content-Length') ?? 0) > API_BODY_MAX_BYTES) throw tooLarge;
  const raw = await request.text();
  if (Buffer.byteLength(raw) > API_BODY_MAX_BYTES) throw tooLarge;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid JSON.');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', 'The body is not valid.', issueFields(parsed.error));
  return parsed.data;
}

type Options = { method: 'GET' | 'POST'; scope: ApiTokenScope };
export type ApiCall = { user: SessionUser; token: { id: string; scope: ApiTokenScope }; now: Date };

/** A route's handler for `options.method`; anything else is a 405 (the route's other export). */
export async function apiHandler(request: Request, context: { clientIp?: string } | undefined, options: Options, run: (call: ApiCall) => Promise<Response>) {
  if (request.method !== options.method && !(options.method === 'GET' && request.method === 'HEAD')) return methodNotAllowed(options.method);
  const now = new Date();
  try {
    const auth = await authenticateToken(request.headers.get('Authorization'), now);
    if (!auth.ok) {
      log('warn', 'API token refused', { reason: auth.reason });
      // Guessing tokens from one address stops at 30 a minute.
      await limited('apiRefused', context?.clientIp || 'unknown');
      throw new ApiError(
        401,
        'unauthorized',
        auth.reason === 'missing' ? 'Send a personal API token: Authorization: Bearer kept_…' : 'The API token is not valid: it is unknown, revoked, or its user is deactivated.',
      );
    }
    await limited('apiToken', auth.token.id);
    if (options.scope === 'write' && auth.token.scope !== 'write') throw new ApiError(403, 'forbidden', 'This token may only read: create a token with the write scope.');
    return await run({ user: auth.user, token: auth.token, now });
  } catch (error) {
    if (error instanceof ApiError) return errorAnswer(error, error.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="kept"' } : {});
    if (error instanceof Response) return fromResponse(error);
    if (isDatabaseUnavailable(error)) return errorAnswer(new ApiError(503, 'unavailable', 'The database is not answering; retry later.'), { 'Retry-After': '30' });
    const errorId = logError(error, { where: 'api', path: new URL(request.url).pathname });
    return errorAnswer(new ApiError(503, 'unavailable', `Kept could not answer; retry later (error ${errorId}).`), { 'Retry-After': '30' });
  }
}

export const methodNotAllowed = (allow: 'GET' | 'POST' | 'GET, POST') =>
  errorAnswer(new ApiError(405, 'method_not_allowed', `Use ${allow.replace(', ', ' or ')}.`), { Allow: allow.includes('GET') ? `${allow}, HEAD` : allow });

/** The rate limit as the API's 429 (JSON, with Retry-After). */
async function limited(name: 'apiToken' | 'apiRefused', key: string) {
  try {
    await rateLimit(name, key);
  } catch (thrown) {
    if (thrown instanceof Response && thrown.status === 429) {
      const retry = thrown.headers.get('Retry-After') ?? '60';
      throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${retry} seconds.`, undefined, { 'Retry-After': retry });
    }
    throw thrown;
  }
}

/** A Response some shared service threw (404, 403, 429), in the API's shape. */
async function fromResponse(thrown: Response) {
  const codes: Record<number, ErrorCode> = { 400: 'invalid_request', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 429: 'rate_limited' };
  const code = codes[thrown.status] ?? 'unavailable';
  const message = (await thrown.text().catch(() => '')) || 'The request was refused.';
  const retry = thrown.headers.get('Retry-After');
  return errorAnswer(new ApiError(code === 'unavailable' ? 503 : thrown.status, code, message), retry ? { 'Retry-After': retry } : {});
}
