// Demo data for advocacy, on top of the demo accounts and deals (seed.server.ts): some customers
// go live and answer their latest survey wave (through the journeys and surveys services, so every
// rollup and audit record is the real one), which makes advocates; marketing then asks some of
// them (every ask status appears), two referrals become deals, and one review round is drawn.
// Idempotent: derived ids everywhere, and a claim marks the whole step done.
import type { Types } from 'mongoose';
import { Account } from '#models/account';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { ReviewCampaign } from '#models/review-campaign';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { DAY_MS } from '#app/advocacy/advocacy-rules.server';
import { createAsk, createReviewCampaign, expireUnansweredAsks, linkReferralToDeal, updateAsk } from '#app/advocacy/advocacy.server';
import type { AskFormInput, AskUpdateInput } from '#app/advocacy/forms';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';
// The seed applies survey answers and moves journeys live as people would: advocacy reacts to them.
import '#app/advocacy/reactions.server';
import '#app/integrations/reactions.server';
import '#app/crm/reactions.server';
import '#app/recovery/reactions.server';
import '#app/buyer-tasks/reactions.server';
import { claimOnce, getClaim } from '#app/platform/claims.server';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import { acceptHandoff, advanceJourney, recordBuyerConfirmation, startJourneyForDeal } from '#app/journeys/journey.server';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { mulberry32 } from '#app/utils/random.server';
import { assertSeedAllowed, DEFAULT_SEED, normalizeSeed } from '#scripts/seed/demo';
import { seedSurveysForDeals } from '#scripts/seed/surveys';
import { applySurveyResponse } from '#app/surveys/surveys.server';
import type { AskType, CandidateType } from '#app/advocacy/advocacy-types';
import { objectIdFrom } from '#app/utils/ids.server';

export type AdvocacySeedSummary = {
  answered: number;
  advocates: number;
  candidates: number;
  asks: number;
  referrals: number;
  referredDeals: number;
  reviewInvitations: number;
  skipped: boolean;
};

const asSession = (u: { _id: unknown; email: string; name: string; role: string }): SessionUser => ({
  id: String(u._id),
  email: u.email,
  name: u.name,
  role: u.role as SessionUser['role'],
});

/** Moves a journey to live through the real gate: CS accepts, the buyer confirms every other criterion (demo and e2e data). */
export async function goLive(input: { journeyId: string; cs: SessionUser; contact: { id: string; name: string; email: string }; start: Date }) {
  const { journeyId, cs, contact, start } = input;
  for (let step = 0; step < 6; step++) {
    const j = await Journey.findById(journeyId).select('stage stageIndex playbookKey playbookVersion evidence liveAt').lean();
    if (!j || j.liveAt) return;
    const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
    const stage = playbook?.stages[j.stageIndex];
    if (!stage || stage.terminal) return;
    const at = new Date(start.getTime() + (step + 1) * 12 * DAY_MS);
    for (const c of stage.criteria.filter((x) => x.required)) {
      if (j.evidence.some((e) => e.stage === stage.key && e.criterionKey === c.key && !e.retractedAt)) continue;
      if (c.evidenceType === 'cs_acceptance') await acceptHandoff({ user: cs, journeyId, now: at });
      else await recordBuyerConfirmation({ journeyId, stageKey: stage.key, criterionKey: c.key, contact, now: at });
    }
    const moved = await advanceJourney({ user: cs, journeyId, fromStage: stage.key, now: at });
    if (!moved || !moved.ok) return;
  }
}

type Profile = { nps: number; overall: 'yes' | 'partly' | 'no'; consents: { referral: boolean; reference: boolean; caseStudy: boolean }; kept: number };

