import { z } from 'zod';
import { recordAudit } from '#models/audit-event';
import { PasswordToken, type PasswordTokenPurpose } from '#models/password-token';
import { User } from '#models/user';
import { hashPassword, verifyPassword } from '#app/auth/password.server';
import { NewPasswordSchema } from '#app/auth/password-strength.server';
import { mayEmailReset } from '#app/auth/rate-limit.server';
import { revokeOtherSessions, revokeUserSessions } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { sendPasswordReset, sendUserInvitation } from '#app/email/email.server';
import { formatDate } from '#app/utils/format';
import { INVITATION_DAYS, RESET_MINUTES } from '#app/auth/password-links';
import { appUrl, hashLinkToken, isLinkToken, newLinkToken } from '#app/utils/link-token.server';
import { logError } from '#app/utils/log.server';
import type { Role } from '#app/auth/roles';

// Passwords people set themselves: invitation links, "Forgot your password?" links and the
// Account page. Links are single-use, hashed at rest (models/password-token.ts) and short-lived.
// See docs/security.md, "Accounts and passwords".

export { INVITATION_DAYS, RESET_MINUTES };
const LIFETIME_MS: Record<PasswordTokenPurpose, number> = { invitation: INVITATION_DAYS * 86_400_000, reset: RESET_MINUTES * 60_000 };
/** The answer to "Forgot your password?", whether the email belongs to anyone or not. */
export const RESET_REQUESTED = 'If that email belongs to a Kept account, a link to choose a new password is on its way. It works once, for 15 minutes.';
/** Unknown and known emails answer no sooner than this, so the time taken does not tell them apart. */
const RESET_ANSWER_MS = 400;

const email = z.string().trim().toLowerCase().email('Enter a valid email address.').max(200);
export const ForgotPasswordSchema = z.object({ email });
export const SetPasswordSchema = z.object({ password: NewPasswordSchema });
export const ChangePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(200),
    password: NewPasswordSchema,
  })
  .refine((v) => v.password !== v.currentPassword, { path: ['password'], message: 'Choose a password different from your current one.' });

/**
 * A new single-use link for `userId`; any older open link of the same purpose stops working.
 * Returns the token (for the email only: it is never stored) and a short id for the email's key.
 */
export async function issuePasswordLink({ userId, purpose, actorId, now = new Date() }: { userId: string; purpose: PasswordTokenPurpose; actorId?: string; now?: Date }) {
  await PasswordToken.updateMany({ userId, purpose, usedAt: trusted({ $exists: false }), revokedAt: trusted({ $exists: false }) }, { $set: { revokedAt: now } });
  const { token, hash } = newLinkToken();
  const expiresAt = new Date(now.getTime() + LIFETIME_MS[purpose]);
  await PasswordToken.create({ _id: hash, userId, purpose, expiresAt, createdById: actorId });
  return { token, linkId: hash.slice(0, 16), expiresAt };
}

const pathFor = (purpose: PasswordTokenPurpose, token: string) => (purpose === 'invitation' ? `/invite/${token}` : `/reset-password/${token}`);

/** Who an open link is for (to greet them on the page), or null when it is unknown, used, replaced or expired. */
export async function findPasswordLink({ token, purpose, now = new Date() }: { token: string; purpose: PasswordTokenPurpose; now?: Date }) {
  if (!isLinkToken(token)) return null;
  const link = await PasswordToken.findById(hashLinkToken(token)).lean();
  if (!link || link.purpose !== purpose || link.usedAt || link.revokedAt || link.expiresAt <= now) return null;
  const user = await User.findById(link.userId).select('email name active').lean();
  if (!user || user.active === false) return null;
  return { userId: String(user._id), email: user.email, name: user.name };
}

/** Stores a new password hash, ends the user's other open links, audits. */
async function storePassword({ userId, password, action, actorId, now }: { userId: string; password: string; action: string; actorId: string; now: Date }) {
  await User.updateOne({ _id: userId }, { $set: { passwordHash: await hashPassword(password), passwordChangedAt: now } });
  await PasswordToken.updateMany({ userId, usedAt: trusted({ $exists: false }), revokedAt: trusted({ $exists: false }) }, { $set: { revokedAt: now } });
  await recordAudit({ actorId, action, entityType: 'user', entityId: userId, now });
}

/**
 * Sets the password through an invitation or reset link: the link is spent atomically (a second
 * use, even a simultaneous one, gets null), every session of the user ends, every other open
 * link of the user stops working. The password must already have passed SetPasswordSchema.
 */
