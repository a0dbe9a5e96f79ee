// Fuzzing every form action and both webhooks over HTTP against the production server, as the role
// allowed to call each. Inputs come from fast-check, shaped by each action's own zod schema (through
// z.toJSONSchema: the right field names with valid-looking values, mixed with garbage) plus arbitrary
// strings, unicode, huge strings, repeated keys (`a=1&a=2`), bracket keys (`a[$ne]`), numbers out of
// range, missing fields and wrong content types. What must hold for every input:
//   - never a 5xx;
//   - an accepted form (2xx/3xx) is one the route's schema accepts, parsed here the same way
//     (formValues: strings, last value wins); for an accepted webhook event, the event parses and
//     what was stored (the CRM deal) is what the schema produced.
// A new action without an entry in TARGETS fails the first test. FUZZ_RUNS (default 1000) inputs per
// target; FUZZ_SEED replays a run (the seed is printed with every failure).
import crypto from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { z } from 'zod';
import { clientAddress } from './browser';
import { Client, connectE2eDb, exportsAction, openSurveyLink, planLink, pool, routeModules, urlFor } from './harness';

// Per form target and per webhook. The default keeps this file near a minute on a shared 2-core
// machine; FUZZ_RUNS=1000 is the full run (README "Reliability and security" has its figures).
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const WEBHOOK_RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 4;

type Json = { type?: string | string[]; enum?: unknown[]; const?: unknown; pattern?: string; format?: string; minLength?: number; maxLength?: number; minimum?: number; maximum?: number; anyOf?: Json[]; oneOf?: Json[]; properties?: Record<string, Json>; items?: Json; required?: string[] };
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Json;

// ---------------------------------------------------------------------------------------------
// Arbitraries

let knownIds: string[] = ['0'.repeat(24)];
const huge = fc.oneof(
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'A'.repeat(n)),
  fc.integer({ min: 100, max: 5_000 }).map((n) => '😀'.repeat(n)),
);
const nasty = fc.constantFrom('', ' ', '0', '-1', '-0', '1e309', '1e-400', 'NaN', 'Infinity', '-Infinity', '9007199254740993', '99999999999999999999', 'null', 'undefined', 'true', '[]', '{}', '{"$ne":null}', '$where', '<script>alert(1)</script>', '../../etc/passwd', '\u0000', '%00', '\r\n', '2026-02-30', '0000-00-00', '9999-12-31', '2026-01-30T25:61:00Z', ' 2026-01-01 ', 'ＡＢＣ', '\u202e', 'x'.repeat(201), '9'.repeat(400));
/** Anything a browser, a script or an attacker might put in one form field. */
const garbage: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
  { weight: 2, arbitrary: fc.nat().map((n) => knownIds[n % knownIds.length]) },
  { weight: 1, arbitrary: fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: huge }) },
);

/** A value for one field, following its JSON schema (enum, const, pattern, format, bounds). */
function fieldArb(js: Json | undefined): fc.Arbitrary<string> {
  if (!js) return garbage;
  if (js.const !== undefined) return fc.constant(String(js.const));
  if (js.enum) return fc.constantFrom(...js.enum.map(String));
  const alternatives = js.anyOf ?? js.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map(fieldArb));
  if (js.type === 'number' || js.type === 'integer') {
    const min = js.minimum ?? -1e6;
    const max = js.maximum ?? 1e9;
    return fc.oneof(fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31 - 1)) }).map(String), fc.double({ min: min - 10, max: max + 10, noNaN: true }).map(String));
  }
  if (js.format === 'email') return fc.emailAddress();
  if (js.pattern) {
    try {
      return fc.stringMatching(new RegExp(js.pattern)).filter((s) => s.length <= 400);
    } catch {
      // a pattern JavaScript cannot compile without flags: garbage instead
    }
  }
  if (js.type === 'string') return fc.string({ minLength: js.minLength ?? 0, maxLength: Math.min(js.maxLength ?? 60, 400) });
  if (js.type === 'boolean') return fc.constantFrom('true', 'false', 'on', 'yes', '1');
  return garbage;
}

