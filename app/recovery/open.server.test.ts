import { beforeAll, describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { EmailMessage } from '#models/email-message';
import { RecoveryCase } from '#models/recovery-case';
import { RecoverySettings } from '#models/recovery-settings';
import { reactionsTo } from '#app/platform/events.server';
import { trusted } from '#app/platform/db.server';
import { openCasesForAnswer, openMissingCases } from '#app/recovery/open.server';
import { applyPendingResponses, applySurveyResponse } from '#app/surveys/surveys.server';
import { makeUser } from '#test/factories';
import { storedAnswer as makeAnswer } from '#test/recovery';

const NOW = new Date('2026-12-04T10:00:00Z'); // a Friday
const DAY = 86_400_000;

let rep: Awaited<ReturnType<typeof makeUser>>;
let csm: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  rep = await makeUser({ role: 'sales', name: 'Sam Rep' });
  csm = await makeUser({ role: 'cs', name: 'Priya Csm' });
});

const storedAnswer = (opts: Omit<Parameters<typeof makeAnswer>[0], 'rep' | 'csm' | 'now'> = {}) => makeAnswer({ rep, csm, now: NOW, ...opts });

const casesOf = (dealId: string) => RecoveryCase.find({ dealId }).sort({ promiseKey: 1 }).lean();
const emailsFor = async (caseIds: unknown[]) => {
  const all = await EmailMessage.find({}).select('idempotencyKey template to').lean();
  return all.filter((m) => caseIds.some((id) => m.idempotencyKey.includes(String(id))));
};

