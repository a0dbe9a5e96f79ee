import { describe, expect, test } from 'vitest';
import { defaultDueAt, isoWeek, kindsCovered, noticeEmailKey, noticeIdFor, planNotices, reminderDue, taskState, type TaskForNotice } from '#app/buyer-tasks/task-rules';

const day = (d: string, time = '09:00') => new Date(`${d}T${time}:00Z`);
// 2026-12-07 is a Monday; the task opens on Tuesday the 8th, due Friday the 11th.
const task = { openedAt: day('2026-12-08', '15:30'), dueAt: day('2026-12-11', '12:00') };

describe('which reminder a task owes a buyer on a day', () => {
  test('the day it opens: "opened", once', () => {
    expect(reminderDue(task, [], day('2026-12-08', '16:00'))).toBe('opened');
    expect(reminderDue(task, ['opened'], day('2026-12-08', '17:00'))).toBeNull();
    expect(reminderDue(task, ['opened'], day('2026-12-09'))).toBeNull();
  });

  test('a day before it is due: "due soon", and on the due day when that was missed', () => {
    expect(reminderDue(task, ['opened'], day('2026-12-10'))).toBe('due_soon');
    expect(reminderDue(task, ['opened'], day('2026-12-11', '23:00'))).toBe('due_soon');
    expect(reminderDue(task, ['opened', 'due_soon'], day('2026-12-11'))).toBeNull();
  });

  test('a day after it is due: "overdue", once, also when the buyer heard nothing before', () => {
    expect(reminderDue(task, ['opened', 'due_soon'], day('2026-12-12', '00:01'))).toBe('overdue');
    expect(reminderDue(task, [], day('2026-12-20'))).toBe('overdue');
    expect(reminderDue(task, ['overdue'], day('2026-12-20'))).toBeNull();
  });

  test('a task that opens the day before it is due gets "due soon" only', () => {
    const late = { openedAt: day('2026-12-10'), dueAt: day('2026-12-11') };
    expect(reminderDue(late, [], day('2026-12-10'))).toBe('due_soon');
    expect(kindsCovered('due_soon')).toEqual(['opened', 'due_soon']);
    expect(reminderDue(late, kindsCovered('due_soon'), day('2026-12-11'))).toBeNull();
  });

  test('nothing before the task opens', () => {
    expect(reminderDue({ openedAt: day('2026-12-20'), dueAt: day('2027-01-20') }, [], day('2026-12-19'))).toBeNull();
  });
});

describe('one email per buyer per day', () => {
  const t = (id: string, ownerIds: string[], over: Partial<TaskForNotice> = {}): TaskForNotice => ({ id, ownerIds, ...task, notices: [], ...over });
  const all = () => true;

  test('several tasks of one buyer go into one email, each with its own reminder', () => {
    const plans = planNotices(
      [t('a', ['anna']), t('b', ['anna'], { dueAt: day('2026-12-09') }), t('c', ['anna', 'bo'], { notices: [{ contactId: 'anna', kind: 'opened' }] })],
      day('2026-12-08', '18:00'),
      all,
    );
    expect(plans).toEqual([
      {
        contactId: 'anna',
        digest: false,
        items: [
          { taskId: 'a', kind: 'opened' },
          { taskId: 'b', kind: 'due_soon' },
        ],
      },
      { contactId: 'bo', digest: false, items: [{ taskId: 'c', kind: 'opened' }] },
    ]);
  });

  test('a buyer with nothing owed gets no email on an ordinary day', () => {
    const done = [{ contactId: 'anna', kind: 'opened' as const }];
    expect(planNotices([t('a', ['anna'], { notices: done })], day('2026-12-09'), all)).toEqual([]);
  });

  test('bounced, complained or unsubscribed buyers (canEmail false) get nothing; an owner listed twice once', () => {
    const plans = planNotices([t('a', ['anna', 'bo', 'bo'])], day('2026-12-08', '18:00'), (id) => id !== 'anna');
    expect(plans).toEqual([{ contactId: 'bo', digest: false, items: [{ taskId: 'a', kind: 'opened' }] }]);
  });

  test('the key is per buyer per day; the Monday digest per ISO week', () => {
    expect(noticeIdFor('c1', day('2026-12-08', '00:00'))).toBe(noticeIdFor('c1', day('2026-12-08', '23:59')));
    expect(noticeIdFor('c1', day('2026-12-08'))).toBe('buyer-tasks:c1:2026-12-08');
    expect(noticeEmailKey('c1', day('2026-12-07'), true)).toBe('buyer-tasks-digest:c1:2026-W50');
    expect(noticeEmailKey('c1', day('2026-12-08'), false)).toBe('buyer-tasks:c1:2026-12-08');
  });
});

describe('the Monday digest', () => {
  const monday = day('2026-12-14');
  const quiet = { openedAt: day('2026-12-08'), dueAt: day('2026-12-30'), notices: [{ contactId: 'anna', kind: 'opened' as const }] };

  test('on Mondays every owner of an open task gets the digest, with the reminders of the day in the same email', () => {
    const plans = planNotices(
      [
        { id: 'quiet', ownerIds: ['anna'], ...quiet },
        { id: 'due', ownerIds: ['anna'], openedAt: day('2026-12-08'), dueAt: day('2026-12-15'), notices: [{ contactId: 'anna', kind: 'opened' }] },
      ],
      monday,
      () => true,
    );
    expect(plans).toEqual([
      {
        contactId: 'anna',
        digest: true,
        items: [
          { taskId: 'quiet', kind: 'digest' },
          { taskId: 'due', kind: 'due_soon' },
        ],
      },
    ]);
  });

  test('not on other days', () => {
    for (const d of ['2026-12-15', '2026-12-16', '2026-12-17', '2026-12-18', '2026-12-19', '2026-12-20']) {
      expect(planNotices([{ id: 'quiet', ownerIds: ['anna'], ...quiet }], day(d), () => true)).toEqual([]);
    }
  });

  test('ISO weeks: the Monday and the Sunday after are one week; the year turns with its Thursday', () => {
    expect(isoWeek(day('2026-12-14'))).toBe('2026-W51');
    expect(isoWeek(day('2026-12-20', '23:59'))).toBe('2026-W51');
    expect(isoWeek(day('2026-12-21'))).toBe('2026-W52');
    expect(isoWeek(day('2027-01-01'))).toBe('2026-W53');
    expect(isoWeek(day('2027-01-04'))).toBe('2027-W01');
  });
});

describe('due dates and states', () => {
  test('the default due date is the stage start plus its SLA days (14 without one)', () => {
    expect(defaultDueAt(day('2026-12-01'), 10)).toEqual(day('2026-12-11'));
    expect(defaultDueAt(day('2026-12-01'), null)).toEqual(day('2026-12-15'));
  });

  test('open, due soon (within two days), overdue (after the due day), done', () => {
    const due = day('2026-12-11', '12:00');
    expect(taskState({ status: 'open', dueAt: due }, day('2026-12-08'))).toBe('open');
    expect(taskState({ status: 'open', dueAt: due }, day('2026-12-09'))).toBe('due_soon');
    expect(taskState({ status: 'open', dueAt: due }, day('2026-12-11', '23:00'))).toBe('due_soon');
    expect(taskState({ status: 'open', dueAt: due }, day('2026-12-12'))).toBe('overdue');
    expect(taskState({ status: 'done', dueAt: due }, day('2026-12-20'))).toBe('done');
  });
});
