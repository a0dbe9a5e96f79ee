import mongoose from 'mongoose';
import { Account } from '#models/account';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { dealStats } from './deals.server';

const DAY = 86_400_000;

/** What each role's home page shows first; every figure is scoped to what the user may see. */
export async function getHome({ user, now = new Date() }: { user: SessionUser; now?: Date }) {
  const since = new Date(now.getTime() - 90 * DAY);
  const deals = await dealStats({ user, since });
  const accountScope = user.role === 'sales' ? { aeIds: user.id } : user.role === 'cs' ? { csmId: user.id } : {};
  const [accounts, users, outbox] = await Promise.all([
    Account.countDocuments(accountScope),
    user.role === 'admin' ? User.countDocuments({ active: true }) : Promise.resolve(null),
    user.role === 'admin' ? mongoose.connection.collection('emailmessages').countDocuments({}) : Promise.resolve(null),
  ]);
  return { deals, accounts, users, outbox };
}
