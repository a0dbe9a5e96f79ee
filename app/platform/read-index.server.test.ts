import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { Change } from '#models/change';
import { feedHead, pruneChanges, readChanges, recordChange } from '#app/platform/change-feed.server';
import { Journey } from '#models/journey';
import { makeAccount, makeDeal, makeUser } from '#test/factories';
import { BoardQuerySchema, journeyBoardIndex, listJourneyBoard, startJourneyForDeal } from '#app/journeys/journey.server';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const DAY = 86_400_000;

afterEach(() => {
  delete process.env.READ_INDEX;
  resetEnvCache();
});

describe('the change feed', () => {
  it('appends concurrent changes with dense, unique sequence numbers, read back in order', async () => {
    const feed = `t-${Date.now()}`;
    await Promise.all(Array.from({ length: 30 }, (_, i) => recordChange(feed, [`doc-${i}`])));
    expect(await feedHead(feed)).toBe(30);
    const changes = await readChanges(feed, 0);
    expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(changes.flatMap((c) => c.ids)).size).toBe(30);
    expect(await readChanges(feed, 30)).toEqual([]);
  });

  it('tells a reader that fell behind pruned entries to reload', async () => {
    const feed = `p-${Date.now()}`;
    for (let i = 0; i < 5; i++) await recordChange(feed, [`doc-${i}`], new Date(T0.getTime() + i));
    await pruneChanges({ before: new Date(T0.getTime() + 3) });
    expect((await readChanges(feed, 1)).map((c) => c.ids)).toEqual([null]);
    expect((await readChanges(feed, 4)).map((c) => c.seq)).toEqual([5]);
    // The head hint survives pruning.
    expect(await Change.exists({ _id: `head:${feed}` })).toBeTruthy();
  });
});

describe('the CS board from the in-memory index', () => {
  it('sees a write at once in the writing process, and a bulk write through a reload', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
    const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
    await journeyBoardIndex.warm();
    expect(journeyBoardIndex.ready).toBe(true);
    const query = BoardQuerySchema.parse({ stage: 'implementation' });
    expect((await listJourneyBoard({ user: cs, query, now: T0 })).total).toBe(0);
    await Journey.updateOne({ _id: journeyId }, { $set: { stage: 'implementation' } });
    expect((await listJourneyBoard({ user: cs, query, now: T0 })).journeys.map((j) => j.id)).toEqual([String(journeyId)]);
    // A write the feed cannot name by id: the board answers from the database until the reload is done.
    await Journey.updateMany({ stage: 'implementation' }, { $set: { stage: 'handoff' } });
    expect((await listJourneyBoard({ user: cs, query, now: T0 })).total).toBe(0);
    await journeyBoardIndex.warm();
    expect(journeyBoardIndex.ready).toBe(true);
    expect((await listJourneyBoard({ user: cs, query, now: T0 })).total).toBe(0);
  });

  it('answers every filter, sort and page exactly as the database query does', async () => {
    const csms = [await makeUser({ role: 'cs' }), await makeUser({ role: 'cs' })];
    const reps = [await makeUser({ role: 'sales' }), await makeUser({ role: 'sales' })];
    const admin = await makeUser({ role: 'admin' });
    const stages = ['handoff', 'implementation', 'adoption', 'live'];
    const segments = ['smb', 'mid-market', 'enterprise'] as const;
    for (let i = 0; i < 40; i++) {
      const account = await makeAccount({ csmId: csms[i % 2].id });
      const deal = await makeDeal({ accountId: account.id, aeId: reps[i % 2].id, closedWonAt: T0 });
      const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
      // Several journeys share a stageEnteredAt, so ties must break by _id alike.
      await Journey.updateOne(
        { _id: journeyId },
        {
          $set: {
            stage: stages[i % 4],
            segment: segments[i % 3],
            csmId: i % 7 === 0 ? null : csms[(i >> 1) % 2].id,
            stageEnteredAt: new Date(T0.getTime() + (i % 9) * DAY),
            atRiskAt: new Date(T0.getTime() + (i % 5) * 3 * DAY),
            stalledAt: i % 6 === 0 ? null : new Date(T0.getTime() + (i % 4) * 6 * DAY),
          },
        },
      );
    }
    const now = new Date(T0.getTime() + 10 * DAY);
    const users = [...csms, ...reps, admin];
    const board = async (env: 'memory' | 'off', user: (typeof users)[number], query: ReturnType<typeof BoardQuerySchema.parse>) => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      if (env === 'memory') {
        await journeyBoardIndex.warm();
        expect(journeyBoardIndex.ready).toBe(true);
      }
      return listJourneyBoard({ user, query, now });
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          user: fc.constantFrom(...users),
          stage: fc.option(fc.constantFrom(...stages), { nil: undefined }),
          csm: fc.option(fc.constantFrom('none', csms[0].id, csms[1].id), { nil: undefined }),
          rep: fc.option(fc.constantFrom(reps[0].id, reps[1].id), { nil: undefined }),
          segment: fc.option(fc.constantFrom(...segments), { nil: undefined }),
          health: fc.option(fc.constantFrom('on_track', 'at_risk', 'stalled', 'live'), { nil: undefined }),
          mine: fc.option(fc.constant('1'), { nil: undefined }),
          sort: fc.constantFrom('days', '-days'),
          page: fc.integer({ min: 1, max: 3 }),
        }),
        async ({ user, ...raw }) => {
          const query = BoardQuerySchema.parse(
            Object.fromEntries(
              Object.entries(raw)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, String(v)]),
            ),
          );
          const fromIndex = await board('memory', user, query);
          const fromDb = await board('off', user, query);
          expect(fromIndex).toEqual(fromDb);
        },
      ),
      { numRuns: 80 },
    );
    const { countJourneysByHealth } = await import('#app/journeys/journey.server');
    // The index keeps its counts until the clock passes the next atRiskAt/stalledAt: ask at times
    // out of order, across those moments, and compare each with the database at the same time.
    const times = [0, 3, -30, 10, 1, 40, -1, 0].map((d) => new Date(now.getTime() + d * DAY));
    for (const user of users) {
      for (const at of times) {
        process.env.READ_INDEX = 'memory';
        resetEnvCache();
        await journeyBoardIndex.warm();
        const fromIndex = await countJourneysByHealth({ user, now: at });
        process.env.READ_INDEX = 'off';
        resetEnvCache();
        expect(fromIndex, `${user.role} at ${at.toISOString()}`).toEqual(await countJourneysByHealth({ user, now: at }));
      }
    }
  });
});

