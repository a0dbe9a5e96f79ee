// Post-sale journeys: creation at closed-won, the evidence gate, stage moves, health and timing.
//
// Metric kinds written here (bumpMetric; read with readMetrics(kind); rebuilt by rebuildJourneyMetrics):
//   journey.started   dims { cohort, segment, rep, csm }         counts { n }
//   journey.accepted  dims { cohort, segment, rep, csm }         counts { n, hours, <hour buckets> }
//                     CS reaction time: closed-won -> CS accepted the handoff; `hours` is the sum.
//   journey.stage     dims { cohort, stage, segment, rep, csm }  counts { exited, days, overridden, <day buckets> }
//                     time in each stage, counted when the journey leaves it; `overridden` = admin overrides.
//   journey.live      dims { cohort, segment, rep, csm }         counts { n, days, <day buckets> }
//                     closed-won -> live.
//   journey.live_net  dims { cohort, segment, rep, csm }         counts { n, days, <day buckets> }
//                     closed-won -> live without the buyer-confirmed delays (docs/buyer-delays.md).
// Buckets are cumulative-free histogram counters named `le<edge>` / `gt<last edge>` (DAY_BUCKETS in
// days, HOUR_BUCKETS in hours), enough for dashboards to estimate medians and p90 without raw rows.
// cohort = closed-won quarter (cohortOf), rep = AE user id, csm = CSM user id or "none".
// Health is not a metric: it depends on the clock; countJourneysByHealth({ now }) reads it live.
import { Types } from 'mongoose';
import { z } from 'zod';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { nextTurn } from '#app/platform/claims.server';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import type { PlanLinkPurpose } from '#models/plan-token';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { recorded } from '#app/platform/events.server';
import { bumpMetric, bumpMetricRows, clearMetrics, cohortOf } from '#app/platform/metrics.server';
import { getCurrentPlaybook, getPlaybookVersion, listPlaybooks, playbookForSegment, type PlaybookDef, type StageDef } from '#app/journeys/playbook.server';
import { DEFAULT_PLAYBOOK_KEY, playbookKeyOf } from '#app/journeys/playbook-rules';
import {
  ACCEPTED_KINDS,
  DAY_MS,
  EVIDENCE_LABELS,
  evidenceMeets,
  HEALTH_LABELS,
  HOUR_MS,
  isHttpsLink,
  isSatisfied,
  LINK_EVIDENCE_KINDS,
  linkEvidenceEffect,
  type EvidenceLike,
  type EvidenceType,
  type Health,
} from '#app/journeys/journey-rules';
import { clockPaused, healthOf, isPausedInstant, slaDaysUsed, stageWindow, timeToLiveDays, type DelaySpan } from '#app/journeys/sla-rules';
import { staffDelayView } from '#app/journeys/delay-views';
import { orLogged } from '#app/utils/log.server';
import { ReadIndex, VersionedCache, derived } from '#app/platform/read-index.server';
import { may } from '#app/auth/permissions';
import { objectIdFrom } from '#app/utils/ids.server';
import { openStageTasks } from '#app/buyer-tasks/open.server';
import { contactsOfAccount, journeyAudit, planLinksOfJourney } from '#app/journeys/children.server';

export const JOURNEY_METRIC_KINDS = ['journey.started', 'journey.accepted', 'journey.stage', 'journey.live', 'journey.live_net'] as const;
export const DAY_BUCKETS = [1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365] as const;
export const HOUR_BUCKETS = [1, 4, 8, 24, 48, 72, 120, 168, 336] as const;

const isObjectId = (id: string) => /^[a-f0-9]{24}$/i.test(id);

/** The journey of a deal always has this id, so creating it twice collides on _id. */
export const journeyIdForDeal = (dealId: string | Types.ObjectId) => objectIdFrom(`journey:${String(dealId)}`);

