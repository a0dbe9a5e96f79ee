// Fuzzing every form action and both webhooks over HTTP against the production server, as the role
// allowed to call each. Inputs come from fast-check, shaped by each action's own zod schema (through
// z.toJSONSchema: the right field names with valid-looking values, mixed with garbage) plus arbitrary
// strings, unicode, huge strings, repeated keys (`a=1&a=2`), bracket keys (`a[$ne]`), numbers out of
// range, missing fields and wrong content types. What must hold for every input:
//   - never a 5xx;
//   - an accepted form (2xx/3xx) is one the route's schema accepts, parsed here the same way
//     (formValues: strings, last value wins); for an accepted webhook event, the event parses and
//     what was stored (the CRM deal) is what the schema produced.
// The generators are test/fuzz-inputs.ts and the targets (schemas, roles, the route's parse as the
// oracle) test/fuzz-targets.ts, shared with the in-process fuzz (test/schema-fuzz.test.ts), which feeds
// 1,000 inputs per target without the network. A new action without a target fails the first test.
// FUZZ_RUNS sets inputs per target (default 120 per form action, 400 per webhook); FUZZ_SEED replays a
// run (the seed is printed with every failure).
import crypto from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { z } from 'zod';
import { crmEventArb, encode, resendEventArb, setKnownIds, signingArb, targetArb, type Encoded } from '../fuzz-inputs';
import { WEBHOOKS, accepts, loadFuzzTargets, type FuzzTarget, type Role } from '../fuzz-targets';
import { clientAddress } from './browser';
import { Client, connectE2eDb, exportsAction, openSurveyLink, planLink, pool, routeModules, urlFor } from './harness';

// Per form target and per webhook. The default keeps this file near a minute on a shared 2-core
// machine; FUZZ_RUNS=1000 is the full run (docs/reliability.md has its figures).
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const WEBHOOK_RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// Targets: every route module with an action

type Target = FuzzTarget & { url?: string };

let targets: Record<string, Target>;
let params: Record<string, string>;
const clients = {} as Record<Role, Client>;
let disconnect: () => Promise<void> = async () => undefined;
let restore: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  const seeded = inject('seeded');
  const users = await import('#app/users/users.server');
  const surveys = await import('#app/surveys/surveys.server');
  const { Playbook } = await import('#models/playbook');
  const { PlaybookProfile } = await import('#models/playbook-profile');
  const { DashboardSettings } = await import('#models/dashboard-settings');
  const { CohortSpend } = await import('#models/cohort-spend');
  const { Deal } = await import('#models/deal');
  const { Contact } = await import('#models/contact');
  const { Referral } = await import('#models/referral');

  const { Brand } = await import('#models/brand');
  const { RecoverySettings } = await import('#models/recovery-settings');
  const { BRAND_TTL_MS } = await import('#app/branding/brand.server');

  // Fuzzed forms may publish or create a playbook, change dashboard targets or recovery settings, rename the
  // brand or remove its logo: put them back afterwards, so the specs that run later see the seeded
  // configuration (and wait out the server's brand cache).
  const models = [Playbook, PlaybookProfile, DashboardSettings, CohortSpend, Brand, RecoverySettings] as unknown as (typeof Playbook)[];
  const saved = await Promise.all(models.map(async (model) => ({ model, docs: await model.find({}).lean() })));
  restore = async () => {
    for (const { model, docs } of saved) {
      await model.deleteMany({});
      if (docs.length) await model.insertMany(docs as never[]);
    }
    await new Promise((r) => setTimeout(r, BRAND_TTL_MS + 500));
  };

  // A throwaway user for the user-admin form: fuzzing deactivates and re-roles it, not a demo user.
  const throwaway = await users.createUser({
    name: 'Fuzz Target',
    email: `fuzz-${crypto.randomBytes(4).toString('hex')}@kept.test`,
    role: 'cs',
    password: 'fuzz-password-0123',
    actorId: seeded.users['admin@kept.demo'],
  });
  const throwawayId = String((throwaway as { id?: unknown }).id ?? (throwaway as { _id?: unknown })._id ?? throwaway);
  const survey = await openSurveyLink();
  const planned = await planLink(seeded.journeyId!);
  const promiseIds = ((await Deal.findById(seeded.dealId).select('promises').lean())?.promises ?? []).map((p) => String(p._id));
  const surveyPromiseIds = survey ? await surveys.getSurveyPage({ token: survey.token }).then((p) => (p.state === 'open' ? p.promises.map((x) => x.id) : [])) : [];
  const contacts = (await Contact.find({ accountId: seeded.accountId }).select('_id').limit(3).lean()).map((c) => String(c._id));
  const referrals = (await Referral.find({}).select('_id').limit(3).lean()).map((r) => String(r._id));
  setKnownIds([
    ...new Set(
      [
        ...Object.values(seeded.users),
        seeded.accountId,
        seeded.dealId,
        seeded.journeyId,
        seeded.surveyId,
        seeded.advocateId,
        seeded.askId,
        ...contacts,
        ...referrals,
        throwawayId,
      ].filter((x): x is string => Boolean(x && /^[a-f0-9]{24}$/.test(x))),
    ),
  ]);

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
    // No such case: accepted forms answer 404 and the seeded cases the other specs walk stay as seeded.
    caseId: '0'.repeat(24),
    token: 'x'.repeat(43),
  };

  // The shared targets (test/fuzz-targets.ts), with the buyer pages' real links.
  targets = await loadFuzzTargets({ surveyPromiseIds });
  targets['plan.$token.tsx'].url = `/plan/${planned.token}`;
  targets['s.$token.tsx'].url = survey ? `/s/${survey.token}` : undefined;
  void promiseIds;

  // Fuzzing spends the per-user limits (imports 10/min, email actions 60/min): admin, CS and
  // marketing fuzz as users of their own, so the specs after this one (cs@kept.demo importing a
  // deal) are not answered 429. Sales and leadership stay the demo users, whose data the ids point at.
  for (const role of ['admin', 'cs', 'marketing'] as const) {
    const email = `fuzz-${role}-${crypto.randomBytes(4).toString('hex')}@kept.test`;
    await users.createUser({ name: `Fuzz ${role}`, email, role, password: 'fuzz-password-0123', actorId: seeded.users['admin@kept.demo'] });
    clients[role] = await new Client().login(email, 'fuzz-password-0123');
  }
  for (const role of ['sales', 'leadership'] as const) clients[role] = await new Client().login(`${role}@kept.demo`);
  clients.anonymous = new Client();
});

