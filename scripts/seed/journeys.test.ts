import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Playbook } from '#models/playbook';
import { healthOf, rebuildJourneyMetrics } from '#app/journeys/journey.server';
import { isSatisfied } from '#app/journeys/journey-rules';
import { readMetrics } from '#app/platform/metrics.server';
import { getCurrentPlaybook, getPlaybookVersion, listPlaybooks } from '#app/journeys/playbook.server';
import { DEFAULT_ACCOUNTS, seedDemoData } from '#scripts/seed/demo';
import { SMB_PLAYBOOK_KEY } from '#scripts/seed/playbooks';

const now = new Date('2026-11-20T10:00:00Z');
const snapshot = async () =>
  JSON.stringify(
    (await Promise.all(['journey.started', 'journey.accepted', 'journey.stage', 'journey.live'].map(readMetrics))).map((rows) =>
      rows
        .map((r) => ({
          dims: r.dims,
          counts: Object.fromEntries(
            Object.entries(r.counts)
              .filter(([, n]) => n)
              .map(([k, n]) => [k, Math.round(n * 100) / 100])
              .sort(),
          ),
        }))
        .sort((a, b) => JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims))),
    ),
  );

describe('demo journeys', () => {
  it('every seeded deal has a journey on its segment’s playbook; each playbook shows every stage and health; exits are backed by evidence or an override', async () => {
    // The demo `npm start` writes (200 accounts, seed 42).
    const first = await seedDemoData({ accounts: DEFAULT_ACCOUNTS, seed: 42, now });
    const deals = await Deal.countDocuments({ source: 'seed' });
    expect(first.journeys).toEqual({ inserted: deals, existing: 0 });
    const journeys = await Journey.find({}).lean();
    expect(journeys).toHaveLength(deals);

    // Two playbooks: SMB quick start claims smb, the default serves the other segments (as intake chooses).
    const playbooks = await listPlaybooks();
    expect(playbooks.map((p) => [p.key, p.segments])).toEqual([
      ['default', []],
      [SMB_PLAYBOOK_KEY, ['smb']],
    ]);
    expect(journeys.filter((j) => j.playbookKey !== (j.segment === 'smb' ? SMB_PLAYBOOK_KEY : 'default'))).toEqual([]);
    for (const p of playbooks) {
      const current = await getCurrentPlaybook(p.key);
      const mine = journeys.filter((j) => j.playbookKey === p.key);
      expect(new Set(mine.map((j) => j.playbookVersion))).toEqual(new Set([current.version]));
      expect([...new Set(mine.map((j) => j.stage))].sort()).toEqual(current.stages.map((s) => s.key).sort());
      expect([...new Set(mine.map((j) => healthOf(j, now)))].sort()).toEqual(['at_risk', 'live', 'on_track', 'stalled']);
    }
    expect(journeys.filter((j) => healthOf(j, now) === 'stalled').length).toBeGreaterThanOrEqual(3);
    expect(journeys.some((j) => j.overrideCount > 0)).toBe(true);
    expect(journeys.some((j) => j.evidence.some((e) => e.retractedAt))).toBe(true);

    for (const j of journeys) {
      const playbook = (await getPlaybookVersion(j.playbookVersion, j.playbookKey))!;
      // Every stage left was left through the gate (all required evidence) or by a recorded override.
      for (const entry of j.stages.filter((s) => s.exitedAt)) {
        const stage = playbook.stages.find((s) => s.key === entry.key)!;
        const satisfied = stage.criteria.filter((c) => c.required).every((c) => isSatisfied(stage.key, c, j.evidence));
        expect(satisfied || Boolean(entry.override)).toBe(true);
      }
      expect(j.evidence.every((e) => e.at <= now)).toBe(true);
      if (j.liveAt) expect(j.stage).toBe('live');
    }
    expect(await AuditEvent.countDocuments({ action: 'journey.stage_overridden' })).toBe(journeys.reduce((n, j) => n + j.overrideCount, 0));

    // The rollups written while seeding equal a rebuild from the journeys; a second run adds nothing.
    const before = await snapshot();
    await rebuildJourneyMetrics();
    expect(await snapshot()).toBe(before);
    const second = await seedDemoData({ accounts: DEFAULT_ACCOUNTS, seed: 42, now });
    expect(second.journeys).toEqual({ inserted: 0, existing: deals });
    expect(await snapshot()).toBe(before);
    expect(await listPlaybooks()).toEqual(playbooks);
    expect(await Playbook.countDocuments({})).toBe(3);
  }, 120_000);
});
