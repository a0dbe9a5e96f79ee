// Run by test/e2e/global-setup.ts with tsx in its own process (so mongoose and process.env of the
// vitest process stay untouched): seeds the demo data into MONGODB_URI and prints the ids the
// specs need as one `SEEDED {...}` line. `--drop` drops that database instead (CI teardown).
import mongoose from 'mongoose';
import { connectDb, disconnectDb, trusted } from '#app/platform/db.server';

export type SeededIds = {
  /** Demo user ids by email. */
  users: Record<string, string>;
  /** An account and a deal owned by sales@kept.demo (visible to every role). */
  accountId: string;
  dealId: string;
  /** The journey and a survey of that deal, when the seed made them. */
  journeyId: string | null;
  surveyId: string | null;
  /** A deal (and its journey) of another rep, and an account with no deal of sales@kept.demo: hidden from that rep. */
  otherDealId: string | null;
  otherJourneyId: string | null;
  otherSurveyId: string | null;
  otherAccountId: string | null;
  /** A referral/reference/case-study candidate and an ask made of one (advocacy demo data). */
  advocateId: string | null;
  askId: string | null;
  /** A recovery case of a promise sales@kept.demo made (Blackglen Construction's, open). */
  caseId: string | null;
};

const args = process.argv.slice(2);
const accounts = Number(args[args.indexOf('--accounts') + 1]) || 40;

await connectDb();
try {
  if (args.includes('--drop')) {
    await mongoose.connection.dropDatabase();
  } else {
    const { seedDemoData, DEMO_USERS } = await import('#scripts/seed/demo');
    const now = new Date();
    await seedDemoData({ accounts, seed: 2026, now, log: (line: string) => console.error(`[seed] ${line}`) });
    // The advocacy demo first, as `npm start` seeds it: it plays its deals' survey history from the
    // close date (invited, then answered), which it cannot do over waves already scheduled.
    const { seedAdvocacyDemo } = await import('#scripts/seed/advocacy');
    await seedAdvocacyDemo({ now, seed: 2026, log: (line: string) => console.error(`[seed] ${line}`) });
    // Recovery cases in every state (Blackglen Construction's detractor among them).
    const { seedRecoveryDemo } = await import('#scripts/seed/recovery');
    await seedRecoveryDemo({ now, seed: 2026, log: (line: string) => console.error(`[seed] ${line}`) });
    // What intake and the worker's safety nets give every other closed-won deal: its journey and its
    // survey waves (no-ops for deals the seed already gave them).
    const { startMissingJourneys } = await import('#app/journeys/journey.server');
    const { scheduleMissingSurveys } = await import('#app/surveys/surveys.server');
    const journeys = await startMissingJourneys({ since: new Date(0), now });
    const surveys = await scheduleMissingSurveys({ since: new Date(0), now });
    console.error(`[seed] intake safety nets: ${journeys.started} journeys started, ${surveys.scheduled} deals got survey waves`);
    const { seedReaskDemo } = await import('#scripts/seed/reask');
    await seedReaskDemo({ now, log: (line: string) => console.error(`[seed] ${line}`) });
    const { seedBuyerTaskDemo } = await import('#scripts/seed/buyer-tasks');
    await seedBuyerTaskDemo({ now, log: (line: string) => console.error(`[seed] ${line}`) });
    // Journeys waiting on the customer: confirmed (SLA paused), claimed only, ended (docs/buyer-delays.md).
    const { seedDelayDemo } = await import('#scripts/seed/delays');
    await seedDelayDemo({ now, log: (line: string) => console.error(`[seed] ${line}`) });
    const { User } = await import('#models/user');
    const { Deal } = await import('#models/deal');
    const { Account } = await import('#models/account');
    const { Journey } = await import('#models/journey');
    const { Survey } = await import('#models/survey');
    const emails = DEMO_USERS.map((u: { email: string }) => u.email);
    const users = Object.fromEntries(
      (
        await User.find({ email: trusted({ $in: emails }) })
          .select('email')
          .lean()
      ).map((u) => [u.email, String(u._id)]),
    );
    const salesId = users['sales@kept.demo'];
    if (!salesId) throw new Error('The seed did not create sales@kept.demo.');
    const own = await Deal.findOne({ aeId: salesId }).select('accountId').lean();
    if (!own) throw new Error('The seed gave sales@kept.demo no deal: the access test needs one.');
    const otherDeal = await Deal.findOne({ aeId: trusted({ $ne: salesId }) })
      .select('_id')
      .lean();
    const otherAccount = await Account.findOne({ aeIds: trusted({ $ne: salesId }) })
      .select('_id')
      .lean();
    const journeyOf = async (dealId: unknown) => {
      const journey = dealId ? await Journey.findOne({ dealId }).select('_id').lean() : null;
      return journey ? String(journey._id) : null;
    };
    const surveyOf = async (dealId: unknown) => {
      const survey = dealId ? await Survey.findOne({ dealId }).select('_id').lean() : null;
      return survey ? String(survey._id) : null;
    };
    const ids: SeededIds = {
      users,
      accountId: String(own.accountId),
      dealId: String(own._id),
      journeyId: await journeyOf(own._id),
      surveyId: await surveyOf(own._id),
      otherDealId: otherDeal ? String(otherDeal._id) : null,
      otherJourneyId: await journeyOf(otherDeal?._id),
      otherSurveyId: await surveyOf(otherDeal?._id),
      otherAccountId: otherAccount ? String(otherAccount._id) : null,
      advocateId: await import('#models/advocate')
        .then(({ Advocate }) =>
          Advocate.findOne({ current: true, qualifies: trusted({ $ne: [] }) })
            .sort({ rank: -1 })
            .select('_id')
            .lean(),
        )
        .then((a) => (a ? String(a._id) : null)),
      askId: await import('#models/ask').then(({ Ask }) => Ask.findOne({}).select('_id').lean()).then((a) => (a ? String(a._id) : null)),
      caseId: await import('#models/recovery-case')
        .then(({ RecoveryCase }) =>
          RecoveryCase.findOne({ aeId: salesId, status: 'open', promiseKey: trusted({ $ne: 'overall' }) })
            .sort({ openedAt: -1 })
            .select('_id')
            .lean(),
        )
        .then((c) => (c ? String(c._id) : null)),
    };
    console.log(`SEEDED ${JSON.stringify(ids)}`);
  }
} finally {
  await disconnectDb();
}
