// Buyer task reminders (docs/buyer-tasks.md, "Reminders"): an email when a task opens, a day before it
// is due and a day after, at most one email per buyer per day (all their tasks in it), and on Mondays
// a digest of their open tasks. A worker step: the day's plan of each buyer's email is written once
// (BuyerTaskNotice, its _id `buyer-tasks:<contactId>:<day>`) already leased to the worker that wrote
// it, then sent through the outbox under its key and marked on the tasks. Two workers: one writes the
// plan, the other skips it. A worker killed mid-step: its lease runs out, another worker claims the
// plan and sends it again under the same key, which the outbox stores once.
import { createElement } from 'react';
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { BuyerTask } from '#models/buyer-task';
import { BuyerTaskNotice } from '#models/buyer-task-notice';
import { Contact } from '#models/contact';
import { Journey } from '#models/journey';
import { BuyerTasksEmail, type BuyerTaskEmailItem } from '#emails/buyer-tasks';
import { buyerEmailBrand } from '#app/branding/brand.server';
import { sendEmail } from '#app/email/email.server';
import { createUnsubscribeLink } from '#app/email/unsubscribe.server';
import { buyerLocale } from '#app/i18n/locale.server';
import { translator } from '#app/i18n/messages';
import { taskMessages } from '#app/i18n/messages/tasks';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { isSatisfied } from '#app/journeys/journey-rules';
import { createPlanToken } from '#app/journeys/plan.server';
import { insertOnce, trusted } from '#app/platform/db.server';
import { recordBatchWrite } from '#app/platform/change-feed.server';
import { claim, complete, release, type Lease } from '#app/platform/lease.server';
import { appUrl } from '#app/utils/link-token.server';
import { kindsCovered, noticeEmailKey, noticeIdFor, planNotices, utcDay, type NoticeItemKind, type ReminderKind } from '#app/buyer-tasks/task-rules';

const LEASE_MS = 2 * 60_000;

type Notice = Lease & { _id: string; contactId: Types.ObjectId; day: string; emailKey: string; digest: boolean; items: { taskId: Types.ObjectId; kind: NoticeItemKind }[] };
type TaskInput = { now: Date; owner: string; signal?: AbortSignal; limit?: number };

/**
 * Worker task: first the plans a killed worker left unsent (their lease ran out), then today's new
 * ones. Returns how many emails it queued; `more` when it stopped at its limit.
 */
export async function sendBuyerTaskReminders({ now, owner, signal, limit = 200 }: TaskInput) {
  let queued = 0;
  let skipped = 0;
  let handled = 0;
  const count = (outcome: 'sent' | 'skipped' | 'retry') => {
    handled++;
    if (outcome === 'sent') queued++;
    if (outcome === 'skipped') skipped++;
  };
  // 1. Plans left unsent.
  while (handled < limit && !signal?.aborted) {
    const left = await claim<Notice>({ model: BuyerTaskNotice, filter: { sentAt: null, skippedAt: null }, now, owner, leaseMs: LEASE_MS });
    if (!left) break;
    count(await deliver(left, now));
  }
  // 2. Today's plans: every open task that owes its owners a reminder (or, on Mondays, the digest).
  const open = await BuyerTask.find({ status: 'open', 'ownerIds.0': trusted({ $exists: true }) })
    .select('ownerIds openedAt dueAt notices')
    .lean();
  if (open.length === 0) return { queued, skipped };
  const contactIds = [...new Set(open.flatMap((t) => t.ownerIds.map(String)))];
  const emailable = new Set(
    (
      await Contact.find({ _id: trusted({ $in: contactIds }), emailStatus: 'ok' })
        .select('_id')
        .lean()
    ).map((c) => String(c._id)),
  );
  const plans = planNotices(
    open.map((t) => ({
      id: String(t._id),
      ownerIds: t.ownerIds.map(String),
      openedAt: t.openedAt,
      dueAt: t.dueAt,
      notices: t.notices.map((n) => ({ contactId: String(n.contactId), kind: n.kind as ReminderKind })),
    })),
    now,
    (id) => emailable.has(id),
  );
  const ids = plans.map((p) => noticeIdFor(p.contactId, now));
  const planned = new Set(
    (
      await BuyerTaskNotice.find({ _id: trusted({ $in: ids }) })
        .select('_id')
        .lean()
    ).map((n) => n._id),
  );
  for (const plan of plans) {
    if (handled >= limit || signal?.aborted) return { queued, skipped, more: true };
    const _id = noticeIdFor(plan.contactId, now);
    if (planned.has(_id)) continue; // this buyer had their email of the day (or another worker is on it)
    const leaseExpiresAt = new Date(now.getTime() + LEASE_MS);
    const doc = {
      _id,
      contactId: new Types.ObjectId(plan.contactId),
      day: utcDay(now),
      emailKey: noticeEmailKey(plan.contactId, now, plan.digest),
      digest: plan.digest,
      items: plan.items.map((i) => ({ taskId: new Types.ObjectId(i.taskId), kind: i.kind })),
      sentAt: null,
      skippedAt: null,
      leaseOwner: owner,
      leaseExpiresAt,
      leaseGen: 1,
    };
    if (!(await insertOnce(BuyerTaskNotice, doc))) continue;
    count(await deliver({ ...doc, leaseOwner: owner, leaseGen: 1, leaseExpiresAt } as Notice, now));
  }
  return { queued, skipped };
}

