import { beforeAll, describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { RecoveryCase } from '#models/recovery-case';
import { onRecorded } from '#app/platform/events.server';
import { agreePlan, escalateCase, listCases, markDelivered, markWontDeliver } from '#app/recovery/cases.server';
import { openCasesForAnswer } from '#app/recovery/open.server';
import { formRequest, makeUser, requestAs } from '#test/factories';
import { storedAnswer } from '#test/recovery';
import { action, loader } from '#app/routes/_staff.recovery.$caseId';
import { loader as listLoader } from '#app/routes/_staff.recovery._index';

const NOW = new Date();
const ctx = { nonce: '', clientIp: '10.18.0.1' };
type User = Awaited<ReturnType<typeof makeUser>>;

let rep: User, otherRep: User, csm: User, admin: User, leader: User;
beforeAll(async () => {
  [rep, otherRep, csm, admin, leader] = await Promise.all([
    makeUser({ role: 'sales' }),
    makeUser({ role: 'sales' }),
    makeUser({ role: 'cs' }),
    makeUser({ role: 'admin' }),
    makeUser({ role: 'leadership' }),
  ]);
});

const closed: Array<{ caseId: string; status: string }> = [];
onRecorded('recovery.closed', 'test.closed', async ({ caseId, status }) => void closed.push({ caseId: String(caseId), status }));

/** A fresh open case for one promise judged "Not yet". */
async function openCase(opts: { nps?: number } = {}) {
  const a = await storedAnswer({ rep, csm, now: NOW, verdicts: ['not_yet'], nps: opts.nps ?? 9, promiseComment: '<script>alert(1)</script> still broken' });
  await openCasesForAnswer({ surveyId: a.surveyId, now: NOW });
  const c = (await RecoveryCase.findOne({ dealId: a.dealId }).lean())!;
  return { ...a, caseId: String(c._id) };
}

async function view(user: User, caseId: string) {
  try {
    return { status: 200, data: (await loader({ request: await requestAs(user, `/recovery/${caseId}`), params: { caseId }, context: ctx })) as Awaited<ReturnType<typeof loader>> };
  } catch (thrown) {
    return { status: (thrown as Response).status, data: null };
  }
}

type Body = { ok: boolean; message?: string; errors?: Record<string, string[]>; values?: Record<string, string> };
async function post(user: User, caseId: string, fields: Record<string, string>) {
  try {
    const result = (await action({ request: await formRequest(user, `/recovery/${caseId}`, fields), params: { caseId }, context: ctx })) as unknown as {
      data: Body;
      init?: { status?: number };
    };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null };
  }
}

const inDays = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString().slice(0, 10);

describe('who sees and works a case', () => {
  test('CS and admin read and act; the rep who made the promise reads only; another rep gets 404; leadership 403', async () => {
    const { caseId } = await openCase();
    const asCsm = await view(csm, caseId);
    expect(asCsm.status).toBe(200);
    expect(asCsm.data!.canAct).toBe(true);
    expect(asCsm.data!.actions).toEqual(['agree_plan', 'deliver', 'wont_deliver', 'escalate', 'reassign']);
    // The buyer's words are data, handed to React (which escapes them), never markup.
    expect(asCsm.data!.case.buyerWords).toBe('<script>alert(1)</script> still broken');
    expect((await view(admin, caseId)).data!.canAct).toBe(true);
    const asRep = await view(rep, caseId);
    expect(asRep.status).toBe(200);
    expect(asRep.data!.canAct).toBe(false);
    expect(asRep.data!.actions).toEqual([]);
    expect((await view(otherRep, caseId)).status).toBe(404);
    expect((await view(leader, caseId)).status).toBe(403);
    expect((await post(rep, caseId, { intent: 'deliver', rev: '0' })).status).toBe(403);
    expect((await RecoveryCase.findById(caseId).lean())!.status).toBe('open');
  });

  test('the list: a rep sees only the cases of their promises; CS every case, most overdue first', async () => {
    const early = await openCase();
    await RecoveryCase.updateOne({ _id: early.caseId }, { $set: { slaDueAt: new Date(NOW.getTime() - 86_400_000) } });
    const cs = await listCases({ user: csm, query: { status: 'active', page: 1 }, now: NOW, perPage: 500 });
    expect(cs.cases[0].id).toBe(early.caseId);
    expect(cs.cases[0].overdue).toBe(true);
    expect(cs.cases[0].sla).toBe('1 day overdue');
    const mine = (await listLoader({ request: await requestAs(otherRep, '/recovery'), params: {}, context: ctx })) as Awaited<ReturnType<typeof listLoader>>;
    expect(mine.total).toBe(0);
    const theirs = (await listLoader({ request: await requestAs(rep, '/recovery?status=bogus'), params: {}, context: ctx })) as Awaited<ReturnType<typeof listLoader>>;
    expect(theirs.query.status).toBe('active');
    expect(theirs.cases.map((c) => c.id)).toContain(early.caseId);
  });
});

