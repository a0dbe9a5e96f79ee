import { beforeEach, describe, expect, test } from 'vitest';
import { EmailMessage } from '#models/email-message';
import { User } from '#models/user';
import { WebhookDelivery } from '#models/webhook-delivery';
import { WebhookEndpoint } from '#models/webhook-endpoint';
import { resetEnvCache } from '#app/env.server';
import { eventIdFor } from '#app/integrations/event-ids.server';
import { createEndpoint, dispatchDueWebhooks, forgetEndpoints, listDeliveries, saveSlackChannel, sendTestEvent, setEndpointEnabled } from '#app/integrations/webhooks.server';
import { reactionsTo, recorded } from '#app/platform/events.server';
import { WEBHOOK_EVENT_TYPES } from '#app/integrations/webhook-rules';
import { verifySignature } from '#app/utils/hmac-signature.server';
import { makeAccount, makeDeal, makeUser } from '#test/factories';
import { useFakeWebhookReceiver } from '#test/harness/fake-webhook-receiver';

// Outgoing webhooks against a local receiver: what a customer's endpoint sees (docs/webhooks.md).
const receiver = useFakeWebhookReceiver();
const SECOND = 1000;
const HOUR = 3600 * SECOND;

let admin: Awaited<ReturnType<typeof makeUser>>;
let dealId: string;
let accountName: string;

beforeEach(async () => {
  await Promise.all([WebhookEndpoint.deleteMany({}), WebhookDelivery.deleteMany({}), EmailMessage.deleteMany({})]);
  forgetEndpoints();
  admin = await makeUser({ role: 'admin' });
  const account = await makeAccount();
  accountName = account.name;
  dealId = (await makeDeal({ accountId: account.id, aeId: (await makeUser({ role: 'sales' })).id })).id;
});

const endpoint = (events: Parameters<typeof createEndpoint>[0]['events'] = ['deal.closed_won']) =>
  createEndpoint({ url: `${receiver.url}/hooks/kept`, description: 'Test receiver', events, actorId: admin.id });
const dispatch = (now: Date, owner = 'worker-a') => dispatchDueWebhooks({ now, owner });
const deliveryOf = async (endpointId: string) => (await WebhookDelivery.find({ endpointId }).lean())[0];

