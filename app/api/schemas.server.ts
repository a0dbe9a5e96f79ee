// The JSON API's shapes (docs/api.md), in zod: what each query string and body may hold, and what
// each answer holds. The routes parse with them and app/api/openapi.server.ts generates the OpenAPI
// document from the very same objects, so the document cannot drift from the code. Field names are
// stable: camelCase, ids as 24-hex strings, dates as ISO 8601 strings in UTC, absent values as null.
import { z } from 'zod';
import { SEGMENTS } from '#models/account';
import { DEAL_SOURCES, PROMISE_CATEGORIES } from '#models/deal';
import { SURVEY_STATES, SURVEY_STOP_REASONS } from '#models/survey';
import { OVERALL_VERDICTS, PROMISE_VERDICTS } from '#models/survey-response';
import { HEALTHS } from '#app/journeys/journey-rules';
import { CrmWebhookSchema } from '#app/deals/intake.server';

/** The schemas that become components of the OpenAPI document, under these names. */
export const apiRegistry = z.registry<{ id: string; description: string }>();
/** The components' descriptions by name, for the document (the registry keys by schema). */
export const componentDescriptions: Record<string, string> = {};
const named = <S extends z.ZodType>(schema: S, id: string, description: string) => {
  apiRegistry.add(schema, { id, description });
  componentDescriptions[id] = description;
  return schema;
};

const Id = z.string().regex(/^[a-f0-9]{24}$/, 'An id is 24 hexadecimal characters.');
const IsoDate = z.iso.datetime();
const IsoDateOrNull = IsoDate.nullable();

export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 50;

// ---------------------------------------------------------------------------------------------
// Query strings: unknown parameters are refused (a typo must not silently list everything).

const page = {
  limit: z.coerce
    .number({ error: 'Use a whole number.' })
    .int('Use a whole number.')
    .min(1, 'Use at least 1.')
    .max(MAX_LIMIT, `Use at most ${MAX_LIMIT}.`)
    .default(DEFAULT_LIMIT)
    .describe(`Items per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`),
  cursor: Id.optional().describe('The `nextCursor` of the previous page; omit for the first page.'),
};

export const AccountListQuery = z.strictObject({
  ...page,
  segment: z.enum(SEGMENTS).optional().describe('Only accounts of this segment.'),
  status: z.enum(['active', 'churned']).optional().describe('Only active or only churned accounts.'),
});
export const DealListQuery = z.strictObject({ ...page, accountId: Id.optional().describe("Only this account's deals.") });
export const JourneyListQuery = z.strictObject({
  ...page,
  accountId: Id.optional().describe("Only this account's journeys."),
  dealId: Id.optional().describe("Only this deal's journey."),
  stage: z.string().trim().min(1).max(60).optional().describe('Only journeys in this stage (a playbook stage key, e.g. `implementation` or `live`).'),
});
export const SurveyListQuery = z.strictObject({
  ...page,
  dealId: Id.optional().describe("Only this deal's surveys."),
  state: z.enum(SURVEY_STATES).optional().describe('Only surveys in this state.'),
});
export const AnswerListQuery = z.strictObject({
  ...page,
  dealId: Id.optional().describe("Only the answers about this deal's promises."),
});

/** A get-by-id route takes no query parameters. */
export const NoQuery = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Resources

export const AccountSchema = named(
  z.strictObject({
    id: Id,
    name: z.string(),
    domain: z.string().nullable(),
    segment: z.enum(SEGMENTS),
    status: z.enum(['active', 'churned']),
    csmId: Id.nullable().describe('The customer-success manager who owns the account.'),
    churnedAt: IsoDateOrNull,
    createdAt: IsoDate,
  }),
  'Account',
  'A customer company. Sales reps see the accounts where they own a deal.',
);

const PromiseSchema = named(
  z.strictObject({ id: Id, text: z.string(), successCriterion: z.string(), category: z.enum(PROMISE_CATEGORIES) }),
  'Promise',
  'What the deal promised the buyer, and how the buyer will know it was kept.',
);

export const DealSchema = named(
  z.strictObject({
    id: Id,
    accountId: Id,
    aeId: Id.describe('The account executive (sales rep) who closed it.'),
    name: z.string(),
    source: z.enum(DEAL_SOURCES),
    crmId: z.string(),
    closedWonAt: IsoDate,
    arr: z.number(),
    currency: z.string().describe('ISO 4217 code, e.g. USD.'),
    grossMarginPct: z.number().nullable(),
    cac: z.number().nullable(),
    referralId: Id.nullable().describe('The Kept referral the deal came from, if any.'),
    promises: z.array(PromiseSchema),
    createdAt: IsoDate,
  }),
  'Deal',
  'A closed-won deal. Sales reps see only their own deals.',
);

