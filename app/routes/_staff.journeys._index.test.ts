import mongoose from 'mongoose';
import { beforeEach, describe, expect, it } from 'vitest';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { makeAccount, makeDeal, makeUser, requestAs } from '#test/factories';
import { loader } from './_staff.journeys._index';

type Board = Awaited<ReturnType<typeof loader>>;
const ctx = { nonce: '', clientIp: '10.9.0.2' };
const DAY = 86_400_000;

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

/** Two CSMs: `me` owns 2 journeys (one smb), `other` owns 3 (all mid-market). */
async function setup() {
  const me = await makeUser({ role: 'cs' });
  const other = await makeUser({ role: 'cs' });
  const admin = await makeUser({ role: 'admin' });
  const rep = await makeUser({ role: 'sales' });
  const now = Date.now();
  const journeys = async (csmId: string, segment: 'smb' | 'mid-market', n: number) => {
    const account = await makeAccount({ csmId, segment });
    for (let i = 0; i < n; i++) {
      const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date(now - (i + 1) * DAY) });
      await startJourneyForDeal({ dealId: deal.id, now: new Date(now - i * DAY) });
    }
  };
  await journeys(me.id, 'mid-market', 1);
  await journeys(me.id, 'smb', 1);
  await journeys(other.id, 'mid-market', 3);
  return { me, other, admin, rep };
}

const open = async (user: Awaited<ReturnType<typeof makeUser>>, query = '') =>
  (await loader({ request: await requestAs(user, `/journeys${query}`), params: {}, context: ctx })) as Board;
const cardTotal = (b: Board) => Object.values(b.health).reduce((n, v) => n + v, 0);

describe('journey board: whose journeys', () => {
  it('a CS user sees only their own journeys by default, with the health cards counting the same ones', async () => {
    const { me } = await setup();
    const board = await open(me);
    expect(board.mine).toBe(true);
    expect(board.board.total).toBe(2);
    expect(cardTotal(board)).toBe(2);
  });

  it('unticked (mine=0) shows every CSM’s journeys; the cards follow', async () => {
    const { me } = await setup();
    const board = await open(me, '?mine=0');
    expect(board.mine).toBe(false);
    expect(board.board.total).toBe(5);
    expect(cardTotal(board)).toBe(5);
    // The form sends the hidden 0 before the ticked box's 1: ticked wins.
    expect((await open(me, '?mine=0&mine=1')).board.total).toBe(2);
  });

  it('the health cards follow the segment and CSM filters of the list', async () => {
    const { me, other } = await setup();
    const smb = await open(me, '?segment=smb');
    expect(smb.board.total).toBe(1);
    expect(cardTotal(smb)).toBe(1);
    const theirs = await open(me, `?csm=${other.id}`);
    expect(theirs.mine).toBe(false);
    expect(theirs.board.total).toBe(3);
    expect(cardTotal(theirs)).toBe(3);
  });

  it('an admin asking for mine=1 is told why it does not apply, and sees every journey', async () => {
    const { admin } = await setup();
    const board = await open(admin, '?mine=1');
    expect(board.mine).toBe(false);
    expect(board.notice).toMatch(/Only my journeys is for customer success/);
    expect(board.board.total).toBe(5);
    expect(cardTotal(board)).toBe(5);
    expect((await open(admin)).notice).toBeNull();
  });

  it('a new CSM with no journeys gets none of the company’s', async () => {
    await setup();
    const fresh = await makeUser({ role: 'cs' });
    const board = await open(fresh);
    expect(board.board.total).toBe(0);
    expect(cardTotal(board)).toBe(0);
  });
});