describe('an applied answer opens recovery cases', () => {
  test('recovery reacts to survey.answered in this process, as the web server and the worker load it', () => {
    expect(reactionsTo('survey.answered')).toContain('recovery.open');
  });

  test('"Not yet" on a promise and NPS 0: a case for the promise and one overall, with the snapshot, the SLA and one email each', async () => {
    const a = await storedAnswer({ nps: 0, overall: 'no', comment: 'We are not getting what we were sold', promiseComment: '<b>Still</b> exporting by hand' });
    await applySurveyResponse({ surveyId: a.surveyId, now: NOW });
    const cases = await casesOf(a.dealId);
    expect(cases.map((c) => [c.promiseKey, c.trigger, c.status])).toEqual(
      [
        [a.promiseIds[0], 'promise_not_yet', 'open'],
        ['overall', 'overall_no', 'open'],
      ].sort((x, y) => x[0].localeCompare(y[0])),
    );
    const promiseCase = cases.find((c) => c.promiseKey === a.promiseIds[0])!;
    expect(promiseCase).toMatchObject({ buyerWords: '<b>Still</b> exporting by hand', nps: 0, arr: 120_000, segment: 'mid-market', category: 'time-savings' });
    expect(String(promiseCase.aeId)).toBe(rep.id);
    expect(String(promiseCase.csmId)).toBe(csm.id);
    expect(promiseCase.promiseText).toMatch(/^Promise 1/);
    // Friday + 5 business days = the next Friday.
    expect(promiseCase.slaDueAt.toISOString()).toBe('2026-12-11T10:00:00.000Z');
    const overallCase = cases.find((c) => c.promiseKey === 'overall')!;
    expect(overallCase.buyerWords).toBe('We are not getting what we were sold');

    const mail = await emailsFor(cases.map((c) => c._id));
    expect(mail.map((m) => [m.template, m.to]).sort()).toEqual(
      [
        ['recovery-case-opened', csm.email],
        ['recovery-case-opened', csm.email],
        // The rep hears about their promise, not about the answer as a whole.
        ['recovery-rep-notice', rep.email],
      ].sort(),
    );
    expect(await AuditEvent.countDocuments({ action: 'recovery.opened', entityId: trusted({ $in: cases.map((c) => String(c._id)) }) })).toBe(2);
  });

  test('concurrent applications of the same answer and a retried reaction leave one case per promise and one email each', async () => {
    const a = await storedAnswer({ verdicts: ['not_yet', 'not_yet'], nps: 9 });
    await Promise.all([
      applySurveyResponse({ surveyId: a.surveyId, now: NOW, owner: 'web' }),
      applySurveyResponse({ surveyId: a.surveyId, now: NOW, owner: 'worker-1' }),
      openCasesForAnswer({ surveyId: a.surveyId, now: NOW }),
      openCasesForAnswer({ surveyId: a.surveyId, now: NOW }),
      applyPendingResponses({ now: NOW, owner: 'worker-2' }),
    ]);
    // The worker's retry, and the hourly repair, later.
    await openCasesForAnswer({ surveyId: a.surveyId, now: new Date(NOW.getTime() + 60_000) });
    await openMissingCases({ since: new Date(NOW.getTime() - DAY), now: new Date(NOW.getTime() + 3600_000) });
    const cases = await casesOf(a.dealId);
    expect(cases.map((c) => c.promiseKey).sort()).toEqual([...a.promiseIds].sort());
    const mail = await emailsFor(cases.map((c) => c._id));
    expect(mail.filter((m) => m.template === 'recovery-case-opened')).toHaveLength(2);
    expect(mail.filter((m) => m.template === 'recovery-rep-notice')).toHaveLength(2);
    expect(await AuditEvent.countDocuments({ action: 'recovery.opened', entityId: trusted({ $in: cases.map((c) => String(c._id)) }) })).toBe(2);
  });

  test('"Partly" opens a case only at an account that asks for it', async () => {
    const plain = await storedAnswer({ verdicts: ['partly'] });
    await applySurveyResponse({ surveyId: plain.surveyId, now: NOW });
    expect(await casesOf(plain.dealId)).toEqual([]);
    const strict = await storedAnswer({ verdicts: ['partly'], recoverPartly: true });
    await applySurveyResponse({ surveyId: strict.surveyId, now: NOW });
    expect((await casesOf(strict.dealId)).map((c) => c.trigger)).toEqual(['promise_partly']);
  });

  test('the admin’s NPS threshold decides which scores open an overall case; the CSM comes from the journey when the account has none', async () => {
    const seven = await storedAnswer({ verdicts: ['delivered'], nps: 7, csmOnJourney: true });
    await applySurveyResponse({ surveyId: seven.surveyId, now: NOW });
    expect(await casesOf(seven.dealId)).toEqual([]);
    await RecoverySettings.updateOne({ _id: 'recovery' }, { $set: { npsThreshold: 7 } }, { upsert: true });
    try {
      const again = await storedAnswer({ verdicts: ['delivered'], nps: 7, csmOnJourney: true });
      await applySurveyResponse({ surveyId: again.surveyId, now: NOW });
      const cases = await casesOf(again.dealId);
      expect(cases.map((c) => c.trigger)).toEqual(['low_nps']);
      expect(String(cases[0].csmId)).toBe(csm.id);
    } finally {
      await RecoverySettings.deleteOne({ _id: 'recovery' });
    }
  });

  test('the repair opens the cases of an answer whose reaction never ran, and emails a case whose emails were not queued', async () => {
    // What a process that died after applying the answer leaves: appliedAt set, no case.
    const a = await storedAnswer({ verdicts: ['not_yet'], appliedAt: new Date(NOW.getTime() - 3600_000) });
    expect(await casesOf(a.dealId)).toEqual([]);
    const result = await openMissingCases({ since: new Date(NOW.getTime() - 3 * DAY), now: NOW });
    expect(result.opened).toBeGreaterThanOrEqual(1);
    const [opened] = await casesOf(a.dealId);
    expect(opened.notifiedAt).toBeInstanceOf(Date);
    expect((await emailsFor([opened._id])).map((m) => m.template).sort()).toEqual(['recovery-case-opened', 'recovery-rep-notice']);

    // A case stored but not notified (a failure between the insert and the outbox).
    await EmailMessage.deleteMany({ idempotencyKey: trusted({ $regex: String(opened._id) }) });
    await RecoveryCase.updateOne({ _id: opened._id }, { $unset: { notifiedAt: 1 } });
    await openMissingCases({ since: new Date(NOW.getTime() - 3 * DAY), now: NOW });
    expect((await emailsFor([opened._id])).map((m) => m.template).sort()).toEqual(['recovery-case-opened', 'recovery-rep-notice']);
    expect(await casesOf(a.dealId)).toHaveLength(1);
  });
});
