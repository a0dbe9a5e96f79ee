// The playbook filter of the dashboards (docs/dashboards.md, "Playbook filter"): two playbooks, one
// sharing a stage key with the default ("handoff") and one stage of its own; a journey from before
// there were several playbooks (no key) counts as the default's. Filtered figures must equal a
// recount from the raw journeys of that playbook, survive a rebuild of the rollups, and an unknown
// key must be dropped like any malformed filter.
import mongoose from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import { Journey } from '#models/journey';
import type { SessionUser } from '#app/auth/session.server';
import { resetEnvCache } from '#app/env.server';
import {
  filterRows,
  getDashboardOverview,
  getForecastDashboard,
  getTimeToLiveDashboard,
  getValueDashboard,
  parseDashboardQuery,
  type DashboardQuery,
} from '#app/dashboards/dashboards.server';
import { quarterOf } from '#app/dashboards/metrics-math';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { createManualDeal, type ParsedDealForm } from '#app/deals/deals.server';
import { acceptHandoff, advanceJourney, journeyIdForDeal } from '#app/journeys/journey.server';
import { createPlaybook, DEFAULT_PLAYBOOK_STAGES, publishPlaybook } from '#app/journeys/playbook.server';
import { makeUser } from '#test/factories';

const DAY = 86_400_000;
const NOW = new Date('2026-03-15T12:00:00Z');
const at = (iso: string) => new Date(`${iso}T10:00:00Z`);
const plus = (d: Date, days: number) => new Date(d.getTime() + days * DAY);
const r1 = (n: number) => Math.round(n * 10) / 10;
const OVERRIDE = 'Buyer confirmed on a recorded call with the CFO';

let admin: SessionUser;
let leader: SessionUser;
let cs: SessionUser;
let enterprise = '';

type Plan = { segment: ParsedDealForm['segment']; closed: Date; accepted?: number; moves: number[]; legacy?: boolean };
// Days after closed-won at which the journey leaves each stage in turn (the last move to live).
const PLANS: Plan[] = [
  { segment: 'smb', closed: at('2025-01-10'), accepted: 20, moves: [6, 40] },
  { segment: 'smb', closed: at('2025-02-03'), accepted: 50, moves: [12, 75] },
  { segment: 'mid-market', closed: at('2025-05-05'), moves: [4], legacy: true },
  { segment: 'smb', closed: at('2025-06-01'), moves: [] },
  { segment: 'enterprise', closed: at('2025-01-20'), accepted: 5, moves: [10, 50] },
  { segment: 'enterprise', closed: at('2025-04-02'), accepted: 30, moves: [8] },
  { segment: 'enterprise', closed: at('2025-05-10'), moves: [] },
];

function dealInput(n: number, p: Plan, rep: SessionUser): ParsedDealForm {
  return {
    accountName: `Playbook customer ${n}`,
    accountDomain: `pb-customer-${n}.example.com`,
    segment: p.segment,
    contactName: `Buyer ${n}`,
    contactEmail: `buyer${n}@pb-customer-${n}.example.com`,
    dealName: `Playbook deal ${n}`,
    closedWonAt: p.closed,
    arr: 10_000 * (n + 1),
    currency: 'USD',
    grossMarginPct: 80,
    aeId: rep.id,
    promises: [{ text: `Go live for customer ${n}`, successCriterion: 'Live within a quarter', category: 'time-savings' }],
  };
}

beforeAll(async () => {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  admin = await makeUser({ role: 'admin' });
  leader = await makeUser({ role: 'leadership' });
  cs = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });

  // The enterprise playbook: its own "handoff" (same key, another name), a pilot, then live.
  const created = await createPlaybook({ user: admin, input: { name: 'Enterprise rollout', 'segment.enterprise': 'on', copyFrom: 'default' }, now: at('2025-01-01') });
  if (!created.ok) throw new Error('playbook not created');
  enterprise = created.key;
  const [handoff, , live] = DEFAULT_PLAYBOOK_STAGES;
  const stages = [{ ...handoff, name: 'Executive handoff' }, { key: 'pilot', name: 'Pilot', slaDays: 30, terminal: false, criteria: [] }, live];
  expect(await publishPlaybook({ user: admin, playbookKey: enterprise, stages, note: 'A pilot before go-live', baseVersion: 1, now: at('2025-01-01') })).toMatchObject({
    ok: true,
  });

  for (const [i, p] of PLANS.entries()) {
    const result = await createManualDeal({ user: admin, input: dealInput(i, p, rep), now: plus(p.closed, 1) });
    if (!result.ok) throw new Error('deal not created');
    const journeyId = String(journeyIdForDeal(result.dealId));
    // A journey an older version started: no playbook key at all.
    if (p.legacy) await Journey.updateOne({ _id: journeyId }, { $unset: { playbookKey: '' } });
    if (p.accepted !== undefined) await acceptHandoff({ user: cs, journeyId, now: new Date(p.closed.getTime() + p.accepted * 3_600_000) });
    for (const days of p.moves) {
      const j = (await Journey.findById(journeyId).select('stage').lean())!;
      expect(await advanceJourney({ user: admin, journeyId, fromStage: j.stage, overrideReason: OVERRIDE, now: plus(p.closed, days) })).toMatchObject({ ok: true });
    }
  }
  expect(await Journey.countDocuments({ playbookKey: enterprise })).toBe(3);
}, 120_000);

