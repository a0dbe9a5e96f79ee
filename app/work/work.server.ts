// One work queue per CSM (`/work`, the first panel of the CS home): everything that waits for them,
// ranked by ARR at stake and days overdue (work-rules.ts), with snoozes. See docs/work-queue.md.
//
// Where the items come from, and what each costs at 100,000 accounts on the embedded database
// (which serves only `_id` lookups from an index, docs/scale.md):
// - journeys at risk or stalled, and the journeys behind the other items: the board's in-memory
//   index (journeyBoardIndex), with the journeys' own health rule (healthOf);
// - plan links waiting for the buyer: an in-memory index of the plan links (feed `plantokens`),
//   then the few candidate journeys read by `_id` to see which criteria still wait;
// - open recovery cases and this user's snoozes: a query each (small collections);
// - surveys that need another contact or are held: an in-memory index of just those surveys (feed
//   `surveys`), as a scan of every survey takes over a minute at 100k.
import { Journey } from '#models/journey';
import { PlanToken } from '#models/plan-token';
import { RecoveryCase } from '#models/recovery-case';
import { Survey } from '#models/survey';
import { User } from '#models/user';
import { WorkSnooze } from '#models/work-snooze';
import { recordAudit } from '#models/audit-event';
import type { SessionUser } from '#app/auth/session.server';
import { healthOf, journeyBoardIndex, journeyIdForDeal, missingCriteria } from '#app/journeys/journey.server';
import { clockPaused } from '#app/journeys/sla-rules';
import { buyerCanConfirm, HEALTH_LABELS } from '#app/journeys/journey-rules';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { trusted } from '#app/platform/db.server';
import { readEachById } from '#app/platform/pool';
import { ReadIndex } from '#app/platform/read-index.server';
import { STOP_REASON_LABELS } from '#app/surveys/survey-labels';
import {
  BUYER_CONFIRMATION_WAIT_DAYS,
  compareWorkItems,
  snoozeEnd,
  WORK_PER_PAGE,
  workItemKey,
  type SnoozeInput,
  type WorkItem,
  type WorkItemKind,
  type WorkQuery,
} from '#app/work/work-rules';

const DAY = 86_400_000;
const days = (from: Date, to: Date) => Math.round(((to.getTime() - from.getTime()) / DAY) * 10) / 10;

/** The statuses of a case that still waits for its CSM. */
export const OPEN_RECOVERY_STATUSES = ['open', 'plan_agreed', 'escalated'] as const;

// ---------------------------------------------------------------------------------------------
// Journeys (the board's index)

type JourneyRow = NonNullable<ReturnType<typeof journeyBoardIndex.options.toRow>>;
/** A work item with the CSM whose queue it is in. */
type OwnedItem = WorkItem & { csmId: string };

/** Journeys with a CSM (one CSM's, or everyone's), by id. */
async function journeysOf(csmId: string | null): Promise<Map<string, JourneyRow>> {
  return journeyBoardIndex.answer({
    fromMemory: (rows) => {
      const out = new Map<string, JourneyRow>();
      for (const [id, r] of rows) if (r.csmId !== null && (csmId === null || r.csmId === csmId)) out.set(id, r);
      return out;
    },
    fromDatabase: async () => {
      const found = await Journey.find(csmId ? { csmId } : { csmId: trusted({ $ne: null }) })
        .select(journeyBoardIndex.options.select)
        .lean();
      return new Map(found.map((d) => [String(d._id), journeyBoardIndex.options.toRow(d as Record<string, unknown>)!]));
    },
  });
}