describe('the account list from the in-memory index', () => {
  it('answers every search, filter, sort and page exactly as the database query does', async () => {
    const csms = [await makeUser({ role: 'cs' }), await makeUser({ role: 'cs' })];
    const reps = [await makeUser({ role: 'sales' }), await makeUser({ role: 'sales' })];
    const admin = await makeUser({ role: 'admin' });
    const names = ['Acme', 'acme labs', 'Beta', 'Bright', 'Acorn', 'Zeta', 'beta two'];
    for (let i = 0; i < 35; i++) {
      await makeAccount({
        name: `${names[i % names.length]} ${i % 4}`,
        ...(i % 5 === 0 ? {} : { domain: `${names[(i + 2) % names.length].split(' ')[0].toLowerCase()}${i}.example` }),
        segment: (['smb', 'mid-market', 'enterprise'] as const)[i % 3],
        ...(i % 6 === 0 ? {} : { csmId: csms[i % 2].id }),
        aeIds: i % 3 === 0 ? [] : [reps[i % 2].id],
      });
    }
    const { AccountListQuerySchema, accountListIndex, listAccounts } = await import('#app/accounts/accounts.server');
    const users = [...csms, ...reps, admin];
    const list = async (env: 'memory' | 'off', user: (typeof users)[number], query: ReturnType<typeof AccountListQuerySchema.parse>) => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      if (env === 'memory') {
        await accountListIndex.warm();
        expect(accountListIndex.ready).toBe(true);
      }
      return listAccounts({ user, query });
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          user: fc.constantFrom(...users),
          q: fc.option(fc.constantFrom('a', 'ac', 'ACME', 'b', 'beta t', 'z', 'acorn', 'x', 'bri'), { nil: undefined }),
          sort: fc.constantFrom('name', '-name', 'segment', '-segment', 'createdAt', '-createdAt', 'status', '-status'),
          segment: fc.option(fc.constantFrom('smb', 'mid-market', 'enterprise'), { nil: undefined }),
          mine: fc.option(fc.constant('1'), { nil: undefined }),
          page: fc.integer({ min: 1, max: 2 }),
        }),
        async ({ user, ...raw }) => {
          const query = AccountListQuerySchema.parse(
            Object.fromEntries(
              Object.entries(raw)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, String(v)]),
            ),
          );
          expect(await list('memory', user, query)).toEqual(await list('off', user, query));
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('the journey page from the in-memory child indexes', () => {
  it('shows the same contacts, activity and plan links as the database queries, including a write just made', async () => {
    const { acceptHandoff, getJourneyDetail } = await import('#app/journeys/journey.server');
    const { makeContact } = await import('#test/factories');
    const { warmReadIndexes } = await import('#app/platform/read-index.server');
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const otherRep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    await makeContact(account.id, { isPrimary: true });
    await makeContact(account.id);
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
    const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
    const detail = async (env: 'memory' | 'off', user: typeof cs) => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      if (env === 'memory') await warmReadIndexes();
      return getJourneyDetail({ user, journeyId: String(journeyId), now: T0 });
    };
    const first = await detail('memory', cs);
    expect(first?.contacts).toHaveLength(2);
    expect(first).toEqual(await detail('off', cs));
    await acceptHandoff({ user: cs, journeyId: String(journeyId), now: new Date(T0.getTime() + DAY) });
    await makeContact(account.id);
    const after = await detail('memory', cs);
    expect(after?.contacts).toHaveLength(3);
    expect(after).toEqual(await detail('off', cs));
    // A rep sees only their own deals' journeys, whichever way the page is read.
    expect(await detail('memory', otherRep)).toBeNull();
    expect(await detail('memory', rep)).not.toBeNull();
  });
});

