import { beforeAll, describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { EmailMessage } from '#models/email-message';
import { RecoveryCase } from '#models/recovery-case';
import { confirmRecoveryOnPlan, getPlanView } from '#app/journeys/plan.server';
import { ensureDefaultPlaybook } from '#app/journeys/playbook.server';
import { agreePlan, getCase, sendPlanToBuyer } from '#app/recovery/cases.server';
import { openCasesForAnswer } from '#app/recovery/open.server';
import { makeUser } from '#test/factories';
import { storedAnswer } from '#test/recovery';

const NOW = new Date();
const inDays = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString().slice(0, 10);
type User = Awaited<ReturnType<typeof makeUser>>;
let rep: User, csm: User;
beforeAll(async () => {
  await ensureDefaultPlaybook();
  [rep, csm] = await Promise.all([makeUser({ role: 'sales' }), makeUser({ role: 'cs', name: 'Priya Csm' })]);
});

/** A case with an agreed plan, emailed to the buyer who answered; returns the link's token. */
async function planSentToBuyer() {
  const a = await storedAnswer({ rep, csm, now: NOW, verdicts: ['not_yet'], nps: 9 });
  await openCasesForAnswer({ surveyId: a.surveyId, now: NOW });
  const caseId = String((await RecoveryCase.findOne({ dealId: a.dealId }).lean())!._id);
  expect(await agreePlan({ user: csm, caseId, input: { rev: 0, planText: 'Move the nightly sync to the new connector', dueBy: inDays(10) }, now: NOW })).toMatchObject({
    ok: true,
  });
  expect(await sendPlanToBuyer({ user: csm, caseId, now: NOW })).toMatchObject({ ok: true, message: `Sent to ${a.contact.email}: they can confirm the plan from the link.` });
  const mail = await EmailMessage.find({ template: 'recovery-plan-request', to: a.contact.email }).lean();
  expect(mail).toHaveLength(1);
  const token = /\/plan\/([A-Za-z0-9_-]{43})/.exec(mail[0].text ?? '')?.[1];
  if (!token) throw new Error('no plan link in the email');
  return { ...a, caseId, token };
}

describe('the agreed plan on the buyer’s shared plan page', () => {
  test('the buyer sees what we agreed to fix and confirms it once; the case page shows the confirmation', async () => {
    const { caseId, token, contact } = await planSentToBuyer();
    const view = await getPlanView({ token, now: NOW });
    expect(view!.recoveryPlans).toEqual([
      expect.objectContaining({ caseId, planText: 'Move the nightly sync to the new connector', confirmedAt: null, promise: expect.stringMatching(/^Promise 1/) }),
    ]);
    const planVersion = view!.recoveryPlans[0].planVersion;
    // A double click, a second tab and a replayed POST: recorded once.
    const answers = await Promise.all([1, 2, 3].map(() => confirmRecoveryOnPlan({ token, caseId, planVersion, now: NOW })));
    expect(answers.filter((r) => r?.ok && !r.already)).toHaveLength(1);
    expect(answers.every((r) => r?.ok)).toBe(true);
    expect(await AuditEvent.countDocuments({ entityId: caseId, action: 'recovery.buyer_confirmed' })).toBe(1);
    const page = await getCase({ user: csm, caseId, now: NOW });
    expect(page!.case.plan).toMatchObject({ buyerConfirmedBy: expect.any(String) });
    expect(page!.case.plan!.buyerConfirmedAt).not.toBeNull();
    expect(page!.history.at(-1)).toMatchObject({ what: 'The buyer confirmed the plan' });
    expect((await getPlanView({ token, now: NOW }))!.recoveryPlans[0].confirmedAt).not.toBeNull();
    expect(contact.email).toBeTruthy();
  });

  test('a plan changed since the page loaded is not confirmed unread; the new plan asks again', async () => {
    const { caseId, token } = await planSentToBuyer();
    const old = (await getPlanView({ token, now: NOW }))!.recoveryPlans[0].planVersion;
    const later = new Date(NOW.getTime() + 60_000);
    await agreePlan({ user: csm, caseId, input: { rev: 1, planText: 'Replace the connector and check it daily', dueBy: inDays(20) }, now: later });
    expect(await confirmRecoveryOnPlan({ token, caseId, planVersion: old, now: later })).toMatchObject({ ok: false });
    expect((await RecoveryCase.findById(caseId).lean())!.plan!.buyerConfirmedAt ?? null).toBeNull();
    // Sending the new plan is a new email; sending it twice is one.
    await sendPlanToBuyer({ user: csm, caseId, now: later });
    expect(await sendPlanToBuyer({ user: csm, caseId, now: later })).toMatchObject({ ok: true, message: expect.stringMatching(/already sent/) });
    expect(await EmailMessage.countDocuments({ template: 'recovery-plan-request', 'metadata.entityId': caseId })).toBe(2);
  });

  test('another deal’s case cannot be confirmed through this link', async () => {
    const one = await planSentToBuyer();
    const two = await planSentToBuyer();
    const planVersion = (await getPlanView({ token: two.token, now: NOW }))!.recoveryPlans[0].planVersion;
    expect(await confirmRecoveryOnPlan({ token: one.token, caseId: two.caseId, planVersion, now: NOW })).toMatchObject({ ok: false });
    expect((await RecoveryCase.findById(two.caseId).lean())!.plan!.buyerConfirmedAt ?? null).toBeNull();
  });
});
