// Demo recovery cases in every state (docs/recovery.md), played through the real code: five
// customers go live, their buyer answers the 6-month survey with a promise "Not yet" (the reaction
// to survey.answered opens the cases and emails the CSM and the rep), then CS works the cases back
// in time. Blackglen Construction is the walk-through's detractor (NPS 0, "not what we were sold").
// Run after seedDemoData; a second run does nothing.
import { Account } from '#models/account';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { RecoveryCase } from '#models/recovery-case';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { claimOnce, getClaim } from '#app/platform/claims.server';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import { agreePlan, escalateCase, markDelivered, markWontDeliver, sendPlanToBuyer } from '#app/recovery/cases.server';
import { confirmRecoveryPlan } from '#app/recovery/buyer-plan.server';
import { applySurveyResponse, bumpSurveyMetrics } from '#app/surveys/surveys.server';
// The seed applies survey answers as the submit does: recovery opens the cases.
import '#app/recovery/reactions.server';
import { assertSeedAllowed, DEFAULT_SEED, normalizeSeed } from '#scripts/seed/demo';
import { goLive } from '#scripts/seed/advocacy';

const DAY = 86_400_000;
type Verdict = 'delivered' | 'partly' | 'not_yet';
type Story = {
  key: string;
  account: { name: string; domain: string; segment: 'smb' | 'mid-market' | 'enterprise' };
  contact: { name: string; email: string; title: string };
  arr: number;
  /** Days ago the buyer answered the 6-month survey. */
  answeredDaysAgo: number;
  promises: Array<{
    text: string;
    successCriterion: string;
    category: 'time-savings' | 'cost-reduction' | 'revenue-growth' | 'adoption' | 'integration' | 'compliance' | 'other';
    verdict: Verdict;
    comment?: string;
  }>;
  overall: 'yes' | 'partly' | 'no';
  nps: number;
  comment: string;
  /** What CS did with the case of the first promise (and, for Blackglen, the overall case). */
  then: (c: { caseId: string; overallId: string | null; cs: SessionUser; at: (daysAfterAnswer: number) => Date; contact: { id: string; name: string } }) => Promise<unknown>;
};

