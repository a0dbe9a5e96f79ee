import { describe, expect, test } from 'vitest';
import { BuyerTask } from '#models/buyer-task';
import { EmailMessage } from '#models/email-message';
import { Journey } from '#models/journey';
import { taskState } from '#app/buyer-tasks/task-rules';
import { sendBuyerTaskReminders } from '#app/buyer-tasks/reminders.server';
import { seedBuyerTaskDemo } from '#scripts/seed/buyer-tasks';
import { seedDemoData } from '#scripts/seed/demo';

const now = new Date('2026-12-08T10:00:00Z');

describe('buyer task demo data', () => {
  test('tasks in every state, done ones with their buyer confirmation, comments from both sides; a second run adds nothing', async () => {
    await seedDemoData({ accounts: 20, seed: 42, now });
    const { opened } = await seedBuyerTaskDemo({ now, log: () => undefined });
    expect(opened).toBeGreaterThan(5);
    const tasks = await BuyerTask.find({}).lean();
    expect(new Set(tasks.map((t) => taskState(t, now)))).toEqual(new Set(['open', 'due_soon', 'overdue', 'done']));
    expect(tasks.some((t) => t.comments.some((c) => c.side === 'buyer') && t.comments.some((c) => c.side === 'staff'))).toBe(true);
    const done = tasks.find((t) => t.doneVia === 'buyer')!;
    const journey = await Journey.findById(done.journeyId).lean();
    expect(journey!.evidence.some((e) => e.kind === 'buyer_confirmation' && e.criterionKey === done.criterionKey && e.stage === done.stage)).toBe(true);

    // The reminders of past days count as sent: the first worker run emails only what is due today.
    await sendBuyerTaskReminders({ now, owner: 'seed-test' });
    const emails = await EmailMessage.countDocuments({ template: 'buyer-tasks' });
    expect(emails).toBeLessThan(tasks.filter((t) => t.status === 'open').length);

    expect((await seedBuyerTaskDemo({ now, log: () => undefined })).opened).toBe(0);
    expect(await BuyerTask.countDocuments({})).toBe(tasks.length);
  });
});