function profileFor(random: () => number): Profile {
  const r = random();
  const pick = (n: number) => Math.floor(random() * n);
  if (r < 0.5) {
    const consents = { referral: random() < 0.75, reference: random() < 0.7, caseStudy: random() < 0.45 };
    if (!consents.referral && !consents.reference && !consents.caseStudy) consents.referral = true;
    return { nps: 9 + pick(2), overall: 'yes', consents, kept: 0.85 };
  }
  if (r < 0.65) return { nps: 9 + pick(2), overall: 'yes', consents: { referral: false, reference: false, caseStudy: false }, kept: 0.8 };
  if (r < 0.85) return { nps: 7 + pick(2), overall: random() < 0.6 ? 'yes' : 'partly', consents: { referral: random() < 0.3, reference: false, caseStudy: false }, kept: 0.6 };
  return { nps: pick(7), overall: random() < 0.5 ? 'partly' : 'no', consents: { referral: false, reference: random() < 0.2, caseStudy: false }, kept: 0.3 };
}

/**
 * The buyer's answer to one wave, stored and applied the way the survey submit does. The survey
 * was invited when due and answered at `answeredAt` (seedSurveysForDeals played its history).
 */
async function answerWave(input: { dealId: Types.ObjectId; wave: number; random: () => number; answeredAt: Date }) {
  const { dealId, wave, random, answeredAt } = input;
  const survey = await Survey.findOne({ dealId, wave }).lean();
  if (!survey || !survey.invitedAt) return false;
  if (await SurveyResponse.exists({ _id: survey._id })) {
    await applySurveyResponse({ surveyId: survey._id, now: answeredAt });
    return false;
  }
  const deal = await Deal.findById(dealId).select('promises').lean();
  const contact = survey.contactId ? await Contact.findById(survey.contactId).select('name email').lean() : null;
  if (!deal || !contact) return false;
  const p = profileFor(random);
  await SurveyResponse.create({
    _id: survey._id,
    dealId,
    accountId: survey.accountId,
    aeId: survey.aeId,
    contactId: contact._id,
    contactEmail: contact.email,
    wave,
    segment: survey.segment,
    closedWonAt: survey.closedWonAt,
    answeredAt,
    promises: deal.promises.map((pr) => {
      const roll = random();
      const verdict = roll < p.kept ? 'delivered' : roll < p.kept + (1 - p.kept) / 2 ? 'partly' : 'not_yet';
      return { promiseId: pr._id, text: pr.text, category: pr.category, verdict, comment: '' };
    }),
    overall: p.overall,
    nps: p.nps,
    consentReferral: p.consents.referral,
    consentReference: p.consents.reference,
    consentCaseStudy: p.consents.caseStudy,
    comment: p.nps >= 9 ? 'The rollout went the way the sales team said it would.' : p.nps <= 6 ? 'Two of the promised integrations are still not there.' : '',
  });
  await applySurveyResponse({ surveyId: survey._id, now: answeredAt });
  return true;
}

const ask = (type: AskType, over: Partial<AskFormInput> = {}): AskFormInput => ({
  requestId: 'demo-seed',
  type,
  channel: 'email',
  platform: undefined,
  reviewUrlToVisit: '',
  incentive: '',
  message: '',
  phoneStatus: 'sent',
  ...over,
});
const outcome = (over: Partial<AskUpdateInput>): AskUpdateInput => ({
  status: 'accepted',
  reviewUrl: '',
  referenceDate: '',
  caseStudyUrl: '',
  referredCompany: '',
  referredDomain: '',
  referredContactName: '',
  referredContactEmail: '',
  estimatedArr: 0,
  note: '',
  ...over,
});

type Scenario = {
  type: AskType;
  channel?: 'email' | 'phone';
  daysAgo: number;
  steps: { after: number; update: Partial<AskUpdateInput> }[];
  closes?: { arr: number; company: string; domain: string };
};

