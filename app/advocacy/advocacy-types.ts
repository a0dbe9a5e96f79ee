// Pure constants and labels of the advocacy domain, shared by models (server) and pages (browser).

/** What marketing can ask an advocate for. A review invitation is not gated on satisfaction. */
export const ASK_TYPES = ['review', 'reference', 'case_study', 'referral'] as const;
export type AskType = (typeof ASK_TYPES)[number];
/** The ask types that need a happy customer who said yes in their survey. */
export const CANDIDATE_TYPES = ['referral', 'reference', 'case_study'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];

export const ASK_CHANNELS = ['email', 'phone'] as const;
export type AskChannel = (typeof ASK_CHANNELS)[number];

/** sent -> accepted -> completed; sent/accepted -> declined; sent -> no_response (after N days, or by hand). */
export const ASK_STATUSES = ['sent', 'accepted', 'completed', 'declined', 'no_response'] as const;
export type AskStatus = (typeof ASK_STATUSES)[number];

export const REVIEW_PLATFORMS = ['g2', 'trustradius', 'capterra', 'custom'] as const;
export type ReviewPlatform = (typeof REVIEW_PLATFORMS)[number];

export const REFERRAL_STATUSES = ['open', 'won', 'lost'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const ASK_TYPE_LABELS: Record<AskType, string> = {
  review: 'Review invitation',
  reference: 'Reference call',
  case_study: 'Case study',
  referral: 'Referral',
};

export const ASK_STATUS_LABELS: Record<AskStatus, string> = {
  sent: 'Sent',
  accepted: 'Accepted',
  completed: 'Completed',
  declined: 'Declined',
  no_response: 'No response',
};

export const PLATFORM_LABELS: Record<ReviewPlatform, string> = {
  g2: 'G2',
  trustradius: 'TrustRadius',
  capterra: 'Capterra',
  custom: 'Custom URL',
};

/** Badge colour class per ask status (app.css .badge variants). */
export const ASK_STATUS_BADGE: Record<AskStatus, string> = {
  sent: 'muted',
  accepted: 'warn',
  completed: 'ok',
  declined: 'bad',
  no_response: 'muted',
};

/** Which statuses an ask may move to from each status (the server enforces the same table). */
export const ASK_TRANSITIONS: Record<AskStatus, readonly AskStatus[]> = {
  sent: ['accepted', 'completed', 'declined', 'no_response'],
  accepted: ['completed', 'declined'],
  // A late answer still counts.
  no_response: ['accepted', 'completed', 'declined'],
  completed: [],
  declined: [],
};