/** Sends one planned email (or skips it when nothing is left to say) and marks its tasks. */
async function deliver(notice: Notice, now: Date): Promise<'sent' | 'skipped' | 'retry'> {
  const skip = async () => {
    await complete({ model: BuyerTaskNotice, lease: notice, now, update: { $set: { skippedAt: now } } });
    return 'skipped' as const;
  };
  // A plan of an earlier day left unsent: today's plan (step 2) carries what is still owed, today.
  if (notice.day !== utcDay(now)) return skip();
  const contact = await Contact.findById(notice.contactId).select('name email emailStatus accountId language').lean();
  if (!contact || contact.emailStatus !== 'ok') return skip();
  const tasks = await BuyerTask.find({ _id: trusted({ $in: notice.items.map((i) => i.taskId) }), status: 'open', ownerIds: contact._id }).lean();
  const journeys = new Map(
    (
      await Journey.find({ _id: trusted({ $in: [...new Set(tasks.map((t) => String(t.journeyId)))] }) })
        .select('accountName stage stageIndex playbookKey playbookVersion evidence liveAt')
        .lean()
    ).map((j) => [String(j._id), j]),
  );
  // Only what still waits for the buyer: the journey is in the task's stage and the criterion is not met.
  const waiting = [];
  for (const task of tasks) {
    const j = journeys.get(String(task.journeyId));
    if (!j || j.liveAt || j.stage !== task.stage) continue;
    const criterion = (await getPlaybookVersion(j.playbookVersion, j.playbookKey))?.stages[j.stageIndex]?.criteria.find((c) => c.key === task.criterionKey);
    if (criterion && isSatisfied(task.stage, criterion, j.evidence)) {
      await BuyerTask.updateOne({ _id: task._id, status: 'open' }, { $set: { status: 'done', doneAt: now, doneVia: 'evidence' } });
      continue;
    }
    waiting.push({ task, journey: j });
  }
  if (waiting.length === 0) return skip();

  const account = await Account.findById(contact.accountId).select('name language').lean();
  const locale = await buyerLocale({ contact, account });
  const kindOf = new Map(notice.items.map((i) => [String(i.taskId), i.kind]));
  const planUrls = new Map<string, string>();
  for (const { journey } of waiting) {
    const id = String(journey._id);
    if (planUrls.has(id)) continue;
    const token = await createPlanToken({
      journeyId: id,
      contact: { id: String(contact._id), name: contact.name, email: contact.email },
      stage: journey.stage,
      purpose: 'task_reminder',
      now,
    });
    planUrls.set(id, appUrl(`/plan/${token}`));
  }
  const items: BuyerTaskEmailItem[] = waiting.map(({ task }) => ({
    title: task.title,
    kind: kindOf.get(String(task._id)) ?? 'digest',
    dueAt: task.dueAt.toISOString(),
    planUrl: planUrls.get(String(task.journeyId))!,
  }));
  const accountName = account?.name ?? waiting[0].journey.accountName;
  const t = translator(taskMessages, locale);
  const unsubscribe = await createUnsubscribeLink({ contact: { id: contact._id, email: contact.email }, source: `buyer-tasks:${String(contact._id)}`, now });
  const { brand, ...sender } = await buyerEmailBrand();
  const sent = await sendEmail({
    key: notice.emailKey,
    template: 'buyer-tasks',
    to: contact.email,
    ...sender,
    subject: notice.digest ? t('emailSubjectDigest', { accountName }) : t('emailSubject', { count: items.length, accountName }),
    react: createElement(BuyerTasksEmail, { brand, locale, contactName: contact.name, accountName, digest: notice.digest, items, unsubscribeUrl: unsubscribe.url }),
    headers: unsubscribe.headers,
    meta: { entityType: 'contact', entityId: String(contact._id) },
    now,
  });
  if (!sent.ok) {
    // Nothing stored: give the plan back for the next cycle.
    await release({ model: BuyerTaskNotice, lease: notice });
    return 'retry';
  }
  // The reminders this email carried (and the earlier ones they make moot) are not sent again.
  const marks = waiting.flatMap(({ task }) => {
    const kind = kindOf.get(String(task._id));
    if (!kind || kind === 'digest') return [];
    const notices = kindsCovered(kind).map((k) => ({ contactId: contact._id, kind: k, day: notice.day }));
    return [{ updateOne: { filter: { _id: task._id }, update: { $addToSet: { notices: { $each: notices } } } } }];
  });
  if (marks.length) {
    await BuyerTask.bulkWrite(marks, { ordered: false });
    await recordBatchWrite(
      BuyerTask,
      marks.map((m) => m.updateOne.filter._id),
    );
  }
  await complete({ model: BuyerTaskNotice, lease: notice, now, update: { $set: { sentAt: now } } });
  return 'sent';
}