describe('a webhook delivery', () => {
  test('every event an endpoint may subscribe to has the reaction that queues its deliveries', () => {
    for (const type of WEBHOOK_EVENT_TYPES) expect(reactionsTo(type), type).toContain('integrations.webhooks');
  });

  test('is signed with the endpoint’s secret and carries a stable event id', async () => {
    const { id, secret } = await endpoint();
    const now = new Date();
    await recorded('deal.closed_won', { dealId, now });
    const result = await dispatch(now);
    expect(result).toMatchObject({ delivered: 1, retried: 0, failed: 0 });

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/kept');
    expect(request.headers['content-type']).toBe('application/json');
    // The receiver verifies with the same code Kept uses for its own incoming CRM webhook.
    expect(verifySignature({ header: request.headers['kept-signature'], body: request.body, secrets: [secret], now: new Date() })).toBe('ok');
    expect(verifySignature({ header: request.headers['kept-signature'], body: request.body, secrets: ['whsec_someone_else'], now: new Date() })).toBe('mismatch');
    const payload = JSON.parse(request.body);
    expect(payload).toMatchObject({
      type: 'deal.closed_won',
      createdAt: now.toISOString(),
      data: { dealId, account: { name: accountName }, url: `http://localhost:3000/deals/${dealId}` },
    });
    expect(payload.id).toBe(request.headers['kept-event-id']);
    expect(payload.id).toBe(eventIdFor('deal.closed_won', { dealId, now }));

    // The same event recorded again (a replay) is not delivered twice.
    await recorded('deal.closed_won', { dealId, now: new Date(now.getTime() + 5 * SECOND) });
    await dispatch(new Date(now.getTime() + 10 * SECOND));
    expect(receiver.requests).toHaveLength(1);
    expect(await WebhookDelivery.countDocuments({ endpointId: id })).toBe(1);
    const log = await listDeliveries({ endpointId: id, page: 1 });
    expect(log.deliveries[0]).toMatchObject({ eventType: 'deal.closed_won', state: 'delivered', attempts: 1, lastStatus: 200 });
  });

  test('goes only to endpoints subscribed to the event, and not to disabled ones', async () => {
    const journeys = await endpoint(['journey.live']);
    const off = await endpoint(['deal.closed_won']);
    await setEndpointEnabled({ endpointId: off.id, enabled: false });
    await recorded('deal.closed_won', { dealId, now: new Date() });
    expect(await WebhookDelivery.countDocuments({})).toBe(0);
    await recorded('journey.live', { dealId, now: new Date() });
    expect(await WebhookDelivery.countDocuments({ endpointId: journeys.id })).toBe(1);
  });

  test('a 500 is retried after the back-off, then delivered', async () => {
    const { id } = await endpoint();
    const t0 = new Date();
    await recorded('deal.closed_won', { dealId, now: t0 });
    receiver.answer({ status: 500 });
    expect(await dispatch(t0)).toMatchObject({ retried: 1 });
    const waiting = await deliveryOf(id);
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500 });
    expect(waiting.nextAttemptAt!.getTime() - t0.getTime()).toBeGreaterThanOrEqual(30 * SECOND);

    // Not before the back-off has passed.
    await dispatch(new Date(t0.getTime() + 20 * SECOND));
    expect(receiver.requests).toHaveLength(1);
    expect(await dispatch(new Date(t0.getTime() + 40 * SECOND))).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(2);
    // Both attempts carried the same event id and the same body.
    expect(receiver.requests[1].headers['kept-event-id']).toBe(receiver.requests[0].headers['kept-event-id']);
    expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
    expect(await deliveryOf(id)).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
  });

  test('Retry-After is honoured', async () => {
    const { id } = await endpoint();
    const t0 = new Date('2026-12-07T10:00:00Z');
    await recorded('deal.closed_won', { dealId, now: t0 });
    receiver.answer({ status: 429, headers: { 'Retry-After': '600' } });
    await dispatch(t0);
    const waiting = await deliveryOf(id);
    expect(waiting.nextAttemptAt!.getTime() - t0.getTime()).toBeGreaterThanOrEqual(600 * SECOND);
    // The back-off alone would have retried after 30 s; the receiver asked for ten minutes.
    await dispatch(new Date(t0.getTime() + 5 * 60 * SECOND));
    expect(receiver.requests).toHaveLength(1);
    await dispatch(new Date(t0.getTime() + 11 * 60 * SECOND));
    expect(receiver.requests).toHaveLength(2);
    expect(await deliveryOf(id)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  test('a 400 fails at once and is not retried', async () => {
    const { id } = await endpoint();
    const t0 = new Date();
    await recorded('deal.closed_won', { dealId, now: t0 });
    receiver.answer({ status: 400 });
    expect(await dispatch(t0)).toMatchObject({ failed: 1 });
    await dispatch(new Date(t0.getTime() + 2 * HOUR));
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveryOf(id)).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 400, lastError: 'HTTP 400' });
  });

  test('two workers racing deliver it exactly once', async () => {
    const { id } = await endpoint();
    const now = new Date();
    await recorded('deal.closed_won', { dealId, now });
    receiver.answerAlways({ status: 200, delayMs: 200 });
    const results = await Promise.all([dispatch(now, 'worker-a'), dispatch(now, 'worker-b'), dispatch(now, 'worker-c')]);
    expect(results.reduce((n, r) => n + r.delivered, 0)).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveryOf(id)).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  test('an endpoint failing for a day is disabled and every admin is emailed once', async () => {
    const { id } = await endpoint(['deal.closed_won', 'journey.live']);
    receiver.answerAlways({ status: 503 });
    const t0 = new Date('2026-12-06T08:00:00Z');
    await recorded('deal.closed_won', { dealId, now: t0 });
    for (let hour = 0; hour <= 26; hour++) await dispatch(new Date(t0.getTime() + hour * HOUR + SECOND));

    const off = await WebhookEndpoint.findById(id).lean();
    expect(off).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(off!.failingSince!.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    const delivery = await deliveryOf(id);
    expect(delivery.state).toBe('failed');
    expect(delivery.attempts).toBeGreaterThan(5);
    const emails = await EmailMessage.find({ template: 'webhook-endpoint-disabled' }).lean();
    // One each: every active admin of this database (earlier tests of the file made some too).
    const admins = await User.find({ role: 'admin', active: true }).select('email').lean();
    expect(emails.map((e) => e.to).sort()).toEqual(admins.map((a) => a.email).sort());
    expect(emails.map((e) => e.to)).toContain(admin.email);
    expect(emails[0].subject).toContain('/hooks/kept');

    // Disabled: new events are not queued for it, nothing more is sent, and no second email.
    const sent = receiver.requests.length;
    await recorded('journey.live', { dealId, now: new Date(t0.getTime() + 27 * HOUR) });
    await dispatch(new Date(t0.getTime() + 30 * HOUR));
    expect(receiver.requests).toHaveLength(sent);
    expect(await WebhookDelivery.countDocuments({ endpointId: id })).toBe(1);
    expect(await EmailMessage.countDocuments({ template: 'webhook-endpoint-disabled' })).toBe(admins.length);
  });

  test('a test event is signed and marked as a test', async () => {
    const { id, secret } = await endpoint();
    const queued = await sendTestEvent({ endpointId: id });
    expect(queued.ok).toBe(true);
    await dispatch(new Date());
    const [request] = receiver.requests;
    expect(verifySignature({ header: request.headers['kept-signature'], body: request.body, secrets: [secret], now: new Date() })).toBe('ok');
    expect(JSON.parse(request.body)).toMatchObject({ type: 'kept.test', data: { test: true } });
  });
});

