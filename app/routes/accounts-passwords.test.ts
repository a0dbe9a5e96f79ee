// Issue 15 item 11, through the loaders and actions: weak passwords are refused everywhere a
// password is set; a signed-in user changes their own; an invitation link lets a new user choose
// theirs; "Forgot your password?" emails a 15-minute single-use link and answers the same for any
// email. Emails are read from the outbox (no RESEND_API_KEY: captured).
import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { EmailMessage } from '#models/email-message';
import { PasswordToken } from '#models/password-token';
import { Session } from '#models/session';
import { User } from '#models/user';
import { getUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { emailResetLink, inviteUser } from '#app/users/passwords.server';
import { verifyLogin } from '#app/users/users.server';
import { TEST_PASSWORD, formRequest, makeUser, requestAs } from '#test/factories';
import * as account from './_staff.account';
import * as userPage from './_staff.admin.users.$userId';
import * as users from './_staff.admin.users._index';
import * as forgot from './forgot-password';
import * as invite from './invite.$token';
import * as login from './login';
import * as reset from './reset-password.$token';

const GOOD = 'tulip-quarry-museum-9';
let ipSeq = 0;
const ctx = () => ({ nonce: '', clientIp: `10.15.${Math.floor(ipSeq / 250)}.${ipSeq++ % 250}` });

type Fn = (args: any) => Promise<unknown>;
type Answer = { status: number; data: Record<string, any> | null; headers: Headers | null };
async function call(fn: Fn, request: Request, params: Record<string, string> = {}, context = ctx()): Promise<Answer> {
  try {
    const result = (await fn({ request, params, context })) as { init?: { status?: number; headers?: HeadersInit }; data?: unknown } | Response;
    if (result instanceof Response) return { status: result.status, data: null, headers: result.headers };
    if (result && typeof result === 'object' && 'init' in result)
      return { status: result.init?.status ?? 200, data: result.data as Record<string, any>, headers: new Headers(result.init?.headers) };
    return { status: 200, data: result as Record<string, any>, headers: null };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, data: null, headers: thrown.headers };
    throw thrown;
  }
}
const cookieOf = (headers: Headers | null) => headers?.get('Set-Cookie')?.split(';')[0] ?? '';
const withCookie = (cookie: string, url: string, fields?: Record<string, string>) =>
  new Request(
    new URL(url, 'http://localhost:3000'),
    fields
      ? { method: 'POST', body: new URLSearchParams(fields), headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' } }
      : { headers: { Cookie: cookie } },
  );
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The link token in the newest email to `to` of `template`. */
async function tokenIn(to: string, template: string, path: string) {
  const mail = await EmailMessage.findOne({ to, template }).sort({ createdAt: -1, _id: -1 }).lean();
  const token = mail?.text?.match(new RegExp(`/${path}/([A-Za-z0-9_-]{43})`))?.[1];
  if (!token) throw new Error(`no ${template} link in the outbox for ${to}`);
  return token;
}

describe('password strength (one rule wherever a password is set)', () => {
  test('the admin form refuses aaaaaaaaaaaa, password1234 and twelve spaces, with zxcvbn feedback next to the field', async () => {
    const admin = await makeUser({ role: 'admin' });
    for (const [i, password] of ['aaaaaaaaaaaa', 'password1234', ' '.repeat(12)].entries()) {
      const email = `weak-${i}-${crypto.randomBytes(3).toString('hex')}@example.test`;
      const res = await call(users.action, await formRequest(admin, '/admin/users', { _form: 'new-user', name: 'Weak Pass', email, role: 'cs', password }));
      expect({ password, status: res.status }).toEqual({ password, status: 400 });
      expect(res.data?.form).toBe('new-user');
      expect(res.data?.errors.password?.[0]).toMatch(/guess|common/i);
      expect(res.data?.values).toMatchObject({ name: 'Weak Pass', email });
      expect(res.data?.values.password).toBeUndefined();
      expect(await User.countDocuments({ email })).toBe(0);
    }
    const repeated = await call(users.action, await formRequest(admin, '/admin/users', { name: 'Weak Pass', email: 'weak-r@example.test', role: 'cs', password: 'aaaaaaaaaaaa' }));
    expect(repeated.data?.errors.password?.[0]).toContain('Repeated characters like "aaa" are easy to guess.');
  });

  test('a long unpredictable password is accepted; the user can sign in with it', async () => {
    const admin = await makeUser({ role: 'admin' });
    const res = await call(users.action, await formRequest(admin, '/admin/users', { name: 'Strong Pass', email: 'strong@example.test', role: 'cs', password: GOOD }));
    expect(res.status).toBe(200);
    expect(res.data?.message).toBe('strong@example.test can now sign in.');
    expect(await verifyLogin({ email: 'strong@example.test', password: GOOD })).toBeTruthy();
  });
});

describe('changing your own password (Account page)', () => {
  test('needs the current password, refuses a weak new one, ends the other sessions and keeps this one', async () => {
    const user = await makeUser({ role: 'marketing' });
    const here = (await requestAs(user, '/account')).headers.get('Cookie')!;
    const elsewhere = (await requestAs(user, '/account')).headers.get('Cookie')!;
    expect((await call(account.loader, withCookie(here, '/account'))).status).toBe(200);

    const wrong = await call(account.action, withCookie(here, '/account', { _form: 'password', currentPassword: 'not-my-password-at-all', password: GOOD }));
    expect(wrong.status).toBe(400);
    expect(wrong.data).toMatchObject({ form: 'password', errors: { currentPassword: ['That is not your current password.'] } });
    const weak = await call(account.action, withCookie(here, '/account', { _form: 'password', currentPassword: TEST_PASSWORD, password: 'password1234' }));
    expect(weak.status).toBe(400);
    expect(weak.data?.errors.password?.[0]).toMatch(/common/);
    expect(weak.data?.values).toEqual({ _form: 'password' });
    expect(await verifyLogin({ email: user.email, password: TEST_PASSWORD })).toBe(user.id);

    const ok = await call(account.action, withCookie(here, '/account', { _form: 'password', currentPassword: TEST_PASSWORD, password: GOOD }));
    expect(ok.status).toBe(200);
    expect(ok.data).toMatchObject({ ok: true, form: 'password', message: expect.stringContaining('Every other session of yours was signed out') });
    expect(await getUser(withCookie(here, '/home'))).toMatchObject({ id: user.id });
    expect(await getUser(withCookie(elsewhere, '/home'))).toBeNull();
    expect(await verifyLogin({ email: user.email, password: TEST_PASSWORD })).toBeNull();
    expect(await verifyLogin({ email: user.email, password: GOOD })).toBe(user.id);
  });

  test('after 8 wrong current passwords the form answers 429 (a stolen session cannot guess on); field errors do not count', async () => {
    const user = await makeUser();
    for (let i = 0; i < 10; i++) expect((await call(account.action, await formRequest(user, '/account', { currentPassword: '', password: '' }))).status).toBe(400);
    for (let i = 0; i < 8; i++) {
      const wrong = await call(account.action, await formRequest(user, '/account', { currentPassword: `guess-number-${i}`, password: GOOD }));
      expect(wrong.status).toBe(400);
    }
    const blocked = await call(account.action, await formRequest(user, '/account', { currentPassword: TEST_PASSWORD, password: GOOD }));
    expect(blocked.status).toBe(429);
    expect(await verifyLogin({ email: user.email, password: TEST_PASSWORD })).toBe(user.id);
  });

  test('anonymous visitors are sent to sign in', async () => {
    expect((await call(account.loader, new Request('http://localhost:3000/account'))).status).toBe(302);
  });
});

describe('invitations', () => {
  test('an admin adds a user without a password; the emailed link lets them choose one, once, and signs them in', async () => {
    const admin = await makeUser({ role: 'admin' });
    const created = await call(
      users.action,
      await formRequest(admin, '/admin/users', { _form: 'new-user', name: 'Ines Invited', email: 'ines@example.test', role: 'sales', password: '' }),
    );
    expect(created.status).toBe(200);
    expect(created.data?.message).toMatch(/^ines@example\.test is invited/);
    const ines = await User.findOne({ email: 'ines@example.test' }).lean();
    expect(ines?.passwordHash).toBeUndefined();
    // Cannot sign in before choosing a password.
    expect(await verifyLogin({ email: 'ines@example.test', password: '' })).toBeNull();
    const page = await call(userPage.loader, await requestAs(admin, `/admin/users/${ines!._id}`), { userId: String(ines!._id) });
    expect(page.data?.user).toMatchObject({ invited: true, active: true });

    const token = await tokenIn('ines@example.test', 'user-invitation', 'invite');
    // Only the hash is stored.
    expect(await PasswordToken.countDocuments({ _id: token })).toBe(0);
    expect(await PasswordToken.findById(sha256(token)).lean()).toMatchObject({ purpose: 'invitation' });
    const expires = (await PasswordToken.findById(sha256(token)).lean())!.expiresAt.getTime() - Date.now();
    expect(expires).toBeGreaterThan(6.9 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(7 * 86_400_000);

    const get = await call(invite.loader, new Request(`http://localhost:3000/invite/${token}`), { token });
    expect(get).toMatchObject({ status: 200, data: { valid: true, name: 'Ines Invited', email: 'ines@example.test' } });
    const weak = await call(invite.action, withCookie('', `/invite/${token}`, { _form: 'set-password', password: 'aaaaaaaaaaaa' }), { token });
    expect(weak.status).toBe(400);
    expect(weak.data?.errors.password?.[0]).toMatch(/easy to guess/);
    const set = await call(invite.action, withCookie('', `/invite/${token}`, { _form: 'set-password', password: GOOD }), { token });
    expect(set.status).toBe(302);
    expect(set.headers?.get('Location')).toBe('/home');
    expect(await getUser(withCookie(cookieOf(set.headers), '/home'))).toMatchObject({ email: 'ines@example.test', role: 'sales' });
    expect(await verifyLogin({ email: 'ines@example.test', password: GOOD })).toBe(String(ines!._id));

    // Single use.
    expect((await call(invite.loader, new Request(`http://localhost:3000/invite/${token}`), { token })).status).toBe(404);
    expect((await call(invite.action, withCookie('', `/invite/${token}`, { password: 'another-quiet-harbour-7' }), { token })).status).toBe(404);
    expect(await verifyLogin({ email: 'ines@example.test', password: GOOD })).toBe(String(ines!._id));
  });

  test('resending the invitation emails a new link, ends the earlier one, and the answer shows next to its button', async () => {
    const admin = await makeUser({ role: 'admin' });
    await call(users.action, await formRequest(admin, '/admin/users', { name: 'Rene Resent', email: 'rene@example.test', role: 'cs' }));
    const first = await tokenIn('rene@example.test', 'user-invitation', 'invite');
    const id = String((await User.findOne({ email: 'rene@example.test' }).lean())!._id);
    const resent = await call(userPage.action, await formRequest(admin, `/admin/users/${id}`, { _form: 'invitation', intent: 'resend-invitation' }), { userId: id });
    expect(resent.data).toMatchObject({ ok: true, form: 'invitation', message: 'A new invitation is on its way to rene@example.test; the earlier link no longer works.' });
    const second = await tokenIn('rene@example.test', 'user-invitation', 'invite');
    expect(second).not.toBe(first);
    expect(await EmailMessage.countDocuments({ to: 'rene@example.test', template: 'user-invitation' })).toBe(2);
    expect((await call(invite.loader, new Request(`http://localhost:3000/invite/${first}`), { token: first })).status).toBe(404);
    expect((await call(invite.loader, new Request(`http://localhost:3000/invite/${second}`), { token: second })).status).toBe(200);
  });
});

describe('forgot password', () => {
  test('answers the same for a known and an unknown email; only the known one gets an email', async () => {
    const user = await makeUser({ role: 'cs' });
    const known = await call(forgot.action, await formRequest(null, '/forgot-password', { _form: 'forgot', email: user.email.toUpperCase() }));
    const unknown = await call(forgot.action, await formRequest(null, '/forgot-password', { _form: 'forgot', email: 'nobody-here@example.test' }));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.data?.message).toBe(unknown.data?.message);
    expect(known.data?.form).toBe('forgot');
    expect(await EmailMessage.countDocuments({ to: user.email, template: 'password-reset' })).toBe(1);
    expect(await EmailMessage.countDocuments({ to: 'nobody-here@example.test' })).toBe(0);
    const bad = await call(forgot.action, await formRequest(null, '/forgot-password', { _form: 'forgot', email: 'not an email' }));
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ form: 'forgot', errors: { email: ['Enter a valid email address.'] }, values: { email: 'not an email' } });
  });

  test('the link is hashed at rest, works once within 15 minutes and ends every session of the user', async () => {
    const user = await makeUser({ role: 'leadership' });
    const session = (await requestAs(user, '/home')).headers.get('Cookie')!;
    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    const token = await tokenIn(user.email, 'password-reset', 'reset-password');
    const stored = await PasswordToken.findById(sha256(token)).lean();
    expect(stored).toMatchObject({ purpose: 'reset', userId: expect.anything() });
    expect(JSON.stringify(await PasswordToken.find({ userId: user.id }).lean())).not.toContain(token);
    const life = stored!.expiresAt.getTime() - stored!.createdAt!.getTime();
    expect(life).toBeGreaterThan(15 * 60_000 - 5000);
    expect(life).toBeLessThanOrEqual(15 * 60_000);

    const weak = await call(reset.action, withCookie('', `/reset-password/${token}`, { _form: 'set-password', password: ' '.repeat(12) }), { token });
    expect(weak.status).toBe(400);
    expect(weak.data?.errors.password).toEqual(['A password of spaces only is too easy to guess.']);
    const done = await call(reset.action, withCookie('', `/reset-password/${token}`, { _form: 'set-password', password: GOOD }), { token });
    expect(done.status).toBe(302);
    expect(done.headers?.get('Location')).toBe('/login?password=reset');
    expect(await getUser(withCookie(session, '/home'))).toBeNull();
    expect(await Session.countDocuments({ userId: user.id, revokedAt: trusted({ $exists: false }) })).toBe(0);
    expect(await verifyLogin({ email: user.email, password: GOOD })).toBe(user.id);
    const again = await call(reset.action, withCookie('', `/reset-password/${token}`, { password: 'another-quiet-harbour-7' }), { token });
    expect(again.status).toBe(404);
    expect(await verifyLogin({ email: user.email, password: GOOD })).toBe(user.id);
    const loginPage = await call(login.loader, new Request('http://localhost:3000/login?password=reset'));
    expect(loginPage.data?.notice).toMatch(/new password is saved/);
  });

  test('a link older than 15 minutes, or replaced by a newer one, no longer works', async () => {
    const user = await makeUser();
    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    const old = await tokenIn(user.email, 'password-reset', 'reset-password');
    await PasswordToken.updateOne({ _id: sha256(old) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(reset.loader, new Request(`http://localhost:3000/reset-password/${old}`), { token: old })).status).toBe(404);
    expect((await call(reset.action, withCookie('', `/reset-password/${old}`, { password: GOOD }), { token: old })).status).toBe(404);

    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    const first = await tokenIn(user.email, 'password-reset', 'reset-password');
    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    const second = await tokenIn(user.email, 'password-reset', 'reset-password');
    expect((await call(reset.loader, new Request(`http://localhost:3000/reset-password/${first}`), { token: first })).status).toBe(404);
    expect((await call(reset.loader, new Request(`http://localhost:3000/reset-password/${second}`), { token: second })).status).toBe(200);
    expect(await verifyLogin({ email: user.email, password: TEST_PASSWORD })).toBe(user.id);
  });

  test('cannot flood an inbox: past 3 requests from one address the answer stays the same and no email goes out', async () => {
    const user = await makeUser();
    const from = ctx();
    for (let i = 0; i < 6; i++) {
      const res = await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }), {}, from);
      expect(res.status).toBe(200);
    }
    expect(await EmailMessage.countDocuments({ to: user.email, template: 'password-reset' })).toBe(3);
  });

  test('a deactivated user gets no email and their old link stops working', async () => {
    const user = await makeUser();
    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    const token = await tokenIn(user.email, 'password-reset', 'reset-password');
    await User.updateOne({ _id: user.id }, { $set: { active: false } });
    expect((await call(reset.action, withCookie('', `/reset-password/${token}`, { password: GOOD }), { token })).status).toBe(404);
    await call(forgot.action, await formRequest(null, '/forgot-password', { email: user.email }));
    expect(await EmailMessage.countDocuments({ to: user.email, template: 'password-reset' })).toBe(1);
  });
});