export async function setPasswordWithLink({ token, purpose, password, now = new Date() }: { token: string; purpose: PasswordTokenPurpose; password: string; now?: Date }) {
  if (!isLinkToken(token)) return null;
  const spent = await PasswordToken.findOneAndUpdate(
    { _id: hashLinkToken(token), purpose, usedAt: trusted({ $exists: false }), revokedAt: trusted({ $exists: false }), expiresAt: trusted({ $gt: now }) },
    { $set: { usedAt: now } },
  ).lean(); // no projection: FerretDB 1.24 refuses findAndModify `fields`
  if (!spent) return null;
  const userId = String(spent.userId);
  const user = await User.findById(userId).select('active').lean();
  if (!user || user.active === false) return null;
  await storePassword({ userId, password, action: purpose === 'invitation' ? 'user.invitation_accepted' : 'user.password_reset', actorId: userId, now });
  await revokeUserSessions(userId, now);
  return userId;
}

/**
 * Emails `userId` an invitation with a link to choose their password (a new link each time: the
 * admin's "Resend invitation" ends the previous one). Only for users who have no password yet.
 */
export async function inviteUser({ userId, actorId, actorName, now = new Date() }: { userId: string; actorId: string; actorName?: string; now?: Date }) {
  const user = await User.findById(userId).select('email name role active passwordHash').lean();
  // Deactivated, or a password chosen, since the caller looked (a concurrent request): not a failure to queue.
  if (!user || user.active === false || user.passwordHash) return 'not-eligible' as const;
  const { token, linkId, expiresAt } = await issuePasswordLink({ userId, purpose: 'invitation', actorId, now });
  const sent = await sendUserInvitation({
    userId,
    to: user.email,
    name: user.name,
    role: user.role as Role,
    invitedBy: actorName ?? 'Your admin',
    signInUrl: appUrl('/login'),
    setPassword: { url: appUrl(pathFor('invitation', token)), linkId, expiresOn: formatDate(expiresAt.toISOString()) },
    now,
  });
  if (!sent.ok) return 'not-queued' as const;
  await User.updateOne({ _id: userId }, { $set: { invitedAt: now } });
  await recordAudit({ actorId, action: 'user.invited', entityType: 'user', entityId: userId, now });
  return 'sent' as const;
}

/** Emails an active user a 15-minute reset link (no checks on who asks: callers rate-limit). */
export async function emailResetLink({ userId, actorId, now = new Date() }: { userId: string; actorId?: string; now?: Date }) {
  const user = await User.findById(userId).select('email name active').lean();
  // Deactivated since the caller looked (a concurrent request): not a failure to queue.
  if (!user || user.active === false) return 'not-eligible' as const;
  const { token, linkId } = await issuePasswordLink({ userId, purpose: 'reset', actorId, now });
  const sent = await sendPasswordReset({ userId, to: user.email, name: user.name, resetUrl: appUrl(pathFor('reset', token)), linkId, validFor: `${RESET_MINUTES} minutes`, now });
  if (sent.ok && actorId && actorId !== userId) await recordAudit({ actorId, action: 'user.reset_link_sent', entityType: 'user', entityId: userId, now });
  return sent.ok ? ('sent' as const) : ('not-queued' as const);
}

/**
 * "Forgot your password?": emails a reset link when `email` belongs to an active user and the
 * email's limits allow one. Always resolves the same way, no sooner than RESET_ANSWER_MS after the
 * start, so neither the answer nor its timing tells whether the email exists.
 */
export async function requestPasswordReset({ email: address, ip, now = new Date() }: { email: string; ip: string; now?: Date }) {
  const started = Date.now();
  try {
    const user = await User.findOne({ email: address }).select('_id active').lean();
    if (user && user.active !== false && (await mayEmailReset({ email: address, ip }))) await emailResetLink({ userId: String(user._id), now });
  } catch (error) {
    logError(error, { where: 'requestPasswordReset' });
  }
  const wait = RESET_ANSWER_MS - (Date.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * The signed-in user changes their own password: the current one must be right; on success
 * every other session of the user ends and the request's own session stays.
 */
export async function changeOwnPassword({
  request,
  userId,
  currentPassword,
  password,
  now = new Date(),
}: {
  request: Request;
  userId: string;
  currentPassword: string;
  password: string;
  now?: Date;
}) {
  const user = await User.findById(userId).select('passwordHash').lean();
  if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) return { ok: false as const };
  await storePassword({ userId, password, action: 'user.password_changed', actorId: userId, now });
  await revokeOtherSessions(request, userId, now);
  return { ok: true as const };
}

/** When the user last set their password (null: set by an admin or the demo seed before this was recorded). */
export async function lastPasswordChange(userId: string) {
  const user = await User.findById(userId).select('passwordChangedAt').lean();
  return user?.passwordChangedAt ?? null;
}
