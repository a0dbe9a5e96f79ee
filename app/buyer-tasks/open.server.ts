// Opening and closing buyer tasks (docs/buyer-tasks.md). A stage's tasks open when the stage starts,
// once per (journey, stage, criterion) whoever opens them: a unique index and
// insertIgnoringDuplicates. The openers: starting a journey (startJourneyForDeal, the CSV import in
// bulk), a stage change (reactions.server.ts), the worker's sweep. This module reads journeys only
// through the models and the pure rules, so starting a journey can open its tasks without a cycle.
import { Types } from 'mongoose';
import { BuyerTask } from '#models/buyer-task';
import { Journey } from '#models/journey';
import { insertIgnoringDuplicates, trusted } from '#app/platform/db.server';
import { buyerCanConfirm, isSatisfied, type EvidenceLike } from '#app/journeys/journey-rules';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { contactsOfAccounts, planLinksOfJourney, tasksOfJourney } from '#app/journeys/children.server';
import type { CriterionDef, StageDef } from '#app/journeys/playbook-rules';
import { defaultDueAt } from '#app/buyer-tasks/task-rules';

type Id = string | Types.ObjectId;

/** What a stage's tasks are built from: the journey's current stage and its evidence. */
export type JourneyForTasks = {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  stageIndex: number;
  stageEnteredAt: Date;
  playbookKey?: string | null;
  playbookVersion: number;
  evidence: EvidenceLike[];
  liveAt?: Date | null;
};
const JOURNEY_FIELDS = 'accountId stage stageIndex stageEnteredAt playbookKey playbookVersion evidence liveAt';

/** Who owes a new task: the contact of the journey's latest plan link, else the account's primary contact, else its first. */
async function defaultOwners(journeyId: Id, accountId: Id) {
  const [links, contacts] = await Promise.all([planLinksOfJourney(String(journeyId), 'contactId createdAt'), contactsOfAccounts([accountId], '_id isPrimary createdAt')]);
  const latest = links[0];
  if (latest && contacts.some((c) => String(c._id) === String(latest.contactId))) return [latest.contactId];
  const ordered = contacts.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  const first = ordered.find((c) => c.isPrimary) ?? ordered[0];
  return first ? [first._id] : [];
}

/** The journey's current stage and its criteria the buyer confirms; null when it has none to open. */
async function buyerCriteria(j: JourneyForTasks): Promise<{ stage: StageDef; criteria: CriterionDef[] } | null> {
  if (j.liveAt) return null;
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  const stage = playbook?.stages[j.stageIndex];
  if (!stage || stage.terminal) return null;
  const criteria = stage.criteria.filter((c) => buyerCanConfirm(c));
  return criteria.length ? { stage, criteria } : null;
}

/** One task per criterion, due at the stage's SLA; a criterion already met (CS's evidence) opens as done. */
function taskDocs(j: JourneyForTasks, { stage, criteria }: { stage: StageDef; criteria: CriterionDef[] }, ownerIds: Types.ObjectId[], now: Date) {
  const dueAt = defaultDueAt(j.stageEnteredAt, stage.slaDays);
  return criteria.map((c) => {
    const met = isSatisfied(stage.key, c, j.evidence);
    return {
      _id: new Types.ObjectId(),
      journeyId: j._id,
      accountId: j.accountId,
      stage: stage.key,
      stageName: stage.name,
      criterionKey: c.key,
      title: c.buyerAction,
      ownerIds,
      openedAt: now,
      dueAt,
      dueSetBy: 'sla',
      status: met ? 'done' : 'open',
      ...(met ? { doneAt: now, doneVia: 'evidence' } : {}),
      comments: [],
      notices: [],
      createdAt: now,
      updatedAt: now,
    };
  });
}

/**
 * Opens the tasks of the stage a journey is in (once per journey, stage and criterion: a second call,
 * the sweep or a concurrent opener opens nothing more). `stageKey`: only if the journey is still in
 * that stage. Returns how many it opened.
 */