describe('admin user page: feedback next to the action', () => {
  test('each answer names its form; a refused role keeps the value chosen; an admin can email a reset link', async () => {
    const admin = await makeUser({ role: 'admin' });
    const own = await call(userPage.action, await formRequest(admin, `/admin/users/${admin.id}`, { _form: 'role', intent: 'role', role: 'cs' }), { userId: admin.id });
    expect(own).toMatchObject({ status: 400, data: { form: 'role', errors: { role: ['You cannot remove your own admin role.'] }, values: { role: 'cs' } } });
    const user = await makeUser({ role: 'cs' });
    const link = await call(userPage.action, await formRequest(admin, `/admin/users/${user.id}`, { _form: 'reset-link', intent: 'reset-link' }), { userId: user.id });
    expect(link.data).toMatchObject({ ok: true, form: 'reset-link', message: `A reset link is on its way to ${user.email}; it works once, for 15 minutes.` });
    expect(await EmailMessage.countDocuments({ to: user.email, template: 'password-reset' })).toBe(1);
    const off = await call(userPage.action, await formRequest(admin, `/admin/users/${user.id}`, { _form: 'access', intent: 'deactivate' }), { userId: user.id });
    expect(off.data).toMatchObject({ ok: true, form: 'access', message: 'User deactivated; their sessions ended at once.' });
  });
});

describe('a user deactivated while an admin emails them a link', () => {
  test('the link is refused as such (409 on the page), never as a failure to queue (503)', async () => {
    const admin = await makeUser({ role: 'admin' });
    const gone = await makeUser();
    await User.updateOne({ _id: gone.id }, { $set: { active: false } });
    expect(await emailResetLink({ userId: gone.id, actorId: admin.id })).toBe('not-eligible');
    expect(await inviteUser({ userId: gone.id, actorId: admin.id })).toBe('not-eligible');
    expect(await EmailMessage.countDocuments({ to: gone.email })).toBe(0);
    // Through the page: a reset link and a deactivation at once, a few rounds; no answer is a 5xx.
    for (let round = 0; round < 5; round++) {
      const user = await makeUser({ role: 'cs' });
      const [link, off] = await Promise.all([
        call(userPage.action, await formRequest(admin, `/admin/users/${user.id}`, { _form: 'reset-link', intent: 'reset-link' }), { userId: user.id }),
        call(userPage.action, await formRequest(admin, `/admin/users/${user.id}`, { _form: 'access', intent: 'deactivate' }), { userId: user.id }),
      ]);
      expect(off.status).toBe(200);
      expect([200, 400, 409]).toContain(link.status);
    }
  });
});