const STORIES: Story[] = [
  {
    key: 'blackglen',
    account: { name: 'Blackglen Construction', domain: 'blackglen.example', segment: 'enterprise' },
    contact: { name: 'Dana Whitfield', email: 'dana.whitfield@blackglen.example', title: 'Operations Director' },
    arr: 184_000,
    answeredDaysAgo: 2,
    promises: [
      {
        text: 'Site reports sync to the ERP every night',
        successCriterion: 'No manual re-keying of site reports into the ERP',
        category: 'integration',
        verdict: 'not_yet',
        comment: 'The sync failed 14 of the last 20 nights. Our controller reconciles the reports by hand every Monday.',
      },
      { text: 'Site managers file their daily report in under 10 minutes', successCriterion: 'Median report time under 10 minutes', category: 'time-savings', verdict: 'partly' },
      { text: 'Rework costs down 15 % within two quarters', successCriterion: 'Rework cost per project down 15 %', category: 'cost-reduction', verdict: 'delivered' },
    ],
    overall: 'no',
    nps: 0,
    comment: 'We are not getting what we were sold. The ERP sync was the reason we signed.',
    // The promise case stays open (its SLA runs); the overall one has a plan the buyer has not confirmed yet.
    then: async ({ overallId, cs, at }) => {
      if (!overallId) return;
      await agreePlan({
        user: cs,
        caseId: overallId,
        input: {
          rev: 0,
          planText: 'Weekly call with Dana and the controller until the ERP sync has run clean for 30 nights; a named engineer owns the connector.',
          dueBy: isoDay(at(30)),
        },
        now: at(1),
      });
      await sendPlanToBuyer({ user: cs, caseId: overallId, now: at(1) });
    },
  },
  {
    key: 'harrowgate',
    account: { name: 'Harrowgate Logistics', domain: 'harrowgate.example', segment: 'mid-market' },
    contact: { name: 'Owen Pryce', email: 'owen.pryce@harrowgate.example', title: 'Head of Fleet' },
    arr: 62_000,
    answeredDaysAgo: 12,
    promises: [
      {
        text: 'Dispatchers see live ETAs for every truck',
        successCriterion: 'ETA shown for 95 % of active trucks',
        category: 'adoption',
        verdict: 'not_yet',
        comment: 'Half of our trucks still show no ETA: the older telematics boxes are not connected.',
      },
    ],
    overall: 'partly',
    nps: 6,
    comment: 'Good product, but the ETA board is only half full.',
    // Plan agreed and confirmed by the buyer on the plan page.
    then: async ({ caseId, cs, at, contact }) => {
      await agreePlan({
        user: cs,
        caseId,
        input: { rev: 0, planText: 'Connect the 40 older telematics boxes through the gateway, 10 a week, and review the ETA board with Owen each Friday.', dueBy: isoDay(at(35)) },
        now: at(3),
      });
      const c = await RecoveryCase.findById(caseId).select('dealId plan').lean();
      if (c?.plan) await confirmRecoveryPlan({ dealId: c.dealId, caseId, planVersion: c.plan.agreedAt.toISOString(), contact, now: at(4) });
    },
  },
  {
    key: 'fenmore',
    account: { name: 'Fenmore Dental Group', domain: 'fenmore.example', segment: 'smb' },
    contact: { name: 'Leah Marsh', email: 'leah.marsh@fenmore.example', title: 'Practice Manager' },
    arr: 24_000,
    answeredDaysAgo: 70,
    promises: [
      {
        text: 'Patients book online without calling',
        successCriterion: '60 % of bookings online',
        category: 'time-savings',
        verdict: 'not_yet',
        comment: 'The booking page does not show the hygienists, so patients still call.',
      },
    ],
    overall: 'partly',
    nps: 7,
    comment: '',
    // Planned, done, and marked delivered.
    then: async ({ caseId, cs, at }) => {
      await agreePlan({
        user: cs,
        caseId,
        input: { rev: 0, planText: 'Add the hygienists’ calendars to the booking page and send the new link to every patient.', dueBy: isoDay(at(21)) },
        now: at(2),
      });
      await markDelivered({ user: cs, caseId, input: { rev: 1, note: 'Hygienists bookable online since the 3rd; 64 % of last week’s bookings came in online.' }, now: at(24) });
    },
  },
  {
    key: 'kestrel',
    account: { name: 'Kestrel Outdoor Supply', domain: 'kestrel.example', segment: 'mid-market' },
    contact: { name: 'Ravi Menon', email: 'ravi.menon@kestrel.example', title: 'E-commerce Lead' },
    arr: 48_000,
    answeredDaysAgo: 40,
    promises: [
      {
        text: 'Returns are processed in the legacy POS',
        successCriterion: 'Returns flow into the POS without re-entry',
        category: 'integration',
        verdict: 'not_yet',
        comment: 'We were told the POS connector was coming. It never did.',
      },
    ],
    overall: 'partly',
    nps: 5,
    comment: 'The rest works, but returns are still double work.',
    // Closed: won't deliver, with the reason.
    then: async ({ caseId, cs, at }) =>
      markWontDeliver({
        user: cs,
        caseId,
        input: { rev: 0, reason: 'The POS vendor retired the API the connector needed. We offered the CSV bridge and a credit; Ravi accepted.', confirm: 'yes' },
        now: at(9),
      }),
  },
  {
    key: 'ridgeway',
    account: { name: 'Ridgeway Analytics', domain: 'ridgeway.example', segment: 'enterprise' },
    contact: { name: 'Mei Tan', email: 'mei.tan@ridgeway.example', title: 'VP Data' },
    arr: 132_000,
    answeredDaysAgo: 16,
    promises: [
      {
        text: 'Single sign-on for every analyst',
        successCriterion: 'All analysts sign in through Okta',
        category: 'compliance',
        verdict: 'not_yet',
        comment: 'Our security team blocks the rollout until SSO works for the contractors too.',
      },
    ],
    overall: 'no',
    nps: 3,
    comment: 'Blocked on SSO for two months now.',
    // Escalated by the CSM: it needs engineering time they cannot get alone.
    then: async ({ caseId, cs, at }) =>
      escalateCase({ user: cs, caseId, input: { rev: 0, note: 'SSO for guest users needs the identity team; no date from them yet.' }, now: at(6) }),
  },
];

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export type RecoverySeedSummary = { customers: number; cases: number; skipped: boolean };

