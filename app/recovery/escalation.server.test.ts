import { beforeAll, describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { EmailMessage } from '#models/email-message';
import { RecoveryCase } from '#models/recovery-case';
import { sendJourneyDigests } from '#app/journeys/journey-digest.server';
import { agreePlan, markDelivered } from '#app/recovery/cases.server';
import { openCasesForAnswer } from '#app/recovery/open.server';
import { makeUser } from '#test/factories';
import { storedAnswer } from '#test/recovery';

const DAY = 86_400_000;
const OPENED = new Date('2026-11-02T09:00:00Z'); // a Monday: the SLA (5 business days) ends Monday 9 Nov
type User = Awaited<ReturnType<typeof makeUser>>;
let rep: User, csm: User, admin: User, otherAdmin: User;
beforeAll(async () => {
  [rep, csm, admin, otherAdmin] = await Promise.all([makeUser({ role: 'sales' }), makeUser({ role: 'cs' }), makeUser({ role: 'admin' }), makeUser({ role: 'admin' })]);
});

async function openCase() {
  const a = await storedAnswer({ rep, csm, now: OPENED, verdicts: ['not_yet'], nps: 9 });
  await openCasesForAnswer({ surveyId: a.surveyId, now: OPENED });
  const c = (await RecoveryCase.findOne({ dealId: a.dealId }).lean())!;
  return { ...a, caseId: String(c._id) };
}

const digestsTo = (user: User) => EmailMessage.find({ to: user.email, template: 'journey-digest' }).lean();

describe('SLA escalation in the daily digest', () => {
  test('an open case past its SLA escalates (audited) and is listed once for every admin; others wait for their own deadline', async () => {
    const overdue = await openCase();
    const planned = await openCase();
    await agreePlan({ user: csm, caseId: planned.caseId, input: { rev: 0, planText: 'Move the sync to the new connector', dueBy: '2026-11-20' }, now: OPENED });
    const done = await openCase();
    await markDelivered({ user: csm, caseId: done.caseId, input: { rev: 0, note: '' }, now: OPENED });

    // Before the SLA: nothing escalates, no admin hears anything.
    await sendJourneyDigests({ now: new Date('2026-11-06T08:00:00Z'), force: true });
    expect((await RecoveryCase.findById(overdue.caseId).lean())!.status).toBe('open');
    expect(await digestsTo(admin)).toHaveLength(0);

    const tuesday = new Date('2026-11-10T08:00:00Z');
    await sendJourneyDigests({ now: tuesday, force: true });
    expect((await RecoveryCase.findById(overdue.caseId).lean())!).toMatchObject({ status: 'escalated', escalatedBy: 'sla', rev: 1 });
    expect(await AuditEvent.countDocuments({ entityId: overdue.caseId, action: 'recovery.escalate' })).toBe(1);
    // The plan's date (20 Nov) plus 5 business days has not passed; a delivered case never escalates.
    expect((await RecoveryCase.findById(planned.caseId).lean())!.status).toBe('plan_agreed');
    expect((await RecoveryCase.findById(done.caseId).lean())!.status).toBe('delivered');
    for (const a of [admin, otherAdmin]) {
      const [mail] = await digestsTo(a);
      expect(mail.subject).toMatch(/^1 escalated recovery case/);
      expect(mail.text).toContain(overdue.account.name);
      expect(mail.text).toContain(`/recovery/${overdue.caseId}`);
    }
    // The CSM and the rep get no digest for it: it goes to their manager.
    expect(await digestsTo(csm)).toHaveLength(0);

    // The next days: still escalated, never listed again.
    await sendJourneyDigests({ now: new Date(tuesday.getTime() + DAY), force: true });
    await sendJourneyDigests({ now: new Date(tuesday.getTime() + 2 * DAY), force: true });
    expect(await digestsTo(admin)).toHaveLength(1);
    expect(await AuditEvent.countDocuments({ entityId: overdue.caseId, action: 'recovery.escalate' })).toBe(1);

    // The planned case escalates once its plan's date plus the SLA passed (Friday 20 Nov + 5 business days).
    await sendJourneyDigests({ now: new Date('2026-11-27T08:00:00Z'), force: true });
    expect((await RecoveryCase.findById(planned.caseId).lean())!.status).toBe('escalated');
    const mails = await digestsTo(admin);
    expect(mails).toHaveLength(2);
    expect(mails.filter((m) => m.text?.includes(`/recovery/${overdue.caseId}`))).toHaveLength(1);
  });

  test('a case escalated by hand is listed in the next digest, once', async () => {
    const c = await openCase();
    await RecoveryCase.updateOne({ _id: c.caseId }, { $set: { status: 'escalated', escalatedAt: OPENED, escalatedBy: csm.id }, $inc: { rev: 1 } });
    const day = new Date('2026-12-01T08:00:00Z');
    await sendJourneyDigests({ now: day, force: true });
    await sendJourneyDigests({ now: new Date(day.getTime() + DAY), force: true });
    const listing = (await digestsTo(admin)).filter((m) => m.text?.includes(`/recovery/${c.caseId}`));
    expect(listing).toHaveLength(1);
  });
});
