// The leadership figures' bounds (docs/figures.md) over the data a fresh `npm start` shows (the
// demo seed, as scripts/start.ts runs it) and over the 1k scale data set.
import mongoose from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { seedAdvocacyDemo } from '#scripts/seed/advocacy';
import { checkFigureInvariants } from '#app/dashboards/figure-invariants.server';
import { getValueDashboard } from '#app/dashboards/dashboards.server';
import { bumpMetric } from '#app/platform/metrics.server';
import { SURVEY_METRICS } from '#app/surveys/surveys.server';
import { makeUser } from '#test/factories';
import { mergedRollups } from '#test/harness/rollups';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { seedScaleData } from '#scripts/seed/scale';
import { seedDemoData } from '#scripts/seed/demo';
import { seedSurveyDemo } from '#scripts/seed/surveys';

const NOW = new Date('2026-11-20T10:00:00.000Z');

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

/** Every rollup but the forecast's, as two runs can be compared. */
const rollups = () => mergedRollups((kind) => !kind.startsWith('forecast'));

describe('figure invariants', () => {
  test('the demo a fresh npm start shows: every answer was invited, no rate above 100 %, rollups equal a rebuild', async () => {
    await seedDemoData({ accounts: 200, now: NOW, nodeEnv: 'test' });
    await seedAdvocacyDemo({ now: NOW, nodeEnv: 'test' });
    await seedSurveyDemo({ now: NOW });
    expect(await checkFigureInvariants()).toEqual([]);
    // The seed leaves the rollups a rebuild from the documents would write (no wrong totals
    // until the worker's first cycle).
    const seeded = await rollups();
    await rebuildAllMetrics({ now: NOW });
    expect(await rollups()).toEqual(seeded);
  }, 240_000);

  test('the 1k scale data set: every answer was invited, no rate above 100 %', async () => {
    await seedScaleData({ accounts: 1000, seed: 42, now: NOW, nodeEnv: 'test' });
    expect(await checkFigureInvariants()).toEqual([]);
  }, 240_000);

  test('a rollup holding more answers than invitations shows no rate, never one above 100 %, and is reported', async () => {
    const leader = await makeUser({ role: 'leadership' });
    const dims = { wave: '6', cohort: '2026Q1', rep: leader.id, segment: 'smb' };
    await bumpMetric(SURVEY_METRICS.funnel, dims, { invited: 2, answered: 3 });
    await bumpMetric(SURVEY_METRICS.answer, dims, { answered: 3, valueYes: 3 });
    await bumpMetric(SURVEY_METRICS.quarter, { ...dims, quarter: '2026Q3', currency: 'USD' }, { answered: 3, valueYes: 3 });
    expect(await checkFigureInvariants()).toEqual([
      expect.objectContaining({ figure: 'response rate', where: 'all=all', detail: '3 answered of 2 invited' }),
      ...Array(4).fill(expect.objectContaining({ figure: 'response rate' })),
    ]);
    const page = await getValueDashboard({ user: leader, query: {} });
    expect(page.summary.responseRate).toBeNull();
    for (const row of page.tables['value-by-wave'].rows) expect(row.responseRate).toBeNull();
  });

  test('a headline rollup that disagrees with the answers, or weighs more ARR saying yes than answered, is reported', async () => {
    const rep = await makeUser({ role: 'sales' });
    const dims = { wave: '6', cohort: '2026Q1', rep: rep.id, segment: 'smb' };
    await bumpMetric(SURVEY_METRICS.funnel, dims, { invited: 2, answered: 2 });
    await bumpMetric(SURVEY_METRICS.answer, dims, { answered: 2, valueYes: 1, valueNo: 1 });
    await bumpMetric(SURVEY_METRICS.quarter, { ...dims, quarter: '2026Q3', currency: 'EUR' }, { answered: 1, valueYes: 1, arr: 10_000, arrYes: 30_000 });
    const found = await checkFigureInvariants();
    expect(found).toContainEqual(expect.objectContaining({ figure: 'headline', where: 'all=all', detail: 'answered 1 by quarter answered, 2 in survey.answer' }));
    expect(found).toContainEqual(expect.objectContaining({ figure: 'ARR-weighted value', where: 'currency=EUR' }));
  });
});
