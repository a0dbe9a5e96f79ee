// Single sign-on against a real OpenID Connect provider (oidc-provider on a local port), through
// Kept's own route modules: the SSO button's action, the callback, /login and the admin page.
import crypto from 'node:crypto';
import { createCookie } from '@remix-run/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { PasswordToken } from '#models/password-token';
import { Session } from '#models/session';
import { SsoSettings } from '#models/sso-settings';
import { User } from '#models/user';
import { TEST_PASSWORD, formRequest, makeUser, requestAs } from '#test/factories';
import { signInAtProvider, startTestProvider, type TestProvider } from '#test/oidc-provider';
import { createUser } from '#app/users/users.server';
import { action as loginAction, loader as loginLoader } from '#app/routes/login';
import { action as forgotAction } from '#app/routes/forgot-password';
import { action as resetAction } from '#app/routes/reset-password.$token';
import { action as startAction } from '#app/routes/sso.login';
import { loader as callbackLoader } from '#app/routes/sso.callback';
import { action as adminAction, loader as adminLoader } from '#app/routes/_staff.admin.sso';
import { issuePasswordLink } from '#app/users/passwords.server';
import { SSO_REFUSALS } from '#app/sso/sso-rules';
import { saveConnection, setSsoOnly, testDiscovery } from '#app/sso/sso.server';

const CALLBACK = 'http://localhost:3000/sso/callback';
let idp: TestProvider;
let admin: Awaited<ReturnType<typeof makeUser>>;
let ipCounter = 0;
// A fresh client address per request: the sign-in rate limits are not what these tests are about.
const ctx = () => ({ nonce: '', clientIp: `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}` });

async function thrown(run: () => Promise<unknown>) {
  try {
    const result = await run();
    return { response: null, result };
  } catch (error) {
    if (error instanceof Response) return { response: error, result: null };
    throw error;
  }
}

const cookiePair = (setCookie: string | null | undefined, name: string) =>
  (setCookie ?? '')
    .split(/,(?=\s*\w+=)/)
    .map((c) => c.trim().split(';')[0])
    .find((c) => c.startsWith(`${name}=`)) ?? '';

/** The SSO button: the IdP's authorization URL and the flow cookie. */
async function startFlow(redirectTo = '') {
  const { response } = await thrown(() => startAction({ request: new Request('http://localhost:3000/sso/login', formInit({ redirectTo })), params: {}, context: ctx() }));
  expect(response?.status).toBe(302);
  return { url: response!.headers.get('Location')!, cookie: cookiePair(response!.headers.get('Set-Cookie'), 'kept_sso') };
}