// Every ask status (review invitations come from the review round below), and referrals that
// became deals (those first: they need referral candidates).
const SCENARIOS: Scenario[] = [
  {
    type: 'referral',
    daysAgo: 75,
    steps: [
      { after: 4, update: { status: 'accepted' } },
      {
        after: 9,
        update: {
          status: 'completed',
          referredCompany: 'Brightwater Logistics',
          referredDomain: 'brightwater-logistics.example',
          referredContactName: 'Dana Brightwater',
          referredContactEmail: 'dana@brightwater-logistics.example',
          estimatedArr: 60_000,
        },
      },
    ],
    closes: { arr: 84_000, company: 'Brightwater Logistics', domain: 'brightwater-logistics.example' },
  },
  {
    type: 'referral',
    daysAgo: 85,
    steps: [
      {
        after: 10,
        update: {
          status: 'completed',
          referredCompany: 'Harbor & Vine Retail',
          referredDomain: 'harborvine.example',
          referredContactName: 'Lou Harbor',
          referredContactEmail: 'lou@harborvine.example',
          estimatedArr: 30_000,
        },
      },
    ],
    closes: { arr: 36_000, company: 'Harbor & Vine Retail', domain: 'harborvine.example' },
  },
  {
    type: 'reference',
    channel: 'phone',
    daysAgo: 60,
    steps: [
      { after: 0, update: { status: 'accepted' } },
      { after: 12, update: { status: 'completed', referenceDate: '' } },
    ],
  },
  { type: 'case_study', daysAgo: 5, steps: [] },
  {
    type: 'referral',
    daysAgo: 50,
    steps: [
      {
        after: 6,
        update: {
          status: 'completed',
          referredCompany: 'Northgate Health',
          referredDomain: 'northgate-health.example',
          referredContactName: 'Priya Northgate',
          referredContactEmail: 'priya@northgate-health.example',
          estimatedArr: 45_000,
        },
      },
    ],
  },
  { type: 'reference', daysAgo: 45, steps: [{ after: 3, update: { status: 'declined', note: 'Too busy this quarter.' } }] },
  { type: 'referral', daysAgo: 40, steps: [] },
  {
    type: 'case_study',
    daysAgo: 65,
    steps: [
      { after: 7, update: { status: 'accepted' } },
      { after: 30, update: { status: 'completed', caseStudyUrl: 'https://kept.example/customers/case-study' } },
    ],
  },
];

/**
 * Adds the advocacy demo on top of the seeded accounts and deals. Run after seedDemoData; a second
 * run does nothing. `maxDeals` bounds how many customers answer their survey.
 */
