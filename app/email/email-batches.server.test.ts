import { createElement } from 'react';
import { beforeEach, describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { createPacer, dispatchDueEmails, getOutboxMessage, resetEmailDispatcher, sealEmailBatch, sendEmail, sendEmails, settleBatchMembers } from '#app/email/email.server';
import { EmailBatch } from '#models/email-batch';
import { EmailMessage } from '#models/email-message';
import { PreviewProps, UserInvitationEmail } from '#emails/user-invitation';
import { useFakeResend } from '#test/harness/fake-resend';

// Batch sends (resend.batch.send -> POST /emails/batch) through the real SDK against the fake.
const fake = useFakeResend({ send: true });
const T0 = new Date('2026-05-04T08:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const queue = (key: string, batchKey?: string, now = T0) =>
  sendEmail({
    key,
    template: 'user-invitation',
    to: `${key.replace(/\W/g, '-')}@example.com`,
    subject: `Hello ${key}`,
    react: createElement(UserInvitationEmail, PreviewProps),
    meta: { entityType: 'test', entityId: key.replace(/\W/g, '-') },
    batchKey,
    now,
  });
const queueBatch = async (batchKey: string, size: number, now = T0) => {
  for (let i = 0; i < size; i++) await queue(`${batchKey}:m${i}`, batchKey, now);
};
const dispatch = (now: Date, extra: Partial<Parameters<typeof dispatchDueEmails>[0]> = {}) => dispatchDueEmails({ now, owner: 'worker-a', pacer: createPacer(100), ...extra });
const batchRequests = () => fake.requests.filter((r) => r.path === '/emails/batch');
/** One outbox entry as the admin outbox shows it (a member not settled yet reads its batch). */
const outboxOf = async (key: string) => getOutboxMessage({ id: String((await EmailMessage.findOne({ idempotencyKey: key }).select('_id').lean())!._id) });

beforeEach(async () => {
  await Promise.all([EmailMessage.deleteMany({}), EmailBatch.deleteMany({})]);
});

describe('batch sends', () => {
  test('a sealed batch leaves as one request with its own key; the Resend id of each member is kept', async () => {
    await queueBatch('b1', 3);
    await queue('single');
    expect(await sealEmailBatch({ batchKey: 'b1', now: T0 })).toEqual({ sealed: true, size: 3 });
    // Sealing again (or concurrently) keeps the first membership.
    expect(await sealEmailBatch({ batchKey: 'b1', now: T0 })).toEqual({ sealed: true, size: 3 });

    const result = await dispatch(T0);
    expect(result).toMatchObject({ batches: 1, claimed: 4, sent: 4, failed: 0 });
    expect(fake.requests.map((r) => [r.path, r.idempotencyKey])).toEqual([
      ['/emails/batch', 'batch:b1'],
      ['/emails', 'single'],
    ]);
    const [request] = batchRequests();
    expect(request.headers['x-batch-validation']).toBe('strict');
    expect((request.body as Array<{ to: string }>).map((e) => e.to)).toEqual(['b1-m0@example.com', 'b1-m1@example.com', 'b1-m2@example.com']);
    expect((request.body as Array<{ tags: unknown }>)[0].tags).toEqual([
      { name: 'template', value: 'user-invitation' },
      { name: 'entityType', value: 'test' },
      { name: 'entityId', value: 'b1-m0' },
    ]);

    const members = await EmailMessage.find({ batchKey: 'b1' }).sort({ _id: 1 }).lean();
    // The send wrote the batch only; the outbox shows each member as its batch...
    expect(members.map((m) => m.state)).toEqual(['queued', 'queued', 'queued']);
    expect((await Promise.all(members.map((m) => getOutboxMessage({ id: String(m._id) })))).map((m) => [m?.state, m?.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    // ...until the settle task writes it onto them (once).
    expect(await settleBatchMembers({ now: T0 })).toMatchObject({ batches: 1, members: 3 });
    expect(await settleBatchMembers({ now: T0 })).toMatchObject({ batches: 0, members: 0 });
    expect((await EmailMessage.find({ batchKey: 'b1' }).sort({ _id: 1 }).lean()).map((m) => [m.state, m.attempts, m.sentAt?.getTime()])).toEqual(
      members.map(() => ['sent', 1, expect.any(Number)]),
    );
    // Resend's ids are kept on the batch, aligned with its members; the outbox shows each member's.
    const batch = await EmailBatch.findById('b1').lean();
    expect(batch).toMatchObject({ state: 'sent', attempts: 1, leaseOwner: null, providerIds: fake.delivered.slice(0, 3).map((d) => d.id) });
    expect(batch!.messageIds.map(String)).toEqual(members.map((m) => String(m._id)));
    expect((await getOutboxMessage({ id: String(members[1]._id) }))?.providerId).toBe(fake.delivered[1].id);

    // Nothing is sent twice by later cycles.
    await dispatch(at(MINUTE));
    expect(fake.requests).toHaveLength(2);
  });

  test('an unsealed batch waits for its producer; a 500 is retried byte-identical under the same key', async () => {
    await queueBatch('b2', 2);
    expect(await dispatch(T0)).toMatchObject({ claimed: 0 });
    await sealEmailBatch({ batchKey: 'b2', now: T0 });

    fake.failNext({ status: 500, name: 'internal_server_error' });
    expect(await dispatch(T0)).toMatchObject({ batches: 1, retried: 2 });
    const waiting = await EmailBatch.findById('b2').lean();
    expect(waiting).toMatchObject({ state: 'queued', attempts: 1 });
    expect(waiting!.nextAttemptAt.getTime() - T0.getTime()).toBeGreaterThanOrEqual(30 * SECOND);
    expect(await outboxOf('b2:m0')).toMatchObject({ state: 'queued', attempts: 1, lastError: expect.stringMatching(/500/) });

    expect(await dispatch(at(31 * SECOND))).toMatchObject({ batches: 1, sent: 2 });
    const sent = batchRequests();
    expect(sent.map((r) => r.idempotencyKey)).toEqual(['batch:b2', 'batch:b2']);
    expect(JSON.stringify(sent[0].body)).toBe(JSON.stringify(sent[1].body));
    expect(fake.delivered).toHaveLength(2);
  });

  test('429 with Retry-After pauses the dispatcher; 422 fails every member without retry', async () => {
    await queueBatch('b3', 2);
    await sealEmailBatch({ batchKey: 'b3', now: T0 });
    fake.failNext({ status: 429, name: 'rate_limit_exceeded', retryAfter: 2 });
    expect(await dispatch(T0)).toMatchObject({ retried: 2, paused: { reason: 'rate_limit_exceeded' } });
    expect(await dispatch(at(SECOND))).toMatchObject({ claimed: 0 });

    fake.failNext({ status: 422, name: 'validation_error', message: 'Invalid `to` field.' });
    expect(await dispatch(at(3 * SECOND))).toMatchObject({ failed: 2 });
    const members = await Promise.all(['b3:m0', 'b3:m1'].map(outboxOf));
    expect(members.map((m) => m?.state)).toEqual(['failed', 'failed']);
    expect(members[0]?.lastError).toMatch(/422 validation_error/);
    await settleBatchMembers({ now: T0 });
    expect((await EmailMessage.find({ batchKey: 'b3' }).lean()).map((m) => [m.state, m.lastError])).toEqual([
      ['failed', expect.stringMatching(/422/)],
      ['failed', expect.stringMatching(/422/)],
    ]);
    await dispatch(at(2 * 60 * MINUTE));
    expect(batchRequests()).toHaveLength(2);
  });

  test('a batch key already used with another payload (409) fails without retry', async () => {
    await queueBatch('b4', 1);
    await sealEmailBatch({ batchKey: 'b4', now: T0 });
    fake.failNext({ status: 409, name: 'invalid_idempotent_request' });
    expect(await dispatch(T0)).toMatchObject({ failed: 1 });
    expect(await EmailBatch.findById('b4').lean()).toMatchObject({ state: 'failed' });
    expect((await outboxOf('b4:m0'))?.lastError).toMatch(/409 invalid_idempotent_request/);
  });

  test('a dispatcher that lost the batch lease mid-send: the next one resends the same batch, delivered once', async () => {
    await queueBatch('b5', 3);
    await sealEmailBatch({ batchKey: 'b5', now: T0 });
    fake.setLatency(300);
    const slow = dispatch(T0, { owner: 'worker-slow', leaseMs: 50 });
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const fast = dispatch(at(5 * SECOND), { owner: 'worker-fast' });
    const [slowResult, fastResult] = await Promise.all([slow, fast]);
    expect(slowResult).toMatchObject({ batches: 1, leaseLost: 1 });
    expect(fastResult).toMatchObject({ batches: 1, sent: 3, leaseLost: 0 });
    expect(batchRequests().map((r) => r.idempotencyKey)).toEqual(['batch:b5', 'batch:b5']);
    expect(fake.delivered).toHaveLength(3);
    expect((await EmailBatch.findById('b5').lean())?.providerIds).toEqual(fake.delivered.map((d) => d.id));
    await settleBatchMembers({ now: T0 });
    expect(await EmailMessage.countDocuments({ batchKey: 'b5', state: 'sent' })).toBe(3);
  });

  test('a batch whose producer died unsealed is sealed by the sweep; a message queued after sealing goes alone', async () => {
    await queueBatch('orphan', 2);
    await queueBatch('sealed', 1);
    await sealEmailBatch({ batchKey: 'sealed', now: T0 });
    await queue('sealed:late', 'sealed');
    // Within the grace period nothing happens to either.
    await dispatch(at(MINUTE));
    expect(batchRequests().map((r) => r.idempotencyKey)).toEqual(['batch:sealed']);
    expect(fake.requestsFor('sealed:late')).toHaveLength(0);

    resetEmailDispatcher();
    const result = await dispatch(at(6 * MINUTE));
    expect(result).toMatchObject({ batches: 1, sent: 3 });
    expect(batchRequests().map((r) => r.idempotencyKey)).toEqual(['batch:sealed', 'batch:orphan']);
    expect(fake.requestsFor('sealed:late')).toHaveLength(1);
    await settleBatchMembers({ now: T0 });
    expect(await EmailMessage.countDocuments({ state: 'sent' })).toBe(4);
  });

  test('sendEmails records a chunk with one insert; keys recorded before (or by a racer) come back as duplicates', async () => {
    await queue('c:1');
    const inputs = ['c:0', 'c:1', 'c:2'].map((key) => ({
      key,
      template: 'user-invitation',
      to: 'x@example.com',
      subject: key,
      react: createElement(UserInvitationEmail, PreviewProps),
      batchKey: 'chunk',
      now: T0,
    }));
    const [first, again] = await Promise.all([sendEmails(inputs), sendEmails(inputs)]);
    expect(await EmailMessage.countDocuments({})).toBe(3);
    expect(first[1]).toMatchObject({ ok: true, duplicate: true });
    for (const i of [0, 2]) {
      expect([first[i], again[i]].filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
      expect(first[i].ok && again[i].ok && first[i].id === again[i].id).toBe(true);
    }
    // Either racer may have stored c:0 and c:2 (when the other stored both, `first` has no members of its own).
    const members = [...first, ...again].flatMap((r) => (r.ok && !r.duplicate ? [r.id] : []));
    expect(members).toHaveLength(2);
    expect(await sealEmailBatch({ batchKey: 'chunk', now: T0, messageIds: members })).toEqual({ sealed: true, size: members.length });
  });

  test('demo mode captures batch members; there is nothing to seal', async () => {
    delete process.env.RESEND_API_KEY;
    resetEnvCache();
    try {
      await queueBatch('demo', 2);
      expect(await sealEmailBatch({ batchKey: 'demo', now: T0 })).toEqual({ sealed: false, size: 0 });
    } finally {
      process.env.RESEND_API_KEY = 're_test_key';
      resetEnvCache();
    }
  });
});