function formInit(fields: Record<string, string>): RequestInit {
  return { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** The IdP sends the browser back to Kept's callback with `cookie` (the browser's flow cookie). */
async function callback(url: string, cookie: string) {
  const { response } = await thrown(() => callbackLoader({ request: new Request(url, { headers: { Cookie: cookie } }), params: {}, context: ctx() }));
  expect(response?.status).toBe(302);
  const setCookie = response!.headers.get('Set-Cookie');
  return { location: response!.headers.get('Location')!, session: cookiePair(setCookie, 'kept_session') };
}

async function signIn(account: string, redirectTo = '') {
  const flow = await startFlow(redirectTo);
  return callback(await signInAtProvider(flow.url, account), flow.cookie);
}

async function configure(provider: TestProvider) {
  await SsoSettings.deleteMany({});
  const saved = await saveConnection({
    intent: 'save',
    companyName: 'Acme',
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    actorId: admin.id,
  });
  expect(saved.ok).toBe(true);
  return testDiscovery({ actorId: admin.id });
}

function addAccount(email: string, extra: { email_verified?: boolean } = {}) {
  const sub = `sub-${crypto.randomBytes(4).toString('hex')}`;
  idp.accounts.set(sub, { email, email_verified: extra.email_verified ?? true, name: email });
  return sub;
}

beforeAll(async () => {
  idp = await startTestProvider({ redirectUris: [CALLBACK] });
  admin = await makeUser({ role: 'admin' });
});
afterAll(() => idp?.stop());
beforeEach(async () => {
  idp.tokenClockOffsetMs = 0;
  expect((await configure(idp)).ok).toBe(true);
});

describe('single sign-on', () => {
  it('signs a user in through the provider with state, nonce and PKCE, and links their identity', async () => {
    const user = await makeUser({ role: 'cs' });
    const sub = addAccount(user.email.toUpperCase());
    const flow = await startFlow('/accounts');
    const auth = new URL(flow.url);
    expect(auth.origin).toBe(idp.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    // The challenge is the S256 of the verifier kept in the browser's signed flow cookie.
    const kept = (await createCookie('kept_sso', { secrets: [process.env.SESSION_SECRET!] }).parse(flow.cookie)) as { verifier: string; state: string };
    expect(auth.searchParams.get('code_challenge')).toBe(crypto.createHash('sha256').update(kept.verifier).digest('base64url'));
    expect(auth.searchParams.get('state')).toBe(kept.state);

    const back = await callback(await signInAtProvider(flow.url, sub), flow.cookie);
    expect(back.location).toBe('/accounts');
    expect(back.session).toMatch(/^kept_session=./);
    expect(await Session.countDocuments({ userId: user.id })).toBe(1);
    const linked = await User.findById(user.id).lean();
    expect({ issuer: linked?.ssoIssuer, subject: linked?.ssoSubject }).toEqual({ issuer: idp.issuer, subject: sub });
    expect(await AuditEvent.countDocuments({ action: 'user.sso_linked', entityId: user.id })).toBe(1);

    // The next sign-in finds the linked identity; the audit says "linked" once.
    expect((await signIn(sub)).location).toBe('/home');
    expect(await AuditEvent.countDocuments({ action: 'user.sso_linked', entityId: user.id })).toBe(1);
  });

  it('refuses an answer that belongs to another sign-in of the browser (wrong state)', async () => {
    const user = await makeUser();
    const sub = addAccount(user.email);
    const first = await startFlow();
    const second = await startFlow();
    const answer = await signInAtProvider(first.url, sub);
    const back = await callback(answer, second.cookie);
    expect(back.location).toBe('/login?sso=state');
    expect(back.session).toBe('');
    expect(await Session.countDocuments({ userId: user.id })).toBe(0);
  });

  it('refuses a code replayed without the browser’s flow cookie, and one whose PKCE verifier does not match', async () => {
    const user = await makeUser();
    const sub = addAccount(user.email);
    const flow = await startFlow();
    const answer = await signInAtProvider(flow.url, sub);
    expect((await callback(answer, '')).location).toBe('/login?sso=flow-expired');
    // An injected code with the right state and nonce but another verifier: the provider refuses it.
    const cookie = createCookie('kept_sso', { secrets: [process.env.SESSION_SECRET!] });
    const kept = (await cookie.parse(flow.cookie)) as Record<string, unknown>;
    const forged = cookiePair(await cookie.serialize({ ...kept, verifier: crypto.randomBytes(32).toString('base64url') }), 'kept_sso');
    expect((await callback(answer, forged)).location).toBe('/login?sso=failed');
    expect(await Session.countDocuments({ userId: user.id })).toBe(0);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent (a token replayed into another flow)', async () => {
    const user = await makeUser();
    const sub = addAccount(user.email);
    const flow = await startFlow();
    const answer = await signInAtProvider(flow.url, sub);
    // The right state and PKCE verifier, so only the nonce is wrong: the provider's ID token carries the flow's nonce.
    const cookie = createCookie('kept_sso', { secrets: [process.env.SESSION_SECRET!] });
    const kept = (await cookie.parse(flow.cookie)) as Record<string, unknown>;
    const forged = cookiePair(await cookie.serialize({ ...kept, nonce: crypto.randomBytes(16).toString('base64url') }), 'kept_sso');
    const back = await callback(answer, forged);
    expect(back.location).toBe('/login?sso=failed');
    expect(back.session).toBe('');
    expect(await Session.countDocuments({ userId: user.id })).toBe(0);
  });

  it('refuses a provider whose discovery names another issuer, and an answer carrying another issuer', async () => {
    // The same provider software, calling itself 127.0.0.1 while Kept is told "localhost".
    const other = await startTestProvider({ redirectUris: [CALLBACK], issuer: (port) => `http://127.0.0.1:${port}` });
    try {
      await SsoSettings.deleteMany({});
      await saveConnection({
        intent: 'save',
        companyName: 'Acme',
        issuer: `http://localhost:${other.port}`,
        clientId: other.clientId,
        clientSecret: other.clientSecret,
        actorId: admin.id,
      });
      const tested = await testDiscovery({ actorId: admin.id });
      expect(tested.ok).toBe(false);
      expect(tested.message).toMatch(/names a different issuer/);
      const { response } = await thrown(() => startAction({ request: new Request('http://localhost:3000/sso/login', formInit({})), params: {}, context: ctx() }));
      expect(response?.headers.get('Location')).toBe('/login?sso=issuer');
    } finally {
      await other.stop();
    }

    // RFC 9207: the `iss` of the authorization answer must be the configured issuer (mix-up attacks).
    await configure(idp);
    const user = await makeUser();
    const flow = await startFlow();
    const answer = new URL(await signInAtProvider(flow.url, addAccount(user.email)));
    expect(answer.searchParams.get('iss')).toBe(idp.issuer);
    answer.searchParams.set('iss', 'https://evil.example');
    expect((await callback(answer.toString(), flow.cookie)).location).toBe('/login?sso=issuer');
    expect(await Session.countDocuments({ userId: user.id })).toBe(0);
  });

  it('refuses an ID token that has already expired (the provider’s clock pinned two hours back)', async () => {
    const user = await makeUser();
    const sub = addAccount(user.email);
    idp.tokenClockOffsetMs = 2 * 3600_000;
    const back = await signIn(sub);
    expect(back.location).toBe('/login?sso=token-expired');
    expect(back.session).toBe('');
    idp.tokenClockOffsetMs = 0;
    expect((await signIn(sub)).location).toBe('/home');
  });

  it('refuses a deactivated user, an unknown email and an unverified email, and /login says why', async () => {
    const gone = await makeUser({ active: false });
    expect((await signIn(addAccount(gone.email))).location).toBe('/login?sso=deactivated');
    expect((await signIn(addAccount('nobody-here@example.test'))).location).toBe('/login?sso=unknown-user');
    const unverified = await makeUser();
    expect((await signIn(addAccount(unverified.email, { email_verified: false }))).location).toBe('/login?sso=unverified-email');
    expect(await User.countDocuments({ email: 'nobody-here@example.test' })).toBe(0);
    expect(await Session.countDocuments({ userId: gone.id })).toBe(0);
    expect(await Session.countDocuments({ userId: unverified.id })).toBe(0);

    const page = (await loginLoader({ request: new Request('http://localhost:3000/login?sso=deactivated'), params: {}, context: ctx() })) as { ssoError: string; sso: unknown };
    expect(page.ssoError).toBe(SSO_REFUSALS.deactivated);
    expect(page.sso).toEqual({ companyName: 'Acme', ssoOnly: false });
  });

  it('links an invited user (no password yet) on their first sign-in', async () => {
    const invited = await createUser({ name: 'Ivy Invited', email: `ivy-${crypto.randomBytes(3).toString('hex')}@example.test`, role: 'sales', actorId: admin.id });
    expect(invited.invited).toBe(true);
    const sub = addAccount(invited.email);
    const back = await signIn(sub, '/promises');
    expect(back.location).toBe('/promises');
    expect(await Session.countDocuments({ userId: invited.id })).toBe(1);
    expect((await User.findById(invited.id).lean())?.ssoSubject).toBe(sub);
    // Another identity of the same provider claiming the same email later is refused.
    expect((await signIn(addAccount(invited.email))).location).toBe('/login?sso=linked-elsewhere');
  });

  it('in SSO-only mode refuses passwords, resets and invitation links to everyone but the break-glass admin', async () => {
    const cs = await makeUser({ role: 'cs' });
    const breakGlass = await makeUser({ role: 'admin' });
    expect(await setSsoOnly({ ssoOnly: true, breakGlassUserId: breakGlass.id, actorId: admin.id })).toEqual({ ok: true });
    expect(await AuditEvent.countDocuments({ action: 'sso.sso_only_on' })).toBe(1);

    const password = async (email: string) =>
      thrown(() => loginAction({ request: new Request('http://localhost:3000/login', formInit({ email, password: TEST_PASSWORD })), params: {}, context: ctx() }));
    const refused = await password(cs.email);
    expect(refused.response).toBeNull();
    expect((refused.result as { init: { status: number } }).init.status).toBe(403);
    expect((refused.result as { data: { errors: Record<string, string[]> } }).data.errors['']).toEqual([
      'Passwords are turned off: sign in with Acme SSO. Only the break-glass admin signs in with a password.',
    ]);
    const let_in = await password(breakGlass.email);
    expect(let_in.response?.status).toBe(302);
    expect(let_in.response?.headers.get('Set-Cookie')).toMatch(/^kept_session=/);
    // SSO still signs the CS user in.
    expect((await signIn(addAccount(cs.email))).location).toBe('/home');

    // "Forgot your password?": the same answer, but a reset link only for the break-glass admin.
    await forgotAction({ request: new Request('http://localhost:3000/forgot-password', formInit({ email: cs.email })), params: {}, context: ctx() });
    await forgotAction({ request: new Request('http://localhost:3000/forgot-password', formInit({ email: breakGlass.email })), params: {}, context: ctx() });
    expect(await PasswordToken.countDocuments({ userId: cs.id })).toBe(0);
    expect(await PasswordToken.countDocuments({ userId: breakGlass.id })).toBe(1);
    // A reset link issued before the switch no longer sets a password.
    const { token } = await issuePasswordLink({ userId: cs.id, purpose: 'reset' });
    const reset = await thrown(() =>
      resetAction({
        request: new Request(`http://localhost:3000/reset-password/${token}`, formInit({ password: 'a brand new long passphrase 42' })),
        params: { token },
        context: ctx(),
      }),
    );
    expect((reset.result as { init: { status: number } }).init.status).toBe(403);

    // Off again: passwords work for everyone.
    expect(await setSsoOnly({ ssoOnly: false, actorId: admin.id })).toEqual({ ok: true });
    expect((await password(cs.email)).response?.status).toBe(302);
  });

  it('does not turn SSO only on without a passing discovery test or with a break-glass user who is not an admin', async () => {
    const cs = await makeUser({ role: 'cs' });
    const notAdmin = await setSsoOnly({ ssoOnly: true, breakGlassUserId: cs.id, actorId: admin.id });
    expect(notAdmin).toEqual({ ok: false, errors: { breakGlassUserId: ['Choose an active admin who has a password.'] } });
    await SsoSettings.updateOne({ _id: 'sso' }, { $set: { lastDiscovery: null } });
    const untested = await setSsoOnly({ ssoOnly: true, breakGlassUserId: admin.id, actorId: admin.id });
    expect(untested.ok).toBe(false);
    expect((await SsoSettings.findById('sso').lean())?.ssoOnly).toBe(false);
  });
});

describe('the admin page', () => {
  it('saves the connection with an audit, never shows the secret back, and keeps it when left empty', async () => {
    const save = (fields: Record<string, string>) =>
      thrown(async () => adminAction({ request: await formRequest(admin, '/admin/sso', { intent: 'save', _form: 'sso-connection', ...fields }), params: {}, context: ctx() }));
    const secret = 'a-very-secret-client-secret-4242';
    const saved = await save({ companyName: 'Initech', issuer: `${idp.issuer}/`, clientId: idp.clientId, clientSecret: secret });
    expect((saved.result as { data: { ok: boolean } }).data.ok).toBe(true);
    const page = await adminLoader({ request: await requestAs(admin, '/admin/sso'), params: {}, context: ctx() });
    expect(JSON.stringify(page)).not.toContain(secret);
    expect(page.settings).toMatchObject({ companyName: 'Initech', issuer: idp.issuer, secretHint: '••••••••4242' });
    expect(page.redirectUrl).toBe(CALLBACK);
    // Empty secret: the saved one stays (and a bad issuer is refused next to its field, the secret not echoed).
    await save({ companyName: 'Initech', issuer: idp.issuer, clientId: idp.clientId, clientSecret: '' });
    expect((await SsoSettings.findById('sso').lean())?.clientSecret).toBe(secret);
    const bad = await save({ companyName: 'Initech', issuer: 'ftp://idp.example', clientId: idp.clientId, clientSecret: 'typed-secret-here' });
    const badData = (bad.result as { data: { errors: Record<string, string[]>; values: Record<string, string> } }).data;
    expect(badData.errors.issuer).toEqual(['The issuer must be an https:// URL.']);
    expect(badData.values.clientSecret).toBeUndefined();
    expect(badData.values.issuer).toBe('ftp://idp.example');
    const audits = await AuditEvent.find({ action: 'sso.connection_saved' }).lean();
    expect(JSON.stringify(audits)).not.toContain(secret);
  });

  it('shows the discovery result next to the button and is for admins only', async () => {
    const tested = await thrown(async () => adminAction({ request: await formRequest(admin, '/admin/sso', { intent: 'test', _form: 'sso-test' }), params: {}, context: ctx() }));
    expect((tested.result as { data: { ok: boolean; message: string } }).data).toMatchObject({ ok: true, form: 'sso-test' });
    expect((tested.result as { data: { message: string } }).data.message).toContain(idp.issuer);
    const cs = await makeUser({ role: 'cs' });
    const denied = await thrown(async () => adminLoader({ request: await requestAs(cs, '/admin/sso'), params: {}, context: ctx() }));
    expect(denied.response?.status).toBe(403);
  });
});