describe('Slack', () => {
  test('a team’s channel gets its events as blocks with a link back to Kept, unsigned', async () => {
    await saveSlackChannel({ team: 'sales', url: `${receiver.url}/services/T000/B000/secretpart`, events: ['deal.closed_won'], actorId: admin.id });
    await recorded('deal.closed_won', { dealId, now: new Date() });
    expect(await dispatch(new Date())).toMatchObject({ delivered: 1 });
    const [request] = receiver.requests;
    expect(request.path).toBe('/services/T000/B000/secretpart');
    expect(request.headers['kept-signature']).toBeUndefined();
    const message = JSON.parse(request.body);
    expect(message.text).toMatch(/^Closed won: Deal /);
    expect(message.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'actions']);
    expect(message.blocks[0].text).toMatchObject({ type: 'plain_text', text: message.text });
    expect(message.blocks[1].fields.map((f: { text: string }) => f.text)).toEqual([`*Account*\n${accountName}`, expect.stringMatching(/^\*Deal\*\nDeal /), '*ARR*\n$50,000']);
    expect(message.blocks[2].elements[0]).toMatchObject({ type: 'button', url: `http://localhost:3000/deals/${dealId}` });
  });
});

describe('in production (SSRF)', () => {
  test('Kept refuses to send to loopback, by address or by a name resolving to it', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    resetEnvCache();
    try {
      const byAddress = await WebhookEndpoint.create({ kind: 'webhook', url: `https://127.0.0.1:${receiver.port}/x`, events: ['deal.closed_won'], secret: 's', enabled: true });
      const byName = await WebhookEndpoint.create({ kind: 'webhook', url: `https://localhost:${receiver.port}/x`, events: ['deal.closed_won'], secret: 's', enabled: true });
      const mapped = await WebhookEndpoint.create({
        kind: 'webhook',
        url: `https://[::ffff:127.0.0.1]:${receiver.port}/x`,
        events: ['deal.closed_won'],
        secret: 's',
        enabled: true,
      });
      forgetEndpoints();
      await recorded('deal.closed_won', { dealId, now: new Date() });
      expect(await dispatch(new Date())).toMatchObject({ failed: 3 });
      expect(receiver.requests).toHaveLength(0);
      for (const e of [byAddress, byName, mapped]) {
        const d = await deliveryOf(String(e._id));
        expect(d).toMatchObject({ state: 'failed', attempts: 1 });
        expect(d.lastError).toMatch(/Refused: .* is a loopback address/);
      }
    } finally {
      process.env.NODE_ENV = previous;
      resetEnvCache();
    }
  });
});
