// A real OpenID Connect provider for the SSO tests (the `oidc-provider` package, certified), on a
// free local port: one confidential client registered for Kept, accounts the test adds, and a
// one-field sign-in page (the account's subject) that a test drives with fetch or Chromium. Its
// clock can be pinned back for the token endpoint, so an ID token comes out already expired.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type TestAccount = { email?: string; email_verified?: boolean; name?: string };

export type TestProvider = {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Milliseconds the provider's clock runs behind while it answers the token endpoint (0: none). */
  tokenClockOffsetMs: number;
  stop: () => Promise<void>;
};

/**
 * Starts a provider. `issuer` (default `http://localhost:<port>`) is what it calls itself: a test
 * may pass another name for the same server (`http://127.0.0.1:<port>`) to play a wrong issuer.
 */
export async function startTestProvider(options: { redirectUris: string[]; issuer?: (port: number) => string }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuer?.(port) ?? `http://localhost:${port}`;
  const clientId = `kept-${crypto.randomBytes(4).toString('hex')}`;
  const clientSecret = crypto.randomBytes(24).toString('base64url');
  const accounts = new Map<string, TestAccount>();
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...account }) };
    },
  });
  provider.proxy = false;

  const handle: TestProvider = { issuer, port, clientId, clientSecret, accounts, tokenClockOffsetMs: 0, stop: async () => {} };

  // The pinned clock: only while the token endpoint answers (the ID token's iat and exp come from it).
  provider.use(async (ctx, next) => {
    if (!handle.tokenClockOffsetMs || ctx.path !== '/token') return next();
    const realNow = Date.now;
    Date.now = () => realNow() - handle.tokenClockOffsetMs;
    try {
      await next();
    } finally {
      Date.now = realNow;
    }
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(req.url?.split('?')[0] ?? '');
    if (!match) return callback(req, res);
    void interaction(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><title>Test IdP</title><h1>Test identity provider</h1><form method="post"><label>Account <input name="account" autofocus></label><button>Sign in</button></form>`,
      );
      return;
    }
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => resolve(text));
    });
    const accountId = new URLSearchParams(body).get('account') ?? '';
    if (!accounts.has(accountId)) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown account' }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  handle.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}

/**
 * Plays the browser at the provider: follows the authorization URL, signs in as `account` on the
 * provider's page, and returns the URL the provider sends the browser back to (Kept's callback).
 */
export async function signInAtProvider(authorizationUrl: string, account: string) {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
  };
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), Cookie: cookieHeader() } });
    keep(res);
    return res;
  };
  let res = await go(authorizationUrl);
  let location = new URL(res.headers.get('Location') ?? '', authorizationUrl);
  if (!location.pathname.startsWith('/interaction/')) throw new Error(`The provider did not ask for a sign-in (${res.status} ${location}).`);
  res = await go(location.toString(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ account }).toString() });
  // The provider resumes the authorization request, then redirects to the client.
  for (let hops = 0; hops < 5; hops++) {
    location = new URL(res.headers.get('Location') ?? '', location);
    if (location.origin !== new URL(authorizationUrl).origin) return location.toString();
    res = await go(location.toString());
  }
  throw new Error('The provider never redirected back to the client.');
}