type Pairs = [string, string][];
/** The form of one object schema: each field present (mostly), valid-looking or garbage, then extra pairs. */
function formArb(js: Json, names: string[], validWeight: number, garbageWeight = 1): fc.Arbitrary<Pairs> {
  const variants = js.anyOf ?? js.oneOf ?? [js];
  return fc.oneof(
    ...variants.map((variant) => {
      const props = Object.entries(variant.properties ?? {});
      const fields = props.map(([name, prop]) =>
        fc.option(fc.oneof({ weight: validWeight, arbitrary: fieldArb(prop) }, { weight: garbageWeight, arbitrary: garbage }).map((v): [string, string] => [name, v]), { freq: 6, nil: null }),
      );
      const every = [...new Set([...names, ...props.map(([n]) => n)])];
      const key = fc.oneof(
        fc.constantFrom(...every),
        fc.constantFrom(...every).chain((n) => fc.constantFrom(`${n}[$ne]`, `${n}[]`, `${n}[0]`, `${n}.__proto__`, `${n}[$regex]`)),
        fc.constantFrom('__proto__', 'constructor', '$where', '_id', 'role', 'createdBy'),
        fc.string({ maxLength: 20 }),
      );
      const extras = fc.array(fc.tuple(key, garbage), { maxLength: 4 });
      return fc.tuple(fc.tuple(...fields), extras).map(([present, more]) => [...present.filter((p): p is [string, string] => p !== null), ...more]);
    }),
  );
}

type Encoded = { kind: 'urlencoded' | 'multipart' | 'json' | 'text' | 'none'; body: string | FormData; headers: Record<string, string> };
const encodingArb = fc.constantFrom<Encoded['kind']>('urlencoded', 'urlencoded', 'urlencoded', 'urlencoded', 'urlencoded', 'multipart', 'multipart', 'json', 'text', 'none');
function encode(kind: Encoded['kind'], pairs: Pairs): Encoded {
  if (kind === 'multipart') {
    const form = new FormData();
    for (const [k, v] of pairs) form.append(k, v);
    return { kind, body: form, headers: {} };
  }
  if (kind === 'json') return { kind, body: JSON.stringify(Object.fromEntries(pairs)), headers: { 'Content-Type': 'application/json' } };
  if (kind === 'text') return { kind, body: pairs.map(([k, v]) => `${k}: ${v}`).join('\n'), headers: { 'Content-Type': 'text/plain' } };
  const body = new URLSearchParams(pairs).toString();
  return { kind, body, headers: kind === 'none' ? { 'Content-Type': '' } : { 'Content-Type': 'application/x-www-form-urlencoded' } };
}
/** What the route's formValues() sees: strings, the last value of a repeated key. */
const formValuesOf = (pairs: Pairs) => {
  const values: Record<string, string> = {};
  for (const [k, v] of pairs) values[k] = v;
  return values;
};

// ---------------------------------------------------------------------------------------------
// Targets: every route module with an action

type Role = 'anonymous' | 'admin' | 'cs' | 'sales' | 'marketing' | 'leadership';
type Target = {
  role: Role;
  /** Schemas whose fields shape the generated forms. */
  shapes: z.ZodType[];
  /** Field names to use besides the schemas' own (hand-built forms such as the playbook editor). */
  names?: string[];
  /** The check the route applies to these values: true = accepted by its schema; null = no schema oracle for this input. */
  accepts?: (values: Record<string, string>) => boolean | null;
  validWeight?: number;
  garbageWeight?: number;
  url?: string;
};

let targets: Record<string, Target>;
let params: Record<string, string>;
const clients = {} as Record<Role, Client>;
let disconnect: () => Promise<void> = async () => undefined;
let restore: () => Promise<void> = async () => undefined;

