import mongoose from 'mongoose';
import { Account } from '#models/account';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { dealStats } from '#app/deals/deals.server';
import { countJourneysByHealth } from '#app/journeys/journey.server';
import { workQueuePanel } from '#app/work/work.server';

const DAY = 86_400_000;

/**
 * What each role's home page shows first; every figure is scoped to what the user may see and
 * calls theirs: a rep's deals, a CSM's book (their accounts, those accounts' deals, their journeys).
 */
export async function getHome({ user, now = new Date() }: { user: SessionUser; now?: Date }) {
  const since = new Date(now.getTime() - 90 * DAY);
  const deals = await dealStats({ user, since });
  const accountScope = user.role === 'sales' ? { aeIds: user.id } : user.role === 'cs' ? { csmId: user.id } : {};
  const [accounts, users, outbox] = await Promise.all([
    Account.countDocuments(accountScope),
    user.role === 'admin' ? User.countDocuments({ active: true }) : Promise.resolve(null),
    user.role === 'admin' ? mongoose.connection.collection('emailmessages').countDocuments({}) : Promise.resolve(null),
  ]);
  // A CSM's own journeys by health: their book at a glance (counted like the board's cards).
  const health = user.role === 'cs' ? await countJourneysByHealth({ user, now, criteria: { csmId: user.id } }) : null;
  // A CSM's work queue comes first on their home: what waits for them, most at stake first.
  const work = user.role === 'cs' ? await workQueuePanel({ csmId: user.id, now }) : null;
  return { deals, accounts, users, outbox, health, work };
}
