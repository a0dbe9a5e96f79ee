// The OpenAPI document at /api/v1/openapi.json: it lists every /api/v1 route module, declares the
// bearer scheme, and what the list endpoints really answer validates against the schemas it
// publishes (checked by a small JSON Schema walker over the document itself, not by the zod schemas
// it was generated from, so a mapping that drifted from the document fails here).
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { issueToken } from '#app/api/tokens.server';
import { makeUser } from '#test/factories';
import { SurveyResponse } from '#models/survey-response';
import { Survey } from '#models/survey';
import * as deals from '#app/routes/api.v1.deals';
import * as accounts from '#app/routes/api.v1.accounts';
import * as journeys from '#app/routes/api.v1.journeys';
import * as surveys from '#app/routes/api.v1.surveys';
import * as answers from '#app/routes/api.v1.answers';
import * as openapi from '#app/routes/api.v1.openapi[.]json';
import { ENDPOINTS } from './openapi.server';

type Json = Record<string, unknown>;
let doc: Json & { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json>; securitySchemes: Json } };
let token: string;

const args = (url: string, headers: Record<string, string> = {}) =>
  ({ request: new Request(new URL(url, 'http://localhost:3000'), { headers }), params: {}, context: { nonce: '', clientIp: '127.0.0.1' } }) as never;

beforeAll(async () => {
  doc = await (await openapi.loader()).json();
  const cs = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });
  const issued = await issueToken({ user: cs, input: { name: 'OpenAPI test', scope: 'write' } });
  if (!issued.ok) throw new Error('no token');
  token = issued.token;
  for (let i = 0; i < 2; i++) {
    const body = JSON.stringify({
      crm: 'salesforce',
      crmId: `oa-${i}-${Date.now()}`,
      name: `Umbrella ${i}`,
      closedWonAt: '2026-03-02',
      arr: 1200.5,
      grossMarginPct: 70,
      ownerEmail: rep.email,
      account: { name: `Umbrella ${i}` },
      promises: [{ text: 'Fewer incidents', successCriterion: 'Half the pages a month', category: 'other' }],
    });
    const request = new Request('http://localhost:3000/api/v1/deals', { method: 'POST', body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    expect((await deals.action({ request, params: {}, context: { nonce: '', clientIp: '127.0.0.1' } } as never)).status).toBe(201);
  }
  const s = (await Survey.findOne({}).lean())!;
  await SurveyResponse.create({
    _id: s._id,
    dealId: s.dealId,
    accountId: s.accountId,
    aeId: s.aeId,
    wave: s.wave,
    segment: 'smb',
    closedWonAt: s.closedWonAt,
    answeredAt: new Date(),
    overall: 'partly',
    nps: 7,
    consentReference: true,
    comment: 'Getting there.',
    promises: [{ promiseId: s._id, text: 'Fewer incidents', category: 'other', verdict: 'partly', comment: '' }],
  });
});

/** What is wrong with `value` against a JSON Schema (the subset z.toJSONSchema writes); empty when it validates. */
function validate(schema: Json, value: unknown, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return validate(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, at);
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Json[]).some((s) => validate(s, value, at).length === 0);
    return ok ? [] : [`${at}: matches no anyOf branch`];
  }
  const problems: string[] = [];
  const types = schema.type === undefined ? null : ([] as string[]).concat(schema.type as string | string[]);
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types && !types.includes(kind) && !(kind === 'integer' && types.includes('number'))) return [`${at}: ${kind}, expected ${types.join('|')}`];
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match ${schema.pattern}`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: below the minimum`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => problems.push(...validate(schema.items as Json, v, `${at}[${i}]`)));
  if (kind === 'object') {
    const object = value as Json;
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) problems.push(`${at}.${key}: missing`);
    for (const [key, v] of Object.entries(object)) {
      if (properties[key]) problems.push(...validate(properties[key], v, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not in the schema`);
    }
  }
  return problems;
}

describe('GET /api/v1/openapi.json', () => {
  test('lists every route module under /api/v1 and every path of the endpoint table', () => {
    const files = fs.readdirSync(path.resolve(import.meta.dirname, '../routes')).filter((f) => /^api\.v1\./.test(f) && !/\.test\.ts$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(11);
    expect([...new Set(ENDPOINTS.map((e) => e.route))].sort()).toEqual(files.sort());
    for (const e of ENDPOINTS) expect(doc.paths[e.path]?.[e.method], `${e.method} ${e.path}`).toBeDefined();
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(ENDPOINTS.map((e) => e.path))].sort());
  });

  test('declares the bearer scheme, parameters, request and response schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const list = doc.paths['/api/v1/deals'].get as { parameters: { name: string; in: string }[]; responses: Record<string, Json> };
    expect(list.parameters.map((p) => p.name)).toEqual(['limit', 'cursor', 'accountId']);
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    const post = doc.paths['/api/v1/deals'].post as { requestBody: { content: Record<string, { schema: Json }> }; responses: Record<string, Json> };
    expect(post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DealCreate' });
    expect(doc.components.schemas.DealCreate.required).toEqual(expect.arrayContaining(['crmId', 'name', 'closedWonAt', 'arr', 'account']));
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '409']));
    expect((doc.paths['/api/v1/deals/{id}'].get.parameters as Json[])[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    for (const [id, schema] of Object.entries(doc.components.schemas)) expect(schema.description, id).toBeTruthy();
  });

  test.each([
    ['/api/v1/accounts', accounts],
    ['/api/v1/deals', deals],
    ['/api/v1/journeys', journeys],
    ['/api/v1/surveys', surveys],
    ['/api/v1/answers', answers],
  ] as const)('a real answer of GET %s validates against its published schema', async (url, module) => {
    const response = await module.loader(args(url, { Authorization: `Bearer ${token}` }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[] };
    expect(body.data.length).toBeGreaterThan(0);
    const schema = ((doc.paths[url].get.responses as Record<string, Json>)['200'].content as Record<string, { schema: Json }>)['application/json'].schema;
    expect(validate(schema, body)).toEqual([]);
    // The walker can fail: an internal field or a wrong type is caught.
    expect(validate(schema, { ...body, data: [{ ...(body.data[0] as Json), leaseOwner: 'w1' }] })).not.toEqual([]);
  });

  test('an error answer validates against the Error schema', async () => {
    const response = await deals.loader(args('/api/v1/deals?limit=0', { Authorization: `Bearer ${token}` }));
    expect(response.status).toBe(400);
    expect(validate({ $ref: '#/components/schemas/Error' }, await response.json())).toEqual([]);
  });
});
