// Demo surveys for `npm run seed`: every seeded deal's three waves, played forward to `now` the way
// the worker and the buyers would have: invited on the due date, about 60 % answered within three
// weeks (some after the reminder), the rest expired; a few bounced (the contact is marked and the
// deal's later waves wait for CS to pick another contact) or were cancelled, and deals imported
// late have their passed waves skipped. Waves that fell due in the last three days stay
// scheduled, so the next `npm run worker -- --once` invites them with a working
// link in the outbox. Deterministic per deal; a re-run inserts nothing and counts nothing twice
// (the unique (deal, wave) index refuses what exists).
import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { trusted } from '#app/platform/db.server';
import { insertIgnoringDuplicates } from '#app/platform/db.server';
import { journeyIdForDeal } from '#app/journeys/journey.server';
import { bumpSurveyMetrics, dealsWithSurveys, surveyDocsFor, surveyTiming, type AnswerFacts } from '#app/surveys/surveys.server';
import { randomFromText } from '#app/utils/random.server';

type SeedDeal = {
  _id: Types.ObjectId;
  crmId: string;
  accountId: Types.ObjectId;
  aeId: Types.ObjectId;
  closedWonAt: Date;
  promises: { _id: Types.ObjectId; text: string; category: string }[];
};
type SeedAccount = { _id: Types.ObjectId; segment: string };
type SeedJourney = { dealId: Types.ObjectId; liveAt?: Date | null };
type SeedContact = { _id: Types.ObjectId; accountId: Types.ObjectId; name: string; email: string; isPrimary?: boolean };

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DUE_WINDOW_MS = 3 * DAY_MS;

/** Draws replayable per deal: the same key gives the same waves and answers in every run. */
const rngFor = (key: string) => randomFromText(`survey-seed:${key}`);

const COMMENTS = {
  delivered: ['Exactly what we were told.', 'Measured it last month: on target.', ''],
  partly: ['Half the teams are there, the rest start next quarter.', 'Works, but it took longer than promised.', ''],
  not_yet: ['Still waiting on this one.', 'The integration is not live yet.', ''],
} as const;
const OVERALL_COMMENTS = {
  yes: ['The rollout went the way the sales team said it would.', 'Our ops team would not go back.', ''],
  partly: ['Good product, but two promises are late.', ''],
  no: ['We are not getting what we were sold.', 'The promised integration is still missing.'],
} as const;

type Doc = ReturnType<typeof surveyDocsFor>[number] & Record<string, unknown>;

/** The buyer's answer to one seeded survey, from the deal's "how well did we deliver" quality. */
function answerFor(doc: Doc, deal: SeedDeal, quality: number, r: () => number, answeredAt: Date) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)];
  const promises = deal.promises.map((p) => {
    const x = r();
    const verdict = x < quality ? 'delivered' : x < quality + (1 - quality) * 0.6 ? 'partly' : 'not_yet';
    return { promiseId: p._id, text: p.text, category: p.category, verdict, comment: pick(COMMENTS[verdict]) };
  });
  const kept = promises.reduce((sum, p) => sum + (p.verdict === 'delivered' ? 1 : p.verdict === 'partly' ? 0.5 : 0), 0) / Math.max(1, promises.length);
  const overall = kept >= 0.7 ? 'yes' : kept >= 0.4 ? 'partly' : 'no';
  const nps = overall === 'yes' ? 8 + Math.floor(r() * 3) : overall === 'partly' ? 5 + Math.floor(r() * 4) : Math.floor(r() * 6);
  return {
    _id: doc._id,
    dealId: doc.dealId,
    accountId: doc.accountId,
    aeId: doc.aeId,
    contactId: doc.contactId,
    contactEmail: doc.contactEmail,
    wave: doc.wave,
    segment: doc.segment,
    closedWonAt: doc.closedWonAt,
    answeredAt,
    promises,
    overall,
    nps,
    consentReference: nps >= 9 && r() < 0.45,
    consentCaseStudy: nps >= 9 && r() < 0.25,
    consentReferral: nps >= 9 && r() < 0.55,
    comment: pick(OVERALL_COMMENTS[overall]),
    appliedAt: answeredAt,
    createdAt: answeredAt,
    updatedAt: answeredAt,
  };
}