/** The time-to-live and conversion figures recounted from the raw journeys of one playbook (a journey without a key is the default's). */
async function recount(playbook: string) {
  const journeys = (await Journey.find({}).lean()).filter((j) => (j.playbookKey ?? 'default') === playbook);
  const days = (from: Date, to: Date) => (to.getTime() - from.getTime()) / DAY;
  const cohorts = [...new Set(journeys.map((j) => quarterOf(j.closedWonAt)))].sort();
  const live = journeys.filter((j) => j.liveAt);
  const exits = journeys.flatMap((j) => j.stages.filter((s) => s.exitedAt).map((s) => ({ key: s.key, days: days(s.enteredAt, s.exitedAt!) })));
  const stageKeys = [...new Set(exits.map((e) => e.key))];
  return {
    summary: {
      started: journeys.length,
      live: live.length,
      accepted: journeys.filter((j) => j.acceptedAt).length,
      stalled: journeys.filter((j) => j.stalledAt && j.stalledAt < NOW).length,
    },
    byCohort: cohorts.map((c) => {
      const inCohort = journeys.filter((j) => quarterOf(j.closedWonAt) === c);
      const liveIn = inCohort.filter((j) => j.liveAt);
      return [c, liveIn.length, inCohort.length, liveIn.length ? r1(liveIn.reduce((a, j) => a + days(j.closedWonAt, j.liveAt!), 0) / liveIn.length) : null];
    }),
    stageTime: new Map(
      stageKeys.map((k) => {
        const of = exits.filter((e) => e.key === k);
        return [k, { exited: of.length, mean: r1(of.reduce((a, e) => a + e.days, 0) / of.length) }];
      }),
    ),
    // Reached the stage after k = left stage k; live = went live.
    left: (stage: string) => journeys.filter((j) => j.stages.some((s) => s.key === stage && s.exitedAt)).length,
    live: live.length,
  };
}

const ttl = (query: DashboardQuery) => getTimeToLiveDashboard({ user: leader, query, now: NOW });