async function journeyItems(journeys: Map<string, JourneyRow>, now: Date): Promise<OwnedItem[]> {
  const items: OwnedItem[] = [];
  const stageNames = new Map<string, Map<string, string>>();
  for (const [id, r] of journeys) {
    const health = healthOf(r, now);
    if (health !== 'at_risk' && health !== 'stalled') continue;
    if (clockPaused(r)) continue; // waiting on the customer, who confirmed it (docs/buyer-delays.md)
    const version = `${r.playbookKey}@${r.playbookVersion}`;
    let names = stageNames.get(version);
    if (!names) stageNames.set(version, (names = new Map((await getPlaybookVersion(r.playbookVersion, r.playbookKey))?.stages.map((st) => [st.key, st.name]) ?? [])));
    items.push({
      kind: 'journey',
      itemId: id,
      csmId: r.csmId!,
      what: `${HEALTH_LABELS[health]} in ${names.get(r.stage) ?? r.stage} · ${r.dealName}`,
      // The board's index has no account id: the item links the journey (its action), not the account.
      accountId: '',
      accountName: r.accountName,
      arr: r.arr,
      currency: r.currency,
      daysOverdue: days(r.stalledAt!, now),
      dueAt: r.stalledAt!.toISOString(),
      action: { label: health === 'stalled' ? 'Unblock the journey' : 'Move the journey on', href: `/journeys/${id}` },
    });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Buyer confirmations waiting on the plan page

type PlanRequestRow = { journeyId: string; stage: string; createdAt: Date; expiresAt: Date };

/** Plan links not revoked (the buyer may still confirm through them), by link id. */
export const planRequestIndex = new ReadIndex<PlanRequestRow>({
  feed: 'plantokens',
  model: PlanToken,
  select: 'journeyId stage createdAt expiresAt revokedAt',
  toRow: (d) => (d.revokedAt ? null : { journeyId: String(d.journeyId), stage: String(d.stage), createdAt: d.createdAt as Date, expiresAt: d.expiresAt as Date }),
});

const readWaitingJourney = (id: string) => Journey.findById(id).select('accountId stage stageIndex playbookKey playbookVersion evidence').lean();

async function confirmationItems(journeys: Map<string, JourneyRow>, now: Date): Promise<OwnedItem[]> {
  const cutoff = now.getTime() - BUYER_CONFIRMATION_WAIT_DAYS * DAY;
  const waiting = (r: PlanRequestRow) => r.createdAt.getTime() < cutoff && r.expiresAt.getTime() > now.getTime();
  const requests = await planRequestIndex.answer({
    fromMemory: (rows) => [...rows.values()].filter(waiting),
    fromDatabase: async () =>
      (
        await PlanToken.find({ revokedAt: null, createdAt: trusted({ $lt: new Date(cutoff) }), expiresAt: trusted({ $gt: now }) })
          .select('journeyId stage createdAt expiresAt')
          .lean()
      ).map((d) => ({ journeyId: String(d.journeyId), stage: d.stage, createdAt: d.createdAt as Date, expiresAt: d.expiresAt })),
  });
  // The first request for the journey's current stage (a later link for the same stage is a reminder).
  const firstAsked = new Map<string, Date>();
  for (const r of requests) {
    const j = journeys.get(r.journeyId);
    if (!j || j.liveAt || j.stage !== r.stage) continue;
    const seen = firstAsked.get(r.journeyId);
    if (!seen || r.createdAt < seen) firstAsked.set(r.journeyId, r.createdAt);
  }
  const items: OwnedItem[] = [];
  // `_id` reads, several at a time (leadership's summary reads every CSM's waiting journeys).
  const read = new Map<string, Awaited<ReturnType<typeof readWaitingJourney>>>();
  await readEachById([...firstAsked.keys()], readWaitingJourney, { size: 8, seen: read });
  for (const [journeyId, askedAt] of firstAsked) {
    const j = read.get(journeyId);
    if (!j) continue;
    const stage = (await getPlaybookVersion(j.playbookVersion, j.playbookKey))?.stages[j.stageIndex];
    if (!stage || stage.key !== j.stage) continue;
    const missing = new Set(missingCriteria(stage, j.evidence).map((c) => c.key));
    const waitingOn = stage.criteria.filter((c) => missing.has(c.key) && buyerCanConfirm(c));
    if (waitingOn.length === 0) continue;
    const row = journeys.get(journeyId)!;
    const due = new Date(askedAt.getTime() + BUYER_CONFIRMATION_WAIT_DAYS * DAY);
    items.push({
      kind: 'confirmation',
      itemId: journeyId,
      csmId: row.csmId!,
      what: `Buyer has not confirmed: ${waitingOn.map((c) => c.text).join('; ')}`,
      accountId: String(j.accountId),
      accountName: row.accountName,
      arr: row.arr,
      currency: row.currency,
      daysOverdue: days(due, now),
      dueAt: due.toISOString(),
      action: { label: 'Follow up with the buyer', href: `/journeys/${journeyId}#plan-link` },
    });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Recovery cases

const TRIGGER_WHAT: Record<string, string> = {
  promise_not_yet: 'Promise not kept',
  promise_partly: 'Promise partly kept',
  overall_no: 'Buyer says the value was not delivered',
  low_nps: 'Low NPS',
};

type CaseRow = {
  dealId: string;
  accountId: string;
  aeId: string;
  csmId: string | null;
  promiseKey: string;
  trigger: string;
  promiseText: string;
  nps: number | null;
  status: string;
  arr: number;
  slaDueAt: Date;
  /** The re-ask could not go out (why, since when): the item asks CS to fix the contact. */
  reaskStop: { reason: string; at: Date } | null;
};
const CASE_FIELDS = 'dealId accountId aeId csmId promiseKey trigger promiseText nps status arr slaDueAt reaskStopReason reaskStoppedAt';
const caseRow = (d: Record<string, unknown>): CaseRow | null =>
  (OPEN_RECOVERY_STATUSES as readonly string[]).includes(String(d.status))
    ? {
        dealId: String(d.dealId),
        accountId: String(d.accountId),
        aeId: String(d.aeId),
        csmId: d.csmId ? String(d.csmId) : null,
        promiseKey: String(d.promiseKey),
        trigger: String(d.trigger),
        promiseText: String(d.promiseText ?? ''),
        nps: typeof d.nps === 'number' ? d.nps : null,
        status: String(d.status),
        arr: Number(d.arr ?? 0),
        slaDueAt: d.slaDueAt as Date,
        reaskStop: d.reaskStopReason && d.reaskStoppedAt ? { reason: String(d.reaskStopReason), at: d.reaskStoppedAt as Date } : null,
      }
    : null;

/** The open recovery cases (open, plan agreed, escalated), by case id: the queue and sales' promises read them. */
export const openCaseIndex = new ReadIndex<CaseRow>({ feed: 'recoverycases', model: RecoveryCase, select: CASE_FIELDS, toRow: caseRow });

/** Open cases, with their id, whose CSM (or rep) is the one given; null: every one. */
export async function openCases(by: { csmId?: string | null; aeId?: string | null }): Promise<(CaseRow & { id: string })[]> {
  const keep = (r: CaseRow) => (by.csmId === undefined || (by.csmId === null ? r.csmId !== null : r.csmId === by.csmId)) && (!by.aeId || r.aeId === by.aeId);
  return openCaseIndex.answer({
    fromMemory: (rows) => [...rows].filter(([, r]) => keep(r)).map(([id, r]) => ({ ...r, id })),
    fromDatabase: async () => {
      const found = await RecoveryCase.find({ status: trusted({ $in: [...OPEN_RECOVERY_STATUSES] }) })
        .select(CASE_FIELDS)
        .lean();
      return found.flatMap((d) => {
        const r = caseRow(d as Record<string, unknown>);
        return r && keep(r) ? [{ ...r, id: String(d._id) }] : [];
      });
    },
  });
}

async function recoveryItems(csmId: string | null, journeys: Map<string, JourneyRow>, now: Date): Promise<OwnedItem[]> {
  const cases = await openCases({ csmId });
  return cases.map((c) => {
    const j = journeys.get(String(journeyIdForDeal(c.dealId)));
    const what = `${TRIGGER_WHAT[c.trigger] ?? 'Recovery'}${c.promiseText ? `: ${c.promiseText}` : c.trigger === 'low_nps' && c.nps !== null ? ` (${c.nps})` : ''}`;
    const label = c.reaskStop
      ? 'Fix the contact, send the re-ask again'
      : c.status === 'open'
        ? 'Agree a plan with the buyer'
        : c.status === 'escalated'
          ? 'Resolve the escalated case'
          : 'Record the outcome';
    const since = c.reaskStop?.at ?? c.slaDueAt;
    return {
      kind: 'recovery' as const,
      itemId: c.id,
      csmId: c.csmId!,
      what: `${c.status === 'escalated' ? 'Escalated · ' : ''}${c.reaskStop ? `Re-ask not sent (${(STOP_REASON_LABELS[c.reaskStop.reason] ?? c.reaskStop.reason).toLowerCase()}) · ` : ''}${what}`,
      accountId: c.accountId,
      accountName: j?.accountName ?? '',
      arr: c.arr,
      currency: j?.currency ?? 'USD',
      daysOverdue: days(since, now),
      dueAt: since.toISOString(),
      action: { label, href: `/recovery/${c.id}${c.reaskStop ? '#plan-section' : ''}` },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Surveys that need CS: an in-memory index of just those (feed `surveys`)

type SurveyRow = { dealId: string; accountId: string; wave: number; dueAt: Date; attentionReason: string | null; attentionAt: Date | null };

const SURVEY_FIELDS = 'dealId accountId wave dueAt state held attentionReason attentionAt';
const needsCs = (d: Record<string, unknown>) => Boolean(d.attentionReason) || (d.state === 'scheduled' && d.held === 'not-live');

/** Surveys that need another contact or are held until go-live, by survey id (every other survey is left out). */
export const surveysNeedingCsIndex = new ReadIndex<SurveyRow>({
  feed: 'surveys',
  model: Survey,
  select: SURVEY_FIELDS,
  toRow: (d) =>
    needsCs(d)
      ? {
          dealId: String(d.dealId),
          accountId: String(d.accountId),
          wave: Number(d.wave),
          dueAt: d.dueAt as Date,
          attentionReason: d.attentionReason ? String(d.attentionReason) : null,
          attentionAt: (d.attentionAt as Date | null) ?? null,
        }
      : null,
});

async function surveysNeedingCs(): Promise<(SurveyRow & { id: string })[]> {
  return surveysNeedingCsIndex.answer({
    fromMemory: (rows) => [...rows].map(([id, r]) => ({ ...r, id })),
    fromDatabase: async () => {
      const found = await Survey.find(trusted({ $or: [{ attentionReason: trusted({ $ne: null }) }, { state: 'scheduled', held: 'not-live' }] }))
        .select(SURVEY_FIELDS)
        .lean();
      return found.flatMap((d) => {
        const r = surveysNeedingCsIndex.options.toRow(d as Record<string, unknown>);
        return r ? [{ ...r, id: String(d._id) }] : [];
      });
    },
  });
}

function surveyItem(s: SurveyRow & { id: string }, j: JourneyRow, now: Date): OwnedItem {
  const base = { itemId: s.id, csmId: j.csmId!, accountId: String(s.accountId), accountName: j.accountName, arr: j.arr, currency: j.currency };
  if (s.attentionReason) {
    const since = s.attentionAt ?? s.dueAt;
    return {
      ...base,
      kind: 'survey-contact',
      what: `${s.wave}-month survey: ${STOP_REASON_LABELS[s.attentionReason as keyof typeof STOP_REASON_LABELS] ?? s.attentionReason}`,
      daysOverdue: days(since, now),
      dueAt: since.toISOString(),
      action: { label: 'Choose another contact', href: `/surveys/${s.id}` },
    };
  }
  return {
    ...base,
    kind: 'survey-held',
    what: `${s.wave}-month survey held: ${j.dealName} is not live yet`,
    daysOverdue: days(s.dueAt, now),
    dueAt: s.dueAt.toISOString(),
    action: { label: 'Send anyway or get it live', href: `/surveys/${s.id}` },
  };
}

function surveyItems(rows: (SurveyRow & { id: string })[], journeys: Map<string, JourneyRow>, now: Date) {
  const items: OwnedItem[] = [];
  for (const s of rows) {
    const j = journeys.get(String(journeyIdForDeal(s.dealId)));
    if (j) items.push(surveyItem(s, j, now));
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// The queue

/**
 * One CSM's items, ranked (compareWorkItems), with each item's snooze key, and the same items
 * oldest first (the leadership summary's oldest item) and by key (which snoozes apply).
 */
type CsmQueue = { ranked: WorkItem[]; keys: string[]; oldestFirst: WorkItem[]; byKey: Set<string> };

/** Groups items by CSM and ranks each CSM's queue once (ranking depends only on the items). */
function queuesOf(items: OwnedItem[]): Map<string, CsmQueue> {
  const grouped = new Map<string, WorkItem[]>();
  for (const { csmId, ...item } of items) {
    const list = grouped.get(csmId);
    if (list) list.push(item);
    else grouped.set(csmId, [item]);
  }
  const queues = new Map<string, CsmQueue>();
  for (const [csmId, list] of grouped) {
    list.sort(compareWorkItems);
    const keys = list.map(workItemKey);
    const oldestFirst = [...list].sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
    queues.set(csmId, { ranked: list, keys, oldestFirst, byKey: new Set(keys) });
  }
  return queues;
}

const NO_QUEUE: CsmQueue = { ranked: [], keys: [], oldestFirst: [], byKey: new Set() };

/** Every CSM's queue (or one CSM's), ranked. */
async function collectQueues(csmId: string | null, now: Date): Promise<Map<string, CsmQueue>> {
  const everyones = await everyonesQueuesKept(now);
  if (everyones) return csmId === null ? everyones : new Map([[csmId, everyones.get(csmId) ?? NO_QUEUE]]);
  return queuesOf(await computeItems(csmId, now));
}

// Every CSM's queue, computed from the in-memory indexes and kept, grouped and ranked, while none of
// those indexes changed, for at most a minute of the clock (an item's health moves with time). At
// 100,000 accounts computing the items (every journey's health, every survey that needs CS) took
// about half a second of CPU, and even walking every CSM's items on each view (tens of thousands of
// held surveys) kept /work 6-11x slower than at 1,000 (docs/work-queue.md): a view now touches only
// its own CSM's ranked list. A write just made shows at once: the indexes catch up before the key is read.
const ITEMS_KEPT_MS = 60_000;
type Synced = { version: number; answer<T>(o: { fromMemory: () => T; fromDatabase: () => Promise<T> }): Promise<T> };
const QUEUE_INDEXES: Synced[] = [journeyBoardIndex, planRequestIndex, openCaseIndex, surveysNeedingCsIndex];
let kept: { key: string; at: number; queues: Promise<Map<string, CsmQueue>> } | undefined;

async function everyonesQueuesKept(now: Date) {
  const inMemory = await Promise.all(QUEUE_INDEXES.map((index) => index.answer({ fromMemory: () => true, fromDatabase: async () => false })));
  if (!inMemory.every(Boolean)) return null; // loading, or READ_INDEX=off: each CSM's items from the database
  const key = QUEUE_INDEXES.map((index) => index.version).join(':');
  if (kept && kept.key === key && Math.abs(now.getTime() - kept.at) < ITEMS_KEPT_MS) return kept.queues;
  const queues = computeItems(null, now).then(queuesOf);
  kept = { key, at: now.getTime(), queues };
  queues.catch(() => {
    if (kept?.queues === queues) kept = undefined;
  });
  return queues;
}

async function computeItems(csmId: string | null, now: Date): Promise<OwnedItem[]> {
  const journeys = await journeysOf(csmId);
  const [cases, confirmations, stuck, surveys] = await Promise.all([
    recoveryItems(csmId, journeys, now),
    confirmationItems(journeys, now),
    journeyItems(journeys, now),
    surveysNeedingCs(),
  ]);
  return [...cases, ...confirmations, ...stuck, ...surveyItems(surveys, journeys, now)];
}

/** The snoozes in force at `now`: of one user, or of every user (by user id). */
async function snoozesInForce(userId: string | null, now: Date) {
  const rows = await WorkSnooze.find({ ...(userId ? { userId } : {}), until: trusted({ $gt: now }) })
    .select('userId kind itemId until reason at')
    .lean();
  return rows;
}

/** Whose queue a user sees: their own (CS), or the one leadership and admin chose (null: the summary of every CSM). */
export function queueOwner(user: SessionUser, query: Pick<WorkQuery, 'csm'>): string | null {
  if (user.role === 'cs') return user.id;
  return query.csm ?? null;
}

export type WorkQueueView = {
  items: (WorkItem & { snoozed?: { until: string; reason: string } })[];
  total: number;
  openCount: number;
  snoozedCount: number;
  page: number;
  pages: number;
  view: WorkQuery['view'];
};

/** One page of a CSM's queue (or of what they snoozed), ranked. */
export async function listWorkQueue({
  csmId,
  query,
  now = new Date(),
  perPage = WORK_PER_PAGE,
}: {
  csmId: string;
  query: Pick<WorkQuery, 'view' | 'page'>;
  now?: Date;
  perPage?: number;
}): Promise<WorkQueueView> {
  const [queues, snoozes] = await Promise.all([collectQueues(csmId, now), snoozesInForce(csmId, now)]);
  const { ranked, keys } = queues.get(csmId) ?? NO_QUEUE;
  const snoozeOf = new Map(snoozes.map((s) => [workItemKey(s), s]));
  // Usually nothing is snoozed: the ranked list is the open list as it is.
  const open: WorkItem[] = snoozeOf.size ? ranked.filter((_, i) => !snoozeOf.has(keys[i])) : ranked;
  const snoozed: WorkQueueView['items'] = [];
  if (snoozeOf.size)
    ranked.forEach((item, i) => {
      const s = snoozeOf.get(keys[i]);
      if (s) snoozed.push({ ...item, snoozed: { until: s.until.toISOString(), reason: s.reason } });
    });
  const list = query.view === 'snoozed' ? snoozed : open;
  const pages = Math.max(1, Math.ceil(list.length / perPage));
  const page = Math.min(query.page, pages);
  const shown = list.slice((page - 1) * perPage, page * perPage);
  return { items: shown, total: list.length, openCount: open.length, snoozedCount: snoozed.length, page, pages, view: query.view };
}

/** Leadership and admin: every CSM's queue length (snoozed items left out) and oldest item. */
export async function summariseQueues({ now = new Date() }: { now?: Date } = {}) {
  const [queues, snoozes, csms] = await Promise.all([
    collectQueues(null, now),
    snoozesInForce(null, now),
    User.find({ role: 'cs' }).select('name email active').sort({ name: 1 }).lean(),
  ]);
  const snoozedBy = new Map<string, Set<string>>();
  for (const s of snoozes) {
    const user = String(s.userId);
    snoozedBy.set(user, (snoozedBy.get(user) ?? new Set()).add(workItemKey(s)));
  }
  // Per CSM: the kept counts, less the few snoozed items (no walk over every item).
  const byCsm = new Map<string, { count: number; snoozed: number; oldest: WorkItem | null }>();
  for (const [csmId, queue] of queues) {
    const snoozedKeys = snoozedBy.get(csmId) ?? new Set<string>();
    const snoozed = [...snoozedKeys].filter((key) => queue.byKey.has(key)).length;
    const oldest = queue.oldestFirst.find((item) => !snoozedKeys.has(workItemKey(item))) ?? null;
    byCsm.set(csmId, { count: queue.ranked.length - snoozed, snoozed, oldest });
  }
  return csms
    .map((u) => {
      const e = byCsm.get(String(u._id)) ?? { count: 0, snoozed: 0, oldest: null };
      return {
        id: String(u._id),
        name: u.name + (u.active === false ? ' (inactive)' : ''),
        count: e.count,
        snoozed: e.snoozed,
        oldest: e.oldest ? { what: e.oldest.what, accountName: e.oldest.accountName, dueAt: e.oldest.dueAt, daysOverdue: e.oldest.daysOverdue } : null,
      };
    })
    .filter((s) => s.count > 0 || s.snoozed > 0 || !s.name.endsWith('(inactive)'))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** A CS user's name, for the heading of a queue leadership opened (null: not a CS user). */
export async function csmName(id: string) {
  const u = await User.findOne({ _id: id, role: 'cs' }).select('name').lean();
  return u?.name ?? null;
}

/** The length of a CSM's queue and its first items (the CS home's first panel). */
export async function workQueuePanel({ csmId, now = new Date(), limit = 5 }: { csmId: string; now?: Date; limit?: number }) {
  const view = await listWorkQueue({ csmId, query: { view: 'open', page: 1 }, now, perPage: limit });
  return { items: view.items, total: view.total, snoozedCount: view.snoozedCount };
}

// ---------------------------------------------------------------------------------------------
// Snoozes (audited)

export type SnoozeResult = { ok: true; message: string } | { ok: false; error: string };

/** Hides one item of the user's own queue until the end of `until` (a second snooze moves the date). */
export async function snoozeItem({ user, input, now = new Date() }: { user: SessionUser; input: SnoozeInput; now?: Date }): Promise<SnoozeResult> {
  // Only an item that is in the user's queue now can be snoozed (no snoozes of someone else's work).
  const { ranked } = (await collectQueues(user.id, now)).get(user.id) ?? NO_QUEUE;
  const item = ranked.find((i) => i.kind === input.kind && i.itemId === input.itemId);
  if (!item) return { ok: false, error: 'That item is no longer in your queue.' };
  const until = snoozeEnd(input.until);
  await WorkSnooze.updateOne(
    { userId: user.id, kind: input.kind, itemId: input.itemId },
    { $set: { until, reason: input.reason, at: now }, $setOnInsert: { userId: user.id, kind: input.kind, itemId: input.itemId } },
    { upsert: true },
  );
  await recordAudit({
    actorId: user.id,
    action: 'work.snoozed',
    entityType: 'work-item',
    entityId: workItemKey(input),
    data: { until, reason: input.reason, account: item.accountName },
    now,
  });
  return { ok: true, message: `Snoozed until ${input.until}: ${item.what} (${item.accountName}).` };
}

/** Brings a snoozed item back at once. */
export async function wakeItem({ user, kind, itemId, now = new Date() }: { user: SessionUser; kind: WorkItemKind; itemId: string; now?: Date }): Promise<SnoozeResult> {
  const { deletedCount } = await WorkSnooze.deleteOne({ userId: user.id, kind, itemId });
  if (!deletedCount) return { ok: false, error: 'That item is not snoozed.' };
  await recordAudit({ actorId: user.id, action: 'work.woken', entityType: 'work-item', entityId: workItemKey({ kind, itemId }), now });
  return { ok: true, message: 'Back in your queue.' };
}
