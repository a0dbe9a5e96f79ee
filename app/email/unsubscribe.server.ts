import type { Types } from 'mongoose';
import { recordAudit } from '#models/audit-event';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Survey } from '#models/survey';
import { UnsubscribeToken } from '#models/unsubscribe-token';
import { trusted } from '#app/platform/db.server';
import { buyerLocale } from '#app/i18n/locale.server';
import { updateSurvey } from '#app/surveys/surveys.server';
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

/**
 * Who a link unsubscribes (email masked for display) and whether that address is unsubscribed
 * already (a second visit offers to re-subscribe), or null for an unknown link. Read-only.
 */
export async function getUnsubscribeTarget({ token }: { token: string }) {
  if (!isLinkToken(token)) return null;
  const link = await UnsubscribeToken.findById(hashLinkToken(token)).select('email contactId').lean();
  if (!link) return null;
  const [unsubscribed, contact] = await Promise.all([
    Contact.exists({ email: link.email, emailStatus: 'unsubscribed' }).then(Boolean),
    Contact.findById(link.contactId).select('language accountId').lean(),
  ]);
  // The page is in the language of the person the email went to (docs/i18n.md).
  const account = contact ? await Account.findById(contact.accountId).select('language').lean() : null;
  return { maskedEmail: maskEmail(link.email), unsubscribed, locale: await buyerLocale({ contact, account }) };
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
  const contacts = await Contact.find({ email: link.email, emailStatus: trusted({ $ne: 'ok' }) })
    .select('_id')
    .lean();
  return { email: link.email, contactIds: contacts.map((c) => String(c._id)) };
}

/**
 * The person behind an unsubscribe link changed their mind: every contact with that address that
 * is unsubscribed can receive surveys and requests again (a bounced or complained address stays
 * stopped: that was the mail system, not the person). Recorded in the audit trail per contact;
 * their scheduled surveys no longer ask CS for another contact. Null for an unknown link.
 */
export async function resubscribeByToken({ token, now = new Date() }: { token: string; now?: Date }) {
  if (!isLinkToken(token)) return null;
  const link = await UnsubscribeToken.findById(hashLinkToken(token)).select('email source').lean();
  if (!link) return null;
  const contacts = await Contact.find({ email: link.email, emailStatus: 'unsubscribed' }).select('_id').lean();
  const resubscribed: string[] = [];
  for (const c of contacts) {
    // Conditional: two clicks at once record one re-subscription.
    const changed = await Contact.updateOne({ _id: c._id, emailStatus: 'unsubscribed' }, { $set: { emailStatus: 'ok' } });
    if (changed.modifiedCount === 0) continue;
    resubscribed.push(String(c._id));
    await recordAudit({ action: 'contact.resubscribed', entityType: 'contact', entityId: c._id, data: { via: 'unsubscribe-link', source: link.source }, now });
  }
  if (resubscribed.length) await clearUnsubscribedFlags(resubscribed, now);
  return { email: link.email, contactIds: resubscribed };
}

/** Scheduled surveys flagged because their contact unsubscribed: the contact is back, so the flag goes. */
async function clearUnsubscribedFlags(contactIds: string[], now: Date) {
  const flagged = await Survey.find({ contactId: trusted({ $in: contactIds }), state: 'scheduled', attentionReason: 'unsubscribed' })
    .select('_id')
    .lean();
  for (const { _id } of flagged) {
    await updateSurvey({
      id: _id,
      now,
      accept: (s) => s.state === 'scheduled' && s.attentionReason === 'unsubscribed',
      change: () => ({ $set: { attentionReason: null, attentionAt: null } }),
    });
  }
}

/** d***@example.com: enough for the person to recognise their address, not enough to harvest it. */
export function maskEmail(email: string) {
  const [local, domain] = email.split('@');
  return `${local.slice(0, 1)}***@${domain ?? ''}`;
}
