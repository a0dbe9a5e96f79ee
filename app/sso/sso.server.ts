// Single sign-on with OpenID Connect (docs/sso.md): the admin's connection (issuer, client id and
// secret, company name), the discovery test, the "SSO only" switch with its break-glass admin, and
// the sign-in itself: an authorization-code flow with state, nonce and PKCE through openid-client,
// whose ID token checks (signature, issuer, audience, expiry, nonce) decide before Kept looks the
// person up by their verified email. Kept never creates accounts here: an invited or existing user
// is linked on their first sign-in (issuer + subject stored on the user), anybody else is refused.
import crypto from 'node:crypto';
import { createCookie } from '@remix-run/node';
import * as oidc from 'openid-client';
import { recordAudit } from '#models/audit-event';
import { SSO_SETTINGS_ID, SsoSettings } from '#models/sso-settings';
import { User } from '#models/user';
import { trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { safeRedirect } from '#app/auth/redirect.server';
import { log } from '#app/utils/log.server';
import { identityFromClaims, issuerProblem, maskSecret, normalizeIssuer, type SsoConnectionSchema, type SsoRefusal } from '#app/sso/sso-rules';
import type { z } from 'zod';

export { PASSWORDS_OFF, SSO_REFUSALS, SSO_REFUSAL_CODES, SsoConnectionSchema, SsoModeSchema, type SsoRefusal } from '#app/sso/sso-rules';

const production = () => getEnv().NODE_ENV === 'production';
const DISCOVERY_TIMEOUT_SECONDS = 5;
/** How long a started sign-in may take at the IdP before its state cookie lapses. */
const FLOW_MINUTES = 10;
export const CALLBACK_PATH = '/sso/callback';

/** The redirect URL to register with the identity provider. */
export const callbackUrl = () => new URL(CALLBACK_PATH, getEnv().APP_URL).toString();

async function loadSettings() {
  return SsoSettings.findById(SSO_SETTINGS_ID).lean();
}

/** What the admin page shows: never the secret, only its end. Null when SSO is not set up. */
export async function ssoSettingsView() {
  const s = await loadSettings();
  if (!s) return null;
  const discovery = s.lastDiscovery && s.lastDiscovery.issuer === s.issuer ? s.lastDiscovery : null;
  return {
    companyName: s.companyName,
    issuer: s.issuer,
    clientId: s.clientId,
    secretHint: maskSecret(s.clientSecret),
    ssoOnly: s.ssoOnly,
    breakGlassUserId: s.breakGlassUserId ? String(s.breakGlassUserId) : null,
    discovery: discovery ? { at: discovery.at.toISOString(), ok: discovery.ok, message: discovery.message } : null,
    updatedAt: (s as { updatedAt?: Date }).updatedAt?.toISOString() ?? null,
  };
}

/** What /login needs: the button's company name, and whether passwords are off. */
export async function signInOptions() {
  const s = await SsoSettings.findById(SSO_SETTINGS_ID).select('companyName ssoOnly').lean();
  return s ? { companyName: s.companyName, ssoOnly: s.ssoOnly } : null;
}

/** The admins who may be the break-glass admin: active, with a password of their own. */
export async function breakGlassCandidates() {
  const admins = await User.find({ role: 'admin', active: true, passwordHash: trusted({ $exists: true }) })
    .select('name email')
    .sort({ name: 1 })
    .lean();
  return admins.map((a) => ({ id: String(a._id), name: a.name, email: a.email }));
}

type SaveResult = { ok: true } | { ok: false; errors: Record<string, string[]> };

/** Saves the connection; an empty secret keeps the saved one. Audited (never with the secret). */
export async function saveConnection(input: z.infer<typeof SsoConnectionSchema> & { actorId: string; now?: Date }): Promise<SaveResult> {
  const issuer = normalizeIssuer(input.issuer);
  const problem = issuerProblem(issuer, { production: production() });
  if (problem) return { ok: false, errors: { issuer: [problem] } };
  const before = await loadSettings();
  if (!before && !input.clientSecret) return { ok: false, errors: { clientSecret: ['Enter the client secret from your identity provider.'] } };
  const set: Record<string, unknown> = { issuer, clientId: input.clientId, companyName: input.companyName, updatedById: input.actorId };
  if (input.clientSecret) set.clientSecret = input.clientSecret;
  await SsoSettings.updateOne({ _id: SSO_SETTINGS_ID }, { $set: set, $setOnInsert: { ssoOnly: false, breakGlassUserId: null, lastDiscovery: null } }, { upsert: true });
  configCache.clear();
  const changed = ['issuer', 'clientId', 'companyName'].filter((k) => !before || (before as Record<string, unknown>)[k] !== set[k]);
  if (input.clientSecret && input.clientSecret !== before?.clientSecret) changed.push('clientSecret');
  await recordAudit({ actorId: input.actorId, action: 'sso.connection_saved', entityType: 'sso', entityId: SSO_SETTINGS_ID, data: { changed, issuer }, now: input.now });
  return { ok: true };
}

/** Turns "SSO only" on (with its break-glass admin) or off. Audited. */
export async function setSsoOnly(input: { ssoOnly: boolean; breakGlassUserId?: string; actorId: string; now?: Date }): Promise<SaveResult> {
  const settings = await loadSettings();
  if (!settings) return { ok: false, errors: { '': ['Connect an identity provider first.'] } };
  if (input.ssoOnly) {
    const discovery = settings.lastDiscovery;
    if (!discovery?.ok || discovery.issuer !== settings.issuer) {
      return { ok: false, errors: { ssoOnly: ['Test discovery successfully first: turning passwords off with a broken connection would lock everyone out.'] } };
    }
    const candidate = (await breakGlassCandidates()).find((a) => a.id === input.breakGlassUserId);
    if (!candidate) return { ok: false, errors: { breakGlassUserId: ['Choose an active admin who has a password.'] } };
  }
  const breakGlassUserId = input.ssoOnly ? input.breakGlassUserId : null;
  await SsoSettings.updateOne({ _id: SSO_SETTINGS_ID }, { $set: { ssoOnly: input.ssoOnly, breakGlassUserId, updatedById: input.actorId } });
  await recordAudit({
    actorId: input.actorId,
    action: input.ssoOnly ? 'sso.sso_only_on' : 'sso.sso_only_off',
    entityType: 'sso',
    entityId: SSO_SETTINGS_ID,
    data: { breakGlassUserId },
    now: input.now,
  });
  return { ok: true };
}

/**
 * Whether a password may be used (sign-in, reset, invitation link) for this user: always without
 * "SSO only"; with it, only for the break-glass admin.
 */
export async function passwordsAllowed(who: { userId?: string | null; email?: string | null }) {
  const s = await SsoSettings.findById(SSO_SETTINGS_ID).select('ssoOnly breakGlassUserId').lean();
  if (!s?.ssoOnly) return true;
  if (!s.breakGlassUserId) return false;
  if (who.userId) return String(s.breakGlassUserId) === who.userId;
  if (!who.email) return false;
  const user = await User.findOne({ email: who.email.trim().toLowerCase() }).select('_id').lean();
  return Boolean(user && String(user._id) === String(s.breakGlassUserId));
}

// Discovery results by connection, so a sign-in does not fetch the metadata twice (start, callback).
const configCache = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
const CONFIG_CACHE_MS = 5 * 60_000;

function discover(s: { issuer: string; clientId: string; clientSecret: string }) {
  const key = crypto.createHash('sha256').update(`${s.issuer}\n${s.clientId}\n${s.clientSecret}`).digest('hex');
  const cached = configCache.get(key);
  if (cached && Date.now() - cached.at < CONFIG_CACHE_MS) return cached.config;
  const insecure = new URL(s.issuer).protocol === 'http:' && !production();
  const config = oidc.discovery(new URL(s.issuer), s.clientId, { client_secret: s.clientSecret }, oidc.ClientSecretPost(s.clientSecret), {
    timeout: DISCOVERY_TIMEOUT_SECONDS,
    execute: insecure ? [oidc.allowInsecureRequests] : [],
  });
  configCache.set(key, { at: Date.now(), config });
  config.catch(() => configCache.delete(key));
  return config;
}

/** Every message down an error's cause chain (openid-client wraps the check that failed). */
function messages(error: unknown) {
  const out: string[] = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { message, code } = e as { message?: unknown; code?: unknown };
    if (typeof message === 'string') out.push(message);
    if (typeof code === 'string') out.push(code);
  }
  return out.join(' | ');
}

