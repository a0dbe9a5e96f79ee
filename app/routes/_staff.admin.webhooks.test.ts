import { describe, expect, it } from 'vitest';
import { WebhookEndpoint } from '#models/webhook-endpoint';
import { formRequest, makeUser, requestAs } from '#test/factories';
import { action, loader } from './_staff.admin.webhooks';
import { action as slackAction } from './_staff.admin.slack';

type Body = { ok: boolean; message?: string; secret?: string; endpointId?: string; errors?: Record<string, string[]>; values?: Record<string, string> };
const ctx = { nonce: '', clientIp: '10.6.0.1' };

async function post(run: typeof action, path: string, user: Awaited<ReturnType<typeof makeUser>>, fields: Record<string, string>) {
  try {
    const result = (await run({ request: await formRequest(user, path, fields), params: {}, context: ctx })) as unknown as { data: Body; init?: { status?: number } };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null };
  }
}

describe('/admin/webhooks', () => {
  it('registers an endpoint and shows its secret once', async () => {
    const admin = await makeUser({ role: 'admin' });
    const res = await post(action, '/admin/webhooks', admin, {
      intent: 'create',
      url: 'http://127.0.0.1:9/hooks',
      description: 'Data warehouse',
      'event:deal.closed_won': 'on',
      'event:journey.live': 'on',
    });
    expect(res.status).toBe(200);
    expect(res.body?.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const stored = await WebhookEndpoint.findById(res.body!.endpointId).lean();
    expect(stored).toMatchObject({ kind: 'webhook', url: 'http://127.0.0.1:9/hooks', events: ['deal.closed_won', 'journey.live'], enabled: true, secret: res.body!.secret });

    // The page never shows it again.
    const page = await loader({ request: await requestAs(admin, `/admin/webhooks?endpoint=${res.body!.endpointId}`), params: {}, context: ctx });
    expect(JSON.stringify(page)).not.toContain(res.body!.secret!);
    expect(page.selected).toMatchObject({ id: res.body!.endpointId, events: ['deal.closed_won', 'journey.live'] });
  });

  it('refuses a bad URL and no events next to the fields, keeping what was typed', async () => {
    const admin = await makeUser({ role: 'admin' });
    const res = await post(action, '/admin/webhooks', admin, { intent: 'create', url: 'not a url', description: 'kept text' });
    expect(res.status).toBe(400);
    expect(res.body?.errors?.url?.[0]).toMatch(/full URL/);
    expect(res.body?.errors?.events).toEqual(['Choose at least one event.']);
    expect(res.body?.values).toMatchObject({ url: 'not a url', description: 'kept text' });
  });

  it('deletes only with the confirmation ticked', async () => {
    const admin = await makeUser({ role: 'admin' });
    const created = await post(action, '/admin/webhooks', admin, { intent: 'create', url: 'http://127.0.0.1:9/x', 'event:referral.won': 'on' });
    const endpointId = created.body!.endpointId!;
    const refused = await post(action, '/admin/webhooks', admin, { intent: 'delete', endpointId });
    expect(refused.status).toBe(400);
    expect(refused.body?.errors?.confirm?.[0]).toMatch(/Tick the box/);
    expect(await WebhookEndpoint.countDocuments({ _id: endpointId })).toBe(1);
    const deleted = await post(action, '/admin/webhooks', admin, { intent: 'delete', endpointId, confirm: 'yes' });
    expect(deleted.body?.ok).toBe(true);
    expect(await WebhookEndpoint.countDocuments({ _id: endpointId })).toBe(0);
  });

  it('is for admins only', async () => {
    for (const role of ['cs', 'sales', 'leadership', 'marketing'] as const) {
      const user = await makeUser({ role });
      const res = await post(action, '/admin/webhooks', user, { intent: 'create', url: 'http://127.0.0.1:9/x', 'event:referral.won': 'on' });
      expect(res.status, role).toBe(403);
    }
  });
});

describe('/admin/slack', () => {
  it('saves a team’s channel, and keeps the saved URL when the field is left empty', async () => {
    const admin = await makeUser({ role: 'admin' });
    const saved = await post(slackAction as typeof action, '/admin/slack', admin, {
      intent: 'save',
      team: 'marketing',
      url: 'http://127.0.0.1:9/services/T/B/x',
      'event:advocate.candidate': 'on',
    });
    expect(saved.body?.ok).toBe(true);
    const again = await post(slackAction as typeof action, '/admin/slack', admin, { intent: 'save', team: 'marketing', url: '', 'event:referral.won': 'on' });
    expect(again.body?.ok).toBe(true);
    expect(await WebhookEndpoint.findOne({ kind: 'slack', team: 'marketing' }).lean()).toMatchObject({ url: 'http://127.0.0.1:9/services/T/B/x', events: ['referral.won'] });
    // A team without a channel needs a URL first.
    const none = await post(slackAction as typeof action, '/admin/slack', admin, { intent: 'save', team: 'leadership', url: '', 'event:journey.live': 'on' });
    expect(none.status).toBe(400);
    expect(none.body?.errors?.url?.[0]).toMatch(/incoming-webhook URL/);
  });
});
