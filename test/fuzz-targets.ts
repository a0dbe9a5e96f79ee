// One fuzz target per route module with an action (app/routes), shared by the HTTP fuzz spec
// (test/e2e/fuzz.test.ts) and the in-process schema fuzz (test/schema-fuzz.test.ts): the schemas that
// shape its generated forms, the role allowed to call it, and `parse`, what its action does with the
// submitted form before touching the database (the same schema and the same dispatch on `intent`).
// Both specs fail when a route module with an action has no entry here.
import { z } from 'zod';
import { jsonSchema, objectVariants } from './fuzz-inputs';
import { routeModules } from './route-modules';

export type Role = 'anonymous' | 'admin' | 'cs' | 'sales' | 'marketing' | 'leadership';
/** What the action makes of a form: accepted data, field errors, or no schema to judge this input by (`ok: null`). */
export type Parsed = { ok: true; data: Record<string, unknown> } | { ok: false; errors: Record<string, string[]>; values?: Record<string, string> } | { ok: null; why: string };

export type FuzzTarget = {
  role: Role;
  /** Schemas whose fields shape the generated forms. */
  shapes: z.ZodType[];
  /** Field names to use besides the schemas' own (hand-built forms such as the playbook editor). */
  names?: string[];
  validWeight?: number;
  garbageWeight?: number;
  /** The route's parse of its form; null when the action reads no form fields (the reason in `noForm`). */
  parse: ((form: FormData) => Parsed) | null;
  noForm?: string;
  /** The form an accepted value is submitted as (default: nested values flattened to `a.0.b` keys). */
  toForm?: (data: Record<string, unknown>) => Record<string, string>;
  /** Invariants of an accepted value beyond the round trip; returns what is wrong. */
  check?: (data: Record<string, unknown>) => string[];
  /** Error keys besides the schemas' field names (numbered rows). */
  errorKeys?: RegExp;
  /** Keys of accepted data besides the schemas' field names. */
  outputKeys?: string[];
};

export const WEBHOOKS = ['api.webhooks.crm.ts', 'api.webhooks.resend.ts'];
/** The JSON API's route modules (bearer token, JSON): every one exports an action (POST or a 405). */
export const API_ROUTES = routeModules()
  .map((m) => m.id)
  .filter((id) => id.startsWith('api.v1.'));

/** FormData holding these values, or these pairs in order (repeated keys kept: what a browser would send). */
export function formDataOf(values: Record<string, string> | [string, string][]) {
  const form = new FormData();
  for (const [k, v] of Array.isArray(values) ? values : Object.entries(values)) form.append(k, v);
  return form;
}

/**
 * The schema verdict on the pairs the HTTP spec sent: true = accepted, false = refused, null = no
 * schema oracle. The pairs, not a record of them: a route reads `intent` with formData.get() (the
 * first of a repeated key) and its fields with formValues() (the last), and so must the oracle.
 */
export function accepts(target: FuzzTarget, pairs: [string, string][]): boolean | null {
  if (!target.parse) return null;
  return target.parse(formDataOf(pairs)).ok;
}

/** Every field name the target's forms have: its schemas' properties and its extra names. */
export function fieldNames(target: FuzzTarget) {
  return new Set([...target.shapes.flatMap((s) => objectVariants(jsonSchema(s)).flatMap((j) => Object.keys(j.properties ?? {}))), ...(target.names ?? [])]);
}