/** A seeded survey's id, derived from its deal and wave: a re-run inserts the same _id and is refused. */
export const seedSurveyId = (dealId: unknown, wave: number) =>
  new Types.ObjectId(
    crypto
      .createHash('sha256')
      .update(`kept-seed:survey:${String(dealId)}:${wave}`)
      .digest()
      .subarray(0, 12),
  );

/**
 * How buyers answer. `demo` (npm run seed's 200 accounts): about 62 % of invitations answered, so
 * every page has answers to show. `scale` (the large data set): answering runs in the account, as
 * in real B2B surveys: about one customer in five answers most waves, the rest rarely, which gives
 * a response rate near 20 % and advocates for about one account in five.
 */
export type SurveyEngagement = 'demo' | 'scale';
const ENGAGED_SHARE = 0.2;
const ANSWER_SHARE = { demo: { engaged: 0.62, other: 0.62 }, scale: { engaged: 0.8, other: 0.05 } } as const;

/**
/**
 * Plays one deal's waves forward to `now`; returns the survey documents, answers and bounced
 * contact.
 * With the deal's journey, a wave due before it went live waits as the worker would have held it
 * (docs/surveys.md): sent when the journey went live, or still held if it is not live at `now`.
 * `answering`: a wave the caller answers itself (the advocacy demo's profiles; 'latest': the last
 * wave due a month ago or more): the deal was taken in on its close date, that wave was invited
 * when due and answered at `answered.at`, later waves go unanswered; the answer itself is left to
 * the caller (stored, then applied the way the survey submit does).
 */
