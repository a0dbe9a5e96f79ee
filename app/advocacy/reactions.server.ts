// Advocacy's reactions to what other areas record (app/platform/events.server.ts): the one place
// where journeys, surveys and deals reach advocacy. Loaded for its effect by the web server's entry
// (app/entry.server.tsx), the worker (app/worker/worker.server.ts), the demo seed and the unit tests'
// setup. The repair for a reaction that failed or never ran: docs/advocacy.md ("Reactions").
import { log } from '#app/utils/log.server';
import { onRecorded } from '#app/platform/events.server';
import { linkReferralToDeal } from '#app/advocacy/referrals.server';
import { refreshAdvocacyForDeal } from '#app/advocacy/refresh.server';

// A survey answer may make (or unmake) a referral / reference / case-study candidate (issue 6).
onRecorded('survey.answered', 'advocacy.refresh', ({ dealId, surveyId, now }) => refreshAdvocacyForDeal({ dealId, now, surveyId }));

// A customer who already answered their survey may become an advocate at go-live (issue 6).
onRecorded('journey.live', 'advocacy.refresh', ({ dealId, now }) => refreshAdvocacyForDeal({ dealId, now }));

// A promise recovered (the buyer answered "Delivered" when re-asked) counts as kept (docs/reask.md).
onRecorded('recovery.closed', 'advocacy.refresh', ({ dealId, now }) => refreshAdvocacyForDeal({ dealId, now }));

// A referred deal links back to its referral (attribution); a bad id is logged, never fatal.
onRecorded('deal.referred', 'advocacy.link-referral', async ({ dealId, referralId, via, now }) => {
  const result = await linkReferralToDeal({ referralId, dealId: String(dealId), via, now });
  if (!result.ok) log('warn', 'Referral id on an incoming deal could not be linked', { referralId, dealId: String(dealId), via, reason: result.error });
});