// The discovery document names another issuer than the one configured (openid-client's check).
const ISSUER_MISMATCH = /"issuer"|JSON_ATTRIBUTE_COMPARISON/i;

function discoveryMessage(error: unknown, issuer: string) {
  const text = messages(error);
  if (ISSUER_MISMATCH.test(text)) {
    return `The provider at that address names a different issuer than ${issuer}: copy the issuer exactly as the provider’s discovery document gives it.`;
  }
  if (/only requests to HTTPS/i.test(text)) return 'The provider must be reached over https.';
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) return 'Kept could not reach the provider at that address.';
  if (/timeout|aborted/i.test(text)) return `The provider did not answer within ${DISCOVERY_TIMEOUT_SECONDS} seconds.`;
  if (/unexpected HTTP response status code|RESPONSE_IS_NOT_CONFORM|content-type|PARSE_ERROR/i.test(text)) {
    return 'No OpenID Connect discovery document at <issuer>/.well-known/openid-configuration.';
  }
  return `Discovery failed: ${text.split(' | ')[0] || 'unknown error'}.`;
}

/** Fetches the IdP's discovery document now and records the result next to the connection. */
export async function testDiscovery({ actorId, now = new Date() }: { actorId: string; now?: Date }) {
  const s = await loadSettings();
  if (!s) return { ok: false as const, message: 'Save the connection first.' };
  configCache.clear();
  let result: { ok: boolean; message: string };
  try {
    const config = await discover(s);
    const meta = config.serverMetadata();
    const pkce = meta.code_challenge_methods_supported?.includes('S256');
    result = {
      ok: true,
      message: `Found ${meta.issuer}: authorization at ${meta.authorization_endpoint}${pkce ? ', PKCE (S256) supported' : ''}.`,
    };
  } catch (error) {
    result = { ok: false, message: discoveryMessage(error, s.issuer) };
  }
  await SsoSettings.updateOne({ _id: SSO_SETTINGS_ID }, { $set: { lastDiscovery: { at: now, ok: result.ok, issuer: s.issuer, message: result.message } } });
  await recordAudit({ actorId, action: 'sso.discovery_tested', entityType: 'sso', entityId: SSO_SETTINGS_ID, data: { ok: result.ok, issuer: s.issuer }, now });
  return result;
}