export async function seedRecoveryDemo({
  now = new Date(),
  seed = DEFAULT_SEED,
  log = () => undefined,
  nodeEnv = process.env.NODE_ENV,
}: { now?: Date; seed?: number | string; log?: (line: string) => void; nodeEnv?: string } = {}): Promise<RecoverySeedSummary> {
  assertSeedAllowed(nodeEnv);
  const doneKey = `demo:recovery:${normalizeSeed(seed)}`;
  if (await getClaim(doneKey)) return { customers: 0, cases: 0, skipped: true };
  const [csDoc, salesDoc] = await Promise.all(['cs@kept.demo', 'sales@kept.demo'].map((email) => User.findOne({ email }).select('email name role').lean()));
  if (!csDoc || !salesDoc) throw new Error('Run seedDemoData first: the demo users are missing.');
  const cs: SessionUser = { id: String(csDoc._id), email: csDoc.email, name: csDoc.name, role: csDoc.role as SessionUser['role'] };
  let customers = 0;
  for (const story of STORIES) {
    const answeredAt = new Date(now.getTime() - story.answeredDaysAgo * DAY);
    const closedWonAt = new Date(answeredAt.getTime() - 190 * DAY);
    const intake = await intakeClosedWonDeal({
      input: {
        source: 'seed',
        crmId: `demo-recovery-${story.key}`,
        name: `${story.account.name} - Platform`,
        closedWonAt,
        arr: story.arr,
        currency: 'USD',
        aeId: String(salesDoc._id),
        account: story.account,
        contact: { name: story.contact.name, email: story.contact.email, title: story.contact.title },
        promises: story.promises.map(({ text, successCriterion, category }) => ({ text, successCriterion, category })),
      },
      now: closedWonAt,
    });
    if (!intake.created || !intake.journeyId) continue;
    await Account.updateOne({ _id: intake.accountId }, { $set: { csmId: cs.id } });
    await Journey.updateOne({ _id: intake.journeyId }, { $set: { csmId: cs.id } });
    const contact = await Contact.findOne({ accountId: intake.accountId, email: story.contact.email }).select('name email').lean();
    if (!contact) continue;
    await goLive({ journeyId: intake.journeyId, cs, contact: { id: String(contact._id), name: contact.name, email: contact.email }, start: closedWonAt });
    // The 6-month wave went out a few days before the answer.
    const survey = await Survey.findOne({ dealId: intake.dealId, wave: 6 }).lean();
    const deal = await Deal.findById(intake.dealId).select('promises').lean();
    if (!survey || !deal) continue;
    const sentAt = new Date(answeredAt.getTime() - 3 * DAY);
    await Survey.updateOne(
      { _id: survey._id },
      {
        $set: {
          state: 'sent',
          contactId: contact._id,
          contactEmail: contact.email,
          contactName: contact.name,
          invitedAt: sentAt,
          sentAt,
          expiresAt: new Date(sentAt.getTime() + 30 * DAY),
        },
        $inc: { leaseGen: 1 },
      },
    );
    // Counted as invited, as the worker's send counts it (the funnel's response rate reads it).
    await bumpSurveyMetrics({ invited: [survey] });
    await SurveyResponse.create({
      _id: survey._id,
      dealId: intake.dealId,
      accountId: intake.accountId,
      aeId: salesDoc._id,
      contactId: contact._id,
      contactEmail: contact.email,
      wave: 6,
      segment: story.account.segment,
      closedWonAt,
      answeredAt,
      promises: deal.promises.map((p, i) => ({
        promiseId: p._id,
        text: p.text,
        category: p.category,
        verdict: story.promises[i].verdict,
        comment: story.promises[i].comment ?? '',
      })),
      overall: story.overall,
      nps: story.nps,
      comment: story.comment,
    });
    // As the buyer's submit does: the reaction to survey.answered opens the cases.
    await applySurveyResponse({ surveyId: survey._id, now: answeredAt });
    const first = await RecoveryCase.findOne({ dealId: intake.dealId, promiseKey: String(deal.promises[0]._id) })
      .select('_id')
      .lean();
    const overall = await RecoveryCase.findOne({ dealId: intake.dealId, promiseKey: 'overall' }).select('_id').lean();
    if (first) {
      await story.then({
        caseId: String(first._id),
        overallId: overall ? String(overall._id) : null,
        cs,
        at: (days) => new Date(answeredAt.getTime() + days * DAY),
        contact: { id: String(contact._id), name: contact.name },
      });
    }
    customers++;
  }
  const cases = await RecoveryCase.countDocuments({});
  await claimOnce({ key: doneKey, owner: 'seed', now, data: { customers, cases } });
  log(`  recovery: ${customers} customers answered "Not yet"; ${cases} recovery cases in all`);
  return { customers, cases, skipped: false };
}
