// Buyer tasks (docs/buyer-tasks.md): the exit criteria of a stage that need the buyer, as tasks with
// owners on the buyer's side, a due date and comments from both sides. Opened when their stage
// starts (app/buyer-tasks/open.server.ts), completed by the buyer on the shared plan page: the
// completion is the journey's buyer confirmation, recorded by plan.server.ts.
import { Types } from 'mongoose';
import { z } from 'zod';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { BuyerTask } from '#models/buyer-task';
import { Contact } from '#models/contact';
import { Journey } from '#models/journey';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { readEachById } from '#app/platform/pool';
import { contactsOfAccounts, tasksOfJourney } from '#app/journeys/children.server';
import { confirmOnPlan, findLiveToken } from '#app/journeys/plan.server';
import { buyerLocale } from '#app/i18n/locale.server';
import { translator } from '#app/i18n/messages';
import { taskMessages } from '#app/i18n/messages/tasks';
import { COMMENT_MAX, daysBetween, taskState } from '#app/buyer-tasks/task-rules';

type Id = string | Types.ObjectId;
const OBJECT_ID = /^[a-f0-9]{24}$/i;
/** A task keeps at most this many comments (a thread, not a chat). */
export const MAX_COMMENTS = 100;

// ---------------------------------------------------------------------------------------------
// Forms (plan page and CS journey page)

const commentText = z
  .string()
  .transform((s) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim())
  .pipe(z.string().min(1, 'Write a comment first.').max(COMMENT_MAX, `Keep it under ${COMMENT_MAX} characters.`));
const taskId = z.string().regex(OBJECT_ID, 'Choose a task.');

export const CompleteTaskSchema = z.object({ taskId });
export const TaskCommentSchema = z.object({ taskId, text: commentText });
/** The owners form: several `ownerIds` checkboxes, so parse `{ taskId, ownerIds: formData.getAll('ownerIds') }`. */
export const TaskOwnersSchema = z.object({
  taskId,
  ownerIds: z.array(z.string().regex(OBJECT_ID, 'Choose contacts of this account.')).max(20, 'Choose at most 20 owners.'),
});
/** The owners form's fields one value at a time (what the intent dispatcher reads before the route reads every `ownerIds`). */
export const TaskOwnersFieldsSchema = z.object({ taskId, ownerIds: z.string().regex(OBJECT_ID, 'Choose contacts of this account.').optional() });
/** The owners form with every checked `ownerIds`; its errors keyed `ownerIds` (where the page shows them). */
export function parseTaskOwners(taskId: string, ownerIds: unknown[]) {
  const parsed = TaskOwnersSchema.safeParse({ taskId, ownerIds });
  if (parsed.success) return { ok: true as const, data: parsed.data };
  return { ok: false as const, errors: { ownerIds: [...new Set(parsed.error.issues.map((i) => i.message))] } };
}
export const TaskDueSchema = z.object({
  taskId,
  dueOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Pick a date.')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T12:00:00Z`)), 'Pick a real date.'),
});

/** Those of `ids` that are contacts of the account, each read by `_id` (an `$in` query scans every contact on FerretDB). */
async function contactsOfThisAccount(ids: unknown[], accountId: Id, select: string) {
  const read = await readEachById(ids, (id) => Contact.findById(id).select(select).lean(), { size: 8 });
  return read.filter((c) => String(c.accountId) === String(accountId));
}

// ---------------------------------------------------------------------------------------------
// The plan page

type Comment = { side: string; authorName: string; text: string; at: Date };
const commentView = (c: Comment) => ({ side: c.side as 'buyer' | 'staff', authorName: c.authorName, text: c.text, at: c.at.toISOString() });

/** The buyer's view of the tasks of the journey's current stage (null for a bad link). Reads only. */
export async function getPlanTasks({ token, now = new Date() }: { token: string; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const j = await Journey.findById(t.journeyId).select('stage accountId').lean();
  if (!j) return null;
  const [tasks, contact, account] = await Promise.all([
    tasksOfJourney(j._id, j.stage).then((list) => list.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (String(a._id) < String(b._id) ? -1 : 1))),
    Contact.findById(t.contactId).select('language').lean(),
    Account.findById(j.accountId).select('language').lean(),
  ]);
  const ownerIds = [...new Set(tasks.flatMap((task) => task.ownerIds.map(String)))];
  const owners = new Map((await contactsOfThisAccount(ownerIds, j.accountId, 'name accountId')).map((c) => [String(c._id), c.name]));
  return {
    locale: await buyerLocale({ contact, account }),
    contactId: String(t.contactId),
    tasks: tasks.map((task) => ({
      id: String(task._id),
      criterionKey: task.criterionKey,
      title: task.title,
      state: taskState(task, now),
      dueAt: task.dueAt.toISOString(),
      owners: task.ownerIds.map((id) => owners.get(String(id))).filter((n): n is string => Boolean(n)),
      mine: task.ownerIds.some((id) => String(id) === String(t.contactId)),
      doneAt: task.doneAt?.toISOString() ?? null,
      doneVia: task.doneVia ?? null,
      doneByName: task.doneByName ?? null,
      comments: task.comments.map(commentView),
    })),
  };
}

