import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  askCounters,
  candidateConditions,
  csvCell,
  csvRow,
  DAY_MS,
  drawSample,
  isCandidate,
  isExpansionCandidate,
  isReviewEligible,
  nextBudgetAvailability,
  rankAdvocate,
  reviewConditions,
  storedQualifications,
  type CandidateFacts,
} from '#app/advocacy/advocacy-rules.server';

const now = new Date('2026-09-01T12:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY_MS);

const happy: CandidateFacts = {
  liveAt: daysAgo(200),
  accountChurned: false,
  overall: 'yes',
  nps: 9,
  consents: { referral: true, reference: true, case_study: true },
  contactStatus: 'ok',
  budgetClearAt: null,
};

describe('referral / reference / case-study candidates: each condition flips the result', () => {
  test('the baseline qualifies for all three', () => {
    for (const type of ['referral', 'reference', 'case_study'] as const) expect(isCandidate(type, happy, now)).toBe(true);
  });

  const flips: [string, Partial<CandidateFacts>, string][] = [
    ['not live yet', { liveAt: null }, 'live'],
    ['goes live tomorrow', { liveAt: new Date(now.getTime() + DAY_MS) }, 'live'],
    ['account churned', { accountChurned: true }, 'live'],
    ['value only partly delivered', { overall: 'partly' }, 'value'],
    ['value not delivered', { overall: 'no' }, 'value'],
    ['no survey answer', { overall: null, nps: null }, 'value'],
    ['NPS 8 (passive)', { nps: 8 }, 'nps'],
    ['NPS 0', { nps: 0 }, 'nps'],
    ['contact unsubscribed', { contactStatus: 'unsubscribed' }, 'contact'],
    ['contact bounced', { contactStatus: 'bounced' }, 'contact'],
    ['contact complained', { contactStatus: 'complained' }, 'contact'],
    ['asked recently (budget)', { budgetClearAt: new Date(now.getTime() + 10 * DAY_MS) }, 'budget'],
  ];
  test.each(flips)('%s -> not a candidate, and the failing condition says why', (_name, change, key) => {
    const facts = { ...happy, ...change };
    for (const type of ['referral', 'reference', 'case_study'] as const) {
      expect(isCandidate(type, facts, now)).toBe(false);
      const failing = candidateConditions(type, facts, now).filter((c) => !c.ok);
      expect(failing.map((c) => c.key)).toContain(key);
    }
  });

  test('NPS 9 and 10 both qualify; a budget that cleared yesterday is clear', () => {
    expect(isCandidate('referral', { ...happy, nps: 10 }, now)).toBe(true);
    expect(isCandidate('referral', { ...happy, budgetClearAt: daysAgo(1) }, now)).toBe(true);
  });

  test('each consent counts for its own type only', () => {
    const onlyReference = { ...happy, consents: { referral: false, reference: true, case_study: false } };
    expect(isCandidate('reference', onlyReference, now)).toBe(true);
    expect(isCandidate('referral', onlyReference, now)).toBe(false);
    expect(isCandidate('case_study', onlyReference, now)).toBe(false);
    expect(storedQualifications(onlyReference, now)).toEqual(['reference']);
  });

  test('the stored qualification ignores the budget (it moves with every ask)', () => {
    expect(storedQualifications({ ...happy }, now)).toEqual(['referral', 'reference', 'case_study']);
  });
});

describe('review invitations ignore satisfaction (review platforms forbid gating)', () => {
  const opts = { minTenureDays: 90, now };
  test('a detractor who said the value was not delivered, with tenure, is eligible', () => {
    expect(isReviewEligible({ liveAt: daysAgo(120), accountChurned: false, contactStatus: 'ok' }, opts)).toBe(true);
    // The rule cannot even see the score: passing one changes nothing.
    const detractor = { liveAt: daysAgo(120), accountChurned: false, contactStatus: 'ok', nps: 0, overall: 'no' };
    expect(isReviewEligible(detractor, opts)).toBe(true);
  });

  test('a promoter without tenure is not eligible', () => {
    const promoter = { liveAt: daysAgo(30), accountChurned: false, contactStatus: 'ok', nps: 10, overall: 'yes' };
    expect(isReviewEligible(promoter, opts)).toBe(false);
    expect(reviewConditions(promoter, opts).find((c) => !c.ok)!.text).toBe('Live for 30 days (at least 90 needed)');
  });

  const flips: [string, { liveAt: Date | null; accountChurned: boolean; contactStatus: string }, boolean][] = [
    ['live 90 days exactly', { liveAt: daysAgo(90), accountChurned: false, contactStatus: 'ok' }, true],
    ['live 89 days', { liveAt: daysAgo(89), accountChurned: false, contactStatus: 'ok' }, false],
    ['not live', { liveAt: null, accountChurned: false, contactStatus: 'ok' }, false],
    ['churned', { liveAt: daysAgo(400), accountChurned: true, contactStatus: 'ok' }, false],
    ['unsubscribed', { liveAt: daysAgo(400), accountChurned: false, contactStatus: 'unsubscribed' }, false],
    ['bounced', { liveAt: daysAgo(400), accountChurned: false, contactStatus: 'bounced' }, false],
  ];
  test.each(flips)('%s -> %s', (_name, facts, expected) => {
    expect(isReviewEligible(facts, opts)).toBe(expected);
  });

  test('the tenure is configuration (REVIEW_MIN_TENURE_DAYS)', () => {
    const facts = { liveAt: daysAgo(30), accountChurned: false, contactStatus: 'ok' };
    expect(isReviewEligible(facts, { minTenureDays: 30, now })).toBe(true);
    expect(isReviewEligible(facts, { minTenureDays: 31, now })).toBe(false);
  });
});

describe('expansion candidates', () => {
  test('satisfied live customers only; no consent or budget needed', () => {
    const f = { liveAt: daysAgo(10), accountChurned: false, overall: 'yes' as const, nps: 9 };
    expect(isExpansionCandidate(f, now)).toBe(true);
    expect(isExpansionCandidate({ ...f, nps: 8 }, now)).toBe(false);
    expect(isExpansionCandidate({ ...f, overall: 'partly' }, now)).toBe(false);
    expect(isExpansionCandidate({ ...f, liveAt: null }, now)).toBe(false);
    expect(isExpansionCandidate({ ...f, accountChurned: true }, now)).toBe(false);
  });
});

describe('ask budget', () => {
  test('one per contact per 90 days: next available when the last ask leaves the window', () => {
    const uses = [daysAgo(30)];
    expect(nextBudgetAvailability({ uses, limit: 1, windowDays: 90, now })).toEqual(new Date(daysAgo(30).getTime() + 90 * DAY_MS));
    expect(nextBudgetAvailability({ uses: [daysAgo(90)], limit: 1, windowDays: 90, now })).toBeNull();
    expect(nextBudgetAvailability({ uses: [], limit: 1, windowDays: 90, now })).toBeNull();
  });

  test('k per window: the k-th most recent use decides', () => {
    const uses = [daysAgo(5), daysAgo(50), daysAgo(80), daysAgo(200)];
    expect(nextBudgetAvailability({ uses, limit: 4, windowDays: 90, now })).toBeNull();
    expect(nextBudgetAvailability({ uses, limit: 3, windowDays: 90, now })).toEqual(new Date(daysAgo(80).getTime() + 90 * DAY_MS));
    expect(nextBudgetAvailability({ uses, limit: 2, windowDays: 90, now })).toEqual(new Date(daysAgo(50).getTime() + 90 * DAY_MS));
  });

  test('property: after the returned instant the scope is clear, one millisecond before it is not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 * 24 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 365 }),
        (hoursAgo, limit, windowDays) => {
          const uses = hoursAgo.map((h) => new Date(now.getTime() - h * 3_600_000));
          const next = nextBudgetAvailability({ uses, limit, windowDays, now });
          if (!next) return uses.filter((u) => u.getTime() > now.getTime() - windowDays * DAY_MS).length < limit;
          const at = (t: Date) => uses.filter((u) => u.getTime() > t.getTime() - windowDays * DAY_MS && u <= t).length;
          return next > now && at(next) < limit && at(new Date(next.getTime() - 1)) >= limit;
        },
      ),
    );
  });
});

