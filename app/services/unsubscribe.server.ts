import type { Types } from 'mongoose';
import { Contact } from '#models/contact';
import { UnsubscribeToken } from '#models/unsubscribe-token';
import { trusted } from '#app/db.server';
import { appUrl, hashLinkToken, isLinkToken, newLinkToken } from '#app/utils/link-token.server';

// One-click unsubscribe (RFC 8058) for every survey and ask email: a random link per email,
// only its SHA-256 stored. GET /u/<token> shows a confirm button; POST (the button, or a mail
// client's one-click `List-Unsubscribe=One-Click`) unsubscribes without a login.

type UnsubscribeInput = { contact: { id: string | Types.ObjectId; email: string }; source: string; now: Date };

/**
 * A new unsubscribe link for one email to `contact` (`source` says what the email was about, e.g.
 * `survey:<id>`), with the List-Unsubscribe headers that go with it, and the record to store
 * (saveUnsubscribeLinks) before the email is queued.
 */
export function newUnsubscribeLink(input: UnsubscribeInput) {
  const { token, hash } = newLinkToken();
  const url = appUrl(`/u/${token}`);
  return {
    url,
    headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    record: { _id: hash, contactId: input.contact.id, email: input.contact.email, source: input.source, createdAt: input.now },
  };
}

/** Stores the records of links from newUnsubscribeLink (one insert for a whole chunk of emails). */
export async function saveUnsubscribeLinks(records: ReturnType<typeof newUnsubscribeLink>['record'][]) {
  if (records.length) await UnsubscribeToken.insertMany(records);
}

/** A new, stored unsubscribe link for one email (see newUnsubscribeLink). */
export async function createUnsubscribeLink(input: UnsubscribeInput) {
  const link = newUnsubscribeLink(input);
  await saveUnsubscribeLinks([link.record]);
  return { url: link.url, headers: link.headers };
}

/** Who a link unsubscribes (email masked for display), or null for an unknown link. Read-only. */
export async function getUnsubscribeTarget({ token }: { token: string }) {
  if (!isLinkToken(token)) return null;
  const link = await UnsubscribeToken.findById(hashLinkToken(token)).select('email').lean();
  return link ? { maskedEmail: maskEmail(link.email) } : null;
}

/**
 * Marks the address of a link unsubscribed (every contact with that address, since the person
 * asked to stop receiving email, whichever account they are on). A bounced or complained
 * address keeps that stronger status. Returns the affected contact ids, or null for an unknown link.
 */
export async function unsubscribeByToken({ token }: { token: string }) {
  if (!isLinkToken(token)) return null;
  const link = await UnsubscribeToken.findById(hashLinkToken(token)).select('email').lean();
  if (!link) return null;
  await Contact.updateMany({ email: link.email, emailStatus: 'ok' }, { $set: { emailStatus: 'unsubscribed' } });
  const contacts = await Contact.find({ email: link.email, emailStatus: trusted({ $ne: 'ok' }) }).select('_id').lean();
  return { email: link.email, contactIds: contacts.map((c) => String(c._id)) };
}

/** d***@example.com: enough for the person to recognise their address, not enough to harvest it. */
export function maskEmail(email: string) {
  const [local, domain] = email.split('@');
  return `${local.slice(0, 1)}***@${domain ?? ''}`;
}
