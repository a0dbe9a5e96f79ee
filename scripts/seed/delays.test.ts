import { describe, expect, test } from 'vitest';
import { Journey } from '#models/journey';
import { seedDelayDemo } from '#scripts/seed/delays';
import { DEFAULT_ACCOUNTS, seedDemoData } from '#scripts/seed/demo';
import { healthOf } from '#app/journeys/journey.server';
import { PAUSED_UNTIL_RESUMED } from '#app/journeys/sla-rules';
import { trusted } from '#app/platform/db.server';

const now = new Date('2026-11-20T10:00:00Z');

describe('delay demo data', () => {
  test('one journey the buyer confirmed (paused), one claimed by the vendor, one ended; a re-run adds nothing', async () => {
    // The demo `npm start` writes: at 60 accounts, with smb journeys on the shorter SMB quick start,
    // cs@kept.demo had no journey under way for 20 days to hold the ended delay.
    await seedDemoData({ accounts: DEFAULT_ACCOUNTS, seed: 42, now });
    await seedDelayDemo({ now });
    const withDelays = async () => Journey.find({ 'delays.0': trusted({ $exists: true }) }).lean();
    const journeys = await withDelays();
    const states = journeys.map((j) => {
      const d = j.delays[0];
      return d.endedAt ? 'ended' : d.confirmedAt ? 'confirmed' : 'claimed';
    });
    expect(states.sort()).toEqual(['claimed', 'confirmed', 'ended']);
    const confirmed = journeys.find((j) => j.delays[0].confirmedAt && !j.delays[0].endedAt)!;
    expect(confirmed.stalledAt).toEqual(PAUSED_UNTIL_RESUMED);
    expect(healthOf(confirmed, now)).not.toBe('stalled');
    await seedDelayDemo({ now });
    expect((await withDelays()).map((j) => j.delays.length)).toEqual(journeys.map((j) => j.delays.length));
  });
});
