import crypto from 'node:crypto';
import { createCookie, redirect } from '@remix-run/node';
import { Session } from '#models/session';
import { User, type Role } from '#models/user';
import { trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { may, type Permission } from '#app/auth/permissions';

export type SessionUser = { id: string; email: string; name: string; role: Role };

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

function sessionCookie() {
  const env = getEnv();
  return createCookie('kept_session', {
    httpOnly: true,
    sameSite: 'lax',
    // Secure whenever Kept is served over https (production); plain http only on localhost demos.
    secure: env.NODE_ENV === 'production' && env.APP_URL.startsWith('https://'),
    path: '/',
    // Newest secret first; older ones still verify cookies until removed (rotation).
    secrets: env.SESSION_SECRET.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxAge: env.SESSION_ABSOLUTE_HOURS * 3600,
  });
}

/** Starts a new server-side session (a fresh id at every login: no fixation); returns Set-Cookie. */
export async function createUserSession(input: { userId: string; userAgent?: string | null; now?: Date }) {
  const env = getEnv();
  const now = input.now ?? new Date();
  const id = crypto.randomBytes(32).toString('base64url');
  await Session.create({
    _id: sha256(id),
    idHash: sha256(id),
    userId: input.userId,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + env.SESSION_ABSOLUTE_HOURS * 3600_000),
    userAgent: input.userAgent?.slice(0, 200),
  });
  return sessionCookie().serialize(id);
}

async function readSessionId(request: Request): Promise<string | null> {
  const value = await sessionCookie().parse(request.headers.get('Cookie'));
  return typeof value === 'string' ? value : null;
}

/** The signed-in user, or null when there is no live session (revoked, idle, expired, inactive user). */
export async function getUser(request: Request, now = new Date()): Promise<SessionUser | null> {
  const id = await readSessionId(request);
  if (!id) return null;
  const env = getEnv();
  const idleSince = new Date(now.getTime() - env.SESSION_IDLE_MINUTES * 60_000);
  const session = await Session.findById(sha256(id)).select('userId lastSeenAt expiresAt revokedAt').lean();
  if (!session || session.revokedAt || session.expiresAt <= now || session.lastSeenAt <= idleSince) return null;
  const user = await User.findById(session.userId).select('email name role active').lean();
  if (!user || !user.active) return null;
  // Touch at most once a minute: keeps the idle timeout honest without a write per request.
  if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
    await Session.updateOne({ _id: session._id }, { $set: { lastSeenAt: now } });
  }
  return { id: String(user._id), email: user.email, name: user.name, role: user.role as Role };
}

function wantsDocument(request: Request) {
  const url = new URL(request.url);
  return request.method === 'GET' && !url.pathname.endsWith('.data') && !url.pathname.startsWith('/api/');
}

/**
 * Every staff loader and action starts here. Anonymous page visits are sent to /login; anonymous
 * data and form requests get 401; a signed-in user whose role lacks the permission `may` (the one
 * table, app/auth/permissions.ts; several: any of them) gets 403 with a reason.
 */
export async function requireUser(request: Request, options: { may?: Permission | Permission[] } = {}) {
  const user = await getUser(request);
  if (!user) {
    if (wantsDocument(request)) {
      const url = new URL(request.url);
      throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
    }
    throw new Response('Sign in to continue.', { status: 401 });
  }
  if (options.may && ![options.may].flat().some((p) => may(user.role, p))) {
    throw new Response(`Your role (${user.role}) cannot open this page.`, { status: 403, statusText: 'Forbidden' });
  }
  return user;
}

/** Ends the current session on the server and clears the cookie. */
export async function logout(request: Request) {
  const id = await readSessionId(request);
  if (id) await Session.updateOne({ _id: sha256(id) }, { $set: { revokedAt: new Date() } });
  return sessionCookie().serialize('', { maxAge: 0 });
}

/**
 * Revokes every other session of the request's user, keeping the one the request came with (own
 * password change: the person stays signed in here and everywhere else is signed out).
 */
export async function revokeOtherSessions(request: Request, userId: string, now = new Date()) {
  const id = await readSessionId(request);
  const filter: Record<string, unknown> = { userId, revokedAt: trusted({ $exists: false }) };
  if (id) filter._id = trusted({ $ne: sha256(id) });
  await Session.updateMany(filter, { $set: { revokedAt: now } });
}

/** Revokes every session of a user at once (deactivation, role change, password reset). */
export async function revokeUserSessions(userId: string, now = new Date()) {
  await Session.updateMany({ userId, revokedAt: trusted({ $exists: false }) }, { $set: { revokedAt: now } });
}