afterAll(async () => {
  await restore();
  await disconnect();
});

const modules = routeModules().filter((m) => exportsAction(m.source));

test('every route module with an action has a fuzz target (or is a webhook, fuzzed below)', () => {
  const missing = modules.map((m) => m.id).filter((id) => !(id in targets) && !WEBHOOKS.includes(id));
  expect(missing, 'add the new action to test/fuzz-targets.ts').toEqual([]);
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
    const inputs = fc.sample(targetArb(target), { numRuns: RUNS, seed: SEED + id.length });
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
      if (accepted && target.parse && (kind === 'urlencoded' || kind === 'multipart')) {
        const verdict = accepts(target, pairs);
        if (verdict === false) failures.push(`accepted (${res.status}) although the schema refuses it: ${sample}`);
      }
      if (accepted && (kind === 'json' || kind === 'text') && target.parse) failures.push(`a ${kind} body was accepted (${res.status}): ${sample}`);
    });
    figures[id] = statuses;
    expect(failures.slice(0, 5), `seed ${SEED} (FUZZ_SEED=${SEED} replays)`).toEqual([]);
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(RUNS);
  });
});

// ---------------------------------------------------------------------------------------------
// Webhooks: JSON events shaped by their schemas, signed (mostly) with the server's secrets

describe('webhooks', () => {
  test(`CRM: ${WEBHOOK_RUNS} generated events (signed, mostly), no 5xx, what is stored is what the schema accepts`, async () => {
    const { CrmWebhookSchema } = await import('#app/deals/intake.server');
    const { Deal } = await import('#models/deal');
    // Real dates and a real sales owner now and then, so some events pass and create deals.
    const secret = inject('crmWebhookSecret');
    const arb = fc.tuple(crmEventArb(CrmWebhookSchema, 'sales@kept.demo'), signingArb, fc.boolean());
    const inputs = fc.sample(arb, { numRuns: WEBHOOK_RUNS, seed: SEED });
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const stored: { event: z.infer<typeof CrmWebhookSchema>; dealId: string }[] = [];
    await pool(inputs, CONCURRENCY, async ([event, signing, asText], i) => {
      const body = asText ? `${JSON.stringify(event)}\n` : JSON.stringify(event);
      const t = Math.floor(Date.now() / 1000) - (signing === 'stale' ? 3600 : 0);
      const hmac = crypto
        .createHmac('sha256', signing === 'wrong' ? 'not-the-secret' : secret)
        .update(`${t}.${body}`)
        .digest('hex');
      const headers: Record<string, string> = { 'Content-Type': i % 7 === 0 ? 'text/plain' : 'application/json' };
      if (signing !== 'none') headers['X-Kept-Signature'] = `t=${t},v1=${hmac}`;
      const res = await send('anonymous', 'POST', '/api/webhooks/crm', { kind: 'json', body, headers });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500 || res.status === 0) failures.push(`${res.status} for ${body.slice(0, 300)}: ${res.body.slice(0, 200)}`);
      if (res.status === 200) {
        const parsed = CrmWebhookSchema.safeParse(JSON.parse(body));
        if (!parsed.success || signing !== 'good')
          failures.push(`accepted although ${signing !== 'good' ? `the signature is ${signing}` : 'the schema refuses it'}: ${body.slice(0, 300)}`);
        const dealId = (JSON.parse(res.body) as { dealId?: string }).dealId;
        if (parsed.success && dealId) stored.push({ event: parsed.data, dealId });
      }
    });
    // Every deal stored from an accepted event holds what the schema produced (trimmed, normalized).
    for (const { event, dealId } of stored) {
      const d = await Deal.findById(dealId).select('crmId name arr currency closedWonAt').lean();
      expect(d, `deal ${dealId}`).not.toBeNull();
      expect({ crmId: d!.crmId, name: d!.name, arr: d!.arr, currency: d!.currency }).toEqual({
        crmId: event.deal.crmId,
        name: event.deal.name,
        arr: event.deal.arr,
        currency: event.deal.currency,
      });
    }
    figures['api.webhooks.crm.ts'] = { ...statuses, dealsStored: stored.length };
    expect(failures.slice(0, 5), `seed ${SEED}`).toEqual([]);
  });

  test(`Resend: ${WEBHOOK_RUNS} generated events (signed, mostly), no 5xx, nothing accepted that the schema refuses`, async () => {
    const { ResendEventSchema } = await import('#app/email/resend-webhook.server');
    const hook = new Webhook(inject('resendWebhookSecret'));
    const arb = fc.tuple(resendEventArb(ResendEventSchema), signingArb, fc.constantFrom('fresh', 'fresh', 'fresh', 'repeat'));
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
  // The figures for docs/reliability.md: status counts per target.
  console.log(
    `[fuzz] seed ${SEED}, ${RUNS} inputs per target\n${Object.entries(figures)
      .map(([id, s]) => `  ${id}: ${JSON.stringify(s)}`)
      .join('\n')}`,
  );
});
