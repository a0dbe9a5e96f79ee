// The `data` of an outgoing event: the ids the event carries, what a receiver needs to act without
// calling back (the deal, its account, names), and the page in Kept. Read once, when the event is
// recorded; every retry sends the same body.
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { getEnv } from '#app/env.server';
import type { DomainEvents } from '#app/platform/events.server';
import type { EventData } from '#app/integrations/slack-rules';
import type { WebhookEvent } from '#app/integrations/webhook-rules';

const idOrNull = (v: unknown) => (v && Types.ObjectId.isValid(String(v)) ? String(v) : null);

/** The public address of a page of Kept. */
export const keptUrl = (path: string) => `${getEnv().APP_URL.replace(/\/+$/, '')}${path}`;

export async function eventData<E extends WebhookEvent>(type: E, facts: DomainEvents[E]): Promise<EventData> {
  const f = facts as Record<string, unknown>;
  const dealId = idOrNull(f.dealId);
  const deal = dealId ? await Deal.findById(dealId).select('name accountId arr currency promises').lean() : null;
  const account = deal ? await Account.findById(deal.accountId).select('name').lean() : null;
  const data: EventData = {
    url: keptUrl(dealId ? `/deals/${dealId}` : '/home'),
    dealId,
    deal: deal ? { id: String(deal._id), name: deal.name, arr: deal.arr, currency: deal.currency } : null,
    account: account ? { id: String(account._id), name: account.name } : null,
  };
  switch (type) {
    case 'journey.stage_changed': {
      const journeyId = String(f.journeyId);
      const journey = await Journey.findById(journeyId).select('playbookKey playbookVersion').lean();
      const playbook = journey ? await getPlaybookVersion(journey.playbookVersion, journey.playbookKey) : null;
      const nameOf = (key: unknown) => playbook?.stages.find((s) => s.key === key)?.name ?? String(key);
      Object.assign(data, { journeyId, from: String(f.from), to: String(f.to), fromName: nameOf(f.from), toName: nameOf(f.to), url: keptUrl(`/journeys/${journeyId}`) });
      break;
    }
    case 'journey.live':
      break;
    case 'survey.answered':
      Object.assign(data, { surveyId: String(f.surveyId), url: keptUrl(`/surveys/${String(f.surveyId)}`) });
      break;
    case 'promise.not_kept': {
      const promise = deal?.promises.find((p) => String(p._id) === String(f.promiseId));
      Object.assign(data, { surveyId: String(f.surveyId), promiseId: String(f.promiseId), promise: promise?.text, url: keptUrl(`/surveys/${String(f.surveyId)}`) });
      break;
    }
    case 'recovery.closed':
      Object.assign(data, { caseId: String(f.caseId), status: String(f.status) });
      break;
    case 'advocate.candidate': {
      const advocate = await Advocate.findById(String(f.advocateId)).select('contactName').lean();
      Object.assign(data, { advocateId: String(f.advocateId), advocateName: advocate?.contactName || undefined, url: keptUrl(`/advocacy/candidates/${String(f.advocateId)}`) });
      break;
    }
    case 'referral.won':
      Object.assign(data, { referralId: String(f.referralId), url: keptUrl('/advocacy/referrals') });
      break;
  }
  return data;
}
