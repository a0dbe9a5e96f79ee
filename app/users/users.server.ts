import { z } from 'zod';
import { recordAudit } from '#models/audit-event';
import { ROLES, User, type Role } from '#models/user';
import { isDuplicateKey, trusted } from '#app/platform/db.server';
import { hashPassword, verifyPassword, getDummyHash } from '#app/auth/password.server';
import { revokeUserSessions } from '#app/auth/session.server';
import { getEnv } from '#app/env.server';
import { NewPasswordSchema } from '#app/auth/password-strength.server';
import { sendUserInvitation } from '#app/email/email.server';
import { inviteUser } from '#app/users/passwords.server';

export { ROLE_LABELS } from '#app/auth/roles';

const email = z.string().trim().toLowerCase().email('Enter a valid email address.').max(200);

export const LoginSchema = z.object({
  email,
  password: z.string().min(1, 'Enter your password.').max(200),
  redirectTo: z.string().optional(),
});

export const CreateUserSchema = z.object({
  name: z.string().trim().min(2, 'Enter the person’s name.').max(120),
  email,
  role: z.enum(ROLES, { error: 'Choose one of the roles.' }),
  // Optional: without one, Kept emails an invitation link and the person chooses their own.
  password: z.preprocess((v) => (v === '' ? undefined : v), NewPasswordSchema.optional()),
});

export const ChangeRoleSchema = z.object({
  intent: z.literal('role'),
  role: z.enum(ROLES, { error: 'Choose one of the roles.' }),
});

export type PublicUser = {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  /** Invited and has not chosen a password yet (cannot sign in until they do). */
  invited: boolean;
  invitedAt: string | null;
  createdAt: string;
};

type UserRow = { _id: unknown; email: string; name: string; role: string; active?: boolean | null; passwordHash?: string | null; invitedAt?: Date | null; createdAt?: Date };
const PUBLIC_FIELDS = 'email name role active passwordHash invitedAt createdAt';

function toPublic(u: UserRow): PublicUser {
  return {
    id: String(u._id),
    email: u.email,
    name: u.name,
    role: u.role as Role,
    active: u.active !== false,
    invited: !u.passwordHash,
    invitedAt: u.invitedAt ? u.invitedAt.toISOString() : null,
    createdAt: (u.createdAt ?? new Date(0)).toISOString(),
  };
}

/** Checks an email and password; same time and same answer for unknown email and wrong password. */
export async function verifyLogin({ email, password }: { email: string; password: string }) {
  const user = await User.findOne({ email }).select('passwordHash active').lean();
  // An invited user who has not chosen a password yet cannot sign in; it costs the same time.
  if (!user || !user.passwordHash) {
    await verifyPassword(password, await getDummyHash());
    return null;
  }
  const ok = await verifyPassword(password, user.passwordHash);
  return ok && user.active !== false ? String(user._id) : null;
}

export async function listUsers({ role, active }: { role?: Role; active?: boolean } = {}) {
  const filter: Record<string, unknown> = {};
  if (role) filter.role = role;
  if (active !== undefined) filter.active = active;
  const users = await User.find(filter).select(PUBLIC_FIELDS).sort({ name: 1 }).lean();
  return users.map(toPublic);
}

export async function getUserById(id: string) {
  if (!/^[a-f0-9]{24}$/i.test(id)) return null;
  const u = await User.findById(id).select(PUBLIC_FIELDS).lean();
  return u ? toPublic(u) : null;
}

export class DuplicateEmailError extends Error {}

/**
 * Creates a staff user and emails them: with a password from the admin, an invitation to sign in;
 * without one, an invitation link to choose their own (7 days, single use). Throws
 * DuplicateEmailError when the email is taken.
 */
export async function createUser(input: z.infer<typeof CreateUserSchema> & { actorId: string; actorName?: string; now?: Date }) {
  const now = input.now ?? new Date();
  try {
    const user = await User.create({
      email: input.email,
      name: input.name,
      role: input.role,
      ...(input.password ? { passwordHash: await hashPassword(input.password), passwordChangedAt: now } : {}),
      active: true,
    });
    const userId = String(user._id);
    await recordAudit({ actorId: input.actorId, action: 'user.created', entityType: 'user', entityId: user._id, data: { role: input.role }, now });
    if (input.password) {
      await sendUserInvitation({
        userId,
        to: user.email,
        name: user.name,
        role: input.role,
        invitedBy: input.actorName ?? 'Your admin',
        signInUrl: new URL('/login', getEnv().APP_URL).toString(),
        now,
      });
    } else {
      await inviteUser({ userId, actorId: input.actorId, actorName: input.actorName, now });
    }
    return toPublic((await User.findById(userId).select(PUBLIC_FIELDS).lean()) ?? user.toObject());
  } catch (error) {
    if (isDuplicateKey(error)) throw new DuplicateEmailError('A user with this email already exists.');
    throw error;
  }
}

/** Changes a role; the user's sessions end so the new role applies at once. */
export async function changeUserRole({ userId, role, actorId, now = new Date() }: { userId: string; role: Role; actorId: string; now?: Date }) {
  const before = await User.findOneAndUpdate({ _id: userId }, { $set: { role } }).lean(); // no projection: FerretDB 1.24 refuses findAndModify `fields`
  if (!before) return false;
  if (before.role !== role) {
    await revokeUserSessions(userId, now);
    await recordAudit({ actorId, action: 'user.role_changed', entityType: 'user', entityId: userId, data: { from: before.role, to: role }, now });
  }
  return true;
}

/** Deactivates a user and revokes every session at once. */
export async function setUserActive({ userId, active, actorId, now = new Date() }: { userId: string; active: boolean; actorId: string; now?: Date }) {
  const res = await User.updateOne({ _id: userId }, active ? { $set: { active: true }, $unset: { deactivatedAt: 1 } } : { $set: { active: false, deactivatedAt: now } });
  if (res.matchedCount === 0) return false;
  if (!active) await revokeUserSessions(userId, now);
  await recordAudit({ actorId, action: active ? 'user.reactivated' : 'user.deactivated', entityType: 'user', entityId: userId, now });
  return true;
}

/** Staff names by user id (as strings), for rows that show a rep or a CSM; unknown ids are left out. */
export async function userNamesById(ids: unknown[]) {
  const users = await User.find({ _id: trusted({ $in: [...new Set(ids.filter(Boolean).map(String))] }) })
    .select('name')
    .lean();
  return new Map(users.map((u) => [String(u._id), u.name]));
}