const ok = (schema: z.ZodType) => (values: Record<string, string>) => schema.safeParse(values).success;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  const seeded = inject('seeded');
  const users = await import('#app/services/users.server');
  const advocacy = await import('#app/services/advocacy.server');
  const journeys = await import('#app/services/journey.server');
  const surveys = await import('#app/services/surveys.server');
  const dashboards = await import('#app/services/dashboards.server');
  const dealMetrics = await import('#app/services/deal-metrics.server');
  const deals = await import('#app/services/deals.server');
  const playbook = await import('#app/services/playbook.server');
  const plan = await import('#app/services/plan.server');
  const { Playbook } = await import('#models/playbook');
  const { DashboardSettings } = await import('#models/dashboard-settings');
  const { CohortSpend } = await import('#models/cohort-spend');
  const { Deal } = await import('#models/deal');
  const { Contact } = await import('#models/contact');
  const { Referral } = await import('#models/referral');

  // Fuzzed forms may publish a playbook or change dashboard targets: put them back afterwards, so
  // the specs that run later see the seeded configuration.
  const saved = await Promise.all([Playbook, DashboardSettings, CohortSpend].map(async (model) => ({ model, docs: await (model as typeof Playbook).find({}).lean() })));
  restore = async () => {
    for (const { model, docs } of saved) {
      const m = model as typeof Playbook;
      await m.deleteMany({});
      if (docs.length) await m.insertMany(docs as never[]);
    }
  };

  // A throwaway user for the user-admin form: fuzzing deactivates and re-roles it, not a demo user.
  const throwaway = await users.createUser({ name: 'Fuzz Target', email: `fuzz-${crypto.randomBytes(4).toString('hex')}@kept.test`, role: 'cs', password: 'fuzz-password-0123', actorId: seeded.users['admin@kept.demo'] });
  const throwawayId = String((throwaway as { id?: unknown }).id ?? (throwaway as { _id?: unknown })._id ?? throwaway);
  const survey = await openSurveyLink();
  const planned = await planLink(seeded.journeyId!);
  const promiseIds = ((await Deal.findById(seeded.dealId).select('promises').lean())?.promises ?? []).map((p) => String(p._id));
  const surveyPromiseIds = survey ? await surveys.getSurveyPage({ token: survey.token }).then((p) => p?.promises.map((x) => x.id) ?? []) : [];
  const contacts = (await Contact.find({ accountId: seeded.accountId }).select('_id').limit(3).lean()).map((c) => String(c._id));
  const referrals = (await Referral.find({}).select('_id').limit(3).lean()).map((r) => String(r._id));
  knownIds = [...new Set([...Object.values(seeded.users), seeded.accountId, seeded.dealId, seeded.journeyId, seeded.surveyId, seeded.advocateId, seeded.askId, ...contacts, ...referrals, throwawayId].filter((x): x is string => Boolean(x && /^[a-f0-9]{24}$/.test(x))))];

  params = {
    accountId: seeded.accountId,
    dealId: seeded.dealId,
    userId: throwawayId,
    journeyId: seeded.journeyId ?? '',
    surveyId: seeded.surveyId ?? '',
    advocateId: seeded.advocateId ?? '',
    askId: seeded.askId ?? '',
    chart: 'value-by-wave',
    jobId: '0'.repeat(24),
    token: 'x'.repeat(43),
  };

  const journeySchemas: Record<string, z.ZodType> = {
    evidence: journeys.EvidenceFormSchema,
    retract: journeys.RetractFormSchema,
    advance: journeys.AdvanceFormSchema,
    'request-confirmation': plan.RequestConfirmationSchema,
    owners: journeys.OwnersFormSchema,
    csm: journeys.CsmFormSchema,
  };
  const answerShape = z.object({
    overall: z.enum(['yes', 'partly', 'no']),
    nps: z.string().regex(/^(10|[0-9])$/),
    consentReference: z.enum(['yes']),
    consentCaseStudy: z.enum(['yes']),
    consentReferral: z.enum(['yes']),
    comment: z.string().max(5000),
    ...Object.fromEntries(surveyPromiseIds.flatMap((id) => [[`promise.${id}.verdict`, z.enum(['delivered', 'partly', 'not_yet'])], [`promise.${id}.comment`, z.string().max(2000)]])),
  });
  const intents = (...names: string[]) => z.object({ intent: z.enum(names as [string, ...string[]]) });

  targets = {
    '$.tsx': { role: 'admin', shapes: [z.object({ x: z.string() })] },
    'login.tsx': { role: 'anonymous', shapes: [users.LoginSchema], accepts: ok(users.LoginSchema), validWeight: 1, garbageWeight: 6 },
    'logout.tsx': { role: 'anonymous', shapes: [z.object({ redirectTo: z.string() })] },
    '_staff.admin.users._index.tsx': { role: 'admin', shapes: [users.CreateUserSchema], accepts: ok(users.CreateUserSchema) },
    '_staff.admin.users.$userId.tsx': {
      role: 'admin',
      shapes: [users.ChangeRoleSchema, intents('deactivate', 'reactivate')],
      accepts: (v) => (v.intent === 'role' ? ok(users.ChangeRoleSchema)(v) : v.intent === 'deactivate' || v.intent === 'reactivate' ? null : false),
    },
    '_staff.admin.playbook.tsx': {
      role: 'admin',
      shapes: [intents('publish', 'migrate'), z.object({ fromVersion: z.number().int().min(0).max(5) })],
      names: ['note', 'baseVersion', 'terminal.name', 'stages.0.name', 'stages.0.key', 'stages.0.criteria.0.text', 'stages.0.criteria.0.buyerAction', 'stages.1.name'],
      accepts: (v) => (v.intent === 'migrate' ? Number.isInteger(Number(v.fromVersion)) && Number(v.fromVersion) >= 1 : Object.keys(playbook.parsePlaybookForm(v).check.errors).length === 0),
    },
    '_staff.advocacy.asks.$askId.tsx': { role: 'marketing', shapes: [advocacy.AskUpdateSchema], accepts: ok(advocacy.AskUpdateSchema) },
    '_staff.advocacy.candidates.$advocateId.tsx': {
      role: 'marketing',
      shapes: [advocacy.AskFormSchema, advocacy.ReferralFormSchema, intents('ask', 'referral')],
      accepts: (v) => (v.intent === 'referral' ? ok(advocacy.ReferralFormSchema)(v) : v.intent === 'ask' ? ok(advocacy.AskFormSchema)(v) : false),
    },
    '_staff.advocacy.referrals.tsx': { role: 'marketing', shapes: [advocacy.ReferralActionSchema], accepts: ok(advocacy.ReferralActionSchema) },
    '_staff.advocacy.reviews.tsx': { role: 'marketing', shapes: [advocacy.ReviewCampaignFormSchema], accepts: ok(advocacy.ReviewCampaignFormSchema) },
    '_staff.dashboards.churn.$accountId.tsx': { role: 'cs', shapes: [dealMetrics.ChurnFormSchema], accepts: ok(dealMetrics.ChurnFormSchema) },
    '_staff.dashboards.settings.tsx': {
      role: 'admin',
      shapes: [dashboards.SettingsFormSchema.and(intents('settings')), dashboards.SpendFormSchema.and(intents('spend')), intents('delete-spend')],
      names: ['id'],
      accepts: (v) => (v.intent === 'settings' ? ok(dashboards.SettingsFormSchema)(v) : v.intent === 'spend' ? ok(dashboards.SpendFormSchema)(v) : v.intent === 'delete-spend' ? null : false),
    },
    '_staff.deals.new.tsx': {
      role: 'sales',
      shapes: [deals.CreateDealSchema, intents('create', 'add-promise')],
      names: ['promiseRows', 'promises.0.text', 'promises.0.successCriterion', 'promises.0.category', 'promises.1.text'],
      accepts: (v) => (v.intent === 'add-promise' ? null : deals.parseDealForm(v).ok),
    },
    '_staff.deals.import._index.tsx': { role: 'cs', shapes: [z.object({ file: z.string() })] },
    '_staff.deals.import.$jobId.tsx': { role: 'cs', shapes: [intents('mapping', 'start', 'resume')], names: ['crmId', 'dealName', 'owner', 'fallbackAeId'] },
    '_staff.journeys.$journeyId.tsx': {
      role: 'cs',
      shapes: [...Object.entries(journeySchemas).map(([intent, s]) => (s as z.ZodObject).extend({ intent: z.literal(intent) })), intents('accept')],
      accepts: (v) => {
        const schema = journeySchemas[v.intent ?? ''];
        return schema ? ok(schema)(v) : v.intent === 'accept' ? null : false;
      },
    },
    '_staff.surveys.$surveyId.tsx': { role: 'cs', shapes: [surveys.SurveyActionSchema], accepts: ok(surveys.SurveyActionSchema) },
    'plan.$token.tsx': { role: 'anonymous', shapes: [plan.ConfirmSchema], accepts: ok(plan.ConfirmSchema), url: `/plan/${planned.token}` },
    's.$token.tsx': {
      role: 'anonymous',
      shapes: [answerShape],
      accepts: (v) => surveys.parseSurveyAnswer(v, surveyPromiseIds).ok,
      url: survey ? `/s/${survey.token}` : undefined,
      validWeight: 4,
    },
    'u.$token.tsx': { role: 'anonymous', shapes: [z.object({ 'List-Unsubscribe': z.literal('One-Click') })] },
  };
  void promiseIds;

  for (const role of ['admin', 'cs', 'sales', 'marketing', 'leadership'] as const) clients[role] = await new Client().login(`${role}@kept.demo`);
  clients.anonymous = new Client();
});

