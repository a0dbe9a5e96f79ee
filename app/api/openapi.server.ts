// The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json), generated from the zod
// schemas the routes parse and answer with (app/api/schemas.server.ts) by zod's own z.toJSONSchema
// (docs/decisions/0018-openapi-from-zod-tojsonschema.md). The endpoint table below names each
// route module; a test checks it lists every api.v1.* route file.
import { z } from 'zod';
import { API_REQUESTS_PER_MINUTE } from '#app/auth/rate-limit.server';
import * as S from './schemas.server';

type Endpoint = {
  /** The route module in app/routes that serves it. */
  route: string;
  method: 'get' | 'post';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  query?: z.ZodObject;
  pathId?: string;
  body?: z.ZodType;
  /** Status -> [description, response schema]. */
  ok: Record<number, [string, z.ZodType]>;
  errors: number[];
  scope: 'read' | 'write' | 'none';
};

const READ_ERRORS = [400, 401, 429];
const resource = (name: string, plural: string, list: z.ZodType, item: z.ZodType, query: z.ZodObject, route: string, what: string): Endpoint[] => [
  {
    route: `api.v1.${plural}.ts`,
    method: 'get',
    path: `/api/v1/${plural}`,
    operationId: `list${name}s`,
    summary: `List ${what}`,
    query,
    ok: { 200: [`A page of ${what}.`, list] },
    errors: READ_ERRORS,
    scope: 'read',
  },
  {
    route,
    method: 'get',
    path: `/api/v1/${plural}/{id}`,
    operationId: `get${name}`,
    summary: `Get one ${name.toLowerCase()}`,
    pathId: `The ${name.toLowerCase()}'s id.`,
    ok: { 200: [`The ${name.toLowerCase()}.`, item] },
    errors: [...READ_ERRORS, 404],
    scope: 'read',
  },
];

export const ENDPOINTS: Endpoint[] = [
  ...resource('Account', 'accounts', S.AccountList, S.AccountSchema, S.AccountListQuery, 'api.v1.accounts.$accountId.ts', 'accounts'),
  ...resource('Deal', 'deals', S.DealList, S.DealSchema, S.DealListQuery, 'api.v1.deals.$dealId.ts', 'deals'),
  {
    route: 'api.v1.deals.ts',
    method: 'post',
    path: '/api/v1/deals',
    operationId: 'recordDeal',
    summary: 'Record a closed-won deal',
    description:
      'The same intake as the signed CRM webhook: the account and contact are found or created, the deal recorded, its journey started and its surveys scheduled. Idempotent on `crm` + `crmId`: sending the same deal again answers 200 with the deal recorded first. Needs a token with the write scope, of a role that may record deals (admin, CS, sales; a sales rep records their own).',
    body: S.DealCreateSchema,
    ok: { 201: ['The deal was recorded.', S.DealCreated], 200: ['The deal was recorded before; nothing changed.', S.DealCreated] },
    errors: [400, 401, 403, 409, 413, 429],
    scope: 'write',
  },
  ...resource('Journey', 'journeys', S.JourneyList, S.JourneySchema, S.JourneyListQuery, 'api.v1.journeys.$journeyId.ts', 'journeys'),
  ...resource('Survey', 'surveys', S.SurveyList, S.SurveySchema, S.SurveyListQuery, 'api.v1.surveys.$surveyId.ts', 'surveys'),
  ...resource('Answer', 'answers', S.AnswerList, S.AnswerSchema, S.AnswerListQuery, 'api.v1.answers.$surveyId.ts', 'survey answers'),
  {
    route: 'api.v1.openapi[.]json.ts',
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    ok: { 200: ['The OpenAPI 3.1 document of this API.', z.looseObject({ openapi: z.string() })] },
    errors: [],
    scope: 'none',
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'The query string or body is not valid; `fields` says what is wrong with each field.',
  401: 'No token, or an unknown or revoked one, or its user is deactivated.',
  403: 'The token may only read, or its user’s role may not do this.',
  404: 'Not found, or not visible to the token’s user.',
  409: 'A deal with this crm and crmId is recorded and not visible to the token’s user.',
  413: 'The body is larger than 256 KB.',
  429: `More than ${API_REQUESTS_PER_MINUTE} requests a minute with this token; see Retry-After.`,
};

const ref = (schema: z.ZodType) => {
  const id = S.apiRegistry.get(schema)?.id;
  return id ? { $ref: `#/components/schemas/${id}` } : strip(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));
};
const strip = ({ $schema: _s, $id: _i, ...rest }: Record<string, unknown>) => rest;

let cached: Record<string, unknown> | undefined;

/** The document; built once per process (the schemas do not change while it runs). */
export function openApiDocument(serverUrl: string) {
  cached ??= build();
  return { ...cached, servers: [{ url: serverUrl }] };
}

function build() {
  // Responses are what Kept writes (output); the request body is what a client sends (input).
  const outputs = z.toJSONSchema(S.apiRegistry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }).schemas;
  const inputs = z.toJSONSchema(S.apiRegistry, { io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }).schemas;
  const schemas = Object.fromEntries(Object.entries(outputs).map(([id, schema]) => [id, strip((id === 'DealCreate' ? inputs[id] : schema) as Record<string, unknown>)]));
  for (const [id, schema] of Object.entries(schemas)) schema.description ??= S.componentDescriptions[id];

  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of ENDPOINTS) {
    const parameters: unknown[] = [];
    if (e.pathId) parameters.push({ name: 'id', in: 'path', required: true, description: e.pathId, schema: { type: 'string', pattern: '^[a-f0-9]{24}$' } });
    if (e.query) {
      const json = z.toJSONSchema(e.query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, { description, ...schema }] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, ...(description ? { description } : {}), schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, [description, schema]] of Object.entries(e.ok)) responses[status] = { description, content: { 'application/json': { schema: ref(schema) } } };
    for (const status of e.errors) responses[status] = { description: ERROR_TEXT[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    paths[e.path] ??= {};
    paths[e.path][e.method] = {
      operationId: e.operationId,
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      ...(e.scope === 'none' ? { security: [] } : {}),
      ...(e.scope === 'write' ? { 'x-kept-scope': 'write' } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(e.body) } } } } : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Kept API',
      version: '1',
      description:
        'Read accounts, deals, journeys, surveys and answers, and record closed-won deals. Authenticate with a personal API token (Your account → API tokens) as `Authorization: Bearer kept_…`. A token acts as its user: the same role and the same scoping as the pages. Lists are in id order; pass `nextCursor` as `cursor` for the next page.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'kept_<id>_<secret>', description: 'A personal API token.' } },
      schemas,
    },
    paths,
  };
}
