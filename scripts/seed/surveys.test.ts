import mongoose, { Types } from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { readMetrics } from '#app/platform/metrics.server';
import { seedDemoData } from '#scripts/seed/demo';
import { seedSurveyDemo, simulateDealSurveys } from '#scripts/seed/surveys';
import { rebuildSurveyMetrics, SURVEY_METRICS } from '#app/surveys/surveys.server';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const DAY = 86_400_000;

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

describe('demo surveys', () => {
  test('played forward, the waves of many deals show every state, consistently dated', () => {
    const primary = { _id: new Types.ObjectId(), accountId: new Types.ObjectId(), name: 'Maria Lopez', email: 'maria@example.com', isPrimary: true };
    const states = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const deal = {
        _id: new Types.ObjectId(),
        crmId: `sim-${i}`,
        accountId: primary.accountId,
        aeId: new Types.ObjectId(),
        closedWonAt: new Date(NOW.getTime() - (i % 730) * DAY),
        promises: [{ _id: new Types.ObjectId(), text: 'Cut onboarding time in half', category: 'time-savings' }],
      };
      // Most journeys went live within 120 days; one in seven is not live yet.
      const liveAt = i % 7 === 0 ? null : new Date(deal.closedWonAt.getTime() + (i % 4) * 40 * DAY);
      const { docs, answers } = simulateDealSurveys({ deal, segment: 'smb', primary, now: NOW, journey: { liveAt } });
      for (const d of docs) {
        states.set(d.state, (states.get(d.state) ?? 0) + 1);
        // No buyer is asked before the customer is live; a wave due before that waited.
        if (d.sentAt) expect(liveAt && (d.sentAt as Date) >= liveAt).toBeTruthy();
        if (d.held) {
          states.set('held', (states.get('held') ?? 0) + 1);
          expect(d.state).toBe('scheduled');
          expect(!liveAt || liveAt.getTime() > NOW.getTime() - 3 * DAY || liveAt > NOW).toBe(true);
        } else if (d.state === 'scheduled') expect(d.dueAt.getTime()).toBeGreaterThan(NOW.getTime() - 3 * DAY);
        if (['sent', 'reminded'].includes(d.state)) expect((d.expiresAt as Date).getTime()).toBeGreaterThan(NOW.getTime());
        if (d.state === 'answered') expect((d.answeredAt as Date).getTime()).toBeLessThan(NOW.getTime());
      }
      expect(answers.map((a) => String(a._id)).sort()).toEqual(
        docs
          .filter((d) => d.state === 'answered')
          .map((d) => String(d._id))
          .sort(),
      );
    }
    expect([...states.keys()].sort()).toEqual(['answered', 'bounced', 'cancelled', 'expired', 'held', 'reminded', 'scheduled', 'sent', 'skipped']);
    expect(states.get('answered')! / (states.get('answered')! + states.get('expired')!)).toBeGreaterThan(0.55);
  });

  test('every seeded deal gets its three waves with answers and rollups that a rebuild reproduces; a re-run adds nothing', async () => {
    await seedDemoData({ accounts: 12, seed: 7, now: NOW, nodeEnv: 'test' });
    const deals = await Deal.countDocuments({});
    const first = await seedSurveyDemo({ now: NOW });
    expect(first).toMatchObject({ inserted: 3 * deals, existing: 0 });
    expect(first.answered).toBeGreaterThan(0);
    expect(await Survey.countDocuments({})).toBe(3 * deals);
    expect(await SurveyResponse.countDocuments({})).toBe(await Survey.countDocuments({ state: 'answered' }));
    // The history follows the rule the worker keeps: invitations only once the journey is live.
    const liveAtOf = new Map((await Journey.find({}).select('dealId liveAt').lean()).map((j) => [String(j.dealId), j.liveAt ?? null]));
    for (const s of await Survey.find({}).select('dealId state invitedAt held').lean()) {
      const liveAt = liveAtOf.get(String(s.dealId));
      if (s.invitedAt) expect(liveAt && liveAt <= s.invitedAt, `survey of deal ${s.dealId} invited ${s.invitedAt.toISOString()}, live ${liveAt?.toISOString()}`).toBeTruthy();
      if (s.held) expect(s.state).toBe('scheduled');
    }

    const read = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.values(SURVEY_METRICS).map(async (kind) => [kind, (await readMetrics(kind)).sort((a, b) => JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims)))]),
        ),
      );
    const seeded = await read();
    expect(seeded[SURVEY_METRICS.funnel].length).toBeGreaterThan(0);
    expect(await seedSurveyDemo({ now: NOW })).toEqual({ inserted: 0, existing: 3 * deals, answered: 0 });
    expect(await read()).toEqual(seeded);
    await rebuildSurveyMetrics();
    expect(await read()).toEqual(seeded);
  }, 120_000);
});
