import type { Types } from 'mongoose';
import { Contact } from '#models/contact';
import { UnsubscribeToken } from '#models/unsubscribe-token';
import { trusted } from '#app/db.server';
import { appUrl, hashLinkToken, isLinkToken, newLinkToken } from '#app/utils/link-token.server';

// One-click unsubscribe (RFC 8058) for every survey and ask email: a random link per email,
// only its SHA-256 stored. GET /u/<token> shows a confirm button; POST (the button, or a mail
// client's one-click `List-Unsubscribe=One-Click`) unsubscribes without a login.

/**
 * A new unsubscribe link for one email to `contact`, with the List-Unsubscribe headers that go
 * with it (`source` says what the email was about, e.g. `survey:<id>`).
 */
export async function createUnsubscribeLink(input: { contact: { id: string | Types.ObjectId; email: string }; source: string; now: Date }) {
  const { token, hash } = newLinkToken();
  await UnsubscribeToken.create({ _id: hash, contactId: input.contact.id, email: input.contact.email, source: input.source, createdAt: input.now });
  const url = appUrl(`/u/${token}`);
  return {
    url,
    headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
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