describe('the playbook filter', () => {
  test('filtered time-to-live and conversion figures equal a recount from that playbook’s journeys', async () => {
    // Unfiltered first, so a figure kept from it would show up below if the filter were not in the cache key.
    const all = await ttl({});
    expect(all.summary.started).toBe(PLANS.length);
    for (const [key, names] of [
      ['default', { handoff: 'Handoff', implementation: 'Implementation' }],
      [enterprise, { handoff: 'Executive handoff', pilot: 'Pilot' }],
    ] as const) {
      const expected = await recount(key);
      const page = await ttl({ playbook: key });
      expect(page.query.playbook).toBe(key);
      expect(page.summary).toMatchObject(expected.summary);
      expect(page.tables['ttl-by-cohort'].rows.map((r) => [r.group, r.live, r.started, r.mean])).toEqual(expected.byCohort);
      // Time in each stage: this playbook's stages only, under this playbook's names.
      const stageRows = page.tables['stage-time'].rows;
      expect(stageRows.map((r) => r.group)).toEqual(Object.values(names));
      for (const [stage, name] of Object.entries(names)) {
        const row = stageRows.find((r) => r.group === name)!;
        expect([name, row.exited, row.mean]).toEqual([name, expected.stageTime.get(stage)?.exited, expected.stageTime.get(stage)?.mean]);
      }
      // The stalled journeys, read live, are this playbook's: from the in-memory index and from the
      // database alike (READ_INDEX=off; there a journey without a key must match the default).
      expect(page.tables['stalled-age'].rows.reduce((a, r) => a + Number(r.count), 0)).toBe(expected.summary.stalled);
      process.env.READ_INDEX = 'off';
      resetEnvCache();
      try {
        const fromDatabase = await ttl({ playbook: key });
        expect([fromDatabase.tables['stalled-age'].rows, fromDatabase.tables['stalled-longest'].rows]).toEqual([
          page.tables['stalled-age'].rows,
          page.tables['stalled-longest'].rows,
        ]);
      } finally {
        delete process.env.READ_INDEX;
        resetEnvCache();
      }

      const forecast = await getForecastDashboard({ user: leader, query: { playbook: key } });
      expect(forecast.conversionPlaybook).toMatchObject({ key, alone: true });
      const [first, second] = Object.keys(names);
      expect(forecast.summary.reached.map((r) => [r.key, r.count])).toEqual([
        [first, expected.summary.started],
        [second, expected.left(first)],
        ['live', expected.live],
      ]);
    }
    // The two playbooks together are the whole.
    const [d, e] = [await ttl({ playbook: 'default' }), await ttl({ playbook: enterprise })];
    expect(d.summary.started + e.summary.started).toBe(all.summary.started);
    expect(d.summary.stalled + e.summary.stalled).toBe(all.summary.stalled);
  });

  test('without a filter, each playbook’s stages are rows of their own, and conversion says whose journeys it counts', async () => {
    const all = await ttl({});
    expect(all.tables['stage-time'].rows.map((r) => r.group)).toEqual([
      'Handoff (Standard onboarding)',
      'Implementation (Standard onboarding)',
      'Executive handoff (Enterprise rollout)',
      'Pilot (Enterprise rollout)',
    ]);
    const forecast = await getForecastDashboard({ user: leader, query: {} });
    expect(forecast.conversionPlaybook).toEqual({ key: 'default', name: 'Standard onboarding', alone: false });
    const defaultOnly = await getForecastDashboard({ user: leader, query: { playbook: 'default' } });
    expect(forecast.summary.reached).toEqual(defaultOnly.summary.reached);
  });

  test('an unknown or malformed playbook is dropped, like any malformed filter', async () => {
    const parse = (search: string) => parseDashboardQuery(new URL(`http://kept.test/dashboards/time-to-live${search}`));
    expect(await parse('?playbook=no-such-playbook&segment=smb')).toEqual({ segment: 'smb' });
    expect(await parse('?playbook=Not%20a%20key')).toEqual({});
    expect(await parse(`?playbook=${enterprise}`)).toEqual({ playbook: enterprise });
    // Called without the URL parser: the page drops it too, and shows every playbook.
    const unknown = await ttl({ playbook: 'no-such-playbook' });
    expect(unknown.query.playbook).toBeUndefined();
    expect(unknown.summary).toEqual((await ttl({})).summary);
  });

  test('pages whose figures are not kept per playbook drop the filter instead of ignoring it', async () => {
    const value = await getValueDashboard({ user: leader, query: { playbook: enterprise } });
    expect(value.query.playbook).toBeUndefined();
    const overview = await getDashboardOverview({ user: leader, query: { playbook: enterprise }, now: NOW });
    expect(overview.query.playbook).toBeUndefined();
    // The overview's time-to-live headline is then every playbook's, like its value headline.
    expect(overview.ttl?.started).toBe(PLANS.length);
  });

  test('a journey rollup without the dimension (written before there were several playbooks) is the default playbook’s', () => {
    const old = [{ dims: { cohort: '2024Q4', segment: 'smb' }, counts: { n: 1 } }];
    expect(filterRows(old, { playbook: 'default' })).toEqual(old);
    expect(filterRows(old, { playbook: enterprise })).toEqual([]);
  });

  test('a rebuild of the rollups gives the same filtered figures', async () => {
    const views = async () => {
      const out: Record<string, unknown> = {};
      for (const key of [undefined, 'default', enterprise]) {
        const page = await ttl({ playbook: key });
        const forecast = await getForecastDashboard({ user: leader, query: { playbook: key } });
        out[key ?? 'all'] = { ttl: page.tables, summary: page.summary, conversion: forecast.tables['conversion-by-cohort'], reached: forecast.summary.reached };
      }
      return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v)));
    };
    const before = await views();
    await rebuildAllMetrics({ now: NOW });
    expect(await views()).toEqual(before);
  });
});