afterAll(async () => {
  await restore();
  await disconnect();
});

const modules = routeModules().filter((m) => exportsAction(m.source));
const WEBHOOKS = ['api.webhooks.crm.ts', 'api.webhooks.resend.ts'];

test('every route module with an action has a fuzz target (or is a webhook, fuzzed below)', () => {
  const missing = modules.map((m) => m.id).filter((id) => !(id in targets) && !WEBHOOKS.includes(id));
  expect(missing, 'add the new action to TARGETS in test/e2e/fuzz.test.ts').toEqual([]);
});

/** One request with a fresh client address, so rate limits (429, fine) do not stop the rest. */
async function send(who: Role, method: string, url: string, encoded: Encoded) {
  const client = clients[who];
  const headers: Record<string, string> = { 'X-Forwarded-For': clientAddress(), ...encoded.headers };
  if (headers['Content-Type'] === '') delete headers['Content-Type'];
  if (client.cookie) headers.Cookie = client.cookie;
  headers.Origin = client.base;
  for (let attempt = 0; ; attempt++) {
  try {
    const res = await fetch(client.base + url, { method, headers, body: encoded.body, redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, location: res.headers.get('location'), body };
  } catch (error) {
    // A kept-alive socket the server closed after refusing an earlier large body: retry on a new one.
    if (attempt < 2) continue;
    // A dropped connection is a failure like a 5xx (status 0), reported with its input, except
    // for a large body the server refused before reading it all: Node then closes the socket
    // while the client is still sending, which the client sees as a reset (ECONNRESET/EPIPE).
    const size = typeof encoded.body === 'string' ? Buffer.byteLength(encoded.body) : [...encoded.body.values()].reduce((n, v) => n + String(v).length, 0);
    const reset = /ECONNRESET|EPIPE|other side closed/.test(String((error as Error).cause ?? error));
    return { status: reset && size > 64 * 1024 ? 499 : 0, location: null, body: String((error as Error).cause ?? error) };
  }
  }
}

const figures: Record<string, Record<string, number>> = {};

describe('form actions', () => {
  test.each(modules.map((m) => m.id).filter((id) => !WEBHOOKS.includes(id)))(`%s: ${RUNS} generated inputs, no 5xx, nothing accepted that its schema refuses`, async (id) => {
    const target = targets[id];
    expect(target, `no fuzz target for ${id}`).toBeDefined();
    const url = target.url ?? urlFor(id, params);
    // Most inputs go to the single-fetch data URL (what the app sends once JavaScript runs): the
    // action alone, without rendering the page; every tenth goes to the document URL (no JavaScript).
    const dataUrl = `${url}.data${id.endsWith('._index.tsx') ? '?index' : ''}`;
    const names = [...(target.names ?? [])];
    const arb = fc.tuple(fc.oneof(...target.shapes.map((s) => formArb(jsonSchema(s), names, target.validWeight ?? 2, target.garbageWeight ?? 1))), encodingArb);
    const inputs = fc.sample(arb, { numRuns: RUNS, seed: SEED + id.length });
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    await pool(inputs, CONCURRENCY, async ([pairs, kind], i) => {
      const encoded = encode(kind, pairs);
      const asDocument = i % 10 === 0;
      const res = await send(target.role, 'POST', asDocument ? url : dataUrl, encoded);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const sample = `${kind} ${JSON.stringify(pairs).slice(0, 300)}`;
      if (res.status >= 500 || res.status === 0) failures.push(`${res.status} for ${sample}: ${res.body.slice(0, 200)}`);
      // Accepted: a 2xx, or a redirect that is not "sign in first" (single fetch encodes redirects as a 202 body).
      const toLogin = res.location?.startsWith('/login') || (res.status === 202 && res.body.includes('"/login'));
      const accepted = (res.status < 300 || res.status < 400) && !toLogin;
      if (accepted && target.accepts && (kind === 'urlencoded' || kind === 'multipart')) {
        const verdict = target.accepts(formValuesOf(pairs));
        if (verdict === false) failures.push(`accepted (${res.status}) although the schema refuses it: ${sample}`);
      }
      if (accepted && (kind === 'json' || kind === 'text') && target.accepts) failures.push(`a ${kind} body was accepted (${res.status}): ${sample}`);
    });
    figures[id] = statuses;
    expect(failures.slice(0, 5), `seed ${SEED} (FUZZ_SEED=${SEED} replays)`).toEqual([]);
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(RUNS);
  });
});

// ---------------------------------------------------------------------------------------------
// Webhooks: JSON events shaped by their schemas, signed (mostly) with the server's secrets

/** A JSON value following a JSON schema, with garbage mixed in at every level. */
function jsonArb(js: Json | undefined, depth = 0): fc.Arbitrary<unknown> {
  const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), garbage, fc.constant({ $ne: null }), fc.constant([{ $gt: '' }]));
  if (!js) return junk;
  let shaped: fc.Arbitrary<unknown>;
  const alternatives = js.anyOf ?? js.oneOf;
  if (alternatives) shaped = fc.oneof(...alternatives.map((a) => jsonArb(a, depth + 1)));
  else if (js.type === 'object' || js.properties) {
    const props = Object.entries(js.properties ?? {});
    shaped = fc
      .tuple(...props.map(([name, p]) => fc.option(jsonArb(p, depth + 1).map((v) => [name, v] as const), { freq: 8, nil: null })))
      .map((entries) => Object.fromEntries(entries.filter((e): e is readonly [string, unknown] => e !== null)));
  } else if (js.type === 'array') shaped = fc.array(jsonArb(js.items, depth + 1), { maxLength: 4 });
  else if (js.type === 'number' || js.type === 'integer') {
    shaped = fc.oneof(fc.double({ min: (js.minimum ?? -1e6) - 5, max: (js.maximum ?? 1e9) + 5, noNaN: true }), fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2));
  } else shaped = fieldArb(js);
  return depth > 4 ? shaped : fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: junk });
}