/** Nested data back to form values: Dates as YYYY-MM-DD, numbers as text, arrays and objects as `a.0.b`. */
export function flatten(data: unknown, prefix = '', into: Record<string, string> = {}) {
  if (data === undefined || data === null) return into;
  if (data instanceof Date) into[prefix] = data.toISOString().slice(0, 10);
  else if (Array.isArray(data)) data.forEach((v, i) => flatten(v, prefix ? `${prefix}.${i}` : String(i), into));
  else if (typeof data === 'object') for (const [k, v] of Object.entries(data)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  else into[prefix] = String(data);
  return into;
}

export async function loadFuzzTargets({ surveyPromiseIds }: { surveyPromiseIds: string[] }): Promise<Record<string, FuzzTarget>> {
  const { parseForm, formValues, fieldErrors } = await import('#app/utils/forms.server');
  const users = await import('#app/users/users.server');
  const passwords = await import('#app/users/passwords.server');
  const advocacy = await import('#app/advocacy/advocacy.server');
  const journeys = await import('#app/journeys/journey.server');
  const surveys = await import('#app/surveys/surveys.server');
  const dashboards = await import('#app/dashboards/dashboards.server');
  const dealMetrics = await import('#app/deals/deal-metrics.server');
  const deals = await import('#app/deals/deals.server');
  const playbook = await import('#app/journeys/playbook.server');
  const plan = await import('#app/journeys/plan.server');
  const delays = await import('#app/journeys/delays.server');
  const imports = await import('#app/deals/import.server');
  const apiTokens = await import('#app/api/tokens.server');
  const brand = await import('#app/branding/brand-rules');
  const webhooks = await import('#app/integrations/webhooks.server');
  const crm = await import('#app/crm/crm.server');
  const sso = await import('#app/sso/sso-rules');
  const { WEBHOOK_EVENT_TYPES } = await import('#app/integrations/webhook-rules');
  const recovery = await import('#app/recovery/cases.server');
  const recoverySettings = await import('#app/recovery/settings.server');
  const buyerPlan = await import('#app/recovery/buyer-plan.server');
  const buyerTasks = await import('#app/buyer-tasks/tasks.server');
  const work = await import('#app/work/work-rules');
  const { PROMISE_CATEGORIES } = await import('#models/deal');
  const { EVIDENCE_TYPES } = await import('#app/journeys/journey-rules');
  const { ReaskAnswerSchema } = await import('#app/recovery/reask-rules');

  const form =
    <S extends z.ZodType>(schema: S, extra: Record<string, unknown> = {}) =>
    (f: FormData): Parsed => {
      const r = parseForm(schema, f);
      return r.ok ? { ok: true, data: { ...extra, ...(r.data as Record<string, unknown>) } } : r;
    };
  const safe = (schema: z.ZodType, values: Record<string, string>, extra: Record<string, unknown> = {}): Parsed => {
    const r = schema.safeParse(values);
    return r.success ? { ok: true, data: { ...extra, ...(r.data as Record<string, unknown>) } } : { ok: false, errors: fieldErrors(r.error) };
  };
  const unknownAction: Parsed = { ok: false, errors: { '': ['Unknown action.'] } };
  const intents = (...names: string[]) => z.object({ intent: z.enum(names as [string, ...string[]]) });

  const journeySchemas: Record<string, z.ZodType> = {
    evidence: journeys.EvidenceFormSchema,
    retract: journeys.RetractFormSchema,
    advance: journeys.AdvanceFormSchema,
    'request-confirmation': plan.RequestConfirmationSchema,
    owners: journeys.OwnersFormSchema,
    csm: journeys.CsmFormSchema,
    'task-owners': buyerTasks.TaskOwnersFieldsSchema,
    'task-due': buyerTasks.TaskDueSchema,
    'task-comment': buyerTasks.TaskCommentSchema,
    'mark-delay': delays.MarkDelaySchema,
    'end-delay': delays.EndDelaySchema,
  };
  const answerShape = z.object({
    overall: z.enum(['yes', 'partly', 'no']),
    nps: z.string().regex(/^(10|[0-9])$/),
    consentReference: z.enum(['yes']),
    consentCaseStudy: z.enum(['yes']),
    consentReferral: z.enum(['yes']),
    comment: z.string().max(5000),
    ...Object.fromEntries(
      surveyPromiseIds.flatMap((id) => [
        [`promise.${id}.verdict`, z.enum(['delivered', 'partly', 'not_yet'])],
        [`promise.${id}.comment`, z.string().max(2000)],
      ]),
    ),
  });
  // Rows of the numbered forms (deal promises, playbook stages), so generated forms can pass.
  const promiseRows = z.object(
    Object.fromEntries(
      [0, 1].flatMap((n) => [
        [`promises.${n}.text`, z.string().min(5).max(300)],
        [`promises.${n}.successCriterion`, z.string().min(5).max(300)],
        [`promises.${n}.category`, z.enum(PROMISE_CATEGORIES)],
      ]),
    ),
  );
  // The deal form's amounts are text parsed by a transform (a string in the JSON schema): numbers here.
  const dealNumbers = z.object({ arr: z.number().min(0).max(1e9), grossMarginPct: z.number().min(0).max(100), cac: z.number().min(0).max(1e6) });
  const playbookForm = z.object({
    intent: z.literal('publish'),
    note: z.string().max(300),
    'terminal.name': z.string().max(60),
    ...Object.fromEntries(
      [0, 1].flatMap((n) => [
        [`stages.${n}.name`, z.string().min(2).max(60)],
        [`stages.${n}.slaDays`, z.number().int().min(1).max(365)],
        ...[0, 1].flatMap((m) => [
          [`stages.${n}.criteria.${m}.text`, z.string().min(5).max(200)],
          [`stages.${n}.criteria.${m}.required`, z.enum(['on', ''])],
          [`stages.${n}.criteria.${m}.evidenceType`, z.enum(EVIDENCE_TYPES)],
          [`stages.${n}.criteria.${m}.buyerAction`, z.string().max(80)],
        ]),
      ]),
    ),
  });
  // The webhook and Slack forms: one checkbox per event (`event:<type>`), gathered into `events`.
  const webhookFields = z.object({
    url: z.string().max(300),
    description: z.string().max(200),
    endpointId: z.string().regex(/^[a-f0-9]{24}$/),
    confirm: z.enum(['yes']),
    ...Object.fromEntries(WEBHOOK_EVENT_TYPES.map((t) => [`event:${t}`, z.enum(['on'])])),
  });
  const mappingNames = imports.IMPORT_FIELDS.map((f) => `map.${f.key}`);

  type Stage = {
    key: string;
    name: string;
    slaDays: number | null;
    terminal: boolean;
    criteria: { key: string; text: string; required: boolean; evidenceType: string; buyerAction: string }[];
  };
  const KEY = /^[a-z][a-z0-9-]{0,39}$/;

  return {
    '$.tsx': { role: 'admin', shapes: [z.object({ x: z.string() })], parse: null, noForm: 'always 404 (no page at this address)' },
    'login.tsx': { role: 'anonymous', shapes: [users.LoginSchema], parse: form(users.LoginSchema), validWeight: 1, garbageWeight: 6 },
    'forgot-password.tsx': { role: 'anonymous', shapes: [passwords.ForgotPasswordSchema], parse: form(passwords.ForgotPasswordSchema) },
    '_staff.account.tsx': { role: 'cs', shapes: [passwords.ChangePasswordSchema], parse: form(passwords.ChangePasswordSchema) },
    '_staff.account_.tokens.tsx': {
      role: 'cs',
      shapes: [apiTokens.TokenFormSchema.extend({ intent: z.literal('create') }), apiTokens.RevokeFormSchema.extend({ intent: z.literal('revoke') })],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'create') return form(apiTokens.TokenFormSchema, { intent })(f);
        if (intent === 'revoke') return form(apiTokens.RevokeFormSchema, { intent })(f);
        return unknownAction;
      },
    },
    ...Object.fromEntries(
      API_ROUTES.map((id) => [
        id,
        {
          role: 'cs',
          // Fields a confused client might post as a form; the route reads none of them as one.
          shapes: [z.object({ access_token: z.string().max(80), crmId: z.string().max(40), limit: z.string().max(6) })],
          parse: null,
          noForm: 'the JSON API: the bearer token decides first (401 without one, whatever the body), and a POST body is JSON parsed by zod (app/routes/api.v1.test.ts)',
        } satisfies FuzzTarget,
      ]),
    ),
    'invite.$token.tsx': {
      role: 'anonymous',
      shapes: [passwords.SetPasswordSchema],
      parse: null,
      noForm: 'the link decides first: an unknown link is a 404 before the password field is read (SetPasswordSchema, tested in app/routes/accounts-passwords.test.ts)',
    },
    'reset-password.$token.tsx': {
      role: 'anonymous',
      shapes: [passwords.SetPasswordSchema],
      parse: null,
      noForm: 'the link decides first: an unknown link is a 404 before the password field is read (SetPasswordSchema, tested in app/routes/accounts-passwords.test.ts)',
    },
    'logout.tsx': { role: 'anonymous', shapes: [z.object({ redirectTo: z.string() })], parse: null, noForm: 'ends the session, reads no field' },
    '_staff.admin.users._index.tsx': { role: 'admin', shapes: [users.CreateUserSchema], parse: form(users.CreateUserSchema) },
    '_staff.admin.users.$userId.tsx': {
      role: 'admin',
      shapes: [users.ChangeRoleSchema, intents('deactivate', 'reactivate', 'resend-invitation', 'reset-link')],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'role') return form(users.ChangeRoleSchema)(f);
        if (intent === 'deactivate' || intent === 'reactivate' || intent === 'resend-invitation' || intent === 'reset-link') return { ok: null, why: `${intent}: no fields` };
        return unknownAction;
      },
    },
    '_staff.admin.webhooks.tsx': {
      role: 'admin',
      shapes: [intents('create', 'events', 'enable', 'disable', 'test', 'delete'), webhookFields],
      outputKeys: ['events'],
      errorKeys: /^events$/,
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'create') return form(webhooks.EndpointFormSchema)(f);
        if (intent === 'events') return form(webhooks.EndpointEventsSchema)(f);
        if (intent === 'enable' || intent === 'disable' || intent === 'test') return form(webhooks.EndpointIdSchema)(f);
        if (intent === 'delete') return form(webhooks.DeleteEndpointSchema)(f);
        return unknownAction;
      },
    },
    '_staff.admin.slack.tsx': {
      role: 'admin',
      shapes: [intents('save', 'test', 'enable', 'disable', 'remove'), webhookFields.extend({ team: z.enum(['cs', 'sales', 'marketing', 'leadership']) })],
      outputKeys: ['events'],
      errorKeys: /^events$/,
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'save') return { ok: null, why: 'save: a channel without a saved URL is refused after a database lookup' };
        if (intent === 'test' || intent === 'enable' || intent === 'disable') return form(webhooks.SlackTeamSchema)(f);
        if (intent === 'remove') return form(webhooks.SlackRemoveSchema)(f);
        return unknownAction;
      },
    },
    '_staff.admin.crm.tsx': {
      role: 'admin',
      shapes: [intents('connect', 'mapping', 'test', 'pause', 'resume', 'disconnect'), crm.ConnectFormSchema, crm.MappingFormSchema, crm.TestPushSchema, crm.DisconnectSchema],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'connect') return { ok: null, why: 'connect: an empty secret keeps the saved one, judged after a database lookup' };
        if (intent === 'mapping') return form(crm.MappingFormSchema, { intent })(f);
        if (intent === 'test') return { ok: null, why: 'test: the deal id is looked up in the database, and the CRM answers' };
        if (intent === 'pause' || intent === 'resume') return { ok: null, why: `${intent}: no fields` };
        if (intent === 'disconnect') return form(crm.DisconnectSchema, { intent })(f);
        return unknownAction;
      },
    },
    '_staff.admin.sso.tsx': {
      role: 'admin',
      shapes: [intents('save', 'test', 'mode'), sso.SsoConnectionSchema.omit({ intent: true }), sso.SsoModeSchema],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'save') return form(sso.SsoConnectionSchema)(f);
        if (intent === 'test') return { ok: null, why: 'test: no fields (fetches the saved issuer’s discovery document)' };
        if (intent === 'mode') return form(sso.SsoModeSchema)(f);
        return unknownAction;
      },
    },
    'sso.login.tsx': {
      role: 'anonymous',
      shapes: [z.object({ redirectTo: z.string() })],
      parse: null,
      noForm: 'starts a sign-in: redirectTo is made safe (safeRedirect) and the answer is a redirect, to the identity provider or back to /login',
    },
    '_staff.admin.playbook.tsx': {
      role: 'admin',
      shapes: [
        intents('publish', 'migrate', 'create', 'profile'),
        z.object({ fromVersion: z.number().int().min(0).max(5), confirm: z.literal('yes') }),
        playbook.CreatePlaybookSchema,
        playbookForm,
      ],
      names: [
        'note',
        'baseVersion',
        'terminal.name',
        'stages.0.name',
        'stages.0.key',
        'stages.0.slaDays',
        'stages.0.order',
        'stages.0.criteria.0.text',
        'stages.0.criteria.0.required',
        'stages.0.criteria.0.evidenceType',
        'stages.0.criteria.0.buyerAction',
        'stages.0.criteria.1.text',
        'stages.0.criteria.1.required',
        'stages.1.name',
        'stages.1.slaDays',
        'stages.1.criteria.0.text',
        'stages.1.criteria.0.required',
        'stages.1.remove',
      ],
      validWeight: 3,
      parse: (f) => {
        const values = formValues(f);
        if (values.intent === 'migrate') {
          const parsed = playbook.MigrateSchema.safeParse(values);
          return parsed.success ? { ok: true, data: { intent: 'migrate', fromVersion: parsed.data.fromVersion } } : { ok: false, errors: fieldErrors(parsed.error) };
        }
        if (values.intent === 'create' || values.intent === 'profile') {
          const parsed = (values.intent === 'create' ? playbook.CreatePlaybookSchema : playbook.PlaybookProfileSchema).safeParse(values);
          if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
          return { ok: null, why: `${values.intent}: a name or segment another playbook has is refused after a database lookup` };
        }
        const parsed = playbook.parsePlaybookForm(values);
        if (Object.keys(parsed.check.errors).length) return { ok: false, errors: parsed.check.errors };
        return { ok: true, data: { stages: parsed.stages, note: parsed.note, baseVersion: parsed.baseVersion } };
      },
      toForm: (data) => {
        if (data.intent === 'migrate') return { intent: 'migrate', fromVersion: String(data.fromVersion), confirm: 'yes' };
        const values: Record<string, string> = { note: String(data.note), baseVersion: String(data.baseVersion) };
        const stages = data.stages as Stage[];
        stages
          .filter((s) => !s.terminal)
          .forEach((s, n) => {
            Object.assign(values, {
              [`stages.${n}.name`]: s.name,
              [`stages.${n}.key`]: s.key,
              [`stages.${n}.slaDays`]: String(s.slaDays ?? ''),
              [`stages.${n}.order`]: String(n + 1),
            });
            s.criteria.forEach((c, m) => {
              const p = `stages.${n}.criteria.${m}`;
              Object.assign(values, {
                [`${p}.key`]: c.key,
                [`${p}.text`]: c.text,
                [`${p}.required`]: c.required ? 'on' : '',
                [`${p}.evidenceType`]: c.evidenceType,
                [`${p}.buyerAction`]: c.buyerAction,
              });
            });
          });
        values['terminal.name'] = stages[stages.length - 1].name;
        return values;
      },
      check: (data) => {
        if (data.intent === 'migrate') return Number.isInteger(data.fromVersion) && (data.fromVersion as number) >= 1 ? [] : ['fromVersion'];
        const wrong: string[] = [];
        const stages = data.stages as Stage[];
        const last = stages[stages.length - 1];
        if (!last?.terminal || last.key !== 'live' || last.name.length < 1 || last.name.length > 60) wrong.push('the last stage is not the terminal "live" stage');
        const open = stages.slice(0, -1);
        if (open.length === 0 || open.some((s) => s.terminal)) wrong.push('no stage before live, or a terminal one in the middle');
        if (new Set(stages.map((s) => s.key)).size !== stages.length) wrong.push('duplicate stage keys');
        for (const s of open) {
          if (!KEY.test(s.key) || s.name.length < 2 || s.name.length > 60 || !Number.isInteger(s.slaDays) || s.slaDays! < 1 || s.slaDays! > 365)
            wrong.push(`stage ${JSON.stringify(s).slice(0, 200)}`);
          if (s.criteria.length === 0 || !s.criteria.some((c) => c.required)) wrong.push(`stage ${s.key} has no required criterion`);
          if (new Set(s.criteria.map((c) => c.key)).size !== s.criteria.length) wrong.push(`stage ${s.key} has duplicate criterion keys`);
          for (const c of s.criteria) if (!KEY.test(c.key) || c.text.length < 5 || c.text.length > 200) wrong.push(`criterion ${JSON.stringify(c).slice(0, 200)}`);
        }
        if (typeof data.note !== 'string' || data.note.length > 300 || !Number.isFinite(data.baseVersion)) wrong.push('note or baseVersion');
        return wrong;
      },
      errorKeys: /^stages\.\d+\.(name|slaDays|criteria|criteria\.\d+\.text)$/,
      outputKeys: ['stages', 'fromVersion'],
    },
    '_staff.advocacy.asks.$askId.tsx': { role: 'marketing', shapes: [advocacy.AskUpdateSchema], parse: form(advocacy.AskUpdateSchema) },
    '_staff.advocacy.candidates.$advocateId.tsx': {
      role: 'marketing',
      shapes: [advocacy.AskFormSchema.and(intents('ask')), advocacy.ReferralFormSchema.and(intents('referral')), intents('ask', 'referral')],
      // The route dispatches on formValues(): the last value of a repeated key.
      parse: (f) =>
        formValues(f).intent === 'referral'
          ? form(advocacy.ReferralFormSchema, { intent: 'referral' })(f)
          : formValues(f).intent === 'ask'
            ? form(advocacy.AskFormSchema, { intent: 'ask' })(f)
            : { ok: false, errors: { '': ['Choose what to do.'] } },
    },
    '_staff.advocacy.referrals.tsx': { role: 'marketing', shapes: [advocacy.ReferralActionSchema], parse: form(advocacy.ReferralActionSchema) },
    '_staff.advocacy.reviews.tsx': { role: 'marketing', shapes: [advocacy.ReviewCampaignFormSchema], parse: form(advocacy.ReviewCampaignFormSchema) },
    '_staff.dashboards.churn.$accountId.tsx': { role: 'cs', shapes: [dealMetrics.ChurnFormSchema], parse: form(dealMetrics.ChurnFormSchema) },
    '_staff.admin.brand.tsx': {
      role: 'admin',
      shapes: [brand.BrandFormSchema.and(intents('save')), intents('logo', 'remove-logo')],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'save') return form(brand.BrandFormSchema, { intent })(f);
        if (intent === 'logo') return { ok: null, why: 'logo: a file, judged by its bytes (app/branding/brand.server.test.ts)' };
        if (intent === 'remove-logo') return { ok: null, why: 'remove-logo: no fields' };
        return { ok: false, errors: { '': ['Choose what to save.'] } };
      },
    },
    '_staff.dashboards.settings.tsx': {
      role: 'admin',
      shapes: [dashboards.SettingsFormSchema.and(intents('settings')), dashboards.SpendFormSchema.and(intents('spend')), intents('delete-spend')],
      names: ['id'],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'settings') return form(dashboards.SettingsFormSchema, { intent })(f);
        if (intent === 'spend') return form(dashboards.SpendFormSchema, { intent })(f);
        if (intent === 'delete-spend') return { ok: null, why: 'delete-spend: an id looked up in the database' };
        return { ok: false, errors: { '': ['Choose what to save.'] } };
      },
    },
    '_staff.deals.new.tsx': {
      role: 'sales',
      shapes: [deals.CreateDealSchema.and(promiseRows).and(dealNumbers).and(intents('create')), intents('create', 'add-promise')],
      names: ['promiseRows', 'promises.0.text', 'promises.0.successCriterion', 'promises.0.category', 'promises.1.text', 'promises.1.successCriterion', 'promises.1.category'],
      parse: (f) => {
        const values = formValues(f);
        if (values.intent === 'add-promise') return { ok: null, why: 'add-promise: re-renders the form' };
        const parsed = deals.parseDealForm(values);
        return parsed.ok ? { ok: true, data: parsed.data } : parsed;
      },
      errorKeys: /^promises(\.\d+\.(text|successCriterion|category))?$/,
      outputKeys: ['promises'],
    },
    '_staff.deals.import._index.tsx': {
      role: 'cs',
      shapes: [z.object({ file: z.string() })],
      parse: null,
      noForm: 'a CSV file upload (receiveUpload): no form fields; CSV parsing has its own tests',
    },
    '_staff.deals.import.$jobId.tsx': {
      role: 'cs',
      shapes: [imports.MappingFormSchema.extend({ intent: z.enum(['mapping', 'start']) }), intents('mapping', 'start', 'resume')],
      names: ['crmId', 'dealName', 'owner', 'fallbackAeId', ...mappingNames],
      // saveMapping: MappingFormSchema first (errors under ''), then the map.* columns against the job's headers (database).
      parse: (f) => {
        const values = formValues(f);
        if (values.intent === 'mapping' || values.intent === 'start') {
          const r = imports.MappingFormSchema.safeParse(values);
          return r.success ? { ok: true, data: { intent: values.intent, ...r.data } } : { ok: false, errors: { '': r.error.issues.map((i) => i.message) } };
        }
        if (values.intent === 'resume') return { ok: null, why: 'resume: no fields' };
        return unknownAction;
      },
    },
    '_staff.journeys.$journeyId/': {
      role: 'cs',
      shapes: [...Object.entries(journeySchemas).map(([intent, s]) => (s as z.ZodObject).extend({ intent: z.literal(intent) })), intents('accept')],
      parse: (f) => {
        const values = formValues(f);
        const intent = values.intent ?? '';
        // Own keys only: a generated intent like "valueOf" must not find Object.prototype's method
        // (the route itself switches on the intent).
        const schema = Object.hasOwn(journeySchemas, intent) ? journeySchemas[intent] : undefined;
        // The owners of a buyer task: every `ownerIds` checkbox, after the fields one at a time.
        if (intent === 'task-owners') {
          const fields = safe(schema!, values, { intent });
          if (!fields.ok) return fields;
          const owners = buyerTasks.parseTaskOwners(values.taskId, f.getAll('ownerIds'));
          return owners.ok ? fields : owners;
        }
        if (schema) return safe(schema, values, { intent });
        return intent === 'accept' ? { ok: null, why: 'accept: no fields' } : unknownAction;
      },
    },
    '_staff.surveys.$surveyId.tsx': { role: 'cs', shapes: [surveys.SurveyActionSchema], parse: form(surveys.SurveyActionSchema) },
    'r.$token.tsx': { role: 'anonymous', shapes: [ReaskAnswerSchema], parse: (f) => safe(ReaskAnswerSchema, formValues(f)) },
    'plan.$token.tsx': {
      role: 'anonymous',
      shapes: [
        plan.ConfirmSchema,
        buyerPlan.ConfirmRecoveryPlanSchema,
        buyerTasks.CompleteTaskSchema.extend({ intent: z.literal('task-complete') }),
        buyerTasks.TaskCommentSchema.extend({ intent: z.literal('task-comment') }),
        delays.ConfirmDelaySchema.extend({ intent: z.literal('confirm-delay') }),
        intents('confirm-recovery', 'task-complete', 'task-comment', 'confirm-delay'),
      ],
      // A recovery plan's or a delay's confirmation and the buyer task forms name their intent; every other form confirms a criterion.
      parse: (f) => {
        const values = formValues(f);
        if (values.intent === 'confirm-recovery') return safe(buyerPlan.ConfirmRecoveryPlanSchema, values, { intent: 'confirm-recovery' });
        if (values.intent === 'task-complete') return safe(buyerTasks.CompleteTaskSchema, values, { intent: 'task-complete' });
        if (values.intent === 'task-comment') return safe(buyerTasks.TaskCommentSchema, values, { intent: 'task-comment' });
        if (values.intent === 'confirm-delay') return safe(delays.ConfirmDelaySchema, values, { intent: 'confirm-delay' });
        return safe(plan.ConfirmSchema, values);
      },
    },
    '_staff.recovery.$caseId.tsx': {
      role: 'cs',
      shapes: [
        recovery.AgreePlanSchema,
        recovery.DeliverSchema,
        recovery.WontDeliverSchema,
        recovery.EscalateSchema,
        recovery.ReassignSchema,
        intents('agree_plan', 'deliver', 'wont_deliver', 'escalate', 'reassign', 'send_plan', 'resend_reask'),
      ],
      parse: (f) => {
        const intent = formValues(f).intent;
        const schemas: Record<string, z.ZodType> = {
          agree_plan: recovery.AgreePlanSchema,
          deliver: recovery.DeliverSchema,
          wont_deliver: recovery.WontDeliverSchema,
          escalate: recovery.EscalateSchema,
          reassign: recovery.ReassignSchema,
        };
        if (intent === 'send_plan' || intent === 'resend_reask') return { ok: null, why: `${intent}: no fields` };
        return intent && Object.hasOwn(schemas, intent) ? form(schemas[intent], { intent })(f) : unknownAction;
      },
    },
    '_staff.work.tsx': {
      role: 'cs',
      shapes: [work.snoozeFormSchema(new Date()), work.WakeFormSchema, intents('snooze', 'wake')],
      parse: (f) => {
        const intent = formValues(f).intent;
        if (intent === 'snooze') return form(work.snoozeFormSchema(new Date()), { intent })(f);
        if (intent === 'wake') return form(work.WakeFormSchema, { intent })(f);
        return unknownAction;
      },
    },
    '_staff.recovery.settings.tsx': { role: 'admin', shapes: [recoverySettings.RecoverySettingsSchema], parse: form(recoverySettings.RecoverySettingsSchema) },
    '_staff.accounts.$accountId.tsx': {
      role: 'cs',
      shapes: [recoverySettings.RecoverPartlySchema, intents('recover-partly')],
      parse: (f) => (formValues(f).intent === 'recover-partly' ? form(recoverySettings.RecoverPartlySchema, { intent: 'recover-partly' })(f) : unknownAction),
    },
    's.$token.tsx': {
      role: 'anonymous',
      shapes: [answerShape],
      validWeight: 4,
      parse: (f) => {
        const parsed = surveys.parseSurveyAnswer(formValues(f), surveyPromiseIds);
        return parsed.ok ? { ok: true, data: parsed.data } : parsed;
      },
      toForm: (data) => {
        const d = data as {
          overall: string;
          nps: number;
          consentReference: boolean;
          consentCaseStudy: boolean;
          consentReferral: boolean;
          comment: string;
          promises: { promiseId: string; verdict: string; comment: string }[];
        };
        const values: Record<string, string> = { overall: d.overall, nps: String(d.nps), comment: d.comment };
        for (const k of ['consentReference', 'consentCaseStudy', 'consentReferral'] as const) if (d[k]) values[k] = 'yes';
        for (const p of d.promises) Object.assign(values, { [`promise.${p.promiseId}.verdict`]: p.verdict, [`promise.${p.promiseId}.comment`]: p.comment });
        return values;
      },
      check: (data) => {
        const d = data as { nps: number; promises: { promiseId: string; verdict: string }[] };
        const wrong: string[] = [];
        if (!Number.isInteger(d.nps) || d.nps < 0 || d.nps > 10) wrong.push(`nps ${d.nps}`);
        if (
          d.promises.length !== surveyPromiseIds.length ||
          d.promises.some((p, i) => p.promiseId !== surveyPromiseIds[i] || !['delivered', 'partly', 'not_yet'].includes(p.verdict))
        )
          wrong.push('promises');
        return wrong;
      },
      outputKeys: ['promises'],
    },
    'u.$token.tsx': {
      role: 'anonymous',
      shapes: [z.object({ 'List-Unsubscribe': z.literal('One-Click') })],
      parse: null,
      noForm: 'one-click unsubscribe: the token alone, no field read',
    },
  };
}
