// The agreed recovery plans on the buyer's shared plan page (/plan/<token>, app/journeys/plan.server.ts):
// what we agreed to fix, by when, and the buyer's confirmation, recorded once per plan.
import type { Types } from 'mongoose';
import { z } from 'zod';
import { recordAudit } from '#models/audit-event';
import { RecoveryCase, type RecoveryStatus } from '#models/recovery-case';
import { trusted } from '#app/platform/db.server';
import { caseSubject } from '#app/recovery/open.server';

/** Statuses whose plan the buyer sees: agreed and not closed (an escalated case keeps its plan). */
const SHOWN: RecoveryStatus[] = ['plan_agreed', 'escalated'];

export const ConfirmRecoveryPlanSchema = z.object({
  caseId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the plan you confirm.'),
  /** The plan's agreement time as the page showed it: a plan changed since is not confirmed unread. */
  planVersion: z.string().datetime({ message: 'Choose the plan you confirm.' }),
});

/** The deal's agreed plans, oldest first, as the buyer reads them (no staff names, no internal notes). */
export async function recoveryPlansForDeal(dealId: Types.ObjectId | string) {
  const cases = await RecoveryCase.find({ dealId, status: trusted({ $in: SHOWN }), 'plan.agreedAt': trusted({ $ne: null }) })
    .select('promiseText trigger nps plan')
    .sort({ openedAt: 1 })
    .limit(50)
    .lean();
  return cases
    .filter((c) => c.plan)
    .map((c) => ({
      caseId: String(c._id),
      promise: caseSubject(c),
      planText: c.plan!.text,
      dueBy: c.plan!.dueBy.toISOString(),
      planVersion: c.plan!.agreedAt.toISOString(),
      confirmedAt: c.plan!.buyerConfirmedAt?.toISOString() ?? null,
      confirmedBy: c.plan!.buyerConfirmedBy ?? null,
    }));
}

/**
 * The buyer confirms one agreed plan of their deal: one conditional write on {the case, this deal,
 * this plan, not yet confirmed}, so a double submit or a replayed POST records it once.
 */
export async function confirmRecoveryPlan(input: { dealId: Types.ObjectId | string; caseId: string; planVersion: string; contact: { id: string; name: string }; now: Date }) {
  const { dealId, caseId, planVersion, contact, now } = input;
  const filter = { _id: caseId, dealId, status: trusted({ $in: SHOWN }), 'plan.agreedAt': new Date(planVersion) };
  const updated = await RecoveryCase.updateOne(
    { ...filter, 'plan.buyerConfirmedAt': null },
    { $set: { 'plan.buyerConfirmedAt': now, 'plan.buyerConfirmedBy': contact.name, updatedAt: now } },
  );
  if (updated.modifiedCount === 1) {
    await recordAudit({ action: 'recovery.buyer_confirmed', entityType: 'recovery_case', entityId: caseId, data: { by: contact.name, contactId: contact.id }, now });
    return { ok: true as const, already: false };
  }
  if (await RecoveryCase.exists(filter)) return { ok: true as const, already: true };
  return { ok: false as const, message: 'That plan changed or is closed: the page now shows what stands.' };
}
