// Advocacy: referral, reference and case-study candidates linked to the deal and rep that won them,
// asks under one ask budget, review invitations that follow the review platforms' rules, and
// referral attribution (advocate -> referral -> new deal -> referred revenue). The rules themselves
// are pure functions in advocacy-rules.server.ts.
//
// This file is the area's public entry point: routes and the worker import from here. The code:
//   candidates.server.ts        the candidates pages and the expansion list (reads)
//   candidate-index.server.ts   their in-memory indexes
//   refresh.server.ts           a deal's advocate recomputed from its latest answer; the nightly sweep
//   advocates.server.ts         an advocate's facts, flags and the write that keeps its rollup in step
//   reactions.server.ts         what advocacy does when surveys, journeys and deals record something
//   asks.server.ts              asks: create, move, expire, list
//   ask-budget.server.ts        the ask budget (chains of unique slots)
//   review-campaigns.server.ts  rounds of review invitations
//   referrals.server.ts         referrals and their links to the deals they became
//   figures.server.ts           the rollups (described there), the figures page, CSV exports, rebuild
//   forms.ts                    the pages' zod forms
//   revise.server.ts            guarded revisions (optimistic concurrency on `rev`)
//   shared.server.ts            settings, who may write, rollup names
export { requireAdvocacyWriter } from '#app/advocacy/shared.server';
export { AskFormSchema, AskUpdateSchema, ReferralActionSchema, ReferralFormSchema, ReviewCampaignFormSchema } from '#app/advocacy/forms';
export { CandidateQuerySchema, getCandidate, listCandidates, listExpansionCandidates } from '#app/advocacy/candidates.server';
export { runAdvocacyNightly } from '#app/advocacy/refresh.server';
export { AskListQuerySchema, createAsk, expireUnansweredAsks, getAsk, listAsks, updateAsk } from '#app/advocacy/asks.server';
export { createReviewCampaign, getReviewCampaign, getReviewOverview, processDueReviewCampaigns } from '#app/advocacy/review-campaigns.server';
export { closeReferral, createReferral, getReferralOrigin, linkReferralToDeal, listReferrals, ReferralListQuerySchema, unlinkReferral } from '#app/advocacy/referrals.server';
export { exportAsksCsv, exportCandidatesCsv, getAdvocacyFigures, rebuildAdvocacyMetrics } from '#app/advocacy/figures.server';
