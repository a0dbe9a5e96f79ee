import { describe, expect, it } from 'vitest';
import { Session } from '#models/session';
import { makeUser, requestAs } from '#test/factories';
import { hashPassword, verifyPassword } from './password.server';
import { createUserSession, getUser, logout, requireUser } from './session.server';
import { changeUserRole, setUserActive } from '#app/users/users.server';

const cookieOf = (setCookie: string) => setCookie.split(';')[0];
const reqWith = (cookie: string, url = 'http://localhost/home', method = 'GET') => new Request(url, { method, headers: { Cookie: cookie } });

describe('passwords', () => {
  it('verifies the right password and rejects a wrong one or a malformed hash', async () => {
    const hash = await hashPassword('s3cret-password!');
    expect(hash.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('s3cret-password!', hash)).toBe(true);
    expect(await verifyPassword('s3cret-password?', hash)).toBe(false);
    expect(await verifyPassword('s3cret-password!', 'bcrypt$nonsense')).toBe(false);
  });
});

describe('sessions', () => {
  it('stores only a hash of the session id and finds the user from the cookie', async () => {
    const user = await makeUser({ role: 'sales' });
    const setCookie = await createUserSession({ userId: user.id });
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const stored = await Session.findOne({ userId: user.id }).lean();
    expect(stored?.idHash).toMatch(/^[a-f0-9]{64}$/);
    // Read by _id (the only lookup FerretDB answers from an index): the _id is the same hash.
    expect(stored?._id).toBe(stored?.idHash);
    expect(setCookie).not.toContain(stored!.idHash);
    expect(await getUser(reqWith(cookieOf(setCookie)))).toMatchObject({ id: user.id, role: 'sales' });
  });

  it('gives each login a new session id (no fixation)', async () => {
    const user = await makeUser();
    const a = await createUserSession({ userId: user.id });
    const b = await createUserSession({ userId: user.id });
    expect(cookieOf(a)).not.toEqual(cookieOf(b));
  });

  it('ends sessions after the idle timeout and the absolute timeout', async () => {
    const user = await makeUser();
    const start = new Date('2026-03-01T08:00:00Z');
    const cookie = cookieOf(await createUserSession({ userId: user.id, now: start }));
    expect(await getUser(reqWith(cookie), new Date('2026-03-01T09:00:00Z'))).not.toBeNull();
    // Default idle timeout is 12 hours since last seen (touched at 09:00 above).
    expect(await getUser(reqWith(cookie), new Date('2026-03-01T22:00:00Z'))).toBeNull();
    const cookie2 = cookieOf(await createUserSession({ userId: user.id, now: start }));
    let t = start.getTime();
    // Active every 6 hours for 8 days: the absolute 7-day limit still ends it.
    let alive = true;
    for (let i = 0; i < 32 && alive; i++) {
      t += 6 * 3600_000;
      alive = (await getUser(reqWith(cookie2), new Date(t))) !== null;
    }
    expect(alive).toBe(false);
    expect(t - start.getTime()).toBeGreaterThanOrEqual(7 * 86_400_000);
  });

  it('logout, deactivation and a role change end sessions on the server', async () => {
    const user = await makeUser({ role: 'cs' });
    const admin = await makeUser({ role: 'admin' });
    const c1 = cookieOf(await createUserSession({ userId: user.id }));
    await logout(reqWith(c1));
    expect(await getUser(reqWith(c1))).toBeNull();

    const c2 = cookieOf(await createUserSession({ userId: user.id }));
    await changeUserRole({ userId: user.id, role: 'marketing', actorId: admin.id });
    expect(await getUser(reqWith(c2))).toBeNull();

    const c3 = cookieOf(await createUserSession({ userId: user.id }));
    await setUserActive({ userId: user.id, active: false, actorId: admin.id });
    expect(await getUser(reqWith(c3))).toBeNull();
  });

  it('rejects a tampered cookie', async () => {
    const user = await makeUser();
    const cookie = cookieOf(await createUserSession({ userId: user.id }));
    const tampered = cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect(await getUser(reqWith(tampered))).toBeNull();
  });
});

describe('requireUser', () => {
  it('redirects anonymous page visits to login, 401s data requests, 403s the wrong role', async () => {
    const anonymousPage = await requireUser(new Request('http://localhost/accounts?q=a')).catch((r) => r as Response);
    expect(anonymousPage).toBeInstanceOf(Response);
    expect((anonymousPage as Response).status).toBe(302);
    expect((anonymousPage as Response).headers.get('Location')).toBe('/login?redirectTo=%2Faccounts%3Fq%3Da');

    const anonymousPost = (await requireUser(new Request('http://localhost/deals/new', { method: 'POST' })).catch((r) => r)) as Response;
    expect(anonymousPost.status).toBe(401);

    const marketing = await makeUser({ role: 'marketing' });
    const forbidden = (await requireUser(await requestAs(marketing, '/admin/users'), { may: 'users.manage' }).catch((r) => r)) as Response;
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain('marketing');

    const admin = await makeUser({ role: 'admin' });
    await expect(requireUser(await requestAs(admin, '/admin/users'), { may: 'users.manage' })).resolves.toMatchObject({ role: 'admin' });
  });
});

describe('session secret rotation (SESSION_SECRET: newest first, comma-separated)', () => {
  it('keeps a cookie signed with the old secret valid while it is listed, and refuses it once removed', async () => {
    const { resetEnvCache } = await import('#app/env.server');
    const saved = process.env.SESSION_SECRET;
    const A = 'rotation-secret-A-0123456789abcdef';
    const B = 'rotation-secret-B-0123456789abcdef';
    const use = (secrets: string) => {
      process.env.SESSION_SECRET = secrets;
      resetEnvCache();
    };
    try {
      const user = await makeUser({ role: 'cs' });
      use(A);
      const signedWithA = cookieOf(await createUserSession({ userId: user.id }));
      expect(await getUser(reqWith(signedWithA))).toMatchObject({ id: user.id });

      use(`${B},${A}`);
      expect(await getUser(reqWith(signedWithA)), 'A still listed: the old cookie stays valid').toMatchObject({ id: user.id });
      // New cookies are signed with the newest secret: they survive A's removal.
      const signedWithB = cookieOf(await createUserSession({ userId: user.id }));
      expect(signedWithB).not.toEqual(signedWithA);

      use(B);
      expect(await getUser(reqWith(signedWithA)), 'A removed: the old cookie is refused').toBeNull();
      expect(await getUser(reqWith(signedWithB))).toMatchObject({ id: user.id });
      // The session itself is not revoked: it is the signature that no longer verifies.
      use(`${B},${A}`);
      expect(await getUser(reqWith(signedWithA))).toMatchObject({ id: user.id });
    } finally {
      process.env.SESSION_SECRET = saved;
      resetEnvCache();
    }
  });
});
