import { describe, expect, it } from 'vitest';
import { Playbook } from '#models/playbook';
import { ensureDefaultPlaybook } from '#app/journeys/playbook.server';
import { formRequest, makeUser } from '#test/factories';
import { action } from './_staff.admin.playbook';

type Body = { ok: boolean; message?: string; errors?: Record<string, string[]>; flags?: Record<string, string[]> };
const ctx = { nonce: '', clientIp: '10.6.0.1' };

async function post(user: Awaited<ReturnType<typeof makeUser>>, fields: Record<string, string>) {
  try {
    const result = (await action({ request: await formRequest(user, '/admin/playbook', fields), params: {}, context: ctx })) as unknown as
      { data: Body; init?: { status?: number } } | Response;
    if (result instanceof Response) return { status: result.status, body: null, location: result.headers.get('Location') };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null };
  }
}

const base = (version: number) => ({
  intent: 'publish',
  baseVersion: String(version),
  'stages.0.key': 'handoff',
  'stages.0.name': 'Handoff',
  'stages.0.slaDays': '5',
  'stages.0.criteria.0.key': 'kickoff-confirmed',
  'stages.0.criteria.0.text': 'The buyer confirmed the kickoff date',
  'stages.0.criteria.0.buyerAction': 'Confirms the kickoff date',
  'stages.0.criteria.0.evidenceType': 'buyer_confirmation',
  'stages.0.criteria.0.required': 'on',
  'terminal.name': 'Live',
});

describe('playbook editor', () => {
  it('refuses a stage without criteria, names the field, and publishes nothing', async () => {
    await ensureDefaultPlaybook();
    const admin = await makeUser({ role: 'admin' });
    const res = await post(admin, { ...base(1), 'stages.1.name': 'Adoption', 'stages.1.slaDays': '30' });
    expect(res.status).toBe(400);
    expect(res.body!.errors!['stages.1.criteria']?.[0]).toMatch(/at least one exit criterion/);
    expect(await Playbook.countDocuments()).toBe(1);
  });

  it('flags criteria that are not buyer-centric or not inspectable, and publishes a new version', async () => {
    const admin = await makeUser({ role: 'admin' });
    const version = (await Playbook.findOne().sort({ version: -1 }).lean())!.version;
    const res = await post(admin, {
      ...base(version),
      'stages.0.criteria.1.text': 'We gave a great demo of the product',
      'stages.0.criteria.1.required': 'on',
      'stages.0.criteria.1.evidenceType': '',
      note: 'Shorter handoff',
    });
    expect(res.status).toBe(200);
    expect(res.body!.message).toMatch(new RegExp(`Version ${version + 1} published`));
    expect(res.body!.message).toMatch(/2 remark/);
    const stored = await Playbook.findOne({ version: version + 1 }).lean();
    expect(stored!.stages.map((s) => s.key)).toEqual(['handoff', 'live']);
    expect(stored!.stages[0].criteria.map((c) => c.key)).toEqual(['kickoff-confirmed', 'we-gave-a-great-demo-of-the-prod']);
    // Publishing again from the old base version is refused instead of overwriting.
    expect((await post(admin, base(version))).status).toBe(409);
  });

  it('creates a playbook for a segment, then refuses a second claim on that segment next to the segments', async () => {
    const admin = await makeUser({ role: 'admin' });
    const created = await post(admin, { intent: 'create', name: 'SMB quick start', 'segment.smb': 'on', copyFrom: 'default' });
    expect(created).toMatchObject({ status: 302, location: '/admin/playbook?playbook=smb-quick-start&created=1' });
    expect(await Playbook.countDocuments({ playbookKey: 'smb-quick-start' })).toBe(1);
    const refused = await post(admin, { intent: 'create', name: 'SMB pilot', 'segment.smb': 'on', copyFrom: 'default' });
    expect(refused.status).toBe(400);
    expect(refused.body!.errors!.segments?.[0]).toMatch(/SMB is already served by “SMB quick start”/);
    const blank = await post(admin, { intent: 'create', name: ' ', copyFrom: 'default' });
    expect(blank.body!.errors!.name?.[0]).toMatch(/Name the playbook/);
    const renamed = await post(admin, { intent: 'profile', playbook: 'smb-quick-start', name: 'Small business quick start', 'segment.smb': 'on', 'segment.mid-market': 'on' });
    expect(renamed.status).toBe(200);
    expect(renamed.body!.message).toMatch(/New journeys in SMB, Mid-market start on “Small business quick start”/);
  });

  it('moves journeys to another version only once the admin ticked that it cannot be undone', async () => {
    const admin = await makeUser({ role: 'admin' });
    const refused = await post(admin, { intent: 'migrate', fromVersion: '1' });
    expect(refused.status).toBe(400);
    expect(refused.body!.errors!.confirm?.[0]).toMatch(/cannot be moved back/);
    expect((await post(admin, { intent: 'migrate', fromVersion: '1', confirm: 'yes' })).status).toBe(200);
  });

  it('only admins may edit it', async () => {
    for (const role of ['cs', 'leadership', 'sales'] as const) expect((await post(await makeUser({ role }), base(1))).status).toBe(403);
  });
});
