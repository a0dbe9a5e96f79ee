import { describe, expect, it } from 'vitest';
import { addBusinessDays, actionsFor, allowedFrom, casesForAnswer, escalationDueAt, slaLabel, type AnswerForRecovery } from '#app/recovery/recovery-rules';

const promise = (id: string, verdict: 'delivered' | 'partly' | 'not_yet', comment = '') => ({ promiseId: id, text: `Promise ${id}`, category: 'adoption', verdict, comment });
const answer = (over: Partial<AnswerForRecovery> = {}): AnswerForRecovery => ({ promises: [], overall: 'yes', nps: 9, comment: '', ...over });
const policy = { npsThreshold: 6, recoverPartly: false };

describe('which answer opens which cases', () => {
  it('a happy answer opens nothing', () => {
    expect(casesForAnswer(answer({ promises: [promise('a', 'delivered')] }), policy)).toEqual([]);
  });

  it('one case per promise judged "Not yet", with the buyer’s own words on it', () => {
    const cases = casesForAnswer(
      answer({ promises: [promise('a', 'not_yet', 'Still exporting by hand'), promise('b', 'delivered'), promise('c', 'not_yet')], comment: 'Overall fine' }),
      policy,
    );
    expect(cases.map((c) => [c.promiseKey, c.trigger, c.buyerWords])).toEqual([
      ['a', 'promise_not_yet', 'Still exporting by hand'],
      // No comment on the promise: the answer's comment stands in.
      ['c', 'promise_not_yet', 'Overall fine'],
    ]);
    expect(cases[0]).toMatchObject({ promiseText: 'Promise a', category: 'adoption' });
  });

  it('"Partly" opens a case only when the account asks for it', () => {
    const a = answer({ promises: [promise('a', 'partly')] });
    expect(casesForAnswer(a, policy)).toEqual([]);
    expect(casesForAnswer(a, { ...policy, recoverPartly: true }).map((c) => c.trigger)).toEqual(['promise_partly']);
  });

  it('an overall "No" opens one overall case, whatever the NPS', () => {
    const cases = casesForAnswer(answer({ overall: 'no', nps: 10, comment: 'Not what we were sold' }), policy);
    expect(cases).toEqual([{ promiseKey: 'overall', trigger: 'overall_no', promiseText: '', category: null, buyerWords: 'Not what we were sold' }]);
  });

  it('an NPS at the threshold opens an overall case; one above does not', () => {
    expect(casesForAnswer(answer({ nps: 6 }), policy).map((c) => c.trigger)).toEqual(['low_nps']);
    expect(casesForAnswer(answer({ nps: 7 }), policy)).toEqual([]);
    expect(casesForAnswer(answer({ nps: 7 }), { ...policy, npsThreshold: 8 }).map((c) => c.trigger)).toEqual(['low_nps']);
    expect(casesForAnswer(answer({ nps: 0 }), { ...policy, npsThreshold: 0 }).map((c) => c.trigger)).toEqual(['low_nps']);
  });

  it('promise cases and the overall case come together (Blackglen: NPS 0, one promise not kept)', () => {
    const cases = casesForAnswer(answer({ promises: [promise('a', 'not_yet')], overall: 'no', nps: 0 }), policy);
    expect(cases.map((c) => c.promiseKey)).toEqual(['a', 'overall']);
  });
});

describe('the SLA', () => {
  it('counts business days: Friday + 5 is the next Friday; Saturday + 1 is Monday', () => {
    expect(addBusinessDays(new Date('2026-12-04T10:00:00Z'), 5).toISOString()).toBe('2026-12-11T10:00:00.000Z');
    expect(addBusinessDays(new Date('2026-12-05T10:00:00Z'), 1).toISOString()).toBe('2026-12-07T10:00:00.000Z');
  });

  it('an open case is due at its SLA; a planned one the SLA’s business days after the plan’s date; a closed one never', () => {
    const slaDueAt = new Date('2026-12-11T10:00:00Z');
    expect(escalationDueAt({ status: 'open', slaDueAt }, 5)).toEqual(slaDueAt);
    expect(escalationDueAt({ status: 'plan_agreed', slaDueAt, plan: { dueBy: new Date('2027-01-04T00:00:00Z') } }, 5)?.toISOString()).toBe('2027-01-11T00:00:00.000Z');
    expect(escalationDueAt({ status: 'delivered', slaDueAt }, 5)).toBeNull();
    expect(escalationDueAt({ status: 'escalated', slaDueAt }, 5)).toBeNull();
  });

  it('reads as days left or overdue', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    expect(slaLabel(new Date('2026-12-10T12:00:00Z'), now)).toBe('3 days left');
    expect(slaLabel(new Date('2026-12-07T18:00:00Z'), now)).toBe('due within a day');
    expect(slaLabel(new Date('2026-12-06T12:00:00Z'), now)).toBe('1 day overdue');
    expect(slaLabel(new Date('2026-12-04T11:00:00Z'), now)).toBe('4 days overdue');
  });
});

describe('status changes', () => {
  it('a closed case takes no action; an escalated one can still be planned, delivered or closed', () => {
    expect(actionsFor('delivered')).toEqual([]);
    expect(actionsFor('wont_deliver')).toEqual([]);
    expect(actionsFor('escalated')).toEqual(['agree_plan', 'deliver', 'wont_deliver', 'reassign']);
    expect(allowedFrom('escalate', 'open')).toBe(true);
    expect(allowedFrom('escalate', 'escalated')).toBe(false);
  });
});
