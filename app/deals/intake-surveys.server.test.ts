// Every intake path schedules the deal's surveys at once, judged by the intake's own time; the
// worker's sweep (scheduleMissingSurveys) is a safety net that judges by the same time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Account } from '#models/account';
import { Deal } from '#models/deal';
import { Survey } from '#models/survey';
import { trusted } from '#app/platform/db.server';
import { createImportJob, getImportView, runImport, saveMapping, startImport } from '#app/deals/import.server';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import { scheduleMissingSurveys } from '#app/surveys/surveys.server';
import { waveDueAt } from '#app/surveys/survey-waves.server';
import { makeUser } from '#test/factories';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;

const surveysOf = async (dealId: unknown) =>
  (
    await Survey.find({ dealId: String(dealId) })
      .select('wave state')
      .sort({ wave: 1 })
      .lean()
  ).map((s) => [s.wave, s.state]);

describe('surveys at intake', () => {
  test('a CRM webhook deal has its three waves at once, not after the hourly sweep', async () => {
    const rep = await makeUser({ role: 'sales' });
    const { dealId } = await intakeClosedWonDeal({
      input: {
        source: 'hubspot',
        crmId: 'HS-1',
        name: 'Initech rollout',
        closedWonAt: new Date('2026-05-20T00:00:00Z'),
        arr: 48_000,
        currency: 'USD',
        aeId: rep.id,
        account: { name: 'Initech', domain: 'initech.example', segment: 'mid-market' },
        contact: { name: 'Bill Lumbergh', email: 'bill@initech.example' },
        promises: [{ text: 'Reports in an hour', successCriterion: 'Weekly report under an hour', category: 'time-savings' }],
      },
      now: NOW,
    });
    expect(await surveysOf(dealId)).toEqual([
      [6, 'scheduled'],
      [9, 'scheduled'],
      [12, 'scheduled'],
    ]);
  });

  test('a CSV import batch schedules the surveys of its deals', async () => {
    const cs = await makeUser({ role: 'cs' });
    await makeUser({ role: 'sales', name: 'Rita Rep', email: 'rita.rep@kept.test' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kept-intake-')), 'deals.csv');
    fs.copyFileSync(path.join(process.cwd(), 'test/fixtures/import/hubspot-deals.csv'), file);
    const jobId = await createImportJob({ user: cs, file: { path: file, name: 'deals.csv', size: fs.statSync(file).size } });
    const view = await getImportView({ user: cs, jobId, now: NOW });
    const values: Record<string, string> = { source: view!.source, defaultSegment: 'mid-market', dateOrder: 'mdy', currency: 'USD' };
    for (const [field, header] of Object.entries(view!.mapping)) values[`map.${field}`] ??= header;
    expect((await saveMapping({ user: cs, jobId, values }))?.ok).toBe(true);
    const started = await startImport({ user: cs, jobId, now: NOW });
    if (!started?.ok) throw new Error(JSON.stringify(started));
    await runImport({ jobId, attempt: started.attempt, now: NOW });
    const deals = await Deal.find({ source: 'hubspot' }).select('_id').lean();
    expect(deals.length).toBeGreaterThan(0);
    expect(await Survey.countDocuments({ dealId: trusted({ $in: deals.map((d) => d._id) }), state: 'scheduled' })).toBe(3 * deals.length);
  });

  test('the sweep judges by the intake time: a wave due between intake and sweep is scheduled, not skipped', async () => {
    const rep = await makeUser({ role: 'sales' });
    const account = await Account.create({ name: 'Globex', nameLower: 'globex', domain: 'globex.example', segment: 'smb', status: 'active', aeIds: [rep.id] });
    // Closed six months before a wave due 30 minutes after the intake; the sweep runs an hour after it.
    const intakeAt = NOW;
    const closedWonAt = new Date('2025-12-01T12:30:00.000Z');
    expect(waveDueAt(closedWonAt, 6).getTime()).toBe(intakeAt.getTime() + HOUR / 2);
    const deal = await Deal.create({
      source: 'hubspot',
      crmId: 'HS-2',
      name: 'Globex pilot',
      accountId: account._id,
      aeId: rep.id,
      closedWonAt,
      arr: 9_000,
      currency: 'USD',
      promises: [],
      createdAt: intakeAt,
    });
    await scheduleMissingSurveys({ since: new Date(intakeAt.getTime() - HOUR), now: new Date(intakeAt.getTime() + HOUR) });
    expect(await surveysOf(deal._id)).toEqual([
      [6, 'scheduled'],
      [9, 'scheduled'],
      [12, 'scheduled'],
    ]);
  });
});
