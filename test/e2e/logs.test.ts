// Secrets and logs: the server's whole output (global-setup writes it to a file, LOG_LEVEL=debug)
// during sign-ins, a wrong password, a survey answered by its buyer, a plan page and an unsubscribe
// page opened, webhooks with bad signatures and one unexpected error must hold no password, session
// cookie value, buyer-link token, SESSION_SECRET, RESEND_API_KEY or webhook secret. The unexpected
// error shows the generic page with an id, and that id is on the log line that has the detail.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEMO_PASSWORD } from './browser';
import { Client, connectE2eDb, openSurveyLink, planLink } from './harness';

let disconnect: () => Promise<void> = async () => undefined;
const secrets: Record<string, string> = {};
let logStart = 0;
let errorPage = { status: 0, body: '' };

const logSince = () => fs.readFileSync(inject('serverLog'), 'utf8').slice(logStart);

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  logStart = fs.statSync(inject('serverLog')).size;
  const seeded = inject('seeded');
  for (const [name, value] of Object.entries(inject('serverSecrets'))) if (value) secrets[name] = value;

  // Sign-ins: the demo password, each session cookie, and a wrong password.
  secrets.password = DEMO_PASSWORD;
  for (const role of ['admin', 'cs', 'sales']) {
    const client = await new Client().login(`${role}@kept.demo`);
    secrets[`${role} session cookie`] = client.cookie.split('=')[1];
  }
  secrets['wrong password'] = `Wrong-${crypto.randomBytes(6).toString('hex')}`;
  const wrong = await new Client().request('POST', '/login', { body: new URLSearchParams({ email: 'cs@kept.demo', password: secrets['wrong password'] }).toString() });
  expect(wrong.status).toBe(400);

  // The buyer answers a survey.
  const survey = await openSurveyLink();
  expect(survey, 'an open survey to answer').not.toBeNull();
  secrets['survey token'] = survey!.token;
  const { getSurveyPage } = await import('#app/surveys/surveys.server');
  const page = await getSurveyPage({ token: survey!.token });
  if (page.state !== 'open') throw new Error(`the seeded survey link is ${page.state}`);
  const buyer = new Client();
  expect((await buyer.request('GET', `/s/${survey!.token}`)).status).toBe(200);
  const answer = new URLSearchParams({ overall: 'yes', nps: '9', comment: 'Fine', ...Object.fromEntries(page.promises.map((p) => [`promise.${p.id}.verdict`, 'delivered'])) });
  const submitted = await buyer.request('POST', `/s/${survey!.token}`, { body: answer.toString() });
  expect([submitted.status, submitted.location]).toEqual([302, '/s/thank-you']);

  // A plan page and an unsubscribe page.
  const plan = await planLink(seeded.journeyId!);
  secrets['plan token'] = plan.token;
  expect((await new Client().request('GET', `/plan/${plan.token}`)).status).toBe(200);
  const { createUnsubscribeLink } = await import('#app/email/unsubscribe.server');
  const { url } = await createUnsubscribeLink({
    contact: { id: plan.contactId, email: `logs-${crypto.randomBytes(3).toString('hex')}@example.test` },
    source: 'logs-spec',
    now: new Date(),
  });
  secrets['unsubscribe token'] = url.split('/u/')[1];
  expect((await new Client().request('GET', `/u/${secrets['unsubscribe token']}`)).status).toBe(200);

  // Webhooks with bad signatures.
  const body = JSON.stringify({ id: 'evt-logs', type: 'deal.closed_won' });
  const crm = await new Client().request('POST', '/api/webhooks/crm', {
    body,
    headers: { 'Content-Type': 'application/json', 'X-Kept-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
  });
  expect(crm.status).toBe(401);
  const resend = await new Client().request('POST', '/api/webhooks/resend', {
    body,
    headers: { 'Content-Type': 'application/json', 'svix-id': 'msg_logs', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': 'v1,bm90IGEgc2lnbmF0dXJl' },
  });
  expect(resend.status).toBe(401);

  // An unexpected error: a deal document the code never writes (a close date that is no date), so
  // the deal page's loader throws a TypeError. Removed again right after.
  const { default: mongoose } = await import('mongoose');
  const deals = mongoose.connection.db!.collection('deals');
  const _id = new mongoose.Types.ObjectId();
  await deals.insertOne({
    _id,
    name: 'Broken on purpose',
    accountId: new mongoose.Types.ObjectId(seeded.accountId),
    aeId: new mongoose.Types.ObjectId(seeded.users['sales@kept.demo']),
    closedWonAt: 'not a date',
    arr: 1,
    currency: 'USD',
    promises: [],
  });
  try {
    const admin = new Client();
    admin.cookie = `kept_session=${secrets['admin session cookie']}`;
    errorPage = await admin.request('GET', `/deals/${_id}`);
  } finally {
    await deals.deleteOne({ _id });
  }
  // Log lines are written asynchronously by the server process: give them a moment to land.
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(async () => {
  await disconnect();
});

describe('server logs', () => {
  test('hold none of the passwords, session cookies, buyer-link tokens or server secrets of this run', () => {
    const log = logSince();
    expect(log.length, 'the run wrote log lines').toBeGreaterThan(0);
    const found = Object.entries(secrets)
      .filter(([, value]) => value.length >= 8 && log.includes(value))
      .map(([name]) => name);
    expect(found).toEqual([]);
    // A URL-encoded or cookie-signature form of a secret would slip past a plain search: check those too.
    const encoded = Object.entries(secrets)
      .filter(([, value]) => log.includes(encodeURIComponent(value)) || log.includes(Buffer.from(value).toString('base64')))
      .map(([name]) => name);
    expect(encoded).toEqual([]);
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(11);
  });

  test('the bad webhook signatures were logged (without the secret)', () => {
    const log = logSince();
    expect(log).toContain('CRM webhook refused');
    expect(log).toContain('Resend webhook refused');
  });
});

describe('an unexpected error', () => {
  test('shows the generic page with an error id, never the detail', () => {
    expect(errorPage.status).toBe(500);
    expect(errorPage.body).toContain('Something went wrong on our side');
    expect(errorPage.body).not.toMatch(/TypeError|toISOString|at .*\.js:\d+|node_modules/);
  });

  test('the id on the page is the errorId of the log line with the detail', () => {
    const id = errorPage.body.match(/data-error-id="([a-f0-9]{12})"/)?.[1];
    expect(id, errorPage.body.slice(0, 2000)).toBeTruthy();
    const lines = logSince()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; errorId?: string; url?: string; stack?: string; msg: string });
    const line = lines.find((l) => l.errorId === id);
    expect(line, `no log line with errorId ${id}`).toBeDefined();
    expect(line!.level).toBe('error');
    expect(line!.url).toContain('/deals/');
    expect(line!.stack).toMatch(/TypeError|toISOString/);
  });
});
