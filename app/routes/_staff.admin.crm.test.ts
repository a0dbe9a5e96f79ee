import { beforeEach, describe, expect, it } from 'vitest';
import { CrmConnection } from '#models/crm-connection';
import { forgetConnection } from '#app/crm/crm.server';
import { formRequest, makeUser, requestAs } from '#test/factories';
import { action, loader } from './_staff.admin.crm';

type Body = { ok: boolean; message?: string; errors?: Record<string, string[]>; values?: Record<string, string> };
const ctx = { nonce: '', clientIp: '10.6.0.2' };

async function post(user: Awaited<ReturnType<typeof makeUser>>, fields: Record<string, string>) {
  try {
    const result = (await action({ request: await formRequest(user, '/admin/crm', fields), params: {}, context: ctx })) as unknown as { data: Body; init?: { status?: number } };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null };
  }
}

beforeEach(async () => {
  await CrmConnection.deleteMany({});
  forgetConnection();
});

describe('/admin/crm', () => {
  it('connects Salesforce; the secret never comes back to the page, not even from a refused form', async () => {
    const admin = await makeUser({ role: 'admin' });
    const refused = await post(admin, {
      intent: 'connect',
      provider: 'salesforce',
      salesforceLoginUrl: 'https://acme.my.salesforce.com/path',
      salesforceClientId: 'key-1',
      salesforceClientSecret: 'S3CRET-abcd',
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errors?.salesforceLoginUrl?.[0]).toMatch(/without a path/);
    expect(refused.body?.values).toMatchObject({ salesforceLoginUrl: 'https://acme.my.salesforce.com/path', salesforceClientId: 'key-1' });
    expect(JSON.stringify(refused.body)).not.toContain('S3CRET');

    const saved = await post(admin, {
      intent: 'connect',
      provider: 'salesforce',
      salesforceLoginUrl: 'https://acme.my.salesforce.com',
      salesforceClientId: 'key-1',
      salesforceClientSecret: 'S3CRET-abcd',
    });
    expect(saved).toMatchObject({ status: 200, body: { ok: true } });
    const page = await loader({ request: await requestAs(admin, '/admin/crm'), params: {}, context: ctx });
    expect(JSON.stringify(page)).not.toContain('S3CRET');
    expect(page.connection).toMatchObject({ provider: 'salesforce', salesforceClientSecret: '••••abcd', mapping: { stage: 'Kept_Post_Sale_Stage__c' } });
  });

  it('refuses a property name a CRM would not take, next to its field', async () => {
    const admin = await makeUser({ role: 'admin' });
    await post(admin, { intent: 'connect', provider: 'hubspot', hubspotToken: 'pat-na1-0000' });
    const res = await post(admin, { intent: 'mapping', 'map.stage': 'post sale stage!', 'map.goLiveDate': 'kept_go_live' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body?.errors ?? {})).toEqual(['map.stage']);
    expect(res.body?.values).toMatchObject({ 'map.stage': 'post sale stage!' });
  });

  it('is for admins only', async () => {
    for (const role of ['cs', 'sales', 'marketing', 'leadership'] as const) {
      const user = await makeUser({ role });
      expect((await post(user, { intent: 'pause' })).status, role).toBe(403);
    }
  });
});
