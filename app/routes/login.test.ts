import { describe, expect, it } from 'vitest';
import { Session } from '#models/session';
import { TEST_PASSWORD, formRequest, makeUser } from '#test/factories';
import { LOGIN_EMAIL_FAILURES } from '#app/auth/rate-limit.server';
import { action } from './login';

const ctx = (ip = '10.0.0.1') => ({ nonce: '', clientIp: ip });
type Body = { errors: Record<string, string[]>; values: Record<string, string> };

async function login(fields: Record<string, string>, ip?: string) {
  try {
    const result = await action({ request: await formRequest(null, '/login', fields), params: {}, context: ctx(ip) });
    return { status: (result as { init?: { status?: number } }).init?.status ?? 200, body: (result as { data: Body }).data, response: null };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null, response: thrown as Response };
  }
}

describe('login action', () => {
  it('signs in with the right password and redirects with a session cookie', async () => {
    const user = await makeUser({ role: 'leadership' });
    const res = await login({ email: user.email.toUpperCase(), password: TEST_PASSWORD, redirectTo: '/accounts' });
    expect(res.status).toBe(302);
    expect(res.response!.headers.get('Location')).toBe('/accounts');
    expect(res.response!.headers.get('Set-Cookie')).toMatch(/^kept_session=/);
    expect(await Session.countDocuments({ userId: user.id })).toBe(1);
  });

  it('never redirects off-site after login', async () => {
    const user = await makeUser();
    const res = await login({ email: user.email, password: TEST_PASSWORD, redirectTo: '//evil.example/x' });
    expect(res.response!.headers.get('Location')).toBe('/home');
  });

  it('sends a user only to a path of its own origin after sign-in, whatever redirectTo holds', async () => {
    const user = await makeUser();
    const hostile = [
      '//evil.example/x',
      '/\t/evil.example',
      '/\t\t/evil.example',
      '/\n/evil.example',
      '/\r/evil.example',
      '/\\evil.example',
      '/\\/evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      ' /\t/evil.example',
      '/home\r\nSet-Cookie: x=1',
      '/home\u0000',
      '/\u0085/evil.example',
      '/\r\n/evil.example',
    ];
    for (const [i, redirectTo] of hostile.entries()) {
      const res = await login({ email: user.email, password: TEST_PASSWORD, redirectTo }, `10.2.0.${i}`);
      expect({ redirectTo, status: res.status, location: res.response?.headers.get('Location') }).toEqual({ redirectTo, status: 302, location: '/home' });
    }
    // Encoded forms stay encoded paths on Kept's own origin.
    const encoded = await login({ email: user.email, password: TEST_PASSWORD, redirectTo: '/%09/evil.example' }, '10.2.1.1');
    expect(new URL(encoded.response!.headers.get('Location')!, 'http://kept.test').host).toBe('kept.test');
    const kept = await login({ email: user.email, password: TEST_PASSWORD, redirectTo: '/deals/new?x=1#top' }, '10.2.1.2');
    expect(kept.response!.headers.get('Location')).toBe('/deals/new?x=1#top');
    // Every sign-in above left exactly one session with its cookie: none without one (the old 500).
    expect(await Session.countDocuments({ userId: user.id })).toBe(hostile.length + 2);
  });

  it('answers the same generic error for a wrong password and an unknown email, keeping the email', async () => {
    const user = await makeUser();
    const wrong = await login({ email: user.email, password: 'nope-nope-nope' }, '10.0.0.2');
    const unknown = await login({ email: 'nobody@example.test', password: 'nope-nope-nope' }, '10.0.0.2');
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(wrong.body!.errors['']).toEqual(['Wrong email or password.']);
    expect(unknown.body!.errors['']).toEqual(wrong.body!.errors['']);
    expect(wrong.body!.values.email).toBe(user.email);
  });

  it('refuses a deactivated user', async () => {
    const user = await makeUser({ active: false });
    expect((await login({ email: user.email, password: TEST_PASSWORD }, '10.0.0.3')).status).toBe(400);
  });

  it('rejects operator injection in form fields with 400', async () => {
    const res = await login({ 'email[$ne]': 'x', password: 'x' }, '10.0.0.4');
    expect(res.status).toBe(400);
    expect(res.body!.errors.email).toBeTruthy();
  });

  it('answers a JSON body (operator injection attempt) with 400', async () => {
    const request = new Request('http://localhost:3000/login', {
      method: 'POST',
      body: JSON.stringify({ email: { $gt: '' }, password: { $ne: null } }),
      headers: { 'Content-Type': 'application/json' },
    });
    const thrown = await action({ request, params: {}, context: ctx('10.0.0.5') }).catch((r) => r as Response);
    expect((thrown as Response).status).toBe(400);
  });

  it('limits guesses per email and address with 429, without locking the real user out elsewhere', async () => {
    const user = await makeUser();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login({ email: user.email, password: 'wrong-password' }, '10.1.0.1')).status);
    expect(statuses).toEqual([...Array(8).fill(400), 429, 429]);
    // The attacker's address is refused even with the right password…
    const limited = await login({ email: user.email, password: TEST_PASSWORD }, '10.1.0.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.response!.headers.get('Retry-After'))).toBeGreaterThan(0);
    // …while the real user, from their own address, signs in.
    expect((await login({ email: user.email, password: TEST_PASSWORD }, '10.1.9.9')).status).toBe(302);
  }, 60_000);

  it('backs off guesses spread over many addresses, still letting a clean address sign in', async () => {
    const user = await makeUser();
    // One wrong password from each of LOGIN_EMAIL_FAILURES addresses trips the per-email back-off.
    for (let i = 0; i < LOGIN_EMAIL_FAILURES; i++) expect((await login({ email: user.email, password: 'wrong-password' }, `10.3.${i >> 8}.${i & 255}`)).status).toBe(400);
    // Now an address that already failed for this email gets no second guess (the pair limit would allow 8)…
    const again = await login({ email: user.email, password: 'wrong-password' }, '10.3.0.0');
    expect(again.status).toBe(429);
    expect(Number(again.response!.headers.get('Retry-After'))).toBeGreaterThan(0);
    // …a fresh address gets one (a wrong guess: 400, then 429 there)…
    expect((await login({ email: user.email, password: 'wrong-password' }, '10.4.0.1')).status).toBe(400);
    expect((await login({ email: user.email, password: TEST_PASSWORD }, '10.4.0.1')).status).toBe(429);
    // …and the real user from a clean address signs in.
    expect((await login({ email: user.email, password: TEST_PASSWORD }, '10.5.0.1')).status).toBe(302);
  }, 90_000);

  it('keeps the per-address limit across emails', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await login({ email: `nobody${i}@example.test`, password: 'wrong-password' }, '10.6.0.1')).status);
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
    expect(statuses[30]).toBe(429);
  }, 90_000);
});
