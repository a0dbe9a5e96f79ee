// Demo re-asks for `npm run seed` (docs/reask.md): on deals whose buyer judged a promise "Not yet",
// a recovery case with an agreed plan whose date passed, and its re-ask in three states: sent (the
// link is open), answered "Delivered" (the case closed as recovered) and expired. Cases already
// there (another seed made one for the same deal, wave and promise) are left alone; a re-run adds
// nothing (the unique (deal, wave, promise) and (case, plan) indexes refuse what exists).
import type { Types } from 'mongoose';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal, type PromiseCategory } from '#models/deal';
import { PromiseReask, PromiseReaskAnswer, PromiseReaskToken } from '#models/promise-reask';
import { RecoveryCase } from '#models/recovery-case';
import { SurveyResponse } from '#models/survey-response';
import { insertOnce } from '#app/platform/inserts.server';
import { newLinkToken } from '#app/utils/link-token.server';

const DAY = 86_400_000;
export type DemoReaskState = 'sent' | 'answered' | 'expired';

type Source = {
  _id: Types.ObjectId;
  dealId: Types.ObjectId;
  accountId: Types.ObjectId;
  aeId: Types.ObjectId;
  contactId?: Types.ObjectId | null;
  wave: number;
  segment: string;
  closedWonAt: Date;
  promises: { promiseId: Types.ObjectId; text: string; category: string; verdict: string; comment?: string | null }[];
};

/** Answers with a promise judged "Not yet" (or, failing that, "Partly"), whose account has a contact. */
async function brokenPromises(limit: number) {
  const found = (await SurveyResponse.find({ 'promises.verdict': 'not_yet' }).sort({ answeredAt: -1 }).limit(limit).lean()) as Source[];
  if (found.length >= limit) return found;
  return [...found, ...((await SurveyResponse.find({ 'promises.verdict': 'partly' }).sort({ answeredAt: -1 }).limit(limit).lean()) as Source[])];
}

/**
 * One case (plan agreed, its date passed) and its re-ask in `state`, for one broken promise of
 * `source`. Null when a case for that deal, wave and promise exists already. `sent` returns a
 * working link token (only its hash is stored).
 */
export async function createDemoReask({ source, state, now }: { source: Source; state: DemoReaskState; now: Date }) {
  const promise = source.promises.find((p) => p.verdict === 'not_yet') ?? source.promises.find((p) => p.verdict === 'partly');
  if (!promise) return null;
  const [account, deal] = await Promise.all([Account.findById(source.accountId).select('csmId').lean(), Deal.findById(source.dealId).select('arr').lean()]);
  const contact = source.contactId
    ? await Contact.findById(source.contactId).select('name email').lean()
    : await Contact.findOne({ accountId: source.accountId, isPrimary: true }).select('name email').lean();
  if (!contact) return null;
  // Sent two days after the plan's date; expired: sent three weeks ago, 14-day link.
  const sentAt = new Date(now.getTime() - (state === 'expired' ? 21 : state === 'answered' ? 6 : 1) * DAY);
  const dueBy = new Date(sentAt.getTime() - DAY);
  const agreedAt = new Date(dueBy.getTime() - 21 * DAY);
  const answeredAt = new Date(sentAt.getTime() + 2 * DAY);
  const owner = account?.csmId ?? source.aeId;
  const kase = {
    dealId: source.dealId,
    accountId: source.accountId,
    surveyId: source._id,
    wave: source.wave,
    promiseKey: String(promise.promiseId),
    trigger: promise.verdict === 'partly' ? ('promise_partly' as const) : ('promise_not_yet' as const),
    promiseText: promise.text,
    category: promise.category as PromiseCategory,
    buyerWords: promise.comment ?? '',
    contactId: contact._id,
    aeId: source.aeId,
    csmId: account?.csmId ?? undefined,
    segment: source.segment,
    closedWonAt: source.closedWonAt,
    arr: deal?.arr ?? 0,
    status: state === 'answered' ? ('delivered' as const) : ('plan_agreed' as const),
    openedAt: new Date(agreedAt.getTime() - 3 * DAY),
    slaDueAt: new Date(agreedAt.getTime() + 4 * DAY),
    plan: { text: 'Run a working session with each team that is not there yet and fix what blocks them', dueBy, agreedAt, agreedById: owner },
    ...(state === 'answered' ? { recoveredAt: answeredAt, closedAt: answeredAt, rev: 2 } : { rev: 1 }),
  };
  if (await RecoveryCase.exists({ dealId: kase.dealId, wave: kase.wave, promiseKey: kase.promiseKey })) return null;
  const created = await RecoveryCase.create(kase).catch((): null => null);
  if (!created) return null;
  const expiresAt = new Date(sentAt.getTime() + 14 * DAY);
  const reask = await PromiseReask.create({
    caseId: created._id,
    planAgreedAt: agreedAt,
    dealId: source.dealId,
    accountId: source.accountId,
    surveyId: source._id,
    promiseId: kase.promiseKey,
    promiseText: promise.text,
    category: promise.category,
    planText: kase.plan.text,
    planDueBy: dueBy,
    state,
    dueAt: dueBy,
    contactId: contact._id,
    contactEmail: contact.email,
    contactName: contact.name,
    sentAt,
    remindAt: state === 'sent' ? new Date(sentAt.getTime() + 5 * DAY) : null,
    expiresAt,
    ...(state === 'expired' ? { expiredAt: expiresAt } : {}),
    ...(state === 'answered' ? { answeredAt, verdict: 'delivered' } : {}),
  });
  if (state === 'answered') {
    await insertOnce(PromiseReaskAnswer, {
      _id: reask._id,
      caseId: created._id,
      dealId: source.dealId,
      accountId: source.accountId,
      promiseId: kase.promiseKey,
      contactId: contact._id,
      verdict: 'delivered',
      comment: 'The last two teams are onboarded; it works now.',
      answeredAt,
      appliedAt: answeredAt,
    });
  }
  let token: string | null = null;
  if (state === 'sent') {
    const link = newLinkToken();
    await PromiseReaskToken.create({ _id: link.hash, reaskId: reask._id, contactId: contact._id, createdAt: sentAt });
    token = link.token;
  }
  return { caseId: String(created._id), reaskId: String(reask._id), token };
}

/** A re-ask sent, one answered "Delivered" and one expired, on the latest broken promises of the demo. */
export async function seedReaskDemo({ now = new Date(), log = console.log }: { now?: Date; log?: (line: string) => void } = {}) {
  const states: DemoReaskState[] = ['sent', 'answered', 'expired'];
  const made: string[] = [];
  for (const source of await brokenPromises(12)) {
    if (made.length === states.length) break;
    const state = states[made.length];
    if (await createDemoReask({ source, state, now })) made.push(state);
  }
  log(`Re-asks: ${made.length ? made.join(', ') : 'none (no promise judged "Not yet" in the demo answers)'}`);
  return { reasks: made.length };
}
