import { describe, expect, it } from 'vitest';
import { getHome } from '#app/dashboards/home.server';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { makeAccount, makeDeal, makeUser } from '#test/factories';

const DAY = 86_400_000;

describe('home page figures', () => {
  it('a CSM sees their own book; a new CSM with no accounts sees an empty book, not the company’s figures', async () => {
    const now = new Date();
    const rep = await makeUser({ role: 'sales' });
    const csm = await makeUser({ role: 'cs' });
    const otherCsm = await makeUser({ role: 'cs' });
    const admin = await makeUser({ role: 'admin' });
    const mine = await makeAccount({ csmId: csm.id, name: 'My Customer' });
    const theirs = await makeAccount({ csmId: otherCsm.id, name: 'Their Customer' });
    const deals = [await makeDeal({ accountId: mine.id, aeId: rep.id, closedWonAt: new Date(now.getTime() - 10 * DAY) })];
    for (let i = 0; i < 3; i++) deals.push(await makeDeal({ accountId: theirs.id, aeId: rep.id, closedWonAt: new Date(now.getTime() - (i + 1) * DAY) }));
    for (const d of deals) await startJourneyForDeal({ dealId: d.id, now });

    const home = await getHome({ user: csm, now });
    expect(home.accounts).toBe(1);
    expect(home.deals.total).toBe(1);
    expect(home.deals.recent.map((d) => d.account)).toEqual(['My Customer']);
    // Their one journey, whatever its health (closed 10 days ago, it is past the handoff SLA).
    expect(Object.values(home.health!).reduce((n, v) => n + v, 0)).toBe(1);

    const fresh = await makeUser({ role: 'cs' });
    const empty = await getHome({ user: fresh, now });
    expect(empty.accounts).toBe(0);
    expect(empty.deals).toEqual({ total: 0, recent: [] });
    expect(empty.health).toEqual({ on_track: 0, at_risk: 0, stalled: 0, live: 0 });

    // Everyone else still sees the company.
    const overview = await getHome({ user: admin, now });
    expect(overview.deals.total).toBe(4);
    expect(overview.health).toBeNull();
  });
});