describe('webhooks', () => {
  test(`CRM: ${WEBHOOK_RUNS} generated events (signed, mostly), no 5xx, what is stored is what the schema accepts`, async () => {
    const { CrmWebhookSchema } = await import('#app/services/intake.server');
    const { Deal } = await import('#models/deal');
    const js = jsonSchema(CrmWebhookSchema);
    // Real dates and a real sales owner now and then, so some events pass and create deals.
    const deal = js.properties!.deal;
    deal.properties!.closedWonAt = { anyOf: [{ type: 'string', pattern: '^20[0-2][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$' }, { type: 'string' }] };
    deal.properties!.ownerEmail = { anyOf: [{ enum: ['sales@kept.demo'] }, { type: 'string', format: 'email' }, { type: 'string', format: 'email' }, { type: 'string', format: 'email' }] };
    const secret = inject('crmWebhookSecret');
    const arb = fc.tuple(jsonArb(js), fc.constantFrom('good', 'good', 'good', 'good', 'good', 'good', 'good', 'stale', 'wrong', 'none'), fc.boolean());
    const inputs = fc.sample(arb, { numRuns: WEBHOOK_RUNS, seed: SEED });
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const stored: { event: z.infer<typeof CrmWebhookSchema>; dealId: string }[] = [];
    await pool(inputs, CONCURRENCY, async ([event, signing, asText], i) => {
      const body = asText ? `${JSON.stringify(event)}\n` : JSON.stringify(event);
      const t = Math.floor(Date.now() / 1000) - (signing === 'stale' ? 3600 : 0);
      const hmac = crypto.createHmac('sha256', signing === 'wrong' ? 'not-the-secret' : secret).update(`${t}.${body}`).digest('hex');
      const headers: Record<string, string> = { 'Content-Type': i % 7 === 0 ? 'text/plain' : 'application/json' };
      if (signing !== 'none') headers['X-Kept-Signature'] = `t=${t},v1=${hmac}`;
      const res = await send('anonymous', 'POST', '/api/webhooks/crm', { kind: 'json', body, headers });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500 || res.status === 0) failures.push(`${res.status} for ${body.slice(0, 300)}: ${res.body.slice(0, 200)}`);
      if (res.status === 200) {
        const parsed = CrmWebhookSchema.safeParse(JSON.parse(body));
        if (!parsed.success || signing !== 'good') failures.push(`accepted although ${signing !== 'good' ? `the signature is ${signing}` : 'the schema refuses it'}: ${body.slice(0, 300)}`);
        const dealId = (JSON.parse(res.body) as { dealId?: string }).dealId;
        if (parsed.success && dealId) stored.push({ event: parsed.data, dealId });
      }
    });
    // Every deal stored from an accepted event holds what the schema produced (trimmed, normalized).
    for (const { event, dealId } of stored) {
      const d = await Deal.findById(dealId).select('crmId name arr currency closedWonAt').lean();
      expect(d, `deal ${dealId}`).not.toBeNull();
      expect({ crmId: d!.crmId, name: d!.name, arr: d!.arr, currency: d!.currency }).toEqual({ crmId: event.deal.crmId, name: event.deal.name, arr: event.deal.arr, currency: event.deal.currency });
    }
    figures['api.webhooks.crm.ts'] = { ...statuses, dealsStored: stored.length };
    expect(failures.slice(0, 5), `seed ${SEED}`).toEqual([]);
  });

  test(`Resend: ${WEBHOOK_RUNS} generated events (signed, mostly), no 5xx, nothing accepted that the schema refuses`, async () => {
    const { ResendEventSchema } = await import('#app/services/resend-webhook.server');
    const js = jsonSchema(ResendEventSchema);
    js.properties!.type = { anyOf: [{ enum: ['email.sent', 'email.delivered', 'email.bounced', 'email.complained', 'email.opened'] }, { type: 'string', minLength: 1, maxLength: 100 }] };
    const hook = new Webhook(inject('resendWebhookSecret'));
    const arb = fc.tuple(jsonArb(js), fc.constantFrom('good', 'good', 'good', 'good', 'good', 'good', 'good', 'stale', 'wrong', 'none'), fc.constantFrom('fresh', 'fresh', 'fresh', 'repeat'));
    const inputs = fc.sample(arb, { numRuns: WEBHOOK_RUNS, seed: SEED + 1 });
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    await pool(inputs, CONCURRENCY, async ([event, signing, idKind], i) => {
      const body = JSON.stringify(event);
      const id = idKind === 'repeat' ? 'msg_fuzz_repeat' : `msg_fuzz_${SEED}_${i}`;
      const at = new Date(Date.now() - (signing === 'stale' ? 3_600_000 : 0));
      const signature = signing === 'wrong' ? `v1,${crypto.randomBytes(32).toString('base64')}` : hook.sign(id, at, body);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (signing !== 'none') Object.assign(headers, { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature });
      const res = await send('anonymous', 'POST', '/api/webhooks/resend', { kind: 'json', body, headers });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500 || res.status === 0) failures.push(`${res.status} for ${body.slice(0, 300)}: ${res.body.slice(0, 200)}`);
      if (res.status === 200 && (signing !== 'good' || !ResendEventSchema.safeParse(event).success)) failures.push(`accepted (${signing}) ${body.slice(0, 300)}`);
    });
    figures['api.webhooks.resend.ts'] = statuses;
    expect(failures.slice(0, 5), `seed ${SEED}`).toEqual([]);
  });
});

afterAll(() => {
  // The figures for the README: status counts per target.
  console.log(`[fuzz] seed ${SEED}, ${RUNS} inputs per target\n${Object.entries(figures).map(([id, s]) => `  ${id}: ${JSON.stringify(s)}`).join('\n')}`);
});