describe('ranking and ask counters', () => {
  test('NPS dominates, then promises kept, consents and deal size', () => {
    const base = { nps: 9, overall: 'yes', promisesKept: 2, promisesTotal: 2, consents: { referral: true, reference: false, case_study: false }, dealArr: 50_000 };
    expect(rankAdvocate({ ...base, nps: 10, promisesKept: 0 })).toBeGreaterThan(rankAdvocate(base));
    expect(rankAdvocate(base)).toBeGreaterThan(rankAdvocate({ ...base, promisesKept: 1 }));
    expect(rankAdvocate({ ...base, consents: { referral: true, reference: true, case_study: true } })).toBeGreaterThan(rankAdvocate(base));
    expect(rankAdvocate({ ...base, dealArr: 500_000 })).toBeGreaterThan(rankAdvocate(base));
  });

  test('an ask counts once in asked, once in accepted (even if it later declined), and in its final status', () => {
    expect(askCounters({ status: 'sent', everAccepted: false })).toEqual({ asked: 1, accepted: 0, completed: 0, declined: 0, noResponse: 0 });
    expect(askCounters({ status: 'completed', everAccepted: false })).toEqual({ asked: 1, accepted: 1, completed: 1, declined: 0, noResponse: 0 });
    expect(askCounters({ status: 'declined', everAccepted: true })).toEqual({ asked: 1, accepted: 1, completed: 0, declined: 1, noResponse: 0 });
    expect(askCounters({ status: 'no_response', everAccepted: false })).toEqual({ asked: 1, accepted: 0, completed: 0, declined: 0, noResponse: 1 });
  });
});

describe('the impartial review sample', () => {
  const population = Array.from({ length: 50 }, (_, i) => `c${i}`);
  test('the same seed draws the same sample (the record can be checked); another seed another one', () => {
    const a = drawSample({ population, size: 10, seed: 'abc' });
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect(drawSample({ population, size: 10, seed: 'abc' })).toEqual(a);
    expect(drawSample({ population, size: 10, seed: 'abd' })).not.toEqual(a);
    for (const m of a) expect(population).toContain(m);
  });

  test('a sample larger than the population is the whole population', () => {
    expect(drawSample({ population, size: 500, seed: 'x' }).sort()).toEqual([...population].sort());
  });

  test('every member is equally likely to be drawn (no position bias)', () => {
    const counts = new Map<string, number>();
    for (let s = 0; s < 2000; s++) for (const m of drawSample({ population: population.slice(0, 10), size: 3, seed: `seed-${s}` })) counts.set(m, (counts.get(m) ?? 0) + 1);
    // Expected 600 each (2000 draws x 3 / 10); allow generous noise.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(480);
      expect(n).toBeLessThan(720);
    }
  });
});

describe('CSV cells', () => {
  test.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1 555', "'+1 555"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
  ])('%j -> %s', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  test('numbers stay numbers (a negative amount is not a formula); dates are ISO; empty for null', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05.000Z');
    expect(csvCell(null)).toBe('');
    expect(csvRow(['a', 1, '=x'])).toBe("a,1,'=x\r\n");
  });
});