// The sign-in in flight: state, nonce and PKCE verifier, signed with the session secret, for 10
// minutes, sent back only to the callback. SameSite=Lax: the IdP's redirect is a top-level GET.
function flowCookie() {
  const env = getEnv();
  return createCookie('kept_sso', {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.NODE_ENV === 'production' && env.APP_URL.startsWith('https://'),
    path: '/sso',
    secrets: env.SESSION_SECRET.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxAge: FLOW_MINUTES * 60,
  });
}

type Flow = { state: string; nonce: string; verifier: string; issuer: string; redirectTo: string; startedAt: number };

const refusal = (reason: SsoRefusal) => ({ ok: false as const, reason });

/** Starts a sign-in: the IdP's authorization URL and the Set-Cookie holding the flow's checks. */
export async function startSignIn({ redirectTo }: { redirectTo?: string | null }) {
  const s = await loadSettings();
  if (!s) return refusal('not-configured');
  let config: oidc.Configuration;
  try {
    config = await discover(s);
  } catch (error) {
    log('warn', 'sso discovery failed', { issuer: s.issuer, error: messages(error) });
    return refusal(ISSUER_MISMATCH.test(messages(error)) ? 'issuer' : 'failed');
  }
  const flow: Flow = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    issuer: s.issuer,
    redirectTo: safeRedirect(redirectTo),
    startedAt: Date.now(),
  };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(),
    scope: 'openid email profile',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
  });
  return { ok: true as const, url: url.toString(), cookie: await flowCookie().serialize(flow) };
}