export function simulateDealSurveys({
  deal,
  segment,
  primary,
  now,
  engagement = 'demo',
  journey,
  answering: answeringWave,
}: {
  deal: SeedDeal;
  segment: string;
  primary: SeedContact | null;
  now: Date;
  engagement?: SurveyEngagement;
  /** The deal's journey (its liveAt); undefined when there is none, so no wave is held. */
  journey?: { liveAt?: Date | null } | null;
  answering?: number | 'latest';
}) {
  const { reminderMs, expiryMs } = surveyTiming();
  // Intake on the close date, except one deal in ten imported months later: its passed waves are
  // skipped (judged by the intake, the deal's createdAt, as scheduling does).
  const late = answeringWave === undefined && rngFor(`${deal.crmId}:intake`)() < 0.1;
  let answered: { surveyId: Types.ObjectId; wave: number; at: Date } | null = null;
  const intakeAt = new Date(Math.min(now.getTime(), deal.closedWonAt.getTime() + (late ? 200 : 1) * DAY_MS));
  const docs = (surveyDocsFor({ deal: { ...deal, createdAt: intakeAt }, segment, primary, now: intakeAt }) as Doc[]).map((d) =>
    Object.assign(d, { _id: seedSurveyId(deal._id, d.wave) }),
  );
  // 'latest': the last wave due a month ago or more (its answer is in by now).
  const answering = answeringWave === 'latest' ? docs.filter((d) => d.dueAt.getTime() <= now.getTime() - 30 * DAY_MS).at(-1)?.wave : answeringWave;
  const engaged = rngFor(`${String(deal.accountId)}:engaged`)() < ENGAGED_SHARE;
  const answerShare = ANSWER_SHARE[engagement][engaged ? 'engaged' : 'other'];
  const quality = 0.5 + 0.45 * rngFor(deal.crmId)();
  const answers: ReturnType<typeof answerFor>[] = [];
  let bounced = false;
  for (const doc of docs) {
    if (doc.state === 'skipped') continue;
    const r = rngFor(`${deal.crmId}:${doc.wave}`);
    const flag = (reason: string, at: Date) => Object.assign(doc, { attentionReason: reason, attentionAt: at });
    // Held from its due date until the journey went live (never, if it is not live by now).
    const liveAt = journey ? (journey.liveAt && journey.liveAt <= now ? journey.liveAt : null) : doc.dueAt;
    const heldFrom = !liveAt || liveAt > doc.dueAt ? doc.dueAt : null;
    if (heldFrom && heldFrom <= now) Object.assign(doc, { heldAt: heldFrom, held: liveAt ? null : 'not-live' });
    if (!liveAt) {
      if (bounced) flag('bounced', now);
      continue;
    }
    const dueAt = heldFrom && liveAt > heldFrom ? liveAt : doc.dueAt;
    if (dueAt.getTime() > now.getTime() - DUE_WINDOW_MS) {
      // Released in the last days: still held, as if the worker had not run since.
      if (doc.heldAt) doc.held = 'not-live';
      // Not yet due, or due in the last days (as if the worker had been off: its next cycle invites it).
      if (bounced) flag('bounced', now);
      continue;
    }
    if (!primary || bounced) {
      const reason = primary ? 'bounced' : 'no-recipient';
      Object.assign(doc, { state: 'cancelled', stopReason: reason, stoppedAt: dueAt });
      flag(reason, dueAt);
      continue;
    }
    const sentAt = new Date(dueAt.getTime() + Math.floor(r() * 6) * HOUR_MS);
    const remindAt = new Date(sentAt.getTime() + reminderMs);
    const expiresAt = new Date(sentAt.getTime() + expiryMs);
    Object.assign(doc, { invitedAt: sentAt, sentAt, expiresAt, remindAt });
    const open = () => {
      if (now >= remindAt) Object.assign(doc, { state: 'reminded', remindedAt: remindAt, remindAt: null });
      else Object.assign(doc, { state: 'sent' });
    };
    const roll = doc.wave === answering ? 0.06 : r();
    if (roll < 0.03) {
      const at = new Date(sentAt.getTime() + 10 * 60_000);
      Object.assign(doc, { state: 'bounced', stopReason: 'bounced', stoppedAt: at, remindAt: null });
      flag('bounced', at);
      bounced = true;
    } else if (roll < 0.06) {
      Object.assign(doc, { state: 'cancelled', stopReason: 'cancelled', stoppedAt: new Date(sentAt.getTime() + 2 * DAY_MS), remindAt: null });
    } else if (roll < 0.06 + answerShare && (answering === undefined || doc.wave <= answering)) {
      // (After the caller's answer, later waves go unanswered: that answer stays the deal's latest.)
      const answeredAt = new Date(sentAt.getTime() + (0.2 + r() * 20) * DAY_MS);
      if (answeredAt >= now) {
        open();
        continue;
      }
      Object.assign(doc, { state: 'answered', answeredAt, remindAt: null, ...(answeredAt > remindAt ? { remindedAt: remindAt } : {}) });
      if (doc.wave === answering) answered = { surveyId: doc._id, wave: doc.wave, at: answeredAt };
      else answers.push(answerFor(doc, deal, quality, r, answeredAt));
    } else if (now < expiresAt) {
      open();
    } else {
      Object.assign(doc, { state: 'expired', remindedAt: remindAt, remindAt: null, expiredAt: expiresAt });
    }
  }
  return { docs, answers, answered, bouncedContactId: bounced ? (primary?._id ?? null) : null };
}

/**
 * Surveys for a batch of seeded deals: simulated, inserted, counted in the rollups (once). With
 * `answering`, that wave is invited and answered but its answer is the caller's (the advocacy
 * demo): returned as `answered`, to store and apply.
 */