export async function seedAdvocacyDemo({
  now = new Date(),
  seed = DEFAULT_SEED,
  log = () => undefined,
  maxDeals = 40,
  nodeEnv = process.env.NODE_ENV,
}: { now?: Date; seed?: number | string; log?: (line: string) => void; maxDeals?: number; nodeEnv?: string } = {}): Promise<AdvocacySeedSummary> {
  assertSeedAllowed(nodeEnv);
  const summary: AdvocacySeedSummary = { answered: 0, advocates: 0, candidates: 0, asks: 0, referrals: 0, referredDeals: 0, reviewInvitations: 0, skipped: false };
  const doneKey = `demo:advocacy:${normalizeSeed(seed)}`;
  if (await getClaim(doneKey)) return { ...summary, skipped: true };
  const random = mulberry32(normalizeSeed(seed) ^ 0x5eed);

  const [marketingDoc, csDoc, salesDoc] = await Promise.all(
    ['marketing@kept.demo', 'cs@kept.demo', 'sales@kept.demo'].map((email) => User.findOne({ email }).select('email name role').lean()),
  );
  if (!marketingDoc || !csDoc || !salesDoc) throw new Error('Run seedDemoData first: the demo users are missing.');
  const marketing = asSession(marketingDoc);
  const cs = asSession(csDoc);

  // Customers well past their 9-month wave (answered months ago, so marketing's asks come after): they go live and answer.
  const deals = await Deal.find({ source: 'seed', closedWonAt: trusted({ $lte: new Date(now.getTime() - 320 * DAY_MS) }) })
    .sort({ _id: 1 })
    .limit(maxDeals * 3)
    .select('_id crmId accountId aeId closedWonAt promises')
    .lean();
  const chosen = deals.filter(() => random() < 0.7).slice(0, maxDeals);
  for (const deal of chosen) {
    const contact = await Contact.findOne({ accountId: deal.accountId, isPrimary: true, emailStatus: 'ok' }).select('accountId name email isPrimary').lean();
    const account = await Account.findById(deal.accountId).select('segment').lean();
    if (!contact || !account) continue;
    const { journeyId } = await startJourneyForDeal({ dealId: deal._id, now: deal.closedWonAt });
    await goLive({ journeyId, cs, contact: { id: String(contact._id), name: contact.name, email: contact.email }, start: deal.closedWonAt });
    // The deal's waves as the worker played them since its intake on the close date (a history
    // the real code could have produced): the latest wave due a month ago invited and answered
    // (below, with an advocate profile), earlier ones answered or not as buyers do. Being the
    // latest survey, the one where the contact said yes, it leaves marketing free to ask.
    // With its journey, so a wave due before go-live is held as the worker would have held it.
    const journey = await Journey.findById(journeyId).select('dealId liveAt').lean();
    const { toAnswer } = await seedSurveysForDeals({ deals: [deal], accounts: [account], contacts: [contact], journeys: journey ? [journey] : [], now, answering: 'latest' });
    const answered =
      toAnswer[0] ??
      (await Survey.findOne({ dealId: deal._id, state: 'answered' })
        .sort({ wave: -1 })
        .select('wave answeredAt')
        .lean()
        .then((s) => (s?.answeredAt ? { wave: s.wave, at: s.answeredAt } : null)));
    if (answered && (await answerWave({ dealId: deal._id, wave: answered.wave, random, answeredAt: answered.at }))) summary.answered++;
    await refreshAdvocacyForDeal({ dealId: deal._id, now });
  }
  log(`  advocacy: ${summary.answered} customers went live and answered their latest survey`);

  // Marketing's asks of the best-ranked candidates, back in time so every status shows.
  const candidates = await Advocate.find({ current: true, qualifies: trusted({ $ne: [] }) })
    .sort({ rank: -1, _id: 1 })
    .lean();
  const used = new Set<string>();
  for (const scenario of SCENARIOS) {
    // The best-ranked candidate marketing may ask then. A later survey wave may have used a
    // contact's ask budget: the next candidate is tried, and failing all, the first one free
    // again, if the scenario still fits before today.
    const tryAsk = async (advocateId: string, at: Date) => {
      const id = objectIdFrom(`demo:ask:${advocateId}`);
      const made = await createAsk({
        user: marketing,
        target: { advocateId },
        askId: id,
        form: ask(scenario.type, { channel: scenario.channel ?? 'email', requestId: `demo-${String(id)}` }),
        now: at,
      });
      return made.ok ? id : { freeAt: 'nextAvailableAt' in made && made.nextAvailableAt ? new Date(made.nextAvailableAt) : null };
    };
    const lastStep = Math.max(0, ...scenario.steps.map((st) => st.after)) + (scenario.closes ? 30 : 0);
    let sentAt = new Date(now.getTime() - scenario.daysAgo * DAY_MS);
    let asked: { id: Types.ObjectId; advocateId: string } | null = null;
    let soonest: { advocateId: string; at: Date } | null = null;
    for (const advocate of candidates.filter((a) => !used.has(String(a._id)) && a.qualifies.includes(scenario.type as CandidateType))) {
      const result = await tryAsk(String(advocate._id), sentAt);
      if (!('freeAt' in result)) {
        asked = { id: result, advocateId: String(advocate._id) };
        break;
      }
      if (result.freeAt && (!soonest || result.freeAt < soonest.at)) soonest = { advocateId: String(advocate._id), at: result.freeAt };
    }
    if (!asked && soonest && soonest.at.getTime() + (lastStep + 1) * DAY_MS < now.getTime()) {
      const at = new Date(soonest.at.getTime() + DAY_MS);
      const result = await tryAsk(soonest.advocateId, at);
      if (!('freeAt' in result)) {
        asked = { id: result, advocateId: soonest.advocateId };
        sentAt = at;
      }
    }
    if (!asked) {
      log(`  advocacy: no candidate could be asked for a demo ${scenario.type} ask ${scenario.daysAgo} days ago`);
      continue;
    }
    used.add(asked.advocateId);
    const askId = asked.id;
    summary.asks++;
    for (const step of scenario.steps) {
      const at = new Date(sentAt.getTime() + step.after * DAY_MS);
      const update = outcome({ ...step.update, ...(step.update.status === 'completed' && scenario.type === 'reference' ? { referenceDate: at.toISOString().slice(0, 10) } : {}) });
      const result = await updateAsk({ user: marketing, askId: String(askId), input: update, now: at });
      if (result.ok && result.referralId) {
        summary.referrals++;
        if (scenario.closes) {
          const closedAt = new Date(at.getTime() + 30 * DAY_MS);
          const intake = await intakeClosedWonDeal({
            input: {
              source: 'seed',
              crmId: `demo-referral-${result.referralId}`,
              name: `${scenario.closes.company} - Platform`,
              closedWonAt: closedAt,
              arr: scenario.closes.arr,
              currency: 'USD',
              aeId: String(salesDoc._id),
              account: { name: scenario.closes.company, domain: scenario.closes.domain, segment: 'mid-market' },
              contact: { name: update.referredContactName, email: update.referredContactEmail },
              promises: [{ text: 'Live in six weeks with the warehouse team onboarded', successCriterion: 'All warehouse leads use Kept weekly by week 6', category: 'adoption' }],
            },
            now: closedAt,
          });
          const linked = await linkReferralToDeal({ referralId: result.referralId, dealId: intake.dealId, via: 'seed', now: closedAt });
          if (linked.ok) summary.referredDeals++;
        }
      }
    }
  }
  // Asks sent weeks ago without an answer become "no response".
  await expireUnansweredAsks({ now });

  // One impartial review round: a random sample of everyone live long enough, whatever their score.
  if (!(await ReviewCampaign.exists({}))) {
    const round = await createReviewCampaign({
      user: marketing,
      input: { platform: 'capterra', reviewUrl: 'https://reviews.capterra.example/new/kept', incentive: 'a USD 25 gift card', mode: 'sample', sampleSize: 8 },
      now: new Date(now.getTime() - 20 * DAY_MS),
      sendNow: 100,
    });
    if (round.ok) {
      summary.reviewInvitations = round.invited;
      // Two of the invited answered: one said yes, one published a review.
      const invited = await Ask.find({ campaignId: round.campaignId }).sort({ _id: 1 }).limit(2).select('_id').lean();
      const steps: Partial<AskUpdateInput>[] = [{ status: 'accepted' }, { status: 'completed', reviewUrl: 'https://reviews.capterra.example/kept/review-4521' }];
      for (const [i, a] of invited.entries())
        await updateAsk({ user: marketing, askId: String(a._id), input: outcome(steps[i]), now: new Date(now.getTime() - (12 - i) * DAY_MS) });
    }
  }
  await expireUnansweredAsks({ now });

  summary.advocates = await Advocate.countDocuments({});
  summary.candidates = await Advocate.countDocuments({ current: true, qualifies: trusted({ $ne: [] }) });
  summary.asks = await Ask.countDocuments({});
  await claimOnce({ key: doneKey, owner: 'seed', now, data: { ...summary } });
  log(`  advocacy: ${summary.advocates} advocates (${summary.candidates} candidates), ${summary.asks} asks, ${summary.referrals} referrals, ${summary.referredDeals} became deals`);
  return summary;
}
