import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createElement } from 'react';
import { Resend } from 'resend';
import { beforeEach, describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { createPacer, dispatchDueEmails, getOutboxMessage, listOutbox, sendEmail, sendUserInvitation } from '#app/email/email.server';
import { EmailMessage } from '#models/email-message';
import { EmailBody } from '#models/email-body';
import { UserInvitationEmail, PreviewProps } from '#emails/user-invitation';
import { useFakeResend } from '#test/harness/fake-resend';

const fake = useFakeResend({ send: true });
const T0 = new Date('2026-05-04T08:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function useResend(baseUrl = fake.url) {
  process.env.RESEND_API_KEY = 're_test_key';
  process.env.RESEND_BASE_URL = baseUrl;
  resetEnvCache();
}
function useDemoMode() {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
}

const invitation = () => createElement(UserInvitationEmail, PreviewProps);
const queue = (key: string, now = T0, extra: Partial<Parameters<typeof sendEmail>[0]> = {}) =>
  sendEmail({ key, template: 'user-invitation', to: 'dana@example.com', subject: `Hello ${key}`, react: invitation(), now, ...extra });
// Each dispatcher gets its own fast pacer unless a test is about the rate limit.
const dispatch = (now: Date, extra: Partial<Parameters<typeof dispatchDueEmails>[0]> = {}) => dispatchDueEmails({ now, owner: 'worker-a', pacer: createPacer(100), ...extra });
const message = (key: string) => EmailMessage.findOne({ idempotencyKey: key }).lean();

beforeEach(async () => {
  await EmailMessage.deleteMany({});
});

describe('sendEmail', () => {
  test('records a queued message with html, text, headers and tags, and does not send by itself', async () => {
    const result = await queue('test:1', T0, {
      headers: { 'List-Unsubscribe': '<https://kept.test/u/x>' },
      meta: { entityType: 'user', entityId: 'u1' },
    });
    expect(result).toMatchObject({ ok: true, state: 'queued', duplicate: false });
    const stored = await message('test:1');
    expect(stored).toMatchObject({ state: 'queued', to: 'dana@example.com', attempts: 0, from: 'Kept <kept@example.com>' });
    expect(stored?.nextAttemptAt?.toISOString()).toBe(T0.toISOString());
    expect(stored?.text).toContain('Hi Dana Whitfield,');
    // The body is stored apart (EmailBody, same _id), written before the message.
    expect((await EmailBody.findById(stored?._id).lean())?.html).toMatch(/^<!DOCTYPE html/i);
    expect(stored?.headers).toEqual({ 'List-Unsubscribe': '<https://kept.test/u/x>' });
    expect(stored?.tags).toEqual([
      { name: 'template', value: 'user-invitation' },
      { name: 'entityType', value: 'user' },
      { name: 'entityId', value: 'u1' },
    ]);
    expect(fake.requests).toHaveLength(0);
  });

  test('strips line breaks and other control characters from every header Kept builds: subject, from, to, custom headers', async () => {
    process.env.EMAIL_FROM = 'Kept\r\nBcc: victim@evil.example <kept@example.com>';
    resetEnvCache();
    try {
      await queue('test:crlf', T0, {
        to: 'dana@example.com\r\nBcc: victim@evil.example',
        subject: 'Hdr Inc\r\nBcc: victim@evil.example\u0000\u2028more',
        headers: { 'List-Unsubscribe': '<https://kept.test/u/x>\r\nBcc: victim@evil.example', 'X-Bad\r\nName': 'v\n' },
      });
    } finally {
      delete process.env.EMAIL_FROM;
      resetEnvCache();
    }
    const stored = await message('test:crlf');
    const values = [stored?.subject, stored?.from, stored?.to, ...Object.entries(stored?.headers ?? {}).flat()];
    expect(values.filter((v) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(String(v)))).toEqual([]);
    expect(stored?.subject).toBe('Hdr Inc Bcc: victim@evil.example more');
    expect(stored?.headers).toEqual({ 'List-Unsubscribe': '<https://kept.test/u/x> Bcc: victim@evil.example', 'X-BadName': 'v' });
    // What reaches Resend is what was stored.
    await dispatch(T0);
    const sent = fake.delivered.at(-1)?.body as { subject?: string; from?: string; to?: unknown; headers?: Record<string, string> };
    expect(sent.subject).toBe(stored?.subject);
    expect([sent.from, ...[sent.to].flat(), ...Object.entries(sent.headers ?? {}).flat()].filter((v) => /[\u0000-\u001f]/.test(String(v)))).toEqual([]);
  });

  test('the same key twice (even concurrently) records one message and sends it once', async () => {
    const first = await queue('test:dup');
    const again = await Promise.all([queue('test:dup'), queue('test:dup'), queue('test:dup')]);
    expect(await EmailMessage.countDocuments({ idempotencyKey: 'test:dup' })).toBe(1);
    for (const result of again) expect(result).toMatchObject({ ok: true, duplicate: true, id: first.ok && first.id });

    await dispatch(T0);
    await dispatch(at(MINUTE));
    await queue('test:dup', at(2 * MINUTE));
    await dispatch(at(3 * MINUTE));
    expect(fake.requests).toHaveLength(1);
    expect(fake.delivered).toHaveLength(1);
  });

  test('concurrent first calls with one key race on the unique index: one message', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => queue('test:race')));
    expect(await EmailMessage.countDocuments({ idempotencyKey: 'test:race' })).toBe(1);
    expect(new Set(results.map((r) => r.ok && r.id)).size).toBe(1);
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
  });

  test('returns a result instead of throwing on a bad key', async () => {
    expect(await queue('')).toEqual({ ok: false, error: expect.stringMatching(/key/) });
  });

  test('demo mode (no RESEND_API_KEY) captures the message and never sends it', async () => {
    useDemoMode();
    expect(await queue('test:demo')).toMatchObject({ ok: true, state: 'captured' });
    const result = await dispatch(at(MINUTE));
    expect(result).toMatchObject({ demo: true, claimed: 0 });
    useResend();
    await dispatch(at(2 * MINUTE));
    expect(fake.requests).toHaveLength(0);
    expect((await message('test:demo'))?.state).toBe('captured');
  });

  test('sendUserInvitation uses one key per user and the role label', async () => {
    const input = { userId: 'u42', to: 'new@example.com', name: 'Noor', role: 'cs' as const, invitedBy: 'Ada', signInUrl: 'https://kept.test/login' };
    const result = await sendUserInvitation(input);
    expect(result).toMatchObject({ ok: true, state: 'queued' });
    expect(await sendUserInvitation(input)).toMatchObject({ ok: true, duplicate: true });
    const stored = await message('user:u42:invitation');
    expect(stored).toMatchObject({ template: 'user-invitation', to: 'new@example.com', subject: 'Ada invited you to Kept' });
    expect(stored?.text).toContain('Ada invited you to Kept as Customer success.');
    expect(stored?.metadata).toEqual({ entityType: 'user', entityId: 'u42' });
  });
});

