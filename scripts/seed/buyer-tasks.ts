// Demo buyer tasks (docs/buyer-tasks.md): every journey that is not live gets the tasks of its
// stage, as the reaction to its stage start would have opened them, and a few are set to show every
// state: open, due soon, overdue, done by the buyer (with the buyer confirmation recorded the way the
// plan page records it) and with comments from both sides. The reminders of the past count as sent,
// so the worker emails only what becomes due from now on. Idempotent: a second run changes nothing.
import { Types } from 'mongoose';
import { BuyerTask } from '#models/buyer-task';
import { Contact } from '#models/contact';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import { trusted } from '#app/platform/db.server';
import { openStageTasks } from '#app/buyer-tasks/open.server';
import { kindsCovered, reminderDue, utcDay, type ReminderKind } from '#app/buyer-tasks/task-rules';
import { recordBuyerConfirmation } from '#app/journeys/journey.server';

const DAY = 86_400_000;
const STATES = ['open', 'due_soon', 'overdue', 'done', 'commented'] as const;

export async function seedBuyerTaskDemo({ now = new Date(), log = console.log }: { now?: Date; log?: (line: string) => void } = {}) {
  const journeys = await Journey.find({ liveAt: null }).select('_id stageEnteredAt csmId').sort({ _id: 1 }).lean();
  let opened = 0;
  for (const j of journeys) opened += await openStageTasks({ journeyId: j._id, now: j.stageEnteredAt });
  if (opened === 0) {
    log('Buyer tasks: already seeded');
    return { opened: 0 };
  }
  const csm = await User.findOne({ email: 'cs@kept.demo' }).select('name').lean();
  const shaped: Record<string, number> = {};
  let n = 0;
  // The journeys of the demo CSM first, so cs@kept.demo sees every state on their own journeys.
  const ordered = [...journeys].sort((a, b) => Number(String(b.csmId) === String(csm?._id)) - Number(String(a.csmId) === String(csm?._id)));
  for (const j of ordered) {
    const tasks = await BuyerTask.find({ journeyId: j._id, status: 'open', createdAt: trusted({ $gte: j.stageEnteredAt }) })
      .sort({ criterionKey: 1 })
      .lean();
    for (const task of tasks) {
      const state = STATES[n++ % STATES.length];
      const owner = task.ownerIds[0] ? await Contact.findById(task.ownerIds[0]).select('name email').lean() : null;
      if (state === 'due_soon') await BuyerTask.updateOne({ _id: task._id }, { $set: { dueAt: new Date(now.getTime() + DAY) } });
      if (state === 'overdue' && task.dueAt > now) await BuyerTask.updateOne({ _id: task._id }, { $set: { dueAt: new Date(now.getTime() - 3 * DAY), dueSetBy: 'cs' } });
      if (state === 'done' && owner) {
        const at = new Date(Math.min(now.getTime() - DAY, task.openedAt.getTime() + 2 * DAY));
        await recordBuyerConfirmation({
          journeyId: String(j._id),
          stageKey: task.stage,
          criterionKey: task.criterionKey,
          contact: { id: String(owner._id), name: owner.name, email: owner.email },
          now: at,
        });
        await BuyerTask.updateOne({ _id: task._id }, { $set: { status: 'done', doneAt: at, doneVia: 'buyer', doneByName: owner.name } });
      }
      if (state === 'commented' && owner && csm) {
        const at = (days: number) => new Date(Math.min(now.getTime() - DAY, task.openedAt.getTime() + days * DAY));
        await BuyerTask.updateOne(
          { _id: task._id },
          {
            $push: {
              comments: {
                $each: [
                  {
                    _id: new Types.ObjectId(),
                    side: 'buyer',
                    authorId: owner._id,
                    authorName: owner.name,
                    text: 'Our IT lead is back on Monday; we will confirm then.',
                    at: at(1),
                  },
                  { _id: new Types.ObjectId(), side: 'staff', authorId: csm._id, authorName: csm.name, text: 'Thanks! Monday works. I moved our check-in to Tuesday.', at: at(2) },
                ],
              },
            },
          },
        );
      }
      shaped[state] = (shaped[state] ?? 0) + 1;
      // The reminders of the days before today count as sent.
      const fresh = (await BuyerTask.findById(task._id).select('openedAt dueAt ownerIds status').lean())!;
      const yesterday = new Date(now.getTime() - DAY);
      const due = fresh.status === 'open' ? reminderDue(fresh, [], yesterday) : null;
      if (due) {
        const notices = fresh.ownerIds.flatMap((contactId) => kindsCovered(due as ReminderKind).map((kind) => ({ contactId, kind, day: utcDay(yesterday) })));
        await BuyerTask.updateOne({ _id: task._id }, { $set: { notices } });
      }
    }
  }
  log(
    `Buyer tasks: ${opened} opened on ${journeys.length} journeys (${Object.entries(shaped)
      .map(([s, c]) => `${c} ${s.replace('_', ' ')}`)
      .join(', ')})`,
  );
  return { opened };
}