type PlanOutcome = { ok: boolean; message: string; status?: number; errors?: Record<string, string[]> };

/** The token's task, only if it belongs to the token's journey (a link reaches its own journey only). */
async function tokenTask(token: string, id: string, now: Date) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const [task, tr] = await Promise.all([BuyerTask.findOne({ _id: id, journeyId: t.journeyId }).lean(), planTranslator(t.contactId)]);
  return { t, task, tr };
}

/**
 * The buyer completes a task on the plan page: the plan page's own buyer confirmation is recorded
 * (confirmOnPlan, once per criterion and contact) and the task is done. A double submit is
 * answered "already done"; a task of a stage that ended cannot be completed any more.
 */
export async function completeTaskOnPlan({ token, taskId: id, now = new Date() }: { token: string; taskId: string; now?: Date }): Promise<PlanOutcome | null> {
  const found = await tokenTask(token, id, now);
  if (!found) return null;
  const { t, task, tr } = found;
  if (!task) return { ok: false, status: 404, message: tr('notYours') };
  if (task.status === 'done') return { ok: true, message: tr('alreadyDone') };
  const j = await Journey.findById(t.journeyId).select('stage').lean();
  if (!j || j.stage !== task.stage) return { ok: false, status: 409, message: tr('stageOver') };
  const confirmed = await confirmOnPlan({ token, criterionKey: task.criterionKey, now });
  if (!confirmed) return null;
  if (!confirmed.ok) return { ok: false, status: 409, message: tr('stageOver') };
  const { modifiedCount } = await BuyerTask.updateOne({ _id: task._id, status: 'open' }, { $set: { status: 'done', doneAt: now, doneVia: 'buyer', doneByName: t.contactName } });
  return { ok: true, message: modifiedCount ? tr('completed') : tr('alreadyDone') };
}

/** A buyer's comment on one of their journey's tasks (plain text, at most COMMENT_MAX characters). */
export async function commentOnPlan({ token, taskId: id, text, now = new Date() }: { token: string; taskId: string; text: string; now?: Date }): Promise<PlanOutcome | null> {
  const found = await tokenTask(token, id, now);
  if (!found) return null;
  const { t, task, tr } = found;
  if (!task) return { ok: false, status: 404, message: tr('notYours') };
  const added = await addComment(task._id, { side: 'buyer', authorId: t.contactId, authorName: t.contactName, text, at: now });
  if (!added) return { ok: false, status: 409, message: tr('tooManyComments') };
  return { ok: true, message: tr('commentAdded') };
}

async function addComment(id: Id, comment: { side: 'buyer' | 'staff'; authorId: Id; authorName: string; text: string; at: Date }) {
  const { modifiedCount } = await BuyerTask.updateOne(
    { _id: id, [`comments.${MAX_COMMENTS - 1}`]: trusted({ $exists: false }) },
    { $push: { comments: { _id: new Types.ObjectId(), ...comment } } },
  );
  return modifiedCount === 1;
}

// ---------------------------------------------------------------------------------------------
// The CS journey page

function requireWriter(user: SessionUser) {
  if (user.role !== 'admin' && user.role !== 'cs') throw new Response(`Your role (${user.role}) cannot change journeys.`, { status: 403 });
}

/** Who on the buyer's side owes what on this journey, and since when; with the account's contacts to choose owners from. */
export async function getJourneyTasks({ journeyId, now = new Date() }: { journeyId: string; now?: Date }) {
  if (!OBJECT_ID.test(journeyId)) return null;
  const j = await Journey.findById(journeyId).select('accountId stage').lean();
  if (!j) return null;
  const [tasks, contacts] = await Promise.all([
    tasksOfJourney(j._id).then((list) => list.sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || (String(a._id) < String(b._id) ? -1 : 1))),
    contactsOfAccounts([j.accountId], 'name email emailStatus').then((list) => list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))),
  ]);
  const names = new Map(contacts.map((c) => [String(c._id), c.name]));
  return {
    contacts: contacts.map((c) => ({ id: String(c._id), name: c.name, email: c.email, emailStatus: c.emailStatus ?? 'ok' })),
    tasks: tasks.map((task) => ({
      id: String(task._id),
      title: task.title,
      stage: task.stage,
      stageName: task.stageName,
      current: task.stage === j.stage,
      state: taskState(task, now),
      owners: task.ownerIds.map((id) => ({ id: String(id), name: names.get(String(id)) ?? 'a removed contact' })),
      openedAt: task.openedAt.toISOString(),
      openDays: daysBetween(task.openedAt, task.doneAt ?? now),
      dueAt: task.dueAt.toISOString(),
      dueSetBy: task.dueSetBy as 'sla' | 'cs',
      doneAt: task.doneAt?.toISOString() ?? null,
      doneVia: task.doneVia ?? null,
      doneByName: task.doneByName ?? null,
      comments: task.comments.map(commentView),
    })),
  };
}

