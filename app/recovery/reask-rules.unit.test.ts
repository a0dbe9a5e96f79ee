import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DAY_MS, ReaskAnswerSchema, latestVerdict, reaskTiming, type VerdictSource } from '#app/recovery/reask-rules';

const at = (day: number) => new Date(Date.UTC(2026, 5, 1) + day * DAY_MS);

describe('latestVerdict', () => {
  test('a re-ask answered after the survey is the latest, and names the survey verdict it replaced', () => {
    const latest = latestVerdict([
      { verdict: 'not_yet', at: at(0), source: 'survey' },
      { verdict: 'delivered', at: at(40), source: 'reask' },
    ]);
    expect(latest).toMatchObject({ verdict: 'delivered', source: 'reask', original: { verdict: 'not_yet', source: 'survey' } });
  });

  test('a later survey wave overrides an earlier re-ask', () => {
    expect(
      latestVerdict([
        { verdict: 'not_yet', at: at(0), source: 'survey' },
        { verdict: 'delivered', at: at(40), source: 'reask' },
        { verdict: 'partly', at: at(90), source: 'survey' },
      ]),
    ).toMatchObject({ verdict: 'partly', source: 'survey' });
  });

  test('whatever the order given, the newest wins; on the same instant the re-ask wins', () => {
    const source = fc.record({
      verdict: fc.constantFrom('delivered', 'partly', 'not_yet'),
      at: fc.integer({ min: 0, max: 30 }).map(at),
      source: fc.constantFrom('survey', 'reask') as fc.Arbitrary<'survey' | 'reask'>,
    });
    fc.assert(
      fc.property(fc.array(source, { minLength: 1, maxLength: 8 }), (list: VerdictSource[]) => {
        const latest = latestVerdict(list)!;
        const newest = Math.max(...list.map((v) => v.at.getTime()));
        expect(latest.at.getTime()).toBe(newest);
        if (list.some((v) => v.at.getTime() === newest && v.source === 'reask')) expect(latest.source).toBe('reask');
        expect(latestVerdict([...list].reverse())).toMatchObject({ at: latest.at, source: latest.source });
      }),
    );
  });

  test('no verdict yet: null', () => {
    expect(latestVerdict([])).toBeNull();
  });
});

describe('reaskTiming', () => {
  test('a reminder after 5 days, the link until 14 days after sending; no reminder when it would come after the expiry', () => {
    expect(reaskTiming(at(0))).toEqual({ remindAt: at(5), expiresAt: at(14) });
    expect(reaskTiming(at(0), { reminderDays: 14, expiryDays: 14 }).remindAt).toBeNull();
  });
});

describe('the answer form', () => {
  test('one of three verdicts, the comment trimmed and optional; anything else is refused with a message', () => {
    expect(ReaskAnswerSchema.parse({ verdict: 'partly', comment: '  half the teams  ' })).toEqual({ verdict: 'partly', comment: 'half the teams' });
    expect(ReaskAnswerSchema.parse({ verdict: 'delivered' })).toEqual({ verdict: 'delivered', comment: '' });
    const refused = ReaskAnswerSchema.safeParse({ verdict: 'yes', comment: 'x'.repeat(2001) });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['verdict', 'Choose delivered, partly or not yet.'],
      ['comment', 'Keep the comment under 2,000 characters.'],
    ]);
  });
});