/** The Set-Cookie that ends the flow (a callback is used once, whatever its outcome). */
export const clearFlowCookie = () => flowCookie().serialize('', { maxAge: 0 });

function callbackRefusal(error: unknown): SsoRefusal {
  const text = messages(error);
  if (error instanceof oidc.AuthorizationResponseError) return 'denied';
  if (/"state"/.test(text)) return 'state';
  if (/"iss"|issuer/i.test(text)) return 'issuer';
  if (/"exp"|expiration/i.test(text)) return 'token-expired';
  return 'failed';
}

/**
 * Finishes a sign-in at the callback: checks the answer against the flow cookie (state, PKCE),
 * the ID token (signature, issuer, audience, expiry, nonce), then finds the Kept user by the
 * verified email (or the identity already linked) and links it on first use.
 */
export async function finishSignIn(request: Request, now = new Date()): Promise<{ ok: true; userId: string; redirectTo: string } | { ok: false; reason: SsoRefusal }> {
  const s = await loadSettings();
  if (!s) return refusal('not-configured');
  const flow = (await flowCookie().parse(request.headers.get('Cookie'))) as Flow | null;
  if (!flow || typeof flow.state !== 'string' || Date.now() - flow.startedAt > FLOW_MINUTES * 60_000) return refusal('flow-expired');
  // The admin changed the issuer meanwhile: the answer belongs to the old one.
  if (flow.issuer !== s.issuer) return refusal('issuer');
  // The URL the IdP redirected to, as registered (behind a proxy the request's own host may differ).
  const incoming = new URL(request.url);
  const currentUrl = new URL(incoming.pathname + incoming.search, getEnv().APP_URL);
  let claims: Record<string, unknown>;
  try {
    const config = await discover(s);
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = { ...(tokens.claims() ?? {}) };
    // Many IdPs keep the email out of the ID token: ask the userinfo endpoint, for the same subject.
    if (typeof claims.email !== 'string' && typeof claims.sub === 'string') {
      claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), sub: claims.sub };
    }
  } catch (error) {
    const reason = callbackRefusal(error);
    log('warn', 'sso sign-in refused', { reason, issuer: s.issuer, error: messages(error) });
    return refusal(reason);
  }
  const identity = identityFromClaims(claims);
  if (!identity.ok) return refusal(identity.reason);
  const issuer = s.issuer;
  const linked = await User.findOne({ ssoIssuer: issuer, ssoSubject: identity.subject }).select('active').lean();
  const user = linked ?? (await User.findOne({ email: identity.email }).select('active ssoIssuer ssoSubject').lean());
  if (!user) {
    log('info', 'sso sign-in for unknown email', { issuer });
    return refusal('unknown-user');
  }
  if (user.active === false) return refusal('deactivated');
  if (!linked) {
    // First sign-in: link this identity, unless the account already belongs to another subject of this issuer.
    const res = await User.updateOne(
      { _id: user._id, $or: [{ ssoSubject: trusted({ $exists: false }) }, { ssoIssuer: trusted({ $ne: issuer }) }] },
      { $set: { ssoIssuer: issuer, ssoSubject: identity.subject, ssoLinkedAt: now } },
    );
    if (res.modifiedCount === 0) return refusal('linked-elsewhere');
    await recordAudit({ actorId: user._id, action: 'user.sso_linked', entityType: 'user', entityId: user._id, data: { issuer }, now });
  }
  return { ok: true, userId: String(user._id), redirectTo: flow.redirectTo };
}
