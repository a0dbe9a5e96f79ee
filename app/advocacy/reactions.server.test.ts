import fs from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import { Advocate } from '#models/advocate';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { runAdvocacyNightly } from '#app/advocacy/advocacy.server';
import { DAY_MS } from '#app/advocacy/advocacy-rules.server';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { onRecorded, reactionsTo, recorded } from '#app/platform/events.server';
import { applyPendingResponses, applySurveyResponse } from '#app/surveys/surveys.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

const NOW = new Date('2026-09-01T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY_MS);

let rep: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  rep = await makeUser({ role: 'sales' });
});

/** A customer live for 200 days whose buyer's promoter answer is stored, as the submit stores it (not yet applied unless `appliedAt`). */
async function storedAnswer({ appliedAt = null }: { appliedAt?: Date | null } = {}) {
  const account = await makeAccount();
  const contact = await makeContact(account.id, { isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: daysAgo(400), promises: 1 });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: daysAgo(400) });
  await Journey.updateOne({ _id: journeyId }, { $set: { stage: 'live', liveAt: daysAgo(200) } });
  const dealDoc = await Deal.findById(deal.id).lean();
  const surveyId = new Types.ObjectId();
  await SurveyResponse.create({
    _id: surveyId,
    dealId: deal.id,
    accountId: account.id,
    aeId: rep.id,
    contactId: contact.id,
    contactEmail: contact.email,
    wave: 6,
    segment: 'mid-market',
    closedWonAt: dealDoc!.closedWonAt,
    answeredAt: daysAgo(1),
    promises: [],
    overall: 'yes',
    nps: 10,
    consentReferral: true,
    appliedAt,
  });
  return { dealId: deal.id, surveyId };
}

const qualifiesOf = async (dealId: string) => (await Advocate.findOne({ dealId }).lean())?.qualifies ?? null;

describe('advocacy reacts to what surveys, journeys and deals record', () => {
  test('the reactions are registered in this process, as the web server and the worker load them', () => {
    expect(reactionsTo('survey.answered')).toContain('advocacy.refresh');
    expect(reactionsTo('journey.live')).toEqual(['advocacy.refresh']);
    expect(reactionsTo('deal.referred')).toEqual(['advocacy.link-referral']);
  });

  test('an answer applied by the surveys service makes the candidate, with no call from surveys to advocacy', async () => {
    const { dealId, surveyId } = await storedAnswer();
    expect(await qualifiesOf(dealId)).toBeNull();
    await applySurveyResponse({ surveyId, now: NOW });
    expect(await qualifiesOf(dealId)).toEqual(['referral']);
  });

  test('a process that died between storing an answer and reacting: the worker applies it again and the candidate appears', async () => {
    const { dealId } = await storedAnswer({ appliedAt: null });
    expect(await qualifiesOf(dealId)).toBeNull();
    await applyPendingResponses({ now: NOW, owner: 'test-worker' });
    expect(await qualifiesOf(dealId)).toEqual(['referral']);
  });

  test('a reaction that failed after the answer was applied: the nightly sweep repairs the candidate', async () => {
    // What a failed (logged) reaction leaves: the answer applied, no advocate.
    const { dealId, surveyId } = await storedAnswer({ appliedAt: NOW });
    await Survey.updateOne({ _id: surveyId }, { $set: { state: 'answered' } });
    await applyPendingResponses({ now: NOW, owner: 'test-worker' });
    expect(await qualifiesOf(dealId)).toBeNull();
    const night = new Date(NOW.getTime() + DAY_MS);
    expect(await runAdvocacyNightly({ now: night, owner: 'test-worker' })).toMatchObject({ refreshed: expect.any(Number) });
    expect(await qualifiesOf(dealId)).toEqual(['referral']);
  });

  test('a reaction that throws is logged: the recording call still succeeds and the other reactions still run', async () => {
    const ran: string[] = [];
    onRecorded('journey.live', 'test.throws', async () => {
      ran.push('throws');
      throw new Error('reaction failed on purpose');
    });
    onRecorded('journey.live', 'test.after', async ({ dealId }) => void ran.push(`after ${String(dealId)}`));
    const dealId = new Types.ObjectId();
    await expect(recorded('journey.live', { dealId, now: NOW })).resolves.toBeUndefined();
    expect(ran).toEqual(['throws', `after ${String(dealId)}`]);
  });
});

describe('who imports advocacy', () => {
  const root = path.resolve(__dirname, '..');
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return sources(full);
      return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [full] : [];
    });

  test('journeys, surveys, deals and every other area record events; only routes and the entry points import advocacy', () => {
    // The web server's entry and the worker load the reactions; the dashboards read advocacy's rollups;
    // components and models use its type lists only.
    const allowed = new Set(['entry.server.tsx', 'worker/worker.server.ts', 'dashboards/metrics-rebuild.server.ts', 'components/advocacy.tsx']);
    const offenders = sources(root)
      .map((file) => path.relative(root, file))
      .filter((rel) => !rel.startsWith('advocacy/') && !rel.startsWith('routes/') && !allowed.has(rel))
      .filter((rel) => /from '#app\/advocacy\/|import '#app\/advocacy\//.test(fs.readFileSync(path.join(root, rel), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