/** Histogram counter name for a value. */
export function bucketOf(value: number, edges: readonly number[]) {
  for (const edge of edges) if (value <= edge) return `le${edge}`;
  return `gt${edges[edges.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Health and timing (pure: time is a parameter)

// The at-risk / stalled instants and health, with the pause for buyer-confirmed delays: one rule,
// in app/journeys/sla-rules.ts (docs/buyer-delays.md).
export { healthOf, stageWindow };

/** The filter selecting journeys of one health at `now` (served by the atRiskAt / stalledAt indexes). */
export function healthFilter(health: Health, now: Date): Record<string, unknown> {
  switch (health) {
    case 'live':
      return { stalledAt: null };
    case 'stalled':
      return { stalledAt: trusted({ $lt: now }) };
    case 'at_risk':
      return { atRiskAt: trusted({ $lt: now }), stalledAt: trusted({ $gte: now }) };
    case 'on_track':
      return { atRiskAt: trusted({ $gte: now }) };
  }
}

type TimingInput = {
  closedWonAt: Date;
  backfilledAt?: Date | null;
  acceptedAt?: Date | null;
  liveAt?: Date | null;
  stages: { key: string; enteredAt: Date; exitedAt?: Date | null }[];
};

/** CS reaction time, time in each stage and closed-won -> live, with `now` for the open stage. */
export function journeyTiming(j: TimingInput, now: Date) {
  const hours = (from: Date, to: Date) => Math.round(((to.getTime() - from.getTime()) / HOUR_MS) * 10) / 10;
  const days = (from: Date, to: Date) => Math.round(((to.getTime() - from.getTime()) / DAY_MS) * 10) / 10;
  const handedOver = handoffClock(j);
  return {
    reactionHours: j.acceptedAt ? hours(handedOver, j.acceptedAt) : null,
    /** Still waiting for CS: hours since closed-won (since intake for a backfilled deal). */
    waitingHours: j.acceptedAt ? null : hours(handedOver, now),
    stageDays: j.stages.map((s) => ({ key: s.key, days: days(s.enteredAt, s.exitedAt ?? now), open: !s.exitedAt })),
    closedWonToLiveDays: j.liveAt ? days(j.closedWonAt, j.liveAt) : null,
    daysSinceClosedWon: days(j.closedWonAt, now),
  };
}

/** The required criteria of a stage that have no evidence yet: what the gate is waiting for. */
export function missingCriteria(stage: StageDef, evidence: EvidenceLike[]) {
  return stage.criteria.filter((c) => c.required && !isSatisfied(stage.key, c, evidence)).map((c) => ({ key: c.key, text: c.text }));
}

// ---------------------------------------------------------------------------------------------
// Writes to one journey document

// Every write is one update of the journey whose filter states what it depends on, so concurrent
// writers need no lock: appends are `$push`es; a step that happens once (the handoff accepted, a
// piece of evidence retracted, the move out of a stage) is an update conditioned on it not having
// happened yet, and `matchedCount` says who won. Array entries keep their position for life, so
// one entry is addressed as `evidence.<index>` (FerretDB 1.24 has no positional `$` update).

type NewEvidence = {
  _id: Types.ObjectId;
  stage: string;
  criterionKey: string;
  kind: EvidenceType;
  url?: string;
  note?: string;
  byId?: string;
  byName?: string;
  contactId?: string;
  contactName?: string;
  contactEmail?: string;
  at: Date;
};

function conflict(message: string, extra: Record<string, unknown> = {}) {
  return { ok: false as const, status: 409 as const, message, ...extra };
}

function requireWriter(user: SessionUser) {
  if (!may(user.role, 'journeys.work')) {
    throw new Response(`Your role (${user.role}) cannot change journeys.`, { status: 403 });
  }
}

async function loadJourney(journeyId: string) {
  if (!isObjectId(journeyId)) return null;
  return Journey.findById(journeyId).lean();
}
type JourneyLean = NonNullable<Awaited<ReturnType<typeof loadJourney>>>;

async function playbookOf(j: { playbookKey?: string | null; playbookVersion: number }): Promise<PlaybookDef> {
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  if (!playbook) throw new Error(`playbook ${playbookKeyOf(j.playbookKey)} version ${j.playbookVersion} is missing`);
  return playbook;
}

// ---------------------------------------------------------------------------------------------
// Creation

/**
 * Takes the next round-robin turn: one `$inc` of the counter `rr:csm` (created by the first
 * upsert), so concurrent intakes never share a turn.
 */
async function nextCsmTurn(now: Date) {
  return nextTurn({ key: 'rr:csm', owner: 'journey-intake', now });
}

/** Active CS users in a stable order (the round-robin ring). */
export async function listActiveCsUsers() {
  const users = await User.find({ role: 'cs', active: true }).select('name').sort({ _id: 1 }).lean();
  return users.map((u) => ({ id: String(u._id), name: u.name }));
}

/**
 * The CSM for a new journey: the account's CSM, else the next active CS user in round-robin order
 * (the account then keeps that CSM). `count` turns at once for batch intake: returns a picker.
 */
export async function pickCsms({ count, now }: { count: number; now: Date }) {
  const ring = await listActiveCsUsers();
  if (ring.length === 0 || count === 0) return () => null as string | null;
  const start = await nextCsmTurn(now);
  let i = 0;
  return () => ring[(start + i++) % ring.length].id;
}

/**
 * Backfilled: the journey starts (intake) later than its first stage's SLA after the close, so it
 * would arrive stalled for days before Kept knew of the deal. Its stage clocks start at intake;
 * time to live still runs from the close (docs/imported-history.md).
 */
export function isBackfill(closedWonAt: Date, first: Pick<StageDef, 'slaDays' | 'terminal'>, now: Date) {
  return !first.terminal && Boolean(first.slaDays) && now.getTime() - closedWonAt.getTime() > (first.slaDays ?? 0) * DAY_MS;
}

/** When CS could first act on the deal: its close, or its intake when backfilled (CS reaction time runs from here). */
export const handoffClock = (j: { closedWonAt: Date; backfilledAt?: Date | null }) => j.backfilledAt ?? j.closedWonAt;

type DealForJourney = {
  _id: Types.ObjectId | string;
  name: string;
  accountId: Types.ObjectId | string;
  aeId: Types.ObjectId | string;
  closedWonAt: Date;
  arr?: number | null;
  currency?: string | null;
};

const oid = (id: Types.ObjectId | string) => (typeof id === 'string' ? new Types.ObjectId(id) : id);

/**
 * The journey document for a deal entering the first stage of `playbook`, with every id already an
 * ObjectId and timestamps set, so batch intake can insert it without mongoose hydration. `replay`
 * (seeds simulating past journeys) keeps the clock at the close however late `now` is.
 */
export function buildJourney({
  deal,
  account,
  csmId,
  playbook,
  now,
  replay = false,
}: {
  deal: DealForJourney;
  account: { name: string; segment: string };
  csmId: string | null;
  playbook: PlaybookDef;
  now: Date;
  replay?: boolean;
}) {
  const first = playbook.stages[0];
  // The clock starts at closed-won (the customer has been waiting since), never in the future;
  // for a backfilled deal it starts at intake, so history does not arrive stalled.
  const backfilled = !replay && isBackfill(deal.closedWonAt, first, now);
  const enteredAt = backfilled ? now : new Date(Math.min(deal.closedWonAt.getTime(), now.getTime()));
  const window = stageWindow(enteredAt, first);
  const csm = csmId ? oid(csmId) : undefined;
  const ae = oid(deal.aeId);
  return {
    _id: journeyIdForDeal(deal._id),
    dealId: oid(deal._id),
    accountId: oid(deal.accountId),
    aeId: ae,
    csmId: csm,
    segment: account.segment,
    accountName: account.name,
    dealName: deal.name,
    arr: deal.arr ?? 0,
    currency: deal.currency ?? 'USD',
    closedWonAt: deal.closedWonAt,
    ...(backfilled ? { backfilledAt: now } : {}),
    playbookKey: playbook.playbookKey,
    playbookVersion: playbook.version,
    stage: first.key,
    stageIndex: 0,
    stageEnteredAt: enteredAt,
    atRiskAt: window.atRiskAt,
    stalledAt: window.stalledAt,
    stages: [{ key: first.key, enteredAt }],
    evidence: [],
    // The rep leads the handoff call (they know the buyer); CS runs every later stage.
    owners: playbook.stages.filter((s) => !s.terminal).map((s, i) => ({ stage: s.key, leadsCallsId: i === 0 ? ae : csm, schedulesNextCallId: csm })),
    overrideCount: 0,
    createdAt: now,
    updatedAt: now,
  };
}

export type JourneyStart = ReturnType<typeof buildJourney>;

/** Metric dimensions of a journey. */
export function journeyDims(j: { closedWonAt: Date; segment: string; aeId: unknown; csmId?: unknown; playbookKey?: string | null }) {
  return { cohort: cohortOf(j.closedWonAt), segment: j.segment, rep: String(j.aeId), csm: j.csmId ? String(j.csmId) : 'none', playbook: playbookKeyOf(j.playbookKey) };
}

/**
 * Starts the journey of a closed-won deal in the first stage of the current version of the playbook
 * its segment chooses (choosePlaybookKey, docs/playbooks.md), with its CSM
 * and stage owners, and opens that stage's buyer tasks. Idempotent: the journey's _id derives from
 * the deal's, so a second call (a re-import, a replayed webhook, a retry) finds the first journey
 * and changes nothing.
 */
export async function startJourneyForDeal({ dealId, now = new Date(), actorId }: { dealId: string | Types.ObjectId; now?: Date; actorId?: string }) {
  const journeyId = journeyIdForDeal(dealId);
  if (await Journey.exists({ _id: journeyId })) return { journeyId: String(journeyId), created: false };
  const deal = await Deal.findById(dealId).select('name accountId aeId closedWonAt arr currency').lean();
  if (!deal) throw new Error(`deal ${String(dealId)} not found`);
  const account = await Account.findById(deal.accountId).select('name segment csmId').lean();
  if (!account) throw new Error(`account of deal ${String(dealId)} not found`);
  const playbook = await playbookForSegment(account.segment);
  let csmId = account.csmId ? String(account.csmId) : null;
  if (!csmId) {
    csmId = (await pickCsms({ count: 1, now }))();
    if (csmId) await Account.updateOne({ _id: account._id, csmId: null }, { $set: { csmId } });
  }
  const doc = buildJourney({ deal, account, csmId, playbook, now });
  try {
    await Journey.create(doc as Record<string, unknown>);
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return { journeyId: String(journeyId), created: false };
    throw error;
  }
  await recordAudit({
    actorId,
    action: 'journey.started',
    entityType: 'journey',
    entityId: journeyId,
    data: { dealId: String(dealId), stage: doc.stage, playbookKey: playbook.playbookKey, playbookVersion: playbook.version, csmId },
    now,
  });
  await bumpMetric('journey.started', journeyDims(doc), { n: 1 });
  // The first stage's buyer tasks open with the journey, whatever process starts it (no reaction
  // needed). A failure is logged; the worker's hourly sweep opens them.
  await orLogged(() => openStageTasks({ journeyId, now }), { where: 'startJourneyForDeal.openStageTasks', journeyId: String(journeyId) });
  return { journeyId: String(journeyId), created: true };
}

/** Starts a journey and logs (instead of throwing) on failure: for intake paths where the deal is already saved. */
export async function startJourneySafely(input: { dealId: string | Types.ObjectId; now?: Date; actorId?: string }) {
  return orLogged(() => startJourneyForDeal(input), { where: 'startJourneyForDeal', dealId: String(input.dealId) });
}

/**
 * Safety net for intake: starts the journey of every deal recorded since `since` that has none (a
 * crash between saving a deal and starting its journey). Run by the worker; checks by _id (derived).
 */
export async function startMissingJourneys({ since, now = new Date() }: { since: Date; now?: Date }) {
  let started = 0;
  const cursor = Deal.find({ createdAt: trusted({ $gte: since }) })
    .select('_id')
    .lean()
    .cursor();
  for await (const deal of cursor) {
    if (await Journey.exists({ _id: journeyIdForDeal(deal._id) })) continue;
    const result = await startJourneySafely({ dealId: deal._id, now });
    if (result?.created) started++;
  }
  return { started };
}

// ---------------------------------------------------------------------------------------------
// Evidence

export const EvidenceFormSchema = z.object({
  criterionKey: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'Choose the criterion this evidence proves.'),
  kind: z.enum(LINK_EVIDENCE_KINDS, { error: 'Choose what kind of record the link points to.' }),
  url: z
    .string()
    .trim()
    .min(1, 'Paste the link to the email, meeting record or document.')
    .max(2000, 'That link is too long.')
    .refine(isHttpsLink, 'Evidence links must be secure web addresses starting with https://.'),
  note: z.string().trim().max(1000, 'Keep the note under 1,000 characters.').optional().default(''),
});

export const RetractFormSchema = z.object({
  evidenceId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the evidence to retract.'),
  reason: z.string().trim().min(5, 'Say why this evidence is wrong (at least 5 characters).').max(500),
});

/**
 * Attaches a link (email / meeting record / document) with a note to a criterion of the current
 * stage. `meets` says whether it meets the criterion: a link on a criterion only the buyer's own
 * confirmation meets is kept as a note; a link of a kind the criterion does not name is refused.
 */
export async function attachEvidence({
  user,
  journeyId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  input: z.infer<typeof EvidenceFormSchema>;
  now?: Date;
}) {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  const playbook = await playbookOf(j);
  const stage = playbook.stages[j.stageIndex];
  const criterion = stage.criteria.find((c) => c.key === input.criterionKey);
  if (!criterion) return { ok: false as const, status: 400 as const, errors: { criterionKey: [`Choose a criterion of the current stage (${stage.name}).`] } };
  const effect = linkEvidenceEffect(criterion.evidenceType, input.kind);
  if (effect === 'refused') {
    const named = ACCEPTED_KINDS[criterion.evidenceType].map((k) => EVIDENCE_LABELS[k].toLowerCase()).join(' or ');
    return { ok: false as const, status: 400 as const, errors: { kind: [`“${criterion.text}” needs ${named} as evidence.`] } };
  }
  const evidence: NewEvidence = {
    _id: new Types.ObjectId(),
    stage: stage.key,
    criterionKey: criterion.key,
    kind: input.kind,
    url: input.url,
    note: input.note || undefined,
    byId: user.id,
    byName: user.name,
    at: now,
  };
  // Only onto the stage the criterion was checked against: a move since then wins.
  const added = await Journey.updateOne({ _id: j._id, stage: stage.key, playbookVersion: j.playbookVersion }, { $push: { evidence } });
  if (added.matchedCount === 0) return conflict(`This journey left ${stage.name} a moment ago: nothing was attached. Reload the page.`);
  await recordAudit({
    actorId: user.id,
    action: 'journey.evidence_added',
    entityType: 'journey',
    entityId: j._id,
    data: { evidenceId: String(evidence._id), stage: stage.key, criterion: criterion.key, kind: input.kind, url: input.url, meets: effect === 'meets' },
    now,
  });
  return { ok: true as const, evidenceId: String(evidence._id), meets: effect === 'meets', criterionText: criterion.text };
}

/** Retracts a wrong piece of evidence with a reason; it stays visible, struck through. Once only. */
export async function retractEvidence({
  user,
  journeyId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  input: z.infer<typeof RetractFormSchema>;
  now?: Date;
}) {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  const index = j.evidence.findIndex((e) => String(e._id) === input.evidenceId);
  if (index < 0) return { ok: false as const, status: 400 as const, errors: { evidenceId: ['That evidence is not on this journey.'] } };
  const item = j.evidence[index];
  if (item.retractedAt) return conflict('That evidence was already retracted.');
  // Once: the filter wants the entry (at its lifelong position) not yet retracted.
  const at = `evidence.${index}`;
  const retracted = await Journey.updateOne(
    { _id: j._id, [`${at}._id`]: item._id, [`${at}.retractedAt`]: null },
    { $set: { [`${at}.retractedAt`]: now, [`${at}.retractedById`]: user.id, [`${at}.retractedByName`]: user.name, [`${at}.retractReason`]: input.reason } },
  );
  if (retracted.matchedCount === 0) return conflict('That evidence was already retracted.');
  await recordAudit({
    actorId: user.id,
    action: 'journey.evidence_retracted',
    entityType: 'journey',
    entityId: journeyId,
    data: { evidenceId: input.evidenceId, stage: item.stage, criterion: item.criterionKey, reason: input.reason },
    now,
  });
  return { ok: true as const };
}

/**
 * CS accepts the handoff: ends the CS reaction time and records the acceptance as evidence on the
 * current stage's `cs_acceptance` criterion. Once per journey.
 */
export async function acceptHandoff({ user, journeyId, now = new Date() }: { user: SessionUser; journeyId: string; now?: Date }) {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  if (j.acceptedAt) return conflict('The handoff was already accepted.');
  const playbook = await playbookOf(j);
  const stage = playbook.stages[j.stageIndex];
  const criterion = stage.criteria.find((c) => c.evidenceType === 'cs_acceptance');
  const evidence: NewEvidence = {
    _id: new Types.ObjectId(),
    stage: stage.key,
    criterionKey: criterion?.key ?? 'cs-accepted',
    kind: 'cs_acceptance',
    byId: user.id,
    byName: user.name,
    note: `${user.name} accepted the handoff.`,
    at: now,
  };
  // Once per journey: the acceptance and its evidence are one write, conditioned on no acceptance yet.
  const accepted = await Journey.updateOne({ _id: j._id, acceptedAt: null }, { $set: { acceptedAt: now }, $push: { evidence } });
  if (accepted.matchedCount === 0) return conflict('The handoff was already accepted.');
  await recordAudit({ actorId: user.id, action: 'journey.handoff_accepted', entityType: 'journey', entityId: journeyId, data: { evidenceId: String(evidence._id) }, now });
  const hours = (now.getTime() - handoffClock(j).getTime()) / HOUR_MS;
  await bumpMetric('journey.accepted', journeyDims(j), { n: 1, hours: Math.round(hours * 100) / 100, [bucketOf(hours, HOUR_BUCKETS)]: 1 });
  return { ok: true as const };
}

/** Records a buyer's confirmation from the shared plan page (called by plan.server.ts). */
export async function recordBuyerConfirmation({
  journeyId,
  stageKey,
  criterionKey,
  contact,
  now,
}: {
  journeyId: string;
  stageKey: string;
  criterionKey: string;
  contact: { id: string; name: string; email: string };
  now: Date;
}) {
  const evidence: NewEvidence = {
    _id: new Types.ObjectId(),
    stage: stageKey,
    criterionKey,
    kind: 'buyer_confirmation',
    contactId: contact.id,
    contactName: contact.name,
    contactEmail: contact.email,
    at: now,
  };
  await Journey.updateOne({ _id: journeyId }, { $push: { evidence } });
  await recordAudit({
    action: 'journey.buyer_confirmed',
    entityType: 'journey',
    entityId: journeyId,
    data: { evidenceId: String(evidence._id), stage: stageKey, criterion: criterionKey, contactId: contact.id, contactEmail: contact.email },
    now,
  });
  return String(evidence._id);
}

// ---------------------------------------------------------------------------------------------
// The gate

export const AdvanceFormSchema = z.object({
  fromStage: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'The form is missing the stage it was shown for.'),
  overrideReason: z.string().trim().max(1000).optional().default(''),
});

export type AdvanceResult =
  | { ok: true; from: string; to: string; live: boolean; overridden: boolean }
  | { ok: false; status: 409; message: string; missing?: { key: string; text: string }[] }
  | { ok: false; status: 400; errors: Record<string, string[]> };

/**
 * Moves a journey to the next stage. The gate holds here, on the server: every required criterion
 * of the current stage needs live evidence, else 409 naming what is missing. An admin may override
 * with a written reason (audited, counted, shown wherever the stage appears). Concurrent moves of
 * one journey out of one stage produce exactly one move (an update conditioned on the stage).
 */
export async function advanceJourney({
  user,
  journeyId,
  fromStage,
  overrideReason = '',
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  fromStage: string;
  overrideReason?: string;
  now?: Date;
}): Promise<AdvanceResult | null> {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  const playbook = await playbookOf(j);
  const stage = playbook.stages[j.stageIndex];
  if (j.stage !== fromStage)
    return conflict(`This journey is no longer in ${playbook.stages.find((s) => s.key === fromStage)?.name ?? fromStage}: it is in ${stage.name}. Reload the page.`);
  if (stage.terminal) return conflict('This journey is already live: there is no later stage.');
  const next = playbook.stages[j.stageIndex + 1];
  const missing = missingCriteria(stage, j.evidence);
  const reason = overrideReason.trim();
  let override: { reason: string; byId: string; byName: string; at: Date; missing: string[] } | undefined;
  if (missing.length > 0) {
    if (!reason) {
      return conflict(
        `${stage.name} cannot be left yet: ${missing.length === 1 ? 'this required criterion has' : 'these required criteria have'} no evidence: ${missing.map((m) => `“${m.text}”`).join(', ')}.`,
        { missing },
      );
    }
    if (user.role !== 'admin') throw new Response('Only an admin can override the stage gate.', { status: 403 });
    if (reason.length < 10)
      return { ok: false, status: 400, errors: { overrideReason: ['Explain the override in at least 10 characters: it is audited and shown in every report.'] } };
    override = { reason, byId: user.id, byName: user.name, at: now, missing: missing.map((m) => m.key) };
  }

  // One move: the filter wants the journey still where the gate was checked, so of concurrent
  // moves exactly one matches. `stages` changes only with the stage, so the copy read is current.
  const stages = j.stages.map((s, i) => (i === j.stages.length - 1 ? { ...s, exitedAt: now, exitedById: user.id, exitedByName: user.name, ...(override ? { override } : {}) } : s));
  const window = stageWindow(now, next);
  // An open delay ends with the stage (docs/buyer-delays.md); the filter wants it still the open one.
  const delayIndex = j.openDelayId ? (j.delays ?? []).findIndex((d) => String(d._id) === String(j.openDelayId)) : -1;
  const endDelay = delayIndex >= 0 ? { [`delays.${delayIndex}.endedAt`]: now, [`delays.${delayIndex}.endedBy`]: 'stage_changed', openDelayId: null } : {};
  const moved = await Journey.updateOne(
    { _id: j._id, stage: stage.key, stageIndex: j.stageIndex, playbookVersion: j.playbookVersion, openDelayId: j.openDelayId ?? null },
    {
      $set: {
        ...endDelay,
        stage: next.key,
        stageIndex: j.stageIndex + 1,
        stageEnteredAt: now,
        atRiskAt: window.atRiskAt,
        stalledAt: window.stalledAt,
        stages: [...stages, { key: next.key, enteredAt: now }],
        ...(next.terminal ? { liveAt: now } : {}),
      },
      ...(override ? { $inc: { overrideCount: 1 } } : {}),
    },
  );
  if (moved.matchedCount === 0) return conflict(`Someone else moved this journey out of ${stage.name} a moment ago. Reload the page.`);

  const live = j.evidence.filter((e) => !e.retractedAt && e.stage === stage.key).map((e) => ({ id: String(e._id), criterion: e.criterionKey, kind: e.kind }));
  await recordAudit({
    actorId: user.id,
    action: override ? 'journey.stage_overridden' : 'journey.stage_moved',
    entityType: 'journey',
    entityId: journeyId,
    data: { from: stage.key, to: next.key, evidence: live, ...(override ? { reason: override.reason, missing: override.missing } : {}) },
    now,
  });
  const dims = journeyDims(j);
  const days = (now.getTime() - j.stageEnteredAt.getTime()) / DAY_MS;
  await bumpMetric(
    'journey.stage',
    { ...dims, stage: stage.key },
    { exited: 1, days: Math.round(days * 100) / 100, overridden: override ? 1 : 0, [bucketOf(days, DAY_BUCKETS)]: 1 },
  );
  await recorded('journey.stage_changed', { journeyId: j._id, dealId: j.dealId, from: stage.key, to: next.key, now });
  if (next.terminal) {
    const toLive = (now.getTime() - j.closedWonAt.getTime()) / DAY_MS;
    await bumpMetric('journey.live', dims, { n: 1, days: Math.round(toLive * 100) / 100, [bucketOf(toLive, DAY_BUCKETS)]: 1 });
    const delays = (j.delays ?? []).map((d, i) => (i === delayIndex ? { ...d, endedAt: now } : d));
    await bumpMetric('journey.live_net', dims, liveNetCounts(timeToLiveDays({ closedWonAt: j.closedWonAt, liveAt: now, delays }).excludingDelays));
    // For the areas that react to a go-live (advocacy: a customer who already answered may become an advocate).
    await recorded('journey.live', { dealId: j.dealId, now });
  }
  return { ok: true, from: stage.key, to: next.key, live: next.terminal, overridden: Boolean(override) };
}

// ---------------------------------------------------------------------------------------------
// Owners

export const OwnersFormSchema = z.object({
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
  leadsCallsId: z.union([z.literal(''), z.string().regex(/^[a-f0-9]{24}$/i)]),
  schedulesNextCallId: z.union([z.literal(''), z.string().regex(/^[a-f0-9]{24}$/i)]),
});

export const CsmFormSchema = z.object({ csmId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a CS user.') });

/** Staff who can own calls: active admin, CS and sales users. */
export async function listOwnerCandidates() {
  const users = await User.find({ role: trusted({ $in: ['admin', 'cs', 'sales'] }), active: true })
    .select('name role')
    .sort({ name: 1 })
    .lean();
  return users.map((u) => ({ id: String(u._id), name: u.name, role: u.role }));
}

/** Sets who leads the calls and who schedules the next call for one stage. */
export async function setStageOwners({ user, journeyId, input, now = new Date() }: { user: SessionUser; journeyId: string; input: z.infer<typeof OwnersFormSchema>; now?: Date }) {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  const playbook = await playbookOf(j);
  if (!playbook.stages.some((s) => s.key === input.stage && !s.terminal))
    return { ok: false as const, status: 400 as const, errors: { stage: ['Choose a stage of this journey.'] } };
  const ids = [input.leadsCallsId, input.schedulesNextCallId].filter(Boolean);
  if (ids.length) {
    const found = await User.countDocuments({ _id: trusted({ $in: ids }), active: true, role: trusted({ $in: ['admin', 'cs', 'sales'] }) });
    if (found !== new Set(ids).size) return { ok: false as const, status: 400 as const, errors: { leadsCallsId: ['Choose active staff members.'] } };
  }
  // A stage's entry keeps its position, so setting one stage's owners never rewrites another's.
  // (Two first-time pushes for one stage: the filter lets one in, as if the other came first.)
  const owners = { leadsCallsId: input.leadsCallsId || null, schedulesNextCallId: input.schedulesNextCallId || null };
  const index = j.owners.findIndex((o) => o.stage === input.stage);
  if (index >= 0)
    await Journey.updateOne(
      { _id: j._id, [`owners.${index}.stage`]: input.stage },
      { $set: { [`owners.${index}.leadsCallsId`]: owners.leadsCallsId, [`owners.${index}.schedulesNextCallId`]: owners.schedulesNextCallId } },
    );
  else await Journey.updateOne({ _id: j._id, 'owners.stage': trusted({ $ne: input.stage }) }, { $push: { owners: { stage: input.stage, ...owners } } });
  await recordAudit({ actorId: user.id, action: 'journey.owners_changed', entityType: 'journey', entityId: journeyId, data: { ...input }, now });
  return { ok: true as const };
}

/** Reassigns the journey's CSM (and the account's, so the next deal goes to the same person). */
export async function setJourneyCsm({ user, journeyId, csmId, now = new Date() }: { user: SessionUser; journeyId: string; csmId: string; now?: Date }) {
  requireWriter(user);
  const j = await loadJourney(journeyId);
  if (!j) return null;
  const csm = await User.findOne({ _id: csmId, role: 'cs', active: true }).select('_id').lean();
  if (!csm) return { ok: false as const, status: 400 as const, errors: { csmId: ['Choose an active CS user.'] } };
  await Journey.updateOne({ _id: j._id }, { $set: { csmId } });
  await Account.updateOne({ _id: j.accountId }, { $set: { csmId } });
  await recordAudit({
    actorId: user.id,
    action: 'journey.csm_changed',
    entityType: 'journey',
    entityId: journeyId,
    data: { from: j.csmId ? String(j.csmId) : null, to: csmId },
    now,
  });
  return { ok: true as const };
}

// ---------------------------------------------------------------------------------------------
// Reads

/** Why a plan link was sent, as the journey page names it. */
const PLAN_LINK_LABELS: Record<PlanLinkPurpose, string> = {
  confirmation: 'confirmation request',
  task_reminder: 'task reminder',
  recovery_plan: 'recovery plan',
};

const AUDIT_LABELS: Record<string, string> = {
  'journey.started': 'Journey started',
  'journey.handoff_accepted': 'Handoff accepted',
  'journey.evidence_added': 'Evidence attached',
  'journey.evidence_retracted': 'Evidence retracted',
  'journey.buyer_confirmed': 'Buyer confirmed',
  'journey.stage_moved': 'Stage moved',
  'journey.stage_overridden': 'Stage moved by admin override',
  'journey.owners_changed': 'Owners changed',
  'journey.csm_changed': 'CSM changed',
  'journey.confirmation_requested': 'Buyer confirmation requested',
  // Buyer tasks (app/buyer-tasks/tasks.server.ts).
  'buyer_task.owners_set': 'Buyer task owners set',
  'buyer_task.due_set': 'Buyer task due date set',
  'buyer_task.commented': 'Buyer task comment',
  'journey.delay_marked': 'Waiting on the customer',
  'journey.delay_confirmed': 'Buyer confirmed the delay',
  'journey.delay_ended': 'Delay ended',
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Everything the journey page shows; null when the journey does not exist or is not visible. */
export async function getJourneyDetail({ user, journeyId, now = new Date() }: { user: SessionUser; journeyId: string; now?: Date }) {
  if (!isObjectId(journeyId)) return null;
  // By _id alone, then the scope (a filter with any other field scans the collection on FerretDB).
  const j = await Journey.findById(journeyId).lean();
  if (!j || (user.role === 'sales' && String(j.aeId) !== user.id)) return null;
  const playbook = await playbookOf(j);
  const [current, playbooks] = await Promise.all([getCurrentPlaybook(j.playbookKey), listPlaybooks()]);
  const [deal, contacts, audit, requests] = await Promise.all([
    Deal.findById(j.dealId).select('promises source crmId').lean(),
    contactsOfAccount(String(j.accountId)),
    journeyAudit(String(j._id)),
    planLinksOfJourney(String(j._id)),
  ]);
  const userIds = new Set<string>([String(j.aeId), ...(j.csmId ? [String(j.csmId)] : []), ...audit.filter((a) => a.actorId).map((a) => String(a.actorId))]);
  for (const o of j.owners) {
    if (o.leadsCallsId) userIds.add(String(o.leadsCallsId));
    if (o.schedulesNextCallId) userIds.add(String(o.schedulesNextCallId));
  }
  const users = await User.find({ _id: trusted({ $in: [...userIds] }) })
    .select('name')
    .lean();
  const nameOf = new Map(users.map((u) => [String(u._id), u.name]));
  const person = (id: unknown) => (id ? { id: String(id), name: nameOf.get(String(id)) ?? 'former user' } : null);

  const timing = journeyTiming(j, now);
  const entries = new Map(j.stages.map((s) => [s.key, s]));
  const stageName = new Map(playbook.stages.map((s) => [s.key, s.name]));
  const criterionText = new Map(playbook.stages.flatMap((s) => s.criteria.map((c) => [`${s.key}/${c.key}`, c.text] as const)));
  const stageView = playbook.stages.map((s, index) => {
    const entry = entries.get(s.key);
    const days = entry ? Math.round((((entry.exitedAt ?? now).getTime() - entry.enteredAt.getTime()) / DAY_MS) * 10) / 10 : null;
    return {
      key: s.key,
      name: s.name,
      slaDays: s.slaDays,
      terminal: s.terminal,
      state: index < j.stageIndex ? ('done' as const) : index === j.stageIndex ? ('current' as const) : ('ahead' as const),
      enteredAt: iso(entry?.enteredAt),
      exitedAt: iso(entry?.exitedAt),
      exitedByName: entry?.exitedByName ?? null,
      days,
      // Over the SLA by the paused clock: buyer-confirmed delays do not count (sla-rules.ts).
      overSla: Boolean(entry && s.slaDays !== null && slaDaysUsed(entry.enteredAt, s, j.delays ?? [], entry.exitedAt ?? now) > s.slaDays),
      override: entry?.override
        ? {
            reason: entry.override.reason,
            byName: entry.override.byName,
            at: entry.override.at.toISOString(),
            missing: entry.override.missing.map((k) => criterionText.get(`${s.key}/${k}`) ?? k),
          }
        : null,
      criteria: s.criteria.map((c) => ({
        key: c.key,
        text: c.text,
        required: c.required,
        evidenceType: c.evidenceType,
        buyerAction: c.buyerAction,
        acceptedKinds: [...ACCEPTED_KINDS[c.evidenceType]],
        satisfied: isSatisfied(s.key, c, j.evidence),
        evidence: j.evidence
          .filter((e) => e.stage === s.key && e.criterionKey === c.key)
          .map((e) => ({
            id: String(e._id),
            kind: e.kind,
            url: e.url ?? null,
            /** False for a note beside the criterion (e.g. a link where only the buyer's confirmation counts). */
            counts: evidenceMeets(c.evidenceType, e.kind),
            note: e.note ?? '',
            byName: e.byName ?? null,
            contactName: e.contactName ?? null,
            contactEmail: e.contactEmail ?? null,
            at: e.at.toISOString(),
            retracted: e.retractedAt ? { at: e.retractedAt.toISOString(), byName: e.retractedByName ?? '', reason: e.retractReason ?? '' } : null,
          })),
      })),
    };
  });
  const stage = playbook.stages[j.stageIndex];
  const health = healthOf(j, now);
  return {
    id: String(j._id),
    dealId: String(j.dealId),
    dealName: j.dealName,
    accountId: String(j.accountId),
    accountName: j.accountName,
    segment: j.segment,
    arr: j.arr ?? 0,
    currency: j.currency ?? 'USD',
    source: deal ? `${deal.source} · ${deal.crmId}` : '',
    closedWonAt: j.closedWonAt.toISOString(),
    backfilledAt: iso(j.backfilledAt),
    acceptedAt: iso(j.acceptedAt),
    liveAt: iso(j.liveAt),
    playbookKey: playbook.playbookKey,
    playbookName: playbooks.find((p) => p.key === playbook.playbookKey)?.name ?? playbook.playbookKey,
    playbookVersion: j.playbookVersion,
    currentPlaybookVersion: current.version,
    stage: stage.key,
    stageName: stage.name,
    stageEnteredAt: j.stageEnteredAt.toISOString(),
    nextStageName: playbook.stages[j.stageIndex + 1]?.name ?? null,
    terminal: stage.terminal,
    health,
    healthLabel: HEALTH_LABELS[health],
    atRiskAt: iso(j.atRiskAt),
    stalledAt: iso(j.stalledAt),
    // Delays the buyer owns; the stage's SLA clock is paused while one is buyer-confirmed.
    delays: staffDelayView(j, now),
    slaPaused: !j.liveAt && isPausedInstant(j.stalledAt),
    slaDaysUsed: slaDaysUsed(j.stageEnteredAt, stage, j.delays ?? [], now),
    slaDays: stage.slaDays,
    overrideCount: j.overrideCount ?? 0,
    csm: person(j.csmId),
    ae: person(j.aeId),
    timing,
    stages: stageView,
    missing: stage.terminal ? [] : missingCriteria(stage, j.evidence),
    owners: playbook.stages
      .filter((s) => !s.terminal)
      .map((s) => {
        const o = j.owners.find((x) => x.stage === s.key);
        return { stage: s.key, stageName: s.name, leadsCalls: person(o?.leadsCallsId), schedulesNextCall: person(o?.schedulesNextCallId) };
      }),
    promises: (deal?.promises ?? []).map((p) => ({ id: String(p._id), text: p.text, successCriterion: p.successCriterion, category: p.category })),
    contacts: contacts.map((c) => ({ id: String(c._id), name: c.name, email: c.email, title: c.title ?? '', isPrimary: Boolean(c.isPrimary), emailStatus: c.emailStatus ?? 'ok' })),
    requests: requests.map((r) => ({
      contactName: r.contactName,
      contactEmail: r.contactEmail,
      stageName: stageName.get(r.stage) ?? r.stage,
      purpose: PLAN_LINK_LABELS[r.purpose ?? 'confirmation'],
      createdAt: r.createdAt ? r.createdAt.toISOString() : null,
      expiresAt: r.expiresAt.toISOString(),
      lastSeenAt: iso(r.lastSeenAt),
      state: r.revokedAt ? 'revoked' : r.expiresAt <= now ? 'expired' : 'active',
    })),
    audit: audit.map((a) => ({
      id: String(a._id),
      action: a.action,
      label: AUDIT_LABELS[a.action] ?? a.action,
      at: a.at.toISOString(),
      actorName: a.actorId
        ? (nameOf.get(String(a.actorId)) ?? 'former user')
        : a.action === 'journey.buyer_confirmed' || a.action === 'journey.delay_confirmed'
          ? `Buyer (${String((a.data as { contactEmail?: string } | undefined)?.contactEmail ?? '')})`
          : 'Kept',
      summary: auditSummary(a.action, (a.data ?? {}) as Record<string, unknown>, stageName, criterionText),
    })),
  };
}

function auditSummary(action: string, data: Record<string, unknown>, stageName: Map<string, string>, criterionText: Map<string, string>) {
  const s = (k: unknown) => stageName.get(String(k)) ?? String(k ?? '');
  const c = (stage: unknown, key: unknown) => criterionText.get(`${String(stage)}/${String(key)}`) ?? String(key ?? '');
  switch (action) {
    case 'journey.started':
      return `Entered ${s(data.stage)} (playbook v${String(data.playbookVersion ?? '')})`;
    case 'journey.stage_moved':
      return `${s(data.from)} → ${s(data.to)} with ${Array.isArray(data.evidence) ? data.evidence.length : 0} piece(s) of evidence`;
    case 'journey.stage_overridden':
      return `${s(data.from)} → ${s(data.to)} without evidence for ${Array.isArray(data.missing) ? data.missing.map((k) => `“${c(data.from, k)}”`).join(', ') : ''}. Reason: ${String(data.reason ?? '')}`;
    case 'journey.evidence_added':
      return `${String(data.kind ?? '')} for “${c(data.stage, data.criterion)}”: ${String(data.url ?? '')}`;
    case 'journey.evidence_retracted':
      return `For “${c(data.stage, data.criterion)}”. Reason: ${String(data.reason ?? '')}`;
    case 'journey.buyer_confirmed':
      return `“${c(data.stage, data.criterion)}” confirmed on the shared plan page`;
    case 'journey.confirmation_requested':
      return `Sent to ${String(data.contactEmail ?? '')}`;
    case 'journey.delay_marked':
      return `In ${s(data.stage)}: ${String(data.reason ?? '')}`;
    case 'journey.delay_confirmed':
      return `Confirmed on the shared plan page by ${String(data.contactEmail ?? '')}: the SLA clock of ${s(data.stage)} paused`;
    case 'journey.delay_ended':
      return data.confirmed
        ? `The SLA clock of ${s(data.stage)} runs again (paused ${String(data.pausedDays ?? 0)} days)`
        : `Ended before the buyer confirmed it: nothing was paused`;
    case 'journey.owners_changed':
      return `Owners of ${s(data.stage)} updated`;
    case 'buyer_task.owners_set':
      return `“${String(data.title ?? '')}”: ${Array.isArray(data.to) ? data.to.length : 0} owner(s) on the buyer's side`;
    case 'buyer_task.due_set':
      return `“${String(data.title ?? '')}”: due ${String(data.from ?? '')} → ${String(data.to ?? '')}`;
    case 'buyer_task.commented':
      return `“${String(data.title ?? '')}”: ${String(data.text ?? '')}`;
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------
// The CS board

export const BOARD_SORTS = ['days', '-days'] as const;

export const BoardQuerySchema = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .optional()
    .catch(undefined),
  csm: z
    .string()
    .regex(/^([a-f0-9]{24}|none)$/i)
    .optional()
    .catch(undefined),
  rep: z
    .string()
    .regex(/^[a-f0-9]{24}$/i)
    .optional()
    .catch(undefined),
  segment: z.enum(['smb', 'mid-market', 'enterprise']).optional().catch(undefined),
  /** A playbook key (docs/playbooks.md); an unknown one shows an empty board that says so. */
  playbook: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .optional()
    .catch(undefined),
  health: z.enum(['on_track', 'at_risk', 'stalled', 'live']).optional().catch(undefined),
  // '0' is "Only my journeys" unticked (the form sends a hidden 0 before the checkbox's 1).
  mine: z.enum(['1', '0']).optional().catch(undefined),
  sort: z.enum(BOARD_SORTS).catch('-days'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type BoardQuery = z.infer<typeof BoardQuerySchema>;

const BOARD_PER_PAGE = 25;

const BOARD_FIELDS = 'accountName dealName segment csmId aeId stage stageEnteredAt atRiskAt stalledAt liveAt closedWonAt playbookKey playbookVersion overrideCount arr currency';
type BoardRow = {
  _id: string;
  accountName: string;
  dealName: string;
  segment: string;
  csmId: string | null;
  aeId: string;
  stage: string;
  stageEnteredAt: Date;
  atRiskAt: Date | null;
  stalledAt: Date | null;
  liveAt: Date | null;
  closedWonAt: Date;
  playbookKey: string;
  playbookVersion: number;
  overrideCount: number;
  arr: number;
  currency: string;
};
const idOrNull = (v: unknown) => (v === null || v === undefined ? null : String(v));
const dateOrNull = (v: unknown) => (v instanceof Date ? v : null);

/** The board's in-memory index (see read-index.server.ts): the fields it filters, sorts and shows. */
export const journeyBoardIndex = new ReadIndex<BoardRow>({
  feed: 'journeys',
  model: Journey,
  select: BOARD_FIELDS,
  toRow: (d) => ({
    _id: String(d._id),
    accountName: String(d.accountName ?? ''),
    dealName: String(d.dealName ?? ''),
    segment: String(d.segment ?? ''),
    csmId: idOrNull(d.csmId),
    aeId: String(d.aeId),
    stage: String(d.stage),
    stageEnteredAt: d.stageEnteredAt as Date,
    atRiskAt: dateOrNull(d.atRiskAt),
    stalledAt: dateOrNull(d.stalledAt),
    liveAt: dateOrNull(d.liveAt),
    closedWonAt: d.closedWonAt as Date,
    playbookKey: playbookKeyOf(d.playbookKey as string | null | undefined),
    playbookVersion: Number(d.playbookVersion ?? 1),
    overrideCount: Number(d.overrideCount ?? 0),
    arr: Number(d.arr ?? 0),
    currency: String(d.currency ?? 'USD'),
  }),
});
/** Every journey by stageEnteredAt then _id (the board's order), sorted once per index version. */
const boardOrder = derived(journeyBoardIndex, (rows) =>
  [...rows.values()].sort((a, b) => a.stageEnteredAt.getTime() - b.stageEnteredAt.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0)),
);

const boardCache = new VersionedCache<{ counts: Map<string, number>; rows: BoardRow[] }>();
const healthCache = new VersionedCache<{ counts: Record<'on_track' | 'at_risk' | 'stalled' | 'live', number>; from: number; until: number }>();

export type BoardCriteria = { aeId?: string; csmId?: string | null; segment?: string; playbookKey?: string; health?: Health };

/** Said on the board when someone who owns no journeys asks for "only my journeys". */
export const MINE_REFUSED = 'Only my journeys is for customer success: a journey belongs to its CSM, and you are not one. Showing every journey that matches the other filters.';

/**
 * Whose journeys the board shows for this user and query. "Only my journeys" is on by default for
 * a CS user (unless they chose a CSM in the filter, or unticked it); sales see their deals' only;
 * for anyone else `mine` is refused with MINE_REFUSED rather than quietly showing everything.
 * The health cards use the same criteria without the health filter.
 */
export function boardScope(user: SessionUser, query: BoardQuery) {
  const criteria: BoardCriteria = {};
  const mine = user.role === 'cs' && (query.mine === '1' || (query.mine === undefined && !query.csm));
  const notice = query.mine === '1' && user.role !== 'cs' && user.role !== 'sales' ? MINE_REFUSED : null;
  if (user.role === 'sales') criteria.aeId = user.id;
  if (mine) criteria.csmId = user.id;
  else if (query.csm === 'none') criteria.csmId = null;
  else if (query.csm) criteria.csmId = query.csm;
  if (query.rep && user.role !== 'sales') criteria.aeId = query.rep;
  if (query.segment) criteria.segment = query.segment;
  if (query.playbook) criteria.playbookKey = query.playbook;
  const { health } = query;
  return { criteria, withHealth: health ? { ...criteria, health } : criteria, mine, notice };
}

/** The database filter for board criteria (the in-memory path uses matchesBoard). */
function boardFilter(criteria: BoardCriteria, now: Date) {
  const filter: Record<string, unknown> = {};
  if (criteria.aeId !== undefined) filter.aeId = criteria.aeId;
  if (criteria.csmId !== undefined) filter.csmId = criteria.csmId;
  if (criteria.segment) filter.segment = criteria.segment;
  if (criteria.playbookKey) Object.assign(filter, playbookFilter(criteria.playbookKey));
  if (criteria.health) Object.assign(filter, healthFilter(criteria.health, now));
  return filter;
}

/** The same criteria as healthFilter and the board's query, for a row in memory. */
function matchesBoard(c: BoardCriteria, r: BoardRow, now: number) {
  if (c.aeId !== undefined && r.aeId !== c.aeId) return false;
  if (c.csmId !== undefined && r.csmId !== c.csmId) return false;
  if (c.segment !== undefined && r.segment !== c.segment) return false;
  if (c.playbookKey !== undefined && r.playbookKey !== c.playbookKey) return false;
  switch (c.health) {
    case 'live':
      return r.stalledAt === null;
    case 'stalled':
      return r.stalledAt !== null && r.stalledAt.getTime() < now;
    case 'at_risk':
      return r.atRiskAt !== null && r.atRiskAt.getTime() < now && r.stalledAt !== null && r.stalledAt.getTime() >= now;
    case 'on_track':
      return r.atRiskAt !== null && r.atRiskAt.getTime() >= now;
    default:
      return true;
  }
}

/**
 * The board's stage columns: the current stages of one playbook, or without a playbook filter those
 * of the default playbook followed by the other playbooks' stages it lacks (a stage shared by key
 * is one column). Also the current version of every playbook, for each row's SLA.
 */
async function boardStages(playbookKey: string | undefined) {
  const playbooks = await listPlaybooks();
  const current = new Map<string, PlaybookDef>();
  for (const p of playbooks) current.set(p.key, await getCurrentPlaybook(p.key));
  const chosen = playbookKey ? current.get(playbookKey) : undefined;
  const stages: StageDef[] = [...(chosen ?? current.get(DEFAULT_PLAYBOOK_KEY)!).stages];
  if (!playbookKey) for (const p of current.values()) for (const st of p.stages) if (!stages.some((x) => x.key === st.key)) stages.splice(stages.length - 1, 0, st);
  return { playbooks, current, stages };
}

/**
 * The CS board: journeys of one stage (default: the first with journeys) with filters, sorted by
 * days in stage, plus the count per stage under the same filters. Served from the in-memory index
 * when it is loaded, else by the database (both give the same answer: journey.server.test.ts).
 */
export async function listJourneyBoard({ user, query, now = new Date() }: { user: SessionUser; query: BoardQuery; now?: Date }) {
  const criteria = boardScope(user, query).withHealth;
  const { playbooks, current, stages: columns } = await boardStages(criteria.playbookKey);
  const chooseStage = (counts: Map<string, number>) => {
    const stageList = columns.map((s) => ({ key: s.key, name: s.name, slaDays: s.slaDays, count: counts.get(s.key) ?? 0 }));
    for (const [key, n] of counts) if (!stageList.some((s) => s.key === key)) stageList.push({ key, name: key, slaDays: null, count: n });
    return { stageList, stage: query.stage ?? stageList.find((s) => s.count > 0)?.key ?? columns[0].key };
  };
  const skip = (query.page - 1) * BOARD_PER_PAGE;

  // Without a health filter the answer depends only on the index's contents: keep it per version.
  const cacheKey = criteria.health ? null : `${JSON.stringify(criteria)}|${query.stage ?? ''}|${query.sort}|${skip}`;
  const { stageList, stage, total, rows } = await journeyBoardIndex.answer<ReturnType<typeof chooseStage> & { total: number; rows: BoardRow[] }>({
    fromMemory: (indexed) => {
      const walk = () => {
        const t = now.getTime();
        const ordered = boardOrder(indexed);
        const counts = new Map<string, number>();
        for (const r of ordered) if (matchesBoard(criteria, r, t)) counts.set(r.stage, (counts.get(r.stage) ?? 0) + 1);
        const { stage } = chooseStage(counts);
        const rows: BoardRow[] = [];
        // Longest in stage first = oldest stageEnteredAt first (ties by _id ascending either way).
        const oldestFirst = query.sort === '-days';
        let seen = 0;
        const take = (r: BoardRow) => {
          if (r.stage !== stage || !matchesBoard(criteria, r, t)) return;
          if (seen++ >= skip) rows.push(r);
        };
        if (oldestFirst) for (let i = 0; i < ordered.length && rows.length < BOARD_PER_PAGE; i++) take(ordered[i]);
        else {
          // Newest first: walk groups of equal stageEnteredAt backwards, each group in _id order.
          for (let end = ordered.length; end > 0 && rows.length < BOARD_PER_PAGE;) {
            let start = end - 1;
            while (start > 0 && ordered[start - 1].stageEnteredAt.getTime() === ordered[end - 1].stageEnteredAt.getTime()) start--;
            for (let i = start; i < end && rows.length < BOARD_PER_PAGE; i++) take(ordered[i]);
            end = start;
          }
        }
        return { counts, rows };
      };
      const { counts, rows } = cacheKey ? boardCache.keep(journeyBoardIndex.version, cacheKey, walk) : walk();
      const { stageList, stage } = chooseStage(counts);
      return { stageList, stage, total: counts.get(stage) ?? 0, rows };
    },
    fromDatabase: async () => {
      const filter = boardFilter(criteria, now);
      const grouped = await Journey.aggregate<{ _id: string; n: number }>([
        { $match: Journey.find().cast(Journey, filter) as Record<string, unknown> },
        { $group: { _id: '$stage', n: { $sum: 1 } } },
      ]);
      const { stageList, stage } = chooseStage(new Map(grouped.map((g) => [g._id, g.n])));
      const stageFilter = { ...filter, stage };
      const [found, total] = await Promise.all([
        Journey.find(stageFilter)
          .select(BOARD_FIELDS)
          .sort({ stageEnteredAt: query.sort === '-days' ? 1 : -1, _id: 1 })
          .skip(skip)
          .limit(BOARD_PER_PAGE)
          .lean(),
        Journey.countDocuments(stageFilter),
      ]);
      return { stageList, stage, total, rows: found.map((d) => journeyBoardIndex.options.toRow(d as Record<string, unknown>)!) };
    },
  });
  const ids = [...new Set(rows.flatMap((r) => [String(r.aeId), ...(r.csmId ? [String(r.csmId)] : [])]))];
  const users = ids.length
    ? await User.find({ _id: trusted({ $in: ids }) })
        .select('name')
        .lean()
    : [];
  const nameOf = new Map(users.map((u) => [String(u._id), u.name]));
  const slaOf = (r: BoardRow) => current.get(r.playbookKey)?.stages.find((s) => s.key === r.stage)?.slaDays ?? null;
  const playbookName = new Map(playbooks.map((p) => [p.key, p.name]));
  return {
    stage,
    stages: stageList,
    /** The playbooks to filter by; `unknownPlaybook` when the query names none of them. */
    playbooks: playbooks.map((p) => ({ key: p.key, name: p.name })),
    unknownPlaybook: Boolean(criteria.playbookKey && !playbookName.has(criteria.playbookKey)),
    total,
    page: query.page,
    pages: Math.max(1, Math.ceil(total / BOARD_PER_PAGE)),
    journeys: rows.map((r) => {
      const health = healthOf(r, now);
      return {
        id: String(r._id),
        accountName: r.accountName,
        dealName: r.dealName,
        segment: r.segment,
        playbook: playbookName.get(r.playbookKey) ?? r.playbookKey,
        csm: r.csmId ? (nameOf.get(String(r.csmId)) ?? '') : '',
        ae: nameOf.get(String(r.aeId)) ?? '',
        daysInStage: Math.round(((now.getTime() - r.stageEnteredAt.getTime()) / DAY_MS) * 10) / 10,
        slaDays: slaOf(r),
        health,
        overrides: r.overrideCount ?? 0,
        arr: r.arr ?? 0,
        currency: r.currency ?? 'USD',
      };
    }),
  };
}

/**
 * A CSM's book for their home page: how many journeys (one per deal) they own, and the deals of
 * the `limit` most recently closed since `since`. From the board's index when loaded.
 */
export async function csmBook({ csmId, since, limit = 8 }: { csmId: string; since: Date; limit?: number }) {
  return journeyBoardIndex.answer({
    fromMemory: (indexed) => {
      let total = 0;
      const recent: BoardRow[] = [];
      for (const r of indexed.values()) {
        if (r.csmId !== csmId) continue;
        total++;
        if (r.closedWonAt >= since) recent.push(r);
      }
      recent.sort((a, b) => b.closedWonAt.getTime() - a.closedWonAt.getTime() || (a._id < b._id ? -1 : 1));
      return { total, recentJourneyIds: recent.slice(0, limit).map((r) => r._id) };
    },
    fromDatabase: async () => {
      const [total, recent] = await Promise.all([
        Journey.countDocuments({ csmId }),
        Journey.find({ csmId, closedWonAt: trusted({ $gte: since }) })
          .select('_id')
          .sort({ closedWonAt: -1, _id: 1 })
          .limit(limit)
          .lean(),
      ]);
      return { total, recentJourneyIds: recent.map((r) => String(r._id)) };
    },
  });
}

/** Choices for the board's filters: CS users and sales reps. */
export async function listBoardFilterOptions() {
  const users = await User.find({ role: trusted({ $in: ['cs', 'sales'] }) })
    .select('name role active')
    .sort({ name: 1 })
    .lean();
  return {
    csms: users.filter((u) => u.role === 'cs').map((u) => ({ id: String(u._id), name: u.name + (u.active === false ? ' (inactive)' : '') })),
    reps: users.filter((u) => u.role === 'sales').map((u) => ({ id: String(u._id), name: u.name + (u.active === false ? ' (inactive)' : '') })),
  };
}

/**
 * Journeys per health at `now` (for home pages, dashboards and the board's cards), under `criteria`
 * (the board's filters without health; by default the user's scope: a rep's own deals).
 */
export async function countJourneysByHealth({ user, now = new Date(), criteria }: { user?: SessionUser; now?: Date; criteria?: Omit<BoardCriteria, 'health'> }) {
  const scope: BoardCriteria = { ...criteria };
  // A rep never counts another rep's journeys, whatever the criteria say.
  if (user?.role === 'sales') scope.aeId = user.id;
  return journeyBoardIndex.answer({
    fromMemory: (indexed) => {
      // From memory (see read-index.server.ts): four counts were four collection scans on FerretDB.
      // Health changes only when the clock passes a row's atRiskAt or stalledAt: the counts are kept
      // per index version until the next such moment, so most views do not walk every journey.
      const t = now.getTime();
      const walk = () => {
        const counts = { on_track: 0, at_risk: 0, stalled: 0, live: 0 };
        let until = Infinity;
        for (const r of indexed.values()) {
          if (!matchesBoard(scope, r, t)) continue;
          for (const h of ['on_track', 'at_risk', 'stalled', 'live'] as const) if (matchesBoard({ health: h }, r, t)) counts[h]++;
          // The next moment a comparison in matchesBoard flips: strictly after t (at_risk/stalled use
          // `< t` and `>= t`, so a row changes when t reaches its timestamp + 1 ms).
          for (const at of [r.atRiskAt, r.stalledAt]) if (at && at.getTime() + 1 > t && at.getTime() + 1 < until) until = at.getTime() + 1;
        }
        return { counts, from: t, until };
      };
      const { counts } = healthCache.keep(journeyBoardIndex.version, JSON.stringify(scope), walk, (kept) => t >= kept.from && t < kept.until);
      return { ...counts };
    },
    fromDatabase: async () => {
      const [onTrack, atRisk, stalled, live] = await Promise.all(
        (['on_track', 'at_risk', 'stalled', 'live'] as const).map((h) => Journey.countDocuments(boardFilter({ ...scope, health: h }, now))),
      );
      return { on_track: onTrack, at_risk: atRisk, stalled, live };
    },
  });
}

/** Open journeys at risk or stalled at `now`, grouped by the people to tell (CSM and stage owners). */
export async function listJourneysNeedingAttention({ now }: { now: Date }) {
  const rows = await Journey.find({ atRiskAt: trusted({ $lt: now }) })
    .select('accountName dealName stage stageIndex stageEnteredAt atRiskAt stalledAt liveAt csmId owners playbookKey playbookVersion')
    .sort({ stageEnteredAt: 1 })
    .lean();
  const byOwner = new Map<
    string,
    { id: string; name: string; stageName: string; health: Health; daysInStage: number; slaDays: number | null; accountName: string; dealName: string }[]
  >();
  for (const r of rows) {
    const health = healthOf(r, now);
    if (health !== 'at_risk' && health !== 'stalled') continue;
    if (clockPaused(r)) continue; // waiting on the customer, who confirmed it (docs/buyer-delays.md)
    const playbook = await playbookOf(r);
    const stage = playbook.stages[r.stageIndex];
    const o = r.owners.find((x) => x.stage === r.stage);
    const people = new Set([r.csmId, o?.leadsCallsId, o?.schedulesNextCallId].filter(Boolean).map(String));
    const item = {
      id: String(r._id),
      name: `${r.accountName} · ${r.dealName}`,
      accountName: r.accountName,
      dealName: r.dealName,
      stageName: stage.name,
      health,
      daysInStage: Math.round(((now.getTime() - r.stageEnteredAt.getTime()) / DAY_MS) * 10) / 10,
      slaDays: stage.slaDays,
    };
    for (const p of people) byOwner.set(p, [...(byOwner.get(p) ?? []), item]);
  }
  return byOwner;
}

// ---------------------------------------------------------------------------------------------
// Playbook migration

/**
 * The journeys of one playbook, as a filter. The default playbook's include journeys without a key
 * (written before there were several playbooks, or by an older process during an upgrade).
 */
export function playbookFilter(key: string): Record<string, unknown> {
  return { playbookKey: key === DEFAULT_PLAYBOOK_KEY ? trusted({ $in: [DEFAULT_PLAYBOOK_KEY, null] }) : key };
}

/** Journeys per version of one playbook (for the editor: who is on which version). */
export async function countJourneysByPlaybookVersion(playbookKey: string = DEFAULT_PLAYBOOK_KEY) {
  const rows = await Journey.aggregate<{ _id: number; n: number }>([{ $match: playbookFilter(playbookKey) }, { $group: { _id: '$playbookVersion', n: { $sum: 1 } } }]);
  return new Map(rows.map((r) => [r._id, r.n]));
}

/** Journeys per playbook (for the editor's list). */
export async function countJourneysByPlaybook() {
  const rows = await Journey.aggregate<{ _id: string | null; n: number }>([{ $group: { _id: '$playbookKey', n: { $sum: 1 } } }]);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(playbookKeyOf(r._id), (counts.get(playbookKeyOf(r._id)) ?? 0) + r.n);
  return counts;
}

/**
 * Moves the journeys of an older version of a playbook onto its current one, explicitly (an admin
 * action). A journey moves only if its current stage exists in the new version; its SLA clock is
 * recomputed from when it entered the stage. Others stay on their version and are counted. A
 * journey never changes playbook: only its version within the playbook it started on.
 */
export async function migrateJourneysToCurrentPlaybook({
  user,
  playbookKey = DEFAULT_PLAYBOOK_KEY,
  fromVersion,
  now = new Date(),
}: {
  user: SessionUser;
  playbookKey?: string;
  fromVersion: number;
  now?: Date;
}) {
  if (user.role !== 'admin') throw new Response('Only an admin can migrate journeys.', { status: 403 });
  const current = await getCurrentPlaybook(playbookKey);
  if (fromVersion === current.version) return { migrated: 0, kept: 0 };
  let migrated = 0;
  let kept = 0;
  const cursor = Journey.find({ ...playbookFilter(playbookKey), playbookVersion: fromVersion })
    .select('_id stage stageEnteredAt liveAt delays')
    .lean()
    .cursor();
  for await (const j of cursor) {
    const index = current.stages.findIndex((s) => s.key === j.stage);
    if (index < 0) {
      kept++;
      continue;
    }
    const window = j.liveAt ? { atRiskAt: null, stalledAt: null } : stageWindow(j.stageEnteredAt, current.stages[index], j.delays);
    // Unless it moved meanwhile (a move is conditioned on the version too, so the two never cross).
    const result = await Journey.updateOne(
      { _id: j._id, ...playbookFilter(playbookKey), playbookVersion: fromVersion, stage: j.stage },
      { $set: { playbookKey, playbookVersion: current.version, stageIndex: index, ...window } },
    );
    if (result.matchedCount) migrated++;
  }
  await recordAudit({
    actorId: user.id,
    action: 'playbook.journeys_migrated',
    entityType: 'playbook',
    entityId: playbookKey === DEFAULT_PLAYBOOK_KEY ? current.version : `${playbookKey}@${current.version}`,
    data: { playbookKey, fromVersion, toVersion: current.version, migrated, kept },
    now,
  });
  return { migrated, kept };
}

// ---------------------------------------------------------------------------------------------
// Rollups

export type JourneyMetricRow = { kind: (typeof JOURNEY_METRIC_KINDS)[number]; dims: Record<string, string>; counts: Record<string, number> };

/** Every rollup contribution of one journey as it stands (the same numbers the incremental path adds). */
export function journeyMetricRows(j: {
  closedWonAt: Date;
  backfilledAt?: Date | null;
  segment: string;
  playbookKey?: string | null;
  aeId: unknown;
  csmId?: unknown;
  acceptedAt?: Date | null;
  liveAt?: Date | null;
  stages: { key: string; enteredAt: Date; exitedAt?: Date | null; override?: unknown }[];
  delays?: DelaySpan[] | null;
}): JourneyMetricRow[] {
  const dims = journeyDims(j);
  const rows: JourneyMetricRow[] = [{ kind: 'journey.started', dims, counts: { n: 1 } }];
  if (j.acceptedAt) {
    const hours = (j.acceptedAt.getTime() - handoffClock(j).getTime()) / HOUR_MS;
    rows.push({ kind: 'journey.accepted', dims, counts: { n: 1, hours: Math.round(hours * 100) / 100, [bucketOf(hours, HOUR_BUCKETS)]: 1 } });
  }
  for (const s of j.stages) {
    if (!s.exitedAt) continue;
    const days = (s.exitedAt.getTime() - s.enteredAt.getTime()) / DAY_MS;
    rows.push({
      kind: 'journey.stage',
      dims: { ...dims, stage: s.key },
      counts: { exited: 1, days: Math.round(days * 100) / 100, overridden: s.override ? 1 : 0, [bucketOf(days, DAY_BUCKETS)]: 1 },
    });
  }
  if (j.liveAt) {
    const toLive = (j.liveAt.getTime() - j.closedWonAt.getTime()) / DAY_MS;
    rows.push({ kind: 'journey.live', dims, counts: { n: 1, days: Math.round(toLive * 100) / 100, [bucketOf(toLive, DAY_BUCKETS)]: 1 } });
    rows.push({ kind: 'journey.live_net', dims, counts: liveNetCounts(timeToLiveDays({ closedWonAt: j.closedWonAt, liveAt: j.liveAt, delays: j.delays }).excludingDelays) });
  }
  return rows;
}

/** The `journey.live_net` counts of one journey: closed-won -> live without buyer-confirmed delays. */
function liveNetCounts(days: number) {
  return { n: 1, days: Math.round(days * 100) / 100, [bucketOf(days, DAY_BUCKETS)]: 1 };
}

/**
 * Adds rows to the rollups in bulk (import, seed, rebuild): see bumpMetricRows. A named `slot`
 * makes it idempotent: a batch redone after a crash counts once.
 */
export async function bumpJourneyMetricRows(rows: Iterable<{ kind: string; dims: Record<string, string>; counts: Record<string, number> }>, options: { slot?: string } = {}) {
  await bumpMetricRows(rows, { once: options.slot });
}

/** Recomputes every journey metric from the journeys themselves (same numbers as the incremental path). */
export async function rebuildJourneyMetrics() {
  for (const kind of JOURNEY_METRIC_KINDS) await clearMetrics(kind);
  const cursor = Journey.find({}).select('closedWonAt backfilledAt segment aeId csmId playbookKey acceptedAt liveAt stages delays').lean().cursor();
  let journeys = 0;
  let batch: JourneyMetricRow[] = [];
  for await (const j of cursor) {
    journeys++;
    batch.push(...journeyMetricRows(j));
    if (batch.length >= 20_000) {
      await bumpJourneyMetricRows(batch);
      batch = [];
    }
  }
  await bumpJourneyMetricRows(batch);
  return { journeys };
}

export type { JourneyLean, StageDef, PlaybookDef };