describe('dispatchDueEmails against the fake Resend (real SDK)', () => {
  test('sends a due message with its idempotency key and records the provider id', async () => {
    await queue('test:ok', T0, { headers: { 'List-Unsubscribe': '<https://kept.test/u/x>' } });
    await queue('test:later', at(10 * MINUTE));
    const result = await dispatch(T0);
    expect(result).toMatchObject({ claimed: 1, sent: 1, failed: 0, retried: 0, paused: null });

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/emails', idempotencyKey: 'test:ok' });
    expect(request.headers.authorization).toBe('Bearer re_test_key');
    expect(request.body).toMatchObject({
      to: 'dana@example.com',
      subject: 'Hello test:ok',
      headers: { 'List-Unsubscribe': '<https://kept.test/u/x>' },
      tags: [{ name: 'template', value: 'user-invitation' }],
    });
    expect((request.body as { text: string }).text).toContain('Hi Dana Whitfield,');

    const stored = await message('test:ok');
    expect(stored).toMatchObject({ state: 'sent', providerId: fake.delivered[0].id, attempts: 1, leaseOwner: null });
    expect((await message('test:later'))?.state).toBe('queued');
  });

  test('429 with Retry-After: requeued for exactly then, and the dispatcher waits that long', async () => {
    await queue('test:429');
    await queue('test:429b');
    fake.failNext({ status: 429, name: 'rate_limit_exceeded', retryAfter: 2 });
    const result = await dispatch(T0);
    expect(result).toMatchObject({ claimed: 1, retried: 1, sent: 0, paused: { reason: 'rate_limit_exceeded' } });

    const stored = await message('test:429');
    expect(stored).toMatchObject({ state: 'queued', attempts: 1 });
    expect(stored?.lastError).toMatch(/429 rate_limit_exceeded/);
    const due = stored!.nextAttemptAt!.getTime() - T0.getTime();
    expect(due).toBeGreaterThanOrEqual(2 * SECOND);
    expect(due).toBeLessThan(2 * SECOND + 500);

    // Within the Retry-After window nothing is sent, not even the other due message.
    expect(await dispatch(at(SECOND))).toMatchObject({ claimed: 0, paused: { reason: 'rate_limit_exceeded' } });
    expect(fake.requests).toHaveLength(1);

    expect(await dispatch(at(3 * SECOND))).toMatchObject({ sent: 2 });
    expect(fake.requestsFor('test:429')).toHaveLength(2);
    expect((await message('test:429'))?.state).toBe('sent');
  });

  test('500: retried with exponential backoff and the same key and payload', async () => {
    await queue('test:500');
    fake.failNext({ status: 500, name: 'internal_server_error' }, 2);
    await dispatch(T0);
    let stored = await message('test:500');
    expect(stored).toMatchObject({ state: 'queued', attempts: 1 });
    expect(stored!.nextAttemptAt!.getTime() - T0.getTime()).toBeGreaterThanOrEqual(30 * SECOND);

    // Not yet due: nothing happens.
    await dispatch(at(29 * SECOND));
    expect(fake.requests).toHaveLength(1);

    await dispatch(at(31 * SECOND));
    stored = await message('test:500');
    expect(stored).toMatchObject({ state: 'queued', attempts: 2 });
    // The second delay doubles.
    expect(stored!.nextAttemptAt!.getTime() - at(31 * SECOND).getTime()).toBeGreaterThanOrEqual(60 * SECOND);

    await dispatch(at(2 * MINUTE));
    expect((await message('test:500'))?.state).toBe('sent');
    const sent = fake.requestsFor('test:500');
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(fake.delivered).toHaveLength(1);
  });

  test('a network error (nothing listening) is retried', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    useResend(`http://127.0.0.1:${port}`);

    await queue('test:net');
    expect(await dispatch(T0)).toMatchObject({ retried: 1 });
    const stored = await message('test:net');
    expect(stored).toMatchObject({ state: 'queued', attempts: 1 });
    expect(stored?.lastError).toMatch(/^network/);

    useResend();
    await dispatch(at(MINUTE));
    expect((await message('test:net'))?.state).toBe('sent');
  });

  test('422 validation error: failed without retry', async () => {
    await queue('test:422');
    fake.failNext({ status: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    expect(await dispatch(T0)).toMatchObject({ failed: 1 });
    const stored = await message('test:422');
    expect(stored).toMatchObject({ state: 'failed', attempts: 1 });
    expect(stored?.lastError).toMatch(/422 validation_error: Invalid `to` field/);
    await dispatch(at(2 * 60 * MINUTE));
    expect(fake.requests).toHaveLength(1);
  });

  test('409 invalid_idempotent_request (key reused with another payload): failed without retry', async () => {
    // Someone already used this key with a different email at Resend.
    const sdk = new Resend('re_test_key', { baseUrl: fake.url });
    await sdk.emails.send({ from: 'x@example.com', to: 'y@example.com', subject: 'other', text: 'other' }, { idempotencyKey: 'test:409' });
    await queue('test:409');
    expect(await dispatch(T0)).toMatchObject({ failed: 1 });
    const stored = await message('test:409');
    expect(stored).toMatchObject({ state: 'failed' });
    expect(stored?.lastError).toMatch(/409 invalid_idempotent_request/);
    await dispatch(at(2 * 60 * MINUTE));
    expect(fake.requestsFor('test:409')).toHaveLength(2);
  });

  test('daily quota: sending pauses, messages stay queued with their retry budget, and resume later', async () => {
    await queue('test:q1', at(-2));
    await queue('test:q2', at(-1));
    fake.failNext({ status: 429, name: 'daily_quota_exceeded' });
    const result = await dispatch(T0);
    expect(result).toMatchObject({ claimed: 1, sent: 0, failed: 0, paused: { reason: 'daily_quota_exceeded' } });
    expect(Date.parse(result.paused!.until)).toBeGreaterThanOrEqual(at(60 * MINUTE).getTime());

    const first = await message('test:q1');
    expect(first).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });
    expect(first?.lastError).toMatch(/daily_quota_exceeded/);
    expect((await message('test:q2'))?.lastError).toBeUndefined();

    expect(await dispatch(at(30 * MINUTE))).toMatchObject({ claimed: 0, paused: { reason: 'daily_quota_exceeded' } });
    expect(fake.requests).toHaveLength(1);

    expect(await dispatch(at(61 * MINUTE))).toMatchObject({ sent: 2, paused: null });
  });

  test('the rate limit (EMAIL_RATE_PER_SECOND) is never exceeded, counted at the provider', async () => {
    process.env.EMAIL_RATE_PER_SECOND = '2';
    resetEnvCache();
    try {
      for (let i = 0; i < 7; i++) await queue(`test:rate:${i}`, at(-10 + i));
      const started = Date.now();
      // The process pacer (from the environment), across two dispatch cycles.
      const first = await dispatchDueEmails({ now: T0, owner: 'worker-a', limit: 4 });
      const second = await dispatchDueEmails({ now: at(10 * SECOND), owner: 'worker-a' });
      expect(first.sent + second.sent).toBe(7);
      const arrivals = fake.requests.map((r) => r.at);
      const busiestSecond = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u < t + 1000).length));
      expect(busiestSecond).toBe(2);
      // Not needlessly slow either: 7 requests at 2/s need a bit over 3 s (loose: machines are busy).
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      delete process.env.EMAIL_RATE_PER_SECOND;
      resetEnvCache();
    }
  });

  test('two dispatchers racing on one queue send each key exactly once', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `test:racing:${i}`);
    for (const key of keys) await queue(key);
    fake.setLatency(20);
    const [a, b] = await Promise.all([
      dispatchDueEmails({ now: T0, owner: 'worker-a', pacer: createPacer(100) }),
      dispatchDueEmails({ now: T0, owner: 'worker-b', pacer: createPacer(100) }),
    ]);
    expect(a.sent + b.sent).toBe(12);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
    for (const key of keys) expect(fake.requestsFor(key), key).toHaveLength(1);
    expect(fake.delivered).toHaveLength(12);
    expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(12);
  });

  test('a dispatcher whose lease expired mid-send cannot record it; the next one resends with the same key', async () => {
    await queue('test:slow');
    fake.setLatency(300);
    const slow = dispatch(T0, { owner: 'worker-slow', leaseMs: 50 });
    // Once the slow worker's request is in flight, a second worker comes along after its lease ended.
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const fast = dispatch(at(5 * SECOND), { owner: 'worker-fast' });
    const [slowResult, fastResult] = await Promise.all([slow, fast]);

    expect(slowResult).toMatchObject({ claimed: 1, leaseLost: 1 });
    expect(fastResult).toMatchObject({ claimed: 1, sent: 1, leaseLost: 0 });
    expect(fake.requestsFor('test:slow')).toHaveLength(2);
    expect(fake.delivered).toHaveLength(1);
    expect(await message('test:slow')).toMatchObject({ state: 'sent', providerId: fake.delivered[0].id, leaseOwner: null });
  });

  test('a message left in "sending" by a crashed worker is picked up after its lease expires', async () => {
    await queue('test:crash');
    await EmailMessage.updateOne({ idempotencyKey: 'test:crash' }, { $set: { state: 'sending', leaseOwner: 'dead', leaseExpiresAt: at(30 * SECOND), leaseGen: 0 } });
    expect(await dispatch(at(10 * SECOND))).toMatchObject({ claimed: 0 });
    expect(await dispatch(at(31 * SECOND))).toMatchObject({ claimed: 1, sent: 1 });
  });
});