export async function openStageTasks({ journeyId, stageKey, now }: { journeyId: Id; stageKey?: string; now: Date }) {
  const j = await Journey.findById(journeyId).select(JOURNEY_FIELDS).lean();
  if (!j || (stageKey && j.stage !== stageKey)) return 0;
  const opening = await buyerCriteria(j);
  if (!opening) return 0;
  const owners = await defaultOwners(j._id, j.accountId);
  return (await insertIgnoringDuplicates(BuyerTask, taskDocs(j, opening, owners, now))).size;
}

/**
 * The first stage's tasks of the journeys a CSV import batch just started: one insert for the batch
 * and no read per journey (100,000 rows, docs/scale.md). A journey just started has no plan link, so
 * it is owed by its account's primary contact, which the import knows (`ownerIds`; empty for an
 * account without contacts). A journey whose owner the import does not know (`ownerIds: null`)
 * opens alone through openStageTasks. Returns how many it opened.
 */
export async function openStartedJourneysTasks({ started, now }: { started: Array<{ journey: JourneyForTasks; ownerIds: Types.ObjectId[] | null }>; now: Date }) {
  const docs: ReturnType<typeof taskDocs> = [];
  const alone: Types.ObjectId[] = [];
  for (const { journey, ownerIds } of started) {
    if (!ownerIds) {
      alone.push(journey._id);
      continue;
    }
    const opening = await buyerCriteria(journey);
    if (opening) docs.push(...taskDocs(journey, opening, ownerIds, now));
  }
  let opened = (await insertIgnoringDuplicates(BuyerTask, docs)).size;
  for (const journeyId of alone) opened += await openStageTasks({ journeyId, now });
  return opened;
}

/** A stage ended: its open tasks stop (no more reminders); they show as closed with the stage. */
export async function closeStageTasks({ journeyId, stageKey, now }: { journeyId: Id; stageKey: string; now: Date }) {
  // By `_id`: a filter on the journey would scan every task, and the change feed would not know which changed.
  const open = (await tasksOfJourney(journeyId, stageKey)).filter((t) => t.status === 'open').map((t) => t._id);
  if (open.length === 0) return 0;
  const { modifiedCount } = await BuyerTask.updateMany({ _id: trusted({ $in: open }), status: 'open' }, { $set: { status: 'done', doneAt: now, doneVia: 'stage_left' } });
  return modifiedCount;
}

/**
 * The repair for an opener that failed or never ran (a process that died between a save and the
 * opening): opens the tasks of every journey that started, or entered its stage, since `since` (a
 * journey starts in its first stage at the deal's close, which may be days before its start). A
 * stage whose tasks are all open already is passed over without a read: after an import of 100,000
 * rows the sweep meets those journeys every hour for days.
 */
export async function openMissingTasks({ since, now }: { since: Date; now: Date }) {
  // Tasks are opened at or after their stage starts, so those of these journeys were opened since `since`.
  const openedPerStage = new Map<string, number>();
  for await (const t of BuyerTask.find({ openedAt: trusted({ $gte: since }) })
    .select('journeyId stage')
    .lean()
    .cursor()) {
    const key = `${String(t.journeyId)}:${t.stage}`;
    openedPerStage.set(key, (openedPerStage.get(key) ?? 0) + 1);
  }
  let opened = 0;
  const cursor = Journey.find({ $or: [{ stageEnteredAt: trusted({ $gte: since }) }, { createdAt: trusted({ $gte: since }) }], liveAt: null })
    .select(JOURNEY_FIELDS)
    .lean()
    .cursor();
  for await (const j of cursor) {
    const opening = await buyerCriteria(j);
    if (!opening || (openedPerStage.get(`${String(j._id)}:${opening.stage.key}`) ?? 0) >= opening.criteria.length) continue;
    opened += await openStageTasks({ journeyId: j._id, now });
  }
  return { opened };
}
