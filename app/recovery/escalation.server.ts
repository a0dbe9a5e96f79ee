// SLA escalation, run by the daily digest (app/journeys/journey-digest.server.ts): a case past its SLA
// while open (or past its plan's date plus the SLA while plan_agreed) becomes `escalated`, one
// conditional write each, audited; the admins (the CSMs' managers) see every newly escalated case
// listed once in their digest (docs/recovery.md, "Escalation").
import { recordAudit } from '#models/audit-event';
import { RecoveryCase, type RecoveryStatus } from '#models/recovery-case';
import { trusted } from '#app/platform/db.server';
import { caseSubject, caseUrl } from '#app/recovery/open.server';
import { escalationDueAt, slaLabel } from '#app/recovery/recovery-rules';
import { getRecoverySettings } from '#app/recovery/settings.server';
import { accountNamesById } from '#app/accounts/accounts.server';
import { userNamesById } from '#app/users/users.server';

/** Escalates every case past its deadline; returns how many this call escalated. */
export async function escalateOverdueCases({ now, limit = 1000 }: { now: Date; limit?: number }) {
  const { slaBusinessDays } = await getRecoverySettings();
  const candidates = await RecoveryCase.find({ status: trusted({ $in: ['open', 'plan_agreed'] as RecoveryStatus[] }), slaDueAt: trusted({ $lte: now }) })
    .select('status slaDueAt plan rev')
    .sort({ slaDueAt: 1 })
    .limit(limit)
    .lean();
  let escalated = 0;
  for (const c of candidates) {
    const due = escalationDueAt({ status: c.status as RecoveryStatus, slaDueAt: c.slaDueAt, plan: c.plan }, slaBusinessDays);
    if (!due || due > now) continue;
    // The precondition is the state we judged: a CS change meanwhile (a plan, a close) wins.
    const updated = await RecoveryCase.updateOne(
      { _id: c._id, rev: c.rev, status: c.status },
      { $set: { status: 'escalated', escalatedAt: now, escalatedBy: 'sla', updatedAt: now }, $inc: { rev: 1 } },
    );
    if (updated.modifiedCount !== 1) continue;
    escalated++;
    await recordAudit({ action: 'recovery.escalate', entityType: 'recovery_case', entityId: c._id, data: { by: 'sla', from: c.status, dueAt: due.toISOString() }, now });
  }
  return { escalated, more: candidates.length >= limit };
}

export type EscalationItem = { account: string; subject: string; csm: string; sla: string; url: string };

/** Escalated cases not yet listed in a digest (by hand or by the SLA), oldest SLA first. */
export async function escalationsToList({ now, limit = 200 }: { now: Date; limit?: number }) {
  const cases = await RecoveryCase.find({ status: 'escalated', escalationListedAt: null })
    .select('accountId promiseText trigger nps csmId slaDueAt')
    .sort({ slaDueAt: 1 })
    .limit(limit)
    .lean();
  const [accountName, csmName] = await Promise.all([accountNamesById(cases.map((c) => c.accountId)), userNamesById(cases.map((c) => c.csmId))]);
  return {
    ids: cases.map((c) => c._id),
    items: cases.map((c): EscalationItem => ({
      account: accountName.get(String(c.accountId)) ?? '—',
      subject: caseSubject(c),
      csm: c.csmId ? (csmName.get(String(c.csmId)) ?? '—') : 'no CSM',
      sla: slaLabel(c.slaDueAt, now),
      url: caseUrl(c._id),
    })),
  };
}

/** Marks cases as listed in the admins' digest (after every admin's digest was queued). */
export async function markEscalationsListed(ids: unknown[], now: Date) {
  if (ids.length === 0) return;
  await RecoveryCase.updateMany({ _id: trusted({ $in: ids }), escalationListedAt: null }, { $set: { escalationListedAt: now } });
}
