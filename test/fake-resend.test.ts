import { Resend } from 'resend';
import { beforeAll, describe, expect, test } from 'vitest';
import { useFakeResend } from '#test/harness/fake-resend';

// The fake is what every email test trusts, so its Resend-like behaviour is checked through the SDK.
const fake = useFakeResend();
let sdk: Resend;
const email = (n: number) => ({ from: 'Kept <kept@example.com>', to: `p${n}@example.com`, subject: `S${n}`, text: `T${n}` });

beforeAll(() => {
  sdk = new Resend('re_test', { baseUrl: fake.url });
});

describe('fake Resend', () => {
  test('records single sends; a replayed idempotency key returns the same id without a second delivery', async () => {
    const first = await sdk.emails.send(email(1), { idempotencyKey: 'k1' });
    const replay = await sdk.emails.send(email(1), { idempotencyKey: 'k1' });
    expect(first.data?.id).toBeTruthy();
    expect(replay.data?.id).toBe(first.data?.id);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/emails', idempotencyKey: 'k1', status: 200 });
    expect(fake.delivered).toHaveLength(1);
  });

  test('the same key with another payload is 409 invalid_idempotent_request', async () => {
    await sdk.emails.send(email(1), { idempotencyKey: 'k2' });
    const other = await sdk.emails.send(email(2), { idempotencyKey: 'k2' });
    expect(other.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
  });

  test('batch sends deliver each email, idempotently', async () => {
    const batch = await sdk.batch.send([email(1), email(2)], { idempotencyKey: 'b1' });
    expect(batch.data?.data).toHaveLength(2);
    const replay = await sdk.batch.send([email(1), email(2)], { idempotencyKey: 'b1' });
    expect(replay.data?.data).toEqual(batch.data?.data);
    expect(fake.requests.map((r) => r.path)).toEqual(['/emails/batch', '/emails/batch']);
    expect(fake.delivered.map((d) => d.body.to)).toEqual(['p1@example.com', 'p2@example.com']);
  });

  test('failNext answers the next N requests with a Resend-style error and Retry-After', async () => {
    fake.failNext({ status: 429, name: 'rate_limit_exceeded', retryAfter: 3 }, 2);
    const a = await sdk.emails.send(email(1));
    const b = await sdk.emails.send(email(1));
    const c = await sdk.emails.send(email(1));
    expect(a.error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(a.headers?.['retry-after']).toBe('3');
    expect(b.error?.name).toBe('rate_limit_exceeded');
    expect(c.error).toBeNull();
    expect(fake.delivered).toHaveLength(1);
  });

  test('rejects a send without a subject with 422 validation_error', async () => {
    const result = await sdk.emails.send({ ...email(1), subject: '' });
    expect(result.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(fake.delivered).toHaveLength(0);
  });
});
