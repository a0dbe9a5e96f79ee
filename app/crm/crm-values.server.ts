// What Kept writes back for a deal, read when the push is sent (not when the change happened): a
// retried or late push writes what Kept knows now, so the CRM never goes back to an older figure
// whatever order the pushes of one deal finish in.
import type { Types } from 'mongoose';
import { Advocate } from '#models/advocate';
import type { CrmProvider } from '#models/crm-connection';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Playbook } from '#models/playbook';
import { SurveyResponse } from '#models/survey-response';
import { deliveredPct, isoDay, timeToLiveDays, type AdvocateStatus, type CrmValues } from '#app/crm/crm-rules';

type Id = string | Types.ObjectId;

/** The figures of one deal, or null when the deal is gone. */
export async function dealValues(dealId: Id): Promise<CrmValues | null> {
  const deal = await Deal.findById(dealId).select('closedWonAt').lean();
  if (!deal) return null;
  const [journey, latest, advocates] = await Promise.all([
    Journey.findOne({ dealId }).select('stage playbookVersion liveAt').lean(),
    SurveyResponse.findOne({ dealId }).select('overall promises.verdict').sort({ answeredAt: -1, _id: -1 }).lean(),
    Advocate.find({ dealId, current: true }).select('qualifies expansion').lean(),
  ]);
  const playbook = journey ? await Playbook.findOne({ version: journey.playbookVersion }).select('stages.key stages.name').lean() : null;
  const stageName = journey ? (playbook?.stages.find((s) => s.key === journey.stage)?.name ?? journey.stage) : 'Not started';
  const advocateStatus: AdvocateStatus = advocates.some((a) => a.qualifies.length > 0) ? 'candidate' : advocates.some((a) => a.expansion) ? 'satisfied' : 'none';
  return {
    stage: stageName,
    goLiveDate: isoDay(journey?.liveAt),
    timeToLiveDays: timeToLiveDays(deal.closedWonAt, journey?.liveAt),
    valueVerdict: (latest?.overall as CrmValues['valueVerdict']) ?? null,
    valueDeliveredPct: latest ? deliveredPct(latest.promises.map((p) => p.verdict)) : null,
    advocateStatus,
  };
}

/**
 * The figures for a company / account: those of its latest-closed deal from the same CRM with the
 * same company id (a customer with several deals shows its newest one's progress).
 */
export async function companyValues({ source, crmAccountId }: { source: CrmProvider; crmAccountId: string }) {
  const newest = await Deal.findOne({ source, crmAccountId }).select('_id').sort({ closedWonAt: -1, _id: -1 }).lean();
  return newest ? dealValues(newest._id) : null;
}
