import { Types } from 'mongoose';
import { z } from 'zod';
import { Account, SEGMENTS, type Segment } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted, isDuplicateKey } from '#app/platform/db.server';
import { ReadIndex, VersionedCache } from '#app/platform/read-index.server';
import { objectIdFrom } from '#app/utils/ids.server';
import { contactsOfAccount } from '#app/journeys/children.server';

export const ACCOUNT_SORTS = ['name', '-name', 'segment', '-segment', 'createdAt', '-createdAt', 'status', '-status'] as const;

export const AccountListQuerySchema = z.object({
  // Longer searches are cut, not refused: parse() must not throw (a throw here was a 500).
  q: z
    .string()
    .trim()
    .optional()
    .default('')
    .transform((q) => q.slice(0, 100)),
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

type AccountRow = {
  _id: string;
  name: string;
  nameLower: string;
  domain: string | null;
  segment: string;
  status: string | null;
  csmId: string | null;
  createdAt: Date;
  aeIds: string[];
};

/** The account list's in-memory index (see read-index.server.ts). */
export const accountListIndex = new ReadIndex<AccountRow>({
  feed: 'accounts',
  model: Account,
  select: 'name nameLower domain segment status csmId createdAt aeIds',
  toRow: (d) => ({
    _id: String(d._id),
    name: String(d.name ?? ''),
    nameLower: String(d.nameLower ?? ''),
    domain: typeof d.domain === 'string' ? d.domain : null,
    segment: String(d.segment ?? ''),
    status: typeof d.status === 'string' ? d.status : null,
    csmId: d.csmId ? String(d.csmId) : null,
    createdAt: d.createdAt as Date,
    aeIds: ((d.aeIds as unknown[]) ?? []).map(String),
  }),
});

// MongoDB's order: null/missing before any value, then the value; ties by _id ascending.
const compareValues = (a: string | number | null, b: string | number | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
const sortValue = (r: AccountRow, field: string) => (field === 'createdAt' ? r.createdAt.getTime() : ((r as unknown as Record<string, string | null>)[field] ?? null));
const orders = new Map<string, { version: number; rows: AccountRow[] }>();
const accountCache = new VersionedCache<{ rows: AccountRow[]; total: number }>();
function accountsInOrder(rows: Map<string, AccountRow>, sort: (typeof ACCOUNT_SORTS)[number]) {
  const cached = orders.get(sort);
  if (cached?.version === accountListIndex.version) return cached.rows;
  const desc = sort.startsWith('-');
  const field = sort.replace('-', '') === 'name' ? 'nameLower' : sort.replace('-', '');
  const sorted = [...rows.values()].sort((a, b) => (desc ? -1 : 1) * compareValues(sortValue(a, field), sortValue(b, field)) || compareValues(a._id, b._id));
  orders.set(sort, { version: accountListIndex.version, rows: sorted });
  return sorted;
}

/** Accounts for the list page: search by name or domain, sort, paginate, scoped to the user. */
export async function listAccounts({ user, query }: { user: SessionUser; query: AccountListQuery }) {
  const q = query.q.toLowerCase();
  const skip = (query.page - 1) * PER_PAGE;
  type Row = { _id: unknown; name: string; domain?: string | null; segment: string; status?: string | null; csmId?: unknown; createdAt?: Date | null };
  const cacheKey = `${user.role === 'sales' || (query.mine && user.role === 'cs') ? user.id : ''}|${query.segment ?? ''}|${q}|${query.sort}|${skip}|${user.role}`;
  const { rows, total } = await accountListIndex.answer<{ rows: Row[]; total: number }>({
    fromMemory: (indexed) =>
      accountCache.keep(accountListIndex.version, cacheKey, () => {
        const matches = (r: AccountRow) =>
          (user.role !== 'sales' || r.aeIds.includes(user.id)) &&
          (!query.segment || r.segment === query.segment) &&
          (!(query.mine && user.role === 'cs') || r.csmId === user.id) &&
          (!q || r.nameLower.startsWith(q) || (r.domain ?? '').startsWith(q));
        const rows: AccountRow[] = [];
        let total = 0;
        for (const r of accountsInOrder(indexed, query.sort)) {
          if (!matches(r)) continue;
          if (total++ >= skip && rows.length < PER_PAGE) rows.push(r);
        }
        return { rows, total };
      }),
    fromDatabase: async () => {
      const filter: Record<string, unknown> = { ...scopeFor(user) };
      if (query.segment) filter.segment = query.segment;
      if (query.mine && user.role === 'cs') filter.csmId = user.id;
      if (q) {
        // Prefix match on the lower-cased name or the domain: served by the nameLower / domain indexes.
        const prefix = `^${escapeRegex(q)}`;
        filter.$or = [{ nameLower: trusted({ $regex: prefix }) }, { domain: trusted({ $regex: prefix }) }];
      }
      const desc = query.sort.startsWith('-');
      const field = query.sort.replace('-', '');
      const sortField = field === 'name' ? 'nameLower' : field;
      const [rows, total] = await Promise.all([
        Account.find(filter)
          .select('name domain segment status csmId createdAt')
          .sort({ [sortField]: desc ? -1 : 1, _id: 1 })
          .skip(skip)
          .limit(PER_PAGE)
          .lean(),
        Account.countDocuments(filter),
      ]);
      return { rows, total };
    },
  });
  const csmIds = [
    ...new Set(
      rows
        .map((r) => r.csmId)
        .filter(Boolean)
        .map(String),
    ),
  ];
  const csms = csmIds.length
    ? await User.find({ _id: trusted({ $in: csmIds }) })
        .select('name')
        .lean()
    : [];
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
    .select('name domain segment status churnedAt csmId createdAt language')
    .lean();
  if (!account) return null;
  const dealFilter: Record<string, unknown> = { accountId };
  if (user.role === 'sales') dealFilter.aeId = user.id;
  const [contacts, deals, csm] = await Promise.all([
    contactsOfAccount(accountId, 'name email title isPrimary emailStatus language'),
    Deal.find(dealFilter).select('name source crmId aeId closedWonAt arr currency promises').sort({ closedWonAt: -1 }).lean(),
    account.csmId ? User.findById(account.csmId).select('name').lean() : null,
  ]);
  const aeIds = [...new Set(deals.map((d) => String(d.aeId)))];
  const aes = aeIds.length
    ? await User.find({ _id: trusted({ $in: aeIds }) })
        .select('name')
        .lean()
    : [];
  const aeName = new Map(aes.map((a) => [String(a._id), a.name]));
  return {
    id: String(account._id),
    name: account.name,
    domain: account.domain ?? '',
    segment: account.segment,
    status: account.status ?? 'active',
    churnedAt: account.churnedAt?.toISOString() ?? null,
    csm: csm?.name ?? null,
    /** The buyers' language unless a contact sets their own; null = the admin's default (docs/i18n.md). */
    language: account.language ?? null,
    contacts: contacts.map((c) => ({
      id: String(c._id),
      name: c.name,
      email: c.email,
      title: c.title ?? '',
      isPrimary: Boolean(c.isPrimary),
      emailStatus: c.emailStatus ?? 'ok',
      language: c.language ?? null,
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
  const a = await Account.findOne({ _id: accountId, ...scopeFor(user) })
    .select('name domain segment')
    .lean();
  return a ? { id: String(a._id), name: a.name, domain: a.domain ?? '', segment: a.segment } : null;
}

/** The key a new deal's account is found by: its domain when there is one, else its lower-cased name. */
export function accountKey(account: { name: string; domain?: string | null }) {
  return account.domain ? `domain:${account.domain}` : `name:${account.name.toLowerCase()}`;
}

/** The _id a new account gets, derived from its key: writers creating the same company collide on it. */
export const accountIdFor = (account: { name: string; domain?: string | null }) => objectIdFrom(`account:${accountKey(account)}`);

/** A new account's stored fields, complete for lean inserts (which skip the schema's defaults and nameLower hook). */
export function newAccountDoc(input: { name: string; domain?: string | null; segment: Segment; csmId?: Types.ObjectId | null; aeIds: Types.ObjectId[]; now?: Date }) {
  return {
    name: input.name,
    nameLower: input.name.toLowerCase(),
    ...(input.domain ? { domain: input.domain } : {}),
    segment: input.segment,
    status: 'active' as 'active' | 'churned',
    ...(input.csmId ? { csmId: input.csmId } : {}),
    aeIds: input.aeIds,
    ...(input.now ? { createdAt: input.now, updatedAt: input.now } : {}),
  };
}

/**
 * The account of a new deal (a CRM webhook, a deal recorded by hand), found by accountKey; the rep
 * joins its `aeIds`. Two deliveries for one new company may race here, and an upsert on a field
 * without a unique index may insert twice (on MongoDB too: a unique index is not possible, domains
 * and names are optional and may repeat). So a new account gets its derived `_id` (accountIdFor):
 * of the racing inserts one wins, the others hit duplicate key 11000, read the winner and join it.
 * The CSV import finds and creates its accounts in batches by the same key, id and fields.
 */
export async function findOrCreateAccount(input: { name: string; domain?: string; segment: Segment; aeId: string | Types.ObjectId }) {
  const match = input.domain ? { domain: input.domain } : { nameLower: input.name.toLowerCase() };
  const join = async () => Account.findOneAndUpdate(match, { $addToSet: { aeIds: input.aeId } }, { returnDocument: 'after' }).lean(); // no .select(): FerretDB 1.24 refuses a projection on findAndModify
  const existing = await join();
  if (existing) return existing;
  const fields = newAccountDoc({ ...input, aeIds: [new Types.ObjectId(String(input.aeId))] });
  try {
    return (await Account.create({ _id: accountIdFor(input), ...fields })).toObject();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  // A concurrent writer created it. (Or the account that once had this key changed its domain or
  // name since: then this company is new after all and gets an ordinary id.)
  return (await join()) ?? (await Account.create(fields)).toObject();
}

/** A new deal's contact, once per (account, email); the account's first contact is its primary. */
export async function findOrCreateContact(accountId: Types.ObjectId, contact: { name?: string; email: string; title?: string; language?: string }) {
  const hasPrimary = await Contact.exists({ accountId, isPrimary: true });
  try {
    await Contact.updateOne(
      { accountId, email: contact.email },
      {
        $setOnInsert: { name: contact.name || contact.email, title: contact.title, isPrimary: !hasPrimary, emailStatus: 'ok' },
        // A language the CRM sends is its latest word on the contact (docs/i18n.md).
        ...(contact.language ? { $set: { language: contact.language } } : {}),
      },
      { upsert: true },
    );
  } catch (error) {
    // A concurrent insert of the same contact (11000): it exists.
    if (!isDuplicateKey(error)) throw error;
  }
}

/** Account names by id (as strings), for rows that show an account; unknown ids are left out. */
export async function accountNamesById(ids: unknown[]) {
  const list = [...new Set(ids.filter(Boolean).map(String))];
  const names = new Map<string, string>();
  for (let i = 0; i < list.length; i += 1000) {
    const found = await Account.find({ _id: trusted({ $in: list.slice(i, i + 1000) }) })
      .select('name')
      .lean();
    for (const a of found) names.set(String(a._id), a.name);
  }
  return names;
}
