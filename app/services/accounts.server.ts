import { z } from 'zod';
import { Account, SEGMENTS } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/db.server';

export const ACCOUNT_SORTS = ['name', '-name', 'segment', '-segment', 'createdAt', '-createdAt', 'status', '-status'] as const;

export const AccountListQuerySchema = z.object({
  // Longer searches are cut, not refused: parse() must not throw (a throw here was a 500).
  q: z.string().trim().optional().default('').transform((q) => q.slice(0, 100)),
  sort: z.enum(ACCOUNT_SORTS).catch('name'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  segment: z.enum(SEGMENTS).optional().catch(undefined),
  mine: z.enum(['1']).optional().catch(undefined),
});
export type AccountListQuery = z.infer<typeof AccountListQuerySchema>;

const PER_PAGE = 25;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isObjectId = (id: string) => /^[a-f0-9]{24}$/i.test(id);

/** What a user may see: sales reps only accounts where they own a deal; everyone else all. */
function scopeFor(user: SessionUser): Record<string, unknown> {
  return user.role === 'sales' ? { aeIds: user.id } : {};
}

/** Accounts for the list page: search by name or domain, sort, paginate, scoped to the user. */
export async function listAccounts({ user, query }: { user: SessionUser; query: AccountListQuery }) {
  const filter: Record<string, unknown> = { ...scopeFor(user) };
  if (query.segment) filter.segment = query.segment;
  if (query.mine && user.role === 'cs') filter.csmId = user.id;
  if (query.q) {
    // Prefix match on the lower-cased name or the domain: served by the nameLower / domain indexes.
    const prefix = `^${escapeRegex(query.q.toLowerCase())}`;
    filter.$or = [{ nameLower: trusted({ $regex: prefix }) }, { domain: trusted({ $regex: prefix }) }];
  }
  const desc = query.sort.startsWith('-');
  const field = query.sort.replace('-', '');
  const sortField = field === 'name' ? 'nameLower' : field;
  const [rows, total] = await Promise.all([
    Account.find(filter)
      .select('name domain segment status csmId createdAt')
      .sort({ [sortField]: desc ? -1 : 1, _id: 1 })
      .skip((query.page - 1) * PER_PAGE)
      .limit(PER_PAGE)
      .lean(),
    Account.countDocuments(filter),
  ]);
  const csmIds = [...new Set(rows.map((r) => r.csmId).filter(Boolean).map(String))];
  const csms = csmIds.length ? await User.find({ _id: trusted({ $in: csmIds }) }).select('name').lean() : [];
  const csmName = new Map(csms.map((c) => [String(c._id), c.name]));
  return {
    accounts: rows.map((a) => ({
      id: String(a._id),
      name: a.name,
      domain: a.domain ?? '',
      segment: a.segment,
      status: a.status ?? 'active',
      csm: a.csmId ? (csmName.get(String(a.csmId)) ?? '') : '',
      createdAt: a.createdAt?.toISOString() ?? '',
    })),
    total,
    page: query.page,
    pages: Math.max(1, Math.ceil(total / PER_PAGE)),
    perPage: PER_PAGE,
  };
}

/** One account with its contacts and deals (a sales rep sees only their own deals); null if not visible. */
export async function getAccountDetail({ user, accountId }: { user: SessionUser; accountId: string }) {
  if (!isObjectId(accountId)) return null;
  const account = await Account.findOne({ _id: accountId, ...scopeFor(user) })
    .select('name domain segment status churnedAt csmId createdAt')
    .lean();
  if (!account) return null;
  const dealFilter: Record<string, unknown> = { accountId };
  if (user.role === 'sales') dealFilter.aeId = user.id;
  const [contacts, deals, csm] = await Promise.all([
    Contact.find({ accountId }).select('name email title isPrimary emailStatus').sort({ isPrimary: -1, name: 1 }).lean(),
    Deal.find(dealFilter).select('name source crmId aeId closedWonAt arr currency promises').sort({ closedWonAt: -1 }).lean(),
    account.csmId ? User.findById(account.csmId).select('name').lean() : null,
  ]);
  const aeIds = [...new Set(deals.map((d) => String(d.aeId)))];
  const aes = aeIds.length ? await User.find({ _id: trusted({ $in: aeIds }) }).select('name').lean() : [];
  const aeName = new Map(aes.map((a) => [String(a._id), a.name]));
  return {
    id: String(account._id),
    name: account.name,
    domain: account.domain ?? '',
    segment: account.segment,
    status: account.status ?? 'active',
    churnedAt: account.churnedAt?.toISOString() ?? null,
    csm: csm?.name ?? null,
    contacts: contacts.map((c) => ({
      id: String(c._id),
      name: c.name,
      email: c.email,
      title: c.title ?? '',
      isPrimary: Boolean(c.isPrimary),
      emailStatus: c.emailStatus ?? 'ok',
    })),
    deals: deals.map((d) => ({
      id: String(d._id),
      name: d.name,
      source: d.source,
      crmId: d.crmId,
      ae: aeName.get(String(d.aeId)) ?? '',
      closedWonAt: d.closedWonAt.toISOString(),
      arr: d.arr,
      currency: d.currency,
      promises: d.promises.map((p) => ({ id: String(p._id), text: p.text, successCriterion: p.successCriterion, category: p.category })),
    })),
  };
}

/** Name and domain of an account, for prefilling the new-deal form; null when not visible. */
export async function getAccountSummary({ user, accountId }: { user: SessionUser; accountId: string }) {
  if (!isObjectId(accountId)) return null;
  const a = await Account.findOne({ _id: accountId, ...scopeFor(user) }).select('name domain segment').lean();
  return a ? { id: String(a._id), name: a.name, domain: a.domain ?? '', segment: a.segment } : null;
}
