// The children of accounts and journeys (contacts, audit events, plan links, buyer tasks), kept as
// ids in memory by child indexes (read-index.server.ts childIndex) and read by `_id`: FerretDB
// answers a query on any other field with a scan of the whole collection (docs/scale.md). Each
// reader falls back to one query while its index loads, or with READ_INDEX=off (MongoDB, with its
// indexes). This module reads only models, so the journey, buyer-task, survey and account modules
// can all use it without an import cycle.
import type { Types } from 'mongoose';
import { AuditEvent } from '#models/audit-event';
import { BuyerTask } from '#models/buyer-task';
import { Contact } from '#models/contact';
import { PlanToken } from '#models/plan-token';
import { trusted } from '#app/platform/db.server';
import { readEachById } from '#app/platform/pool';
import { childIndex } from '#app/platform/read-index.server';

/** Contacts by account, with each contact's email status (the candidates page's bounce check reads it from here). */
export const contactChildren = childIndex<{ accountId: unknown; emailStatus?: string | null }, string>({
  feed: 'contacts',
  model: Contact,
  select: 'accountId emailStatus',
  parentOf: (d) => String(d.accountId),
  orderOf: () => 0,
  keep: (d) => d.emailStatus ?? 'ok',
});
const auditChildren = childIndex<{ entityType?: string; entityId?: string; at?: Date }>({
  feed: 'audit',
  model: AuditEvent,
  select: 'entityType entityId at',
  parentOf: (d) => (d.entityType === 'journey' && d.entityId ? String(d.entityId) : null),
  orderOf: (d) => d.at?.getTime() ?? 0,
});
const planLinkChildren = childIndex<{ journeyId?: unknown; createdAt?: Date }>({
  feed: 'plantokens',
  model: PlanToken,
  select: 'journeyId createdAt',
  parentOf: (d) => (d.journeyId ? String(d.journeyId) : null),
  orderOf: (d) => d.createdAt?.getTime() ?? 0,
});

/**
 * The contacts of these accounts (`select`ed fields): their ids from the contacts index, each read
 * by `_id`; while the index loads (or with READ_INDEX=off), one `accountId` query, which FerretDB
 * answers with a scan of every contact (at 100k, contacts of 100 accounts: 10.6 s, by _id 142 ms).
 */
export async function contactsOfAccounts(accountIds: unknown[], select: string) {
  const accounts = [...new Set(accountIds.map(String))];
  const readContact = (id: string) => Contact.findById(id).select(select).lean();
  return contactChildren.answer({
    // A few at once: a chunk of survey emails asks for about 200.
    fromMemory: ({ idsOf }) =>
      readEachById(
        accounts.flatMap((id) => idsOf(id)),
        readContact,
        { size: 8 },
      ),
    fromDatabase: () =>
      Contact.find({ accountId: trusted({ $in: accounts }) })
        .select(select)
        .lean(),
  });
}

/** One account's contacts (the `select`ed fields), the primary first, then by name. */
export async function contactsOfAccount(accountId: string, select = 'name email title isPrimary emailStatus') {
  const contacts = await contactsOfAccounts([accountId], `${select} isPrimary name`);
  return contacts.sort((a, b) => Number(Boolean(b.isPrimary)) - Number(Boolean(a.isPrimary)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A journey's newest 200 audit events (what the page's history shows). */
export async function journeyAudit(journeyId: string) {
  const select = 'actorId action at data';
  return auditChildren.answer({
    fromMemory: ({ idsOf }) => readEachById(idsOf(journeyId, 200), (id) => AuditEvent.findById(id).select(select).lean(), { size: 8 }),
    fromDatabase: () => AuditEvent.find({ entityType: 'journey', entityId: journeyId }).select(select).sort({ at: -1 }).limit(200).lean(),
  });
}

/** A journey's newest 20 plan links (the `select`ed fields), newest first, read by `_id` from the index. */
export async function planLinksOfJourney(journeyId: string, select = 'contactName contactEmail stage purpose createdAt expiresAt lastSeenAt revokedAt') {
  return planLinkChildren.answer({
    fromMemory: ({ idsOf }) => readEachById(idsOf(journeyId, 20), (id) => PlanToken.findById(id).select(select).lean(), { size: 8 }),
    fromDatabase: () => PlanToken.find({ journeyId }).select(select).sort({ createdAt: -1 }).limit(20).lean(),
  });
}

const journeyTaskChildren = childIndex<{ journeyId?: unknown; openedAt?: Date }>({
  feed: 'buyertasks',
  model: BuyerTask,
  select: 'journeyId openedAt',
  parentOf: (d) => (d.journeyId ? String(d.journeyId) : null),
  orderOf: (d) => d.openedAt?.getTime() ?? 0,
});

/** A journey's buyer tasks (of one stage, if given; every field), in no particular order. */
export async function tasksOfJourney(journeyId: string | Types.ObjectId, stage?: string) {
  const filter = { journeyId, ...(stage ? { stage } : {}) };
  return journeyTaskChildren.answer({
    fromMemory: async ({ idsOf }) => {
      const tasks = await readEachById(idsOf(String(journeyId)), (id) => BuyerTask.findById(id).lean(), { size: 8 });
      return tasks.filter((t) => String(t.journeyId) === String(journeyId) && (!stage || t.stage === stage));
    },
    fromDatabase: () => BuyerTask.find(filter).lean(),
  });
}