describe('listOutbox and getOutboxMessage', () => {
  test('newest first, paginated, filtered by state, plain objects', async () => {
    for (let i = 0; i < 5; i++) await queue(`test:list:${i}`);
    useDemoMode();
    await queue('test:list:captured');
    const page1 = await listOutbox({ page: 1, perPage: 4 });
    expect(page1).toMatchObject({ total: 6, pageCount: 2, page: 1 });
    expect(page1.messages.map((m) => m.subject)).toEqual(['Hello test:list:captured', 'Hello test:list:4', 'Hello test:list:3', 'Hello test:list:2']);
    expect(typeof page1.messages[0].id).toBe('string');
    expect(page1.messages[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const page2 = await listOutbox({ page: 2, perPage: 4 });
    expect(page2.messages.map((m) => m.subject)).toEqual(['Hello test:list:1', 'Hello test:list:0']);
    const captured = await listOutbox({ page: 1, perPage: 4, state: 'captured' });
    expect(captured.messages.map((m) => m.state)).toEqual(['captured']);

    const one = await getOutboxMessage({ id: captured.messages[0].id });
    expect(one).toMatchObject({ idempotencyKey: 'test:list:captured', state: 'captured' });
    expect(one?.text).toContain('Hi Dana Whitfield,');
    expect(await getOutboxMessage({ id: '0123456789abcdef01234567' })).toBeNull();
  });
});
