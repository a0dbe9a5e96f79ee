// Builders for the recovery tests: a live customer whose buyer's answer is stored as the survey
// submit stores it (not yet applied unless `appliedAt`), written through the models.
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { SurveyResponse } from '#models/survey-response';
import { liveJourneyDoc, makeAccount, makeContact, makeDeal } from '#test/factories';

type Verdict = 'delivered' | 'partly' | 'not_yet';
const DAY = 86_400_000;

export async function storedAnswer(opts: {
  rep: { id: string };
  csm: { id: string };
  now: Date;
  verdicts?: Verdict[];
  overall?: 'yes' | 'partly' | 'no';
  nps?: number;
  comment?: string;
  promiseComment?: string;
  appliedAt?: Date | null;
  csmOnJourney?: boolean;
  recoverPartly?: boolean;
}) {
  const { rep, csm, now, verdicts = ['not_yet', 'delivered'], overall = 'yes', nps = 8, comment = '', promiseComment = '', appliedAt = null } = opts;
  const account = await makeAccount({ name: `Blackglen ${new Types.ObjectId().toHexString().slice(-4)}`, csmId: opts.csmOnJourney ? undefined : csm.id });
  if (opts.recoverPartly) await Account.updateOne({ _id: account.id }, { $set: { recoverPartly: true } });
  const contact = await makeContact(account.id);
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, promises: verdicts.length, arr: 120_000 });
  const dealDoc = (await Deal.findById(deal.id).lean())!;
  const journey = liveJourneyDoc({ deal: dealDoc, accountName: account.name, liveAt: new Date(now.getTime() - 100 * DAY) });
  await Journey.collection.insertOne({ ...journey, stages: [], evidence: [], csmId: opts.csmOnJourney ? new Types.ObjectId(csm.id) : undefined } as never);
  const surveyId = new Types.ObjectId();
  await SurveyResponse.create({
    _id: surveyId,
    dealId: deal.id,
    accountId: account.id,
    aeId: rep.id,
    contactId: contact.id,
    contactEmail: contact.email,
    wave: 6,
    segment: 'mid-market',
    closedWonAt: dealDoc.closedWonAt,
    answeredAt: now,
    promises: dealDoc.promises.map((p, i) => ({ promiseId: p._id, text: p.text, category: p.category, verdict: verdicts[i], comment: i === 0 ? promiseComment : '' })),
    overall,
    nps,
    comment,
    appliedAt,
  });
  return { account, contact, dealId: deal.id, journeyId: String(journey._id), promiseIds: deal.promiseIds, surveyId };
}