export async function seedSurveysForDeals({
  deals,
  accounts,
  contacts,
  journeys = [],
  now,
  answering,
}: {
  deals: SeedDeal[];
  accounts: SeedAccount[];
  contacts: SeedContact[];
  journeys?: SeedJourney[];
  now: Date;
  answering?: number | 'latest';
}) {
  const segmentOf = new Map(accounts.map((a) => [String(a._id), a.segment]));
  const primaryOf = new Map(contacts.filter((c) => c.isPrimary).map((c) => [String(c.accountId), c]));
  const journeyOf = new Map(journeys.map((j) => [String(j.dealId), j]));
  const simulated = deals.map((deal) =>
    simulateDealSurveys({
      deal,
      segment: segmentOf.get(String(deal.accountId)) ?? 'smb',
      primary: primaryOf.get(String(deal.accountId)) ?? null,
      now,
      journey: journeyOf.get(String(deal._id)),
      answering,
    }),
  );
  const docs = simulated.flatMap((s) => s.docs);
  const inserted = await insertIgnoringDuplicates(Survey, docs);
  const fresh = new Set([...inserted].map((i) => String(docs[i]._id)));
  const answers = simulated.flatMap((s) => s.answers).filter((a) => fresh.has(String(a._id)));
  await insertIgnoringDuplicates(SurveyResponse, answers);
  const bounced = simulated.flatMap((s) => (s.bouncedContactId && s.docs.some((d) => fresh.has(String(d._id))) ? [s.bouncedContactId] : []));
  if (bounced.length) await Contact.updateMany({ _id: trusted({ $in: bounced }), emailStatus: 'ok' }, { $set: { emailStatus: 'bounced' } });
  await bumpSurveyMetrics({
    invited: docs.filter((d) => fresh.has(String(d._id)) && d.invitedAt),
    answers: answers as unknown as AnswerFacts[],
  });
  const toAnswer = simulated.flatMap((s) => (s.answered && fresh.has(String(s.answered.surveyId)) ? [s.answered] : []));
  return { inserted: fresh.size, existing: docs.length - fresh.size, answered: answers.length, toAnswer };
}

/**
 * `npm run seed` (after the advocacy demo, which answers a sample of 6-month waves with advocate
 * profiles and must stay those deals' latest answers): gives every seeded deal that has no surveys
 * yet its three waves played forward to `now`. Idempotent.
 */
export async function seedSurveyDemo({ now = new Date(), log = () => undefined }: { now?: Date; log?: (line: string) => void } = {}) {
  const totals = { inserted: 0, existing: 0, answered: 0 };
  const cursor = Deal.find({ source: 'seed' }).select('crmId accountId aeId closedWonAt promises').sort({ _id: 1 }).lean().cursor({ batchSize: 1000 });
  let page: SeedDeal[] = [];
  const flush = async () => {
    const have = await dealsWithSurveys(page.map((d) => d._id));
    const deals = page.filter((d) => !have.has(String(d._id)));
    totals.existing += (page.length - deals.length) * 3;
    page = [];
    if (deals.length === 0) return;
    const accountIds = [...new Set(deals.map((d) => String(d.accountId)))];
    const [accounts, contacts, journeys] = await Promise.all([
      Account.find({ _id: trusted({ $in: accountIds }) })
        .select('segment')
        .lean(),
      Contact.find({ accountId: trusted({ $in: accountIds }), isPrimary: true })
        .select('accountId name email isPrimary')
        .lean(),
      Journey.find({ _id: trusted({ $in: deals.map((d) => journeyIdForDeal(d._id)) }) })
        .select('dealId liveAt')
        .lean(),
    ]);
    const result = await seedSurveysForDeals({ deals, accounts: accounts as SeedAccount[], contacts: contacts as SeedContact[], journeys: journeys as SeedJourney[], now });
    totals.inserted += result.inserted;
    totals.existing += result.existing;
    totals.answered += result.answered;
  };
  for await (const deal of cursor) {
    page.push(deal as SeedDeal);
    if (page.length >= 1000) await flush();
  }
  if (page.length) await flush();
  log(`  surveys: ${totals.inserted} new (${totals.answered} answered), ${totals.existing} already there`);
  return totals;
}
