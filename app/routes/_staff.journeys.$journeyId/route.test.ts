import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { Journey } from '#models/journey';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser, requestAs } from '#test/factories';
import { action, loader } from './route';

type Body = { intent: string; form?: string; ok: boolean; message?: string; missing?: { key: string; text: string }[]; errors?: Record<string, string[]> };
const ctx = { nonce: '', clientIp: '10.9.0.1' };

async function post(user: Awaited<ReturnType<typeof makeUser>> | null, journeyId: string, fields: Record<string, string>) {
  const request = await formRequest(user, `/journeys/${journeyId}`, fields);
  try {
    const result = (await action({ request, params: { journeyId }, context: ctx })) as unknown as { data: Body; init?: { status?: number } };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null };
  }
}

async function setup() {
  const cs = await makeUser({ role: 'cs' });
  const admin = await makeUser({ role: 'admin' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: cs.id });
  await makeContact(account.id);
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: new Date() });
  return { cs, admin, rep, journeyId };
}

describe('journey page action', () => {
  it('a direct POST that tries to skip the gate gets 409 naming the missing criteria; nothing moves', async () => {
    const { cs, journeyId } = await setup();
    const res = await post(cs, journeyId, { intent: 'advance', fromStage: 'handoff' });
    expect(res.status).toBe(409);
    expect(res.body!.missing!.map((m) => m.text)).toEqual([
      'CS accepted the handoff',
      'The buyer attended the handoff call with the implementation team',
      'The buyer confirmed the kickoff date and the recorded promises',
    ]);
    expect(res.body!.message).toMatch(/cannot be left yet/);
    // An override reason from a non-admin is not a way around it.
    expect((await post(cs, journeyId, { intent: 'advance', fromStage: 'handoff', overrideReason: 'I am sure the buyer agreed' })).status).toBe(403);
    expect((await Journey.findById(journeyId).lean())!.stage).toBe('handoff');
  });

  it('an admin override with a reason moves the journey and is audited', async () => {
    const { admin, journeyId } = await setup();
    const res = await post(admin, journeyId, { intent: 'advance', fromStage: 'handoff', overrideReason: 'Kickoff confirmed on a call with the CFO' });
    expect(res.status).toBe(200);
    expect(res.body!.message).toMatch(/override/);
    expect(await AuditEvent.countDocuments({ entityId: journeyId, action: 'journey.stage_overridden', actorId: admin.id })).toBe(1);
    // The same form posted again (stale page) is a 409, not a second move.
    expect((await post(admin, journeyId, { intent: 'advance', fromStage: 'handoff', overrideReason: 'Kickoff confirmed on a call with the CFO' })).status).toBe(409);
  });

  it('evidence must be an http(s) link; the form keeps what was typed', async () => {
    const { cs, journeyId } = await setup();
    const bad = await post(cs, journeyId, { intent: 'evidence', criterionKey: 'handoff-call', kind: 'meeting', url: 'javascript:alert(document.cookie)', note: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body!.errors!.url?.[0]).toMatch(/https/);
    const good = await post(cs, journeyId, { intent: 'evidence', criterionKey: 'handoff-call', kind: 'meeting', url: 'https://meet.example.com/rec/123', note: 'Recording' });
    expect(good.status).toBe(200);
    expect((await Journey.findById(journeyId).lean())!.evidence).toHaveLength(1);
  });

  it('each answer names the form it came from, so the page shows it there (with or without JavaScript)', async () => {
    const { cs, journeyId } = await setup();
    const fields = { intent: 'evidence', criterionKey: 'handoff-call', kind: 'meeting', url: 'http://meet.example.com/rec/1' };
    const refused = await post(cs, journeyId, { ...fields, _form: 'evidence' });
    expect(refused).toMatchObject({ status: 400, body: { form: 'evidence', ok: false, values: { url: 'http://meet.example.com/rec/1' } } });
    const accepted = await post(cs, journeyId, { intent: 'accept', _form: 'accept' });
    expect(accepted.body).toMatchObject({ form: 'accept', ok: true, message: 'Handoff accepted.' });
    // A form id that is not one (markup, too long) names no form; the action itself still runs.
    const odd = await post(cs, journeyId, { ...fields, url: 'https://meet.example.com/rec/1', _form: '"><script>x</script>' });
    expect(odd.status).toBe(200);
    expect(odd.body!.form).toBeUndefined();
  });

  it('sales, leadership and anonymous users cannot post; a sales rep sees only their own journeys', async () => {
    const { rep, journeyId } = await setup();
    const leader = await makeUser({ role: 'leadership' });
    const otherRep = await makeUser({ role: 'sales' });
    expect((await post(rep, journeyId, { intent: 'accept' })).status).toBe(403);
    expect((await post(leader, journeyId, { intent: 'accept' })).status).toBe(403);
    expect((await post(null, journeyId, { intent: 'accept' })).status).toBe(401);
    const view = (user: typeof rep) =>
      requestAs(user, `/journeys/${journeyId}`).then((request) => loader({ request, params: { journeyId }, context: ctx }).catch((r) => r as Response));
    expect(await view(rep)).toHaveProperty('journey');
    expect(((await view(otherRep)) as Response).status).toBe(404);
  });

  it('a JSON body or an injected operator is a 400, never a 500', async () => {
    const { cs, journeyId } = await setup();
    const request = await requestAs(cs, `/journeys/${journeyId}`, {
      method: 'POST',
      body: JSON.stringify({ intent: 'advance', fromStage: { $ne: null } }),
      headers: { 'Content-Type': 'application/json' },
    });
    const thrown = await action({ request, params: { journeyId }, context: ctx }).catch((r) => r as Response);
    expect((thrown as Response).status).toBe(400);
    expect((await post(cs, journeyId, { intent: 'advance', 'fromStage[$ne]': 'x' })).status).toBe(400);
    expect((await post(cs, 'not-an-id', { intent: 'accept' })).status).toBe(404);
  });
});
