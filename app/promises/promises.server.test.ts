import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { PromiseReaskAnswer } from '#models/promise-reask';
import { Deal } from '#models/deal';
import { RecoveryCase } from '#models/recovery-case';
import { SurveyResponse } from '#models/survey-response';
import { latestVerdicts, listRepPromises } from '#app/promises/promises.server';
import { makeAccount, makeDeal, makeUser } from '#test/factories';
import { PromisesQuerySchema } from '#app/promises/promise-rules';

const query = (q: Record<string, string> = {}) => PromisesQuerySchema.parse(q);

async function answer(deal: { id: string }, wave: number, answeredAt: Date, verdicts: [string, 'delivered' | 'partly' | 'not_yet'][]) {
  const d = (await Deal.findById(deal.id).lean())!;
  await SurveyResponse.create({
    _id: new (await import('mongoose')).Types.ObjectId(),
    dealId: d._id,
    accountId: d.accountId,
    aeId: d.aeId,
    wave,
    segment: 'smb',
    closedWonAt: d.closedWonAt,
    answeredAt,
    overall: 'partly',
    nps: 7,
    promises: verdicts.map(([id, verdict]) => {
      const p = d.promises.find((x) => String(x._id) === id)!;
      return { promiseId: p._id, text: p.text, category: p.category, verdict, comment: verdict === 'not_yet' ? 'Still <b>waiting</b>' : '' };
    }),
  });
}

describe('sales’ view of their promises', () => {
  it('shows each promise of the rep with its latest verdict, open case, kept rate and the categories kept least', async () => {
    const rep = await makeUser({ role: 'sales', name: 'Rita Rep' });
    const other = await makeUser({ role: 'sales' });
    const leader = await makeUser({ role: 'leadership' });
    const account = await makeAccount({ name: 'Acme' });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, promises: 3, closedWonAt: new Date('2026-01-10T00:00:00Z') });
    const theirs = await makeDeal({ accountId: account.id, aeId: other.id, promises: 1 });
    await Deal.updateOne({ _id: deal.id }, { $set: { 'promises.2.category': 'integration' } });
    const [p1, p2, p3] = deal.promiseIds;
    // Wave 6 said "Not yet" on p1; wave 9 (later) says "Delivered": the latest counts.
    await answer(deal, 6, new Date('2026-07-10T00:00:00Z'), [
      [p1, 'not_yet'],
      [p2, 'partly'],
      [p3, 'not_yet'],
    ]);
    await answer(deal, 9, new Date('2026-10-10T00:00:00Z'), [
      [p1, 'delivered'],
      [p2, 'partly'],
    ]);
    await RecoveryCase.create({
      dealId: deal.id,
      accountId: account.id,
      surveyId: deal.id,
      wave: 6,
      promiseKey: p3,
      trigger: 'promise_not_yet',
      aeId: rep.id,
      segment: 'smb',
      closedWonAt: new Date('2026-01-10T00:00:00Z'),
      arr: 50_000,
      openedAt: new Date('2026-07-10T00:00:00Z'),
      slaDueAt: new Date('2026-07-17T00:00:00Z'),
    });

    const latest = await latestVerdicts([deal.id]);
    expect(latest.get(p1)).toMatchObject({ verdict: 'delivered', wave: 9 });
    expect(latest.get(p3)).toMatchObject({ verdict: 'not_yet', wave: 6 });

    const view = await listRepPromises({ user: rep, query: query({ sort: 'verdict' }) });
    expect(view.total).toBe(3);
    expect(view.promises.map((p) => [p.id, p.verdict, p.recoveryCase?.status ?? null])).toEqual([
      [p3, 'not_yet', 'open'],
      [p2, 'partly', null],
      [p1, 'delivered', null],
    ]);
    // (1 + 0.5 + 0) / 3
    expect(view.summary).toMatchObject({ promises: 3, judged: 3, notYet: 1, openCases: 1 });
    expect(view.summary.keptRate).toBeCloseTo(0.5);
    expect(view.categories.map((c) => [c.category, c.rate])).toEqual([
      ['integration', 0],
      ['time-savings', 0.75],
    ]);

    // A rep never sees another rep's promises, whatever the URL says.
    const forced = await listRepPromises({ user: rep, query: query({ rep: other.id }) });
    expect(forced.promises.every((p) => p.dealId === deal.id)).toBe(true);
    // Leadership: everyone's, or one rep's.
    expect((await listRepPromises({ user: leader, query: query() })).total).toBe(4);
    const one = await listRepPromises({ user: leader, query: query({ rep: other.id }) });
    expect(one.promises.map((p) => p.dealId)).toEqual([theirs.id]);
    expect(one.summary.keptRate).toBeNull();
  });

  it('counts a re-ask answered after the survey as the promise’s latest verdict', async () => {
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ name: 'Recovered Co' });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, promises: 2 });
    const [p1, p2] = deal.promiseIds;
    await answer(deal, 6, new Date('2026-07-10T00:00:00Z'), [
      [p1, 'not_yet'],
      [p2, 'not_yet'],
    ]);
    // The buyer answered "Delivered" to the re-ask of p1 once its recovery plan's date passed.
    await PromiseReaskAnswer.create({
      _id: new Types.ObjectId(),
      caseId: new Types.ObjectId(),
      dealId: deal.id,
      accountId: account.id,
      promiseId: p1,
      verdict: 'delivered',
      answeredAt: new Date('2026-09-01T00:00:00Z'),
    });
    const latest = await latestVerdicts([deal.id]);
    expect(latest.get(p1)).toMatchObject({ verdict: 'delivered', source: 'reask', wave: 6 });
    expect(latest.get(p2)).toMatchObject({ verdict: 'not_yet', source: 'survey' });
    const view = await listRepPromises({ user: rep, query: query() });
    expect(view.summary.keptRate).toBeCloseTo(0.5);
  });
});
