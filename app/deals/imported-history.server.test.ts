// Imported history (docs/imported-history.md): a deal that reaches Kept long after its close does
// not arrive stalled on the board or in the digest; its stage clocks and CS reaction time start at
// intake, while time to live is still measured from the close date.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journey } from '#models/journey';
import { makeAccount, makeDeal, makeUser } from '#test/factories';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';
import {
  acceptHandoff,
  advanceJourney,
  BoardQuerySchema,
  countJourneysByHealth,
  getJourneyDetail,
  isBackfill,
  listJourneyBoard,
  listJourneysNeedingAttention,
  startJourneyForDeal,
} from '#app/journeys/journey.server';
import { readMetrics } from '#app/platform/metrics.server';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const daysFrom = (d: number) => new Date(NOW.getTime() + d * DAY);
const ymd = (d: Date) => d.toISOString().slice(0, 10);

async function importCsv(user: Awaited<ReturnType<typeof makeUser>>, csv: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kept-history-')), 'history.csv');
  fs.writeFileSync(file, csv);
  const jobId = await createImportJob({ user, file: { path: file, name: 'history.csv', size: fs.statSync(file).size } });
  const view = await getImportView({ user, jobId, now: NOW });
  const values: Record<string, string> = { source: 'kept', defaultSegment: 'mid-market', dateOrder: 'mdy', currency: 'USD' };
  for (const [field, header] of Object.entries(view!.mapping)) values[`map.${field}`] = header;
  await saveMapping({ user, jobId, values });
  const started = await startImport({ user, jobId, now: NOW });
  if (!started?.ok) throw new Error(JSON.stringify(started));
  return runImport({ jobId, attempt: started.attempt, now: NOW });
}

describe('imported history', () => {
  it('a deal closed 200 days ago is on track on arrival; it stalls only if CS then lets it sit; time to live runs from the close', async () => {
    const admin = await makeUser({ role: 'admin' });
    const cs = await makeUser({ role: 'cs' });
    await makeUser({ role: 'sales', email: 'history.rep@kept.test' });
    const csv = [
      'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain',
      `OLD-1,Old deal,Closed Won,${ymd(daysFrom(-200))},50000,USD,history.rep@kept.test,Old Co,old.example`,
      `NEW-1,New deal,Closed Won,${ymd(daysFrom(-6))},50000,USD,history.rep@kept.test,New Co,new.example`,
    ].join('\n');
    expect((await importCsv(cs, csv)).counts).toMatchObject({ created: 2, failed: 0 });
    const old = (await Journey.findOne({ dealName: 'Old deal' }).lean())!;
    const fresh = (await Journey.findOne({ dealName: 'New deal' }).lean())!;
    expect(old.backfilledAt?.toISOString()).toBe(NOW.toISOString());
    expect(old.closedWonAt.toISOString()).toBe(`${ymd(daysFrom(-200))}T00:00:00.000Z`);
    expect(fresh.backfilledAt).toBeUndefined();

    // On arrival: the board counts nothing stalled; the old deal has been in handoff 0 days, the
    // recent one (6 of 7 SLA days, the customer has been waiting) is at risk, as before.
    expect(await countJourneysByHealth({ now: NOW })).toMatchObject({ stalled: 0, at_risk: 1, on_track: 1 });
    const board = await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({ stage: 'handoff' }), now: NOW });
    expect(board.journeys.map((j) => [j.dealName, j.health, j.daysInStage])).toEqual([
      ['New deal', 'at_risk', 6.5],
      ['Old deal', 'on_track', 0],
    ]);
    const digest = [...(await listJourneysNeedingAttention({ now: NOW })).values()].flat();
    expect(digest.map((i) => i.dealName)).not.toContain('Old deal');

    // Left untouched for the handoff SLA after intake, it is stalled like any other journey.
    expect(
      (await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({ stage: 'handoff', health: 'stalled' }), now: daysFrom(8) })).journeys.map((j) => j.dealName),
    ).toEqual(['New deal', 'Old deal']);

    // CS reaction time runs from intake (a day), time to live from the close (202 days).
    const journeyId = String(old._id);
    expect(await acceptHandoff({ user: cs, journeyId, now: daysFrom(1) })).toEqual({ ok: true });
    expect(await advanceJourney({ user: admin, journeyId, fromStage: 'handoff', overrideReason: 'Imported customer already past handoff', now: daysFrom(2) })).toMatchObject({
      ok: true,
    });
    expect(await advanceJourney({ user: admin, journeyId, fromStage: 'implementation', overrideReason: 'Imported customer already live', now: daysFrom(2) })).toMatchObject({
      ok: true,
      live: true,
    });
    const accepted = (await readMetrics('journey.accepted')).reduce((n, m) => n + (m.counts.hours ?? 0), 0);
    expect(accepted).toBe(24);
    const live = (await readMetrics('journey.live')).reduce((n, m) => n + (m.counts.days ?? 0), 0);
    expect(live).toBeCloseTo(202.5, 1);
    const detail = await getJourneyDetail({ user: admin, journeyId, now: daysFrom(3) });
    expect(detail).toMatchObject({ backfilledAt: NOW.toISOString(), timing: { reactionHours: 24, closedWonToLiveDays: 202.5 } });
  });

  it('a deal entered by hand or by the CRM later than the first stage’s SLA is backfilled too; a timely one keeps its clock at the close', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const late = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: daysFrom(-8) });
    const timely = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: daysFrom(-5) });
    const lateJourney = await Journey.findById((await startJourneyForDeal({ dealId: late.id, now: NOW })).journeyId).lean();
    const timelyJourney = await Journey.findById((await startJourneyForDeal({ dealId: timely.id, now: NOW })).journeyId).lean();
    expect([lateJourney!.backfilledAt?.toISOString(), lateJourney!.stageEnteredAt.toISOString()]).toEqual([NOW.toISOString(), NOW.toISOString()]);
    expect([timelyJourney!.backfilledAt, timelyJourney!.stageEnteredAt.toISOString()]).toEqual([undefined, daysFrom(-5).toISOString()]);
    // The rule: later than the first stage's SLA (7 days in the default playbook); no SLA, no backfill.
    expect(isBackfill(daysFrom(-7), { slaDays: 7, terminal: false }, NOW)).toBe(false);
    expect(isBackfill(daysFrom(-7.01), { slaDays: 7, terminal: false }, NOW)).toBe(true);
    expect(isBackfill(daysFrom(-400), { slaDays: null, terminal: false }, NOW)).toBe(false);
  });
});
