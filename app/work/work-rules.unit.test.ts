import { describe, expect, it } from 'vitest';
import { compareWorkItems, overdueLabel, snoozeEnd, snoozeFormSchema, workScore, type WorkItem } from '#app/work/work-rules';

const item = (over: Partial<WorkItem>): WorkItem => ({
  kind: 'journey',
  itemId: 'a'.repeat(24),
  what: '',
  accountId: '',
  accountName: '',
  arr: 0,
  currency: 'USD',
  daysOverdue: 0,
  dueAt: '',
  action: { label: '', href: '' },
  ...over,
});

describe('work queue ranking', () => {
  it('weighs ARR by how long the item is overdue: a month overdue doubles it', () => {
    expect(workScore({ arr: 10_000, daysOverdue: 30 })).toBe(20_000);
    expect(workScore({ arr: 10_000, daysOverdue: -5 })).toBe(10_000);
    const bigToday = item({ arr: 50_000, daysOverdue: 0, itemId: 'b'.repeat(24) });
    const smallOld = item({ arr: 10_000, daysOverdue: 150 });
    const smallNew = item({ arr: 10_000, daysOverdue: 1 });
    expect([smallNew, bigToday, smallOld].sort(compareWorkItems)).toEqual([smallOld, bigToday, smallNew]);
  });

  it('breaks ties by days overdue, then recovery cases first, so pages are stable', () => {
    const a = item({ kind: 'survey-held', arr: 0, daysOverdue: 2 });
    const b = item({ kind: 'recovery', arr: 0, daysOverdue: 2 });
    const c = item({ kind: 'journey', arr: 0, daysOverdue: 9 });
    expect([a, b, c].sort(compareWorkItems).map((i) => i.kind)).toEqual(['journey', 'recovery', 'survey-held']);
  });
});

describe('snooze form', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('accepts tomorrow to 90 days ahead and hides the item through the chosen day', () => {
    expect(snoozeFormSchema(now).safeParse({ kind: 'journey', itemId: 'a'.repeat(24), until: '2026-12-08', reason: 'On holiday' }).success).toBe(true);
    expect(snoozeEnd('2026-12-08').toISOString()).toBe('2026-12-09T00:00:00.000Z');
  });
  it('refuses today, more than 90 days, a non-date and an unknown kind, each on its field', () => {
    const errors = (values: Record<string, string>) => {
      const r = snoozeFormSchema(now).safeParse({ kind: 'journey', itemId: 'a'.repeat(24), reason: 'On holiday', ...values });
      return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
    };
    expect(errors({ until: '2026-12-07' })).toEqual({ until: 'Choose a date after today.' });
    expect(errors({ until: '2027-03-08' })).toEqual({ until: 'Snooze for at most 90 days.' });
    expect(errors({ until: 'next week' })).toMatchObject({ until: 'Enter the date to bring it back, e.g. 2026-12-24.' });
    expect(errors({ until: '2026-12-09', kind: 'email' })).toEqual({ kind: 'Choose an item of the queue.' });
  });
  it('labels overdue days', () => {
    expect([overdueLabel(3.4), overdueLabel(1), overdueLabel(0.2), overdueLabel(-0.5), overdueLabel(-2.5)]).toEqual([
      '3 days overdue',
      '1 day overdue',
      'due today',
      'due today',
      'due in 2 days',
    ]);
  });
});