describe('stalled journeys on the time-to-live dashboard from the in-memory index', () => {
  it('counts every band and lists the longest as the database does', async () => {
    const { DashboardQuerySchema, getTimeToLiveDashboard } = await import('#app/dashboards/dashboards.server');
    const leader = await makeUser({ role: 'leadership' });
    const cs = await makeUser({ role: 'cs' });
    const reps = [await makeUser({ role: 'sales' }), await makeUser({ role: 'sales' })];
    const now = new Date(T0.getTime() + 200 * DAY);
    for (let i = 0; i < 24; i++) {
      const account = await makeAccount({ csmId: cs.id });
      const deal = await makeDeal({ accountId: account.id, aeId: reps[i % 2].id, closedWonAt: new Date(T0.getTime() - (i % 3) * 100 * DAY) });
      const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
      await Journey.updateOne(
        { _id: journeyId },
        { $set: { stalledAt: i % 5 === 0 ? null : new Date(now.getTime() - [1, 7, 8, 30, 31, 90, 91, 400, -3][i % 9] * DAY), segment: (['smb', 'enterprise'] as const)[i % 2] } },
      );
    }
    const stalled = async (env: 'memory' | 'off', raw: Record<string, string>, at: Date) => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      if (env === 'memory') await journeyBoardIndex.warm();
      const { tables } = await getTimeToLiveDashboard({ user: leader, query: DashboardQuerySchema.parse(raw), now: at });
      const t = tables as Record<string, { rows: Record<string, unknown>[] }>;
      return { bands: t['stalled-age'].rows, longest: t['stalled-longest'].rows };
    };
    // The index keeps its answer until the next moment that changes it (a journey stalls, or crosses
    // into the next band): ask at times out of order, on and across those moments.
    const times = [0, 0.5, -1, 1, 3, 23, -0.5, 3.5, 60, 0].map((d) => new Date(now.getTime() + d * DAY));
    for (const raw of [{}, { segment: 'smb' }, { rep: reps[1].id }, { csm: 'none' }, { csm: cs.id }] as Record<string, string>[]) {
      for (const at of times) {
        const fromIndex = await stalled('memory', raw, at);
        expect(fromIndex, `${JSON.stringify(raw)} at ${at.toISOString()}`).toEqual(await stalled('off', raw, at));
        if (Object.keys(raw).length === 0 && at === times[0]) expect(fromIndex.bands.reduce((n, b) => n + Number(b.count), 0)).toBeGreaterThan(10);
      }
    }
  });
});

describe('buyer tasks from the in-memory child index', () => {
  it('the journey page and the plan page show the same tasks as the database queries, including writes just made', async () => {
    const { warmReadIndexes } = await import('#app/platform/read-index.server');
    const { makeContact } = await import('#test/factories');
    const { completeTaskOnPlan, getJourneyTasks, getPlanTasks } = await import('#app/buyer-tasks/tasks.server');
    const { closeStageTasks } = await import('#app/buyer-tasks/open.server');
    const { createPlanToken } = await import('#app/journeys/plan.server');
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const buyer = await makeContact(account.id, { isPrimary: true });
    await makeContact(account.id);
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
    // Loaded before the tasks exist: the index must follow the inserts made as the journey starts.
    process.env.READ_INDEX = 'memory';
    resetEnvCache();
    await warmReadIndexes();
    const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
    const token = await createPlanToken({ journeyId: String(journeyId), contact: { id: buyer.id, name: 'Buyer', email: 'buyer@example.com' }, stage: 'handoff', now: T0 });
    const at = new Date(T0.getTime() + DAY);
    const read = async (env: 'memory' | 'off') => {
      process.env.READ_INDEX = env;
      resetEnvCache();
      if (env === 'memory') await warmReadIndexes();
      return { journey: await getJourneyTasks({ journeyId: String(journeyId), now: at }), plan: await getPlanTasks({ token, now: at }) };
    };
    const opened = await read('memory');
    expect(opened.journey?.tasks.length).toBeGreaterThan(0);
    expect(opened.journey?.tasks.every((t) => t.owners[0]?.id === buyer.id)).toBe(true);
    expect(opened.journey?.contacts).toHaveLength(2);
    expect(opened).toEqual(await read('off'));
    // The buyer completes one on the plan page; the stage ends and closes the rest.
    await read('memory');
    expect(await completeTaskOnPlan({ token, taskId: opened.journey!.tasks[0].id, now: at })).toBeTruthy();
    const done = await read('memory');
    expect(done.journey?.tasks[0].doneVia).toBe('buyer');
    expect(done).toEqual(await read('off'));
    await read('memory');
    await closeStageTasks({ journeyId: String(journeyId), stageKey: 'handoff', now: at });
    const closed = await read('memory');
    expect(closed.journey?.tasks.every((t) => t.doneAt !== null)).toBe(true);
    expect(closed).toEqual(await read('off'));
  });
});
