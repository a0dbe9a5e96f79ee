// Survey labels shared by pages (pure constants, safe in the browser; the models stay server-only).
export const SURVEY_STATE_LIST = ['scheduled', 'sent', 'reminded', 'answered', 'expired', 'bounced', 'skipped', 'cancelled'] as const;

export const SURVEY_STATE_LABELS: Record<string, string> = {
  scheduled: 'Scheduled',
  sent: 'Sent',
  reminded: 'Reminded',
  answered: 'Answered',
  expired: 'Expired',
  bounced: 'Bounced',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

export const SURVEY_STATE_BADGE: Record<string, string> = {
  scheduled: 'muted',
  sent: 'warn',
  reminded: 'warn',
  answered: 'ok',
  expired: 'muted',
  bounced: 'bad',
  skipped: 'muted',
  cancelled: 'muted',
};

export const VERDICT_LABELS: Record<string, string> = { delivered: 'Delivered', partly: 'Partly', not_yet: 'Not yet' };
export const VERDICT_BADGE: Record<string, string> = { delivered: 'ok', partly: 'warn', not_yet: 'bad' };
export const OVERALL_LABELS: Record<string, string> = { yes: 'Yes', partly: 'Partly', no: 'No' };
export const OVERALL_BADGE: Record<string, string> = { yes: 'ok', partly: 'warn', no: 'bad' };

/** Why a survey stopped or needs a new contact, as CS should read it. */
export const STOP_REASON_LABELS: Record<string, string> = {
  bounced: 'The contact’s address bounced',
  complained: 'The contact marked the email as spam',
  unsubscribed: 'The contact unsubscribed',
  'no-recipient': 'The account has no primary contact',
  cancelled: 'Cancelled by customer success',
};