type StaffOutcome = { ok: true } | { ok: false; status: number; message?: string; errors?: Record<string, string[]> } | null;

async function journeyTask(journeyId: string, id: string) {
  if (!OBJECT_ID.test(journeyId)) return null;
  return BuyerTask.findOne({ _id: id, journeyId }).select('accountId ownerIds dueAt title').lean();
}

/** CS sets who on the buyer's side owes a task (contacts of the account; none is allowed, and shown). */
export async function setTaskOwners({
  user,
  journeyId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  input: z.infer<typeof TaskOwnersSchema>;
  now?: Date;
}): Promise<StaffOutcome> {
  requireWriter(user);
  const task = await journeyTask(journeyId, input.taskId);
  if (!task) return null;
  const ids = [...new Set(input.ownerIds)];
  const found = await contactsOfThisAccount(ids, task.accountId, '_id accountId');
  if (found.length !== ids.length) return { ok: false, status: 400, errors: { ownerIds: ['Choose contacts of this account.'] } };
  await BuyerTask.updateOne({ _id: task._id }, { $set: { ownerIds: ids } });
  await recordAudit({
    actorId: user.id,
    action: 'buyer_task.owners_set',
    entityType: 'journey',
    entityId: journeyId,
    data: { taskId: input.taskId, title: task.title, from: task.ownerIds.map(String), to: ids },
    now,
  });
  return { ok: true };
}

/** CS sets a task's due date; the reminders of the old date ("due soon", "overdue") may come again for the new one. */
export async function setTaskDue({
  user,
  journeyId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  input: z.infer<typeof TaskDueSchema>;
  now?: Date;
}): Promise<StaffOutcome> {
  requireWriter(user);
  const task = await journeyTask(journeyId, input.taskId);
  if (!task) return null;
  const dueAt = new Date(`${input.dueOn}T12:00:00Z`);
  await BuyerTask.updateOne({ _id: task._id }, { $set: { dueAt, dueSetBy: 'cs' }, $pull: { notices: { kind: { $in: ['due_soon', 'overdue'] } } } });
  await recordAudit({
    actorId: user.id,
    action: 'buyer_task.due_set',
    entityType: 'journey',
    entityId: journeyId,
    data: { taskId: input.taskId, title: task.title, from: task.dueAt.toISOString().slice(0, 10), to: input.dueOn },
    now,
  });
  return { ok: true };
}

/** A comment from the vendor's side, shown to the buyer on the plan page; audited. */
export async function commentAsStaff({
  user,
  journeyId,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  journeyId: string;
  input: z.infer<typeof TaskCommentSchema>;
  now?: Date;
}): Promise<StaffOutcome> {
  requireWriter(user);
  const task = await journeyTask(journeyId, input.taskId);
  if (!task) return null;
  if (!(await addComment(task._id, { side: 'staff', authorId: user.id, authorName: user.name, text: input.text, at: now }))) {
    return { ok: false, status: 409, message: `This task already has ${MAX_COMMENTS} comments.` };
  }
  await recordAudit({
    actorId: user.id,
    action: 'buyer_task.commented',
    entityType: 'journey',
    entityId: journeyId,
    data: { taskId: input.taskId, title: task.title, text: input.text },
    now,
  });
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// The plan page's two task forms, parsed and answered in the buyer's language

export const TASK_INTENTS = ['task-complete', 'task-comment'] as const;

/**
 * Runs the plan page's `task-complete` or `task-comment` form (zod-parsed here): the answer to show
 * next to the form, with its status, or null for a bad link (the page answers as for any bad link).
 */
export async function buyerTaskAction({ token, values, now = new Date() }: { token: string; values: Record<string, string>; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const tr = await planTranslator(t.contactId);
  if (values.intent === 'task-comment') {
    const parsed = TaskCommentSchema.safeParse(values);
    if (!parsed.success) {
      const errors = { text: [tr('commentInvalid', { max: COMMENT_MAX })] };
      return { status: 400, result: { ok: false, message: tr('commentInvalid', { max: COMMENT_MAX }), errors, values } };
    }
    const result = await commentOnPlan({ token, ...parsed.data, now });
    return result && { status: result.ok ? 200 : (result.status ?? 409), result: { ok: result.ok, message: result.message, ...(result.ok ? {} : { values }) } };
  }
  const parsed = CompleteTaskSchema.safeParse(values);
  if (!parsed.success) return { status: 400, result: { ok: false, message: tr('chooseTask') } };
  const result = await completeTaskOnPlan({ token, ...parsed.data, now });
  return result && { status: result.ok ? 200 : (result.status ?? 409), result: { ok: result.ok, message: result.message } };
}

async function planTranslator(contactId: Id) {
  const contact = await Contact.findById(contactId).select('language accountId').lean();
  const account = contact ? await Account.findById(contact.accountId).select('language').lean() : null;
  return translator(taskMessages, await buyerLocale({ contact, account }));
}