export const JourneySchema = named(
  z.strictObject({
    id: Id,
    dealId: Id,
    accountId: Id,
    aeId: Id,
    csmId: Id.nullable(),
    accountName: z.string(),
    dealName: z.string(),
    segment: z.enum(SEGMENTS),
    arr: z.number(),
    currency: z.string(),
    closedWonAt: IsoDate,
    playbookVersion: z.number().int(),
    stage: z.string().describe('The current stage key of the playbook.'),
    stageEnteredAt: IsoDate,
    health: z.enum(HEALTHS).describe('on_track, at_risk (past its stage time), stalled, or live.'),
    acceptedAt: IsoDateOrNull,
    liveAt: IsoDateOrNull,
    stages: z.array(z.strictObject({ key: z.string(), enteredAt: IsoDate, exitedAt: IsoDateOrNull })),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  }),
  'Journey',
  "A customer's way from closed-won to live, stage by stage. Sales reps see their own deals' journeys.",
);

export const SurveySchema = named(
  z.strictObject({
    id: Id,
    dealId: Id,
    accountId: Id,
    aeId: Id,
    wave: z.union([z.literal(6), z.literal(9), z.literal(12)]).describe('Months after the close.'),
    state: z.enum(SURVEY_STATES),
    dueAt: IsoDate,
    contactId: Id.nullable(),
    contactName: z.string().nullable(),
    contactEmail: z.string().nullable(),
    sentAt: IsoDateOrNull,
    remindedAt: IsoDateOrNull,
    expiresAt: IsoDateOrNull,
    answeredAt: IsoDateOrNull,
    stopReason: z.enum(SURVEY_STOP_REASONS).nullable(),
    heldUntilLive: z.boolean().describe('The wave is due but waits until the journey is live.'),
    createdAt: IsoDate,
  }),
  'Survey',
  'A value-delivery survey of a deal (6, 9 and 12 months after the close). Sales reps see their own deals’ surveys.',
);

export const AnswerSchema = named(
  z.strictObject({
    id: Id.describe('The same id as the survey answered.'),
    surveyId: Id,
    dealId: Id,
    accountId: Id,
    aeId: Id,
    wave: z.number().int(),
    answeredAt: IsoDate,
    overall: z.enum(OVERALL_VERDICTS).describe('“Have we delivered the value we promised?”'),
    nps: z.number().int().min(0).max(10),
    comment: z.string(),
    consent: z.strictObject({ reference: z.boolean(), caseStudy: z.boolean(), referral: z.boolean() }),
    promises: z.array(z.strictObject({ promiseId: Id, text: z.string(), category: z.string(), verdict: z.enum(PROMISE_VERDICTS), comment: z.string() })),
  }),
  'Answer',
  "A buyer's answer to a survey. Sales reps see the answers about their own deals.",
);

const list = <S extends z.ZodType>(item: S, id: string, what: string) =>
  named(
    z.strictObject({
      data: z.array(item),
      nextCursor: Id.nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
    }),
    id,
    `A page of ${what}, in id order.`,
  );
export const AccountList = list(AccountSchema, 'AccountList', 'accounts');
export const DealList = list(DealSchema, 'DealList', 'deals');
export const JourneyList = list(JourneySchema, 'JourneyList', 'journeys');
export const SurveyList = list(SurveySchema, 'SurveyList', 'surveys');
export const AnswerList = list(AnswerSchema, 'AnswerList', 'answers');

export const ErrorSchema = named(
  z.strictObject({
    error: z.strictObject({
      code: z.enum(['unauthorized', 'forbidden', 'not_found', 'invalid_request', 'conflict', 'method_not_allowed', 'payload_too_large', 'rate_limited', 'unavailable']),
      message: z.string(),
      fields: z.record(z.string(), z.array(z.string())).optional().describe('Per field (dotted path), what is wrong with it.'),
    }),
  }),
  'Error',
  'Every refusal and failure.',
);

// ---------------------------------------------------------------------------------------------
// Closed-won intake: the CRM webhook's deal, as the same schema reads it (app/deals/intake.server.ts).

const WebhookDeal = CrmWebhookSchema.shape.deal;
export const DealCreateSchema = named(
  WebhookDeal.extend({
    closedWonAt: WebhookDeal.shape.closedWonAt.describe('The close date, as YYYY-MM-DD or an ISO date-time; a date that exists, not in the future.'),
    crm: CrmWebhookSchema.shape.crm.describe('Where the deal comes from: `hubspot`, `salesforce`, or `other`. With `crmId`, what makes the deal unique.'),
    ownerEmail: WebhookDeal.shape.ownerEmail.optional().describe("The account executive's email (an active sales user). A sales rep's token may leave it out: the deal is theirs."),
  }),
  'DealCreate',
  'A closed-won deal to record. Sending the same `crm` and `crmId` again records nothing new (200 with the deal).',
);
export type DealCreate = z.infer<typeof DealCreateSchema>;

export const DealCreated = named(
  z.strictObject({
    created: z.boolean().describe('False when the deal was recorded before (same crm and crmId).'),
    journeyId: Id.nullable(),
    deal: DealSchema,
  }),
  'DealCreated',
  'The recorded deal and its journey.',
);