describe('status changes', () => {
  test('agreeing a plan: field errors next to the fields with the input kept; then plan_agreed, audited', async () => {
    const { caseId } = await openCase();
    const bad = await post(csm, caseId, { _form: 'agree-plan', intent: 'agree_plan', rev: '0', planText: 'soon', dueBy: '' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body!.errors!).sort()).toEqual(['dueBy', 'planText']);
    expect(bad.body!.values!.planText).toBe('soon');
    const past = await post(csm, caseId, { _form: 'agree-plan', intent: 'agree_plan', rev: '0', planText: 'Move the sync to the new connector', dueBy: '2020-01-01' });
    expect(past.status).toBe(400);
    expect(past.body!.errors!.dueBy).toEqual(['The date has passed: choose today or a later date.']);
    expect(past.body!.values!.planText).toBe('Move the sync to the new connector');

    const ok = await post(csm, caseId, { _form: 'agree-plan', intent: 'agree_plan', rev: '0', planText: 'Move the sync to the new connector', dueBy: inDays(14) });
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
    const c = (await RecoveryCase.findById(caseId).lean())!;
    expect(c).toMatchObject({ status: 'plan_agreed', rev: 1, plan: { text: 'Move the sync to the new connector' } });
    expect(c.plan!.dueBy.toISOString().slice(0, 10)).toBe(inDays(14));
    expect(await AuditEvent.countDocuments({ entityId: caseId, action: 'recovery.agree_plan', actorId: csm.id })).toBe(1);
    const page = await view(csm, caseId);
    expect(page.data!.history.map((h) => h.what)).toEqual(['Opened from the buyer’s answer', 'Plan agreed']);
  });

  test('a stale page changes nothing (409); a closed case takes no action; closing records recovery.closed once', async () => {
    const { caseId } = await openCase();
    await escalateCase({ user: csm, caseId, input: { rev: 0, note: 'Need engineering' }, now: NOW });
    // The page still says rev 0.
    const stale = await post(csm, caseId, { _form: 'deliver', intent: 'deliver', rev: '0' });
    expect(stale.status).toBe(409);
    expect(stale.body!.message).toMatch(/changed this case/);
    expect((await RecoveryCase.findById(caseId).lean())!.status).toBe('escalated');

    const noReason = await post(csm, caseId, { _form: 'wont-deliver', intent: 'wont_deliver', rev: '1', reason: '' });
    expect(noReason.status).toBe(400);
    expect(Object.keys(noReason.body!.errors!).sort()).toEqual(['confirm', 'reason']);
    const done = await post(csm, caseId, { _form: 'wont-deliver', intent: 'wont_deliver', rev: '1', reason: 'The ERP vendor retired that API', confirm: 'yes' });
    expect(done.status).toBe(200);
    expect((await RecoveryCase.findById(caseId).lean())!).toMatchObject({ status: 'wont_deliver', wontDeliverReason: 'The ERP vendor retired that API', rev: 2 });
    expect(closed.filter((e) => e.caseId === caseId)).toEqual([{ caseId, status: 'wont_deliver' }]);

    const again = await markDelivered({ user: csm, caseId, input: { rev: 2, note: '' }, now: NOW });
    expect(again).toMatchObject({ ok: false, status: 409 });
    expect(closed.filter((e) => e.caseId === caseId)).toHaveLength(1);
  });

  test('two people closing the same case at once: one write wins, one audit, one event', async () => {
    const { caseId } = await openCase();
    const results = await Promise.all([
      markDelivered({ user: csm, caseId, input: { rev: 0, note: '' }, now: NOW }),
      markWontDeliver({ user: admin, caseId, input: { rev: 0, reason: 'Not on the roadmap', confirm: 'yes' }, now: NOW }),
      agreePlan({ user: csm, caseId, input: { rev: 0, planText: 'A plan that came too late', dueBy: inDays(3) }, now: NOW }),
    ]);
    expect(results.filter((r) => r?.ok)).toHaveLength(1);
    const c = (await RecoveryCase.findById(caseId).lean())!;
    expect(c.rev).toBe(1);
    expect(await AuditEvent.countDocuments({ entityId: caseId, action: /^recovery\.(deliver|wont_deliver|agree_plan)$/ })).toBe(1);
    expect(closed.filter((e) => e.caseId === caseId).length).toBe(c.status === 'plan_agreed' ? 0 : 1);
  });

  test('reassigning hands the case to another active CSM; a user who is not a CSM is refused next to the field', async () => {
    const { caseId } = await openCase();
    const other = await makeUser({ role: 'cs', name: 'Noor Other' });
    const wrong = await post(admin, caseId, { _form: 'reassign', intent: 'reassign', rev: '0', csmId: rep.id });
    expect(wrong.status).toBe(400);
    expect(wrong.body!.errors!.csmId).toEqual(['Choose an active CSM.']);
    const ok = await post(admin, caseId, { _form: 'reassign', intent: 'reassign', rev: '0', csmId: other.id });
    expect(ok.body!.message).toBe('Noor Other owns the case now.');
    expect(String((await RecoveryCase.findById(caseId).lean())!.csmId)).toBe(other.id);
  });
});
