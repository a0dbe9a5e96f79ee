// The rules of outgoing webhooks and Slack messages, as plain values (docs/webhooks.md): which
// events an endpoint may take, an event's id, which URLs an admin may register, and what an
// attempt's answer means for the delivery (delivered, retried when, or failed).
/** The events an endpoint or a Slack channel may subscribe to, with what each means. */
export const WEBHOOK_EVENTS = {
  'deal.closed_won': 'A closed-won deal was recorded (form, CSV import, CRM webhook)',
  'journey.stage_changed': 'A journey moved to another stage',
  'journey.live': 'A customer went live (the journey reached its last stage)',
  'survey.answered': 'A buyer answered a value survey',
  'promise.not_kept': 'A buyer judged a promise “Not yet”',
  'recovery.closed': 'A recovery case was closed (delivered, or won’t deliver)',
  'advocate.candidate': 'A customer became an advocate candidate',
  'referral.won': 'A referral turned into a closed-won deal',
} as const;
export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEvent[];
export const isWebhookEvent = (type: string): type is WebhookEvent => Object.hasOwn(WEBHOOK_EVENTS, type);

/** The Slack teams and their labels. */
export const SLACK_TEAM_LABELS = { cs: 'Customer success', sales: 'Sales', marketing: 'Marketing', leadership: 'Leadership' } as const;
export type SlackTeam = keyof typeof SLACK_TEAM_LABELS;

// ---------------------------------------------------------------------------------------------
// URLs an admin may register

const MAX_URL = 2048;

/** Why Kept refuses `raw` as an endpoint URL, or null when it takes it. https only in production. */
export function endpointUrlProblem(raw: string, { production }: { production: boolean }): string | null {
  if (raw.length > MAX_URL) return `Use at most ${MAX_URL} characters.`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter a full URL, e.g. https://example.com/hooks/kept.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https:// URL.';
  if (production && url.protocol !== 'https:') return 'Use an https:// URL: Kept sends customer data only over TLS.';
  if (url.username || url.password) return 'Leave the user name and password out of the URL; Kept signs every request instead.';
  if (url.hash) return 'Leave the #fragment out of the URL.';
  return null;
}

/** Why Kept refuses `raw` as a Slack incoming-webhook URL (https://hooks.slack.com/... in production). */
export function slackUrlProblem(raw: string, { production }: { production: boolean }): string | null {
  const problem = endpointUrlProblem(raw, { production });
  if (problem) return problem;
  const url = new URL(raw);
  if (production && (url.hostname !== 'hooks.slack.com' || !url.pathname.startsWith('/services/')))
    return 'Use the incoming-webhook URL Slack gives you: https://hooks.slack.com/services/….';
  return null;
}

/** An endpoint URL as the delivery log shows it: the path of a Slack URL is its secret. */
export function displayUrl(raw: string, kind: 'webhook' | 'slack') {
  if (kind === 'webhook') return raw;
  try {
    const url = new URL(raw);
    const tail = url.pathname.slice(-4);
    return `${url.origin}/…${tail}`;
  } catch {
    return '…';
  }
}

// ---------------------------------------------------------------------------------------------
// Retries

export const DAY_MS = 24 * 3600_000;
/** How long Kept retries a delivery, and how long an endpoint may fail before it is disabled. */
export const RETRY_FOR_MS = DAY_MS;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3600_000;

/** Retry-After as milliseconds from `now` (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: Date): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** The pause after the `attempts`-th failed attempt: 30 s, doubling, at most an hour. */
export const backoffMs = (attempts: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/**
 * What one attempt got back: an HTTP status, no answer at all (timeout, connection refused, DNS,
 * TLS), or `refused`: Kept would not send it (an inside address in production).
 */
export type AttemptAnswer = { status: number; retryAfter?: string | null } | { error: string } | { refused: string };

export type AttemptVerdict = { state: 'delivered' } | { state: 'failed'; reason: string } | { state: 'pending'; nextAttemptAt: Date; reason: string };

/**
 * What an attempt's answer means. 2xx: delivered. 429, 5xx, or no answer: retried after the
 * back-off, or after Retry-After when the receiver asks for longer, while the delivery is younger
 * than a day; then failed. A refused address, or any other status (3xx: Kept never follows redirects, 4xx): failed at once.
 * `attempts` counts this attempt.
 */
export function judgeAttempt({ answer, attempts, createdAt, now }: { answer: AttemptAnswer; attempts: number; createdAt: Date; now: Date }): AttemptVerdict {
  if ('refused' in answer) return { state: 'failed', reason: answer.refused };
  if ('status' in answer && answer.status >= 200 && answer.status < 300) return { state: 'delivered' };
  const retryable = 'error' in answer || answer.status === 429 || answer.status >= 500;
  const reason = 'error' in answer ? answer.error : `HTTP ${answer.status}`;
  if (!retryable) return { state: 'failed', reason: answer.status >= 300 && answer.status < 400 ? `${reason} (Kept does not follow redirects)` : reason };
  const lastChance = createdAt.getTime() + RETRY_FOR_MS;
  if (now.getTime() >= lastChance) return { state: 'failed', reason: `${reason}; gave up after a day of retries` };
  const asked = 'status' in answer ? retryAfterMs(answer.retryAfter, now) : null;
  const wait = Math.max(backoffMs(attempts), asked ?? 0);
  // The last attempt is made a day after the event, so a delivery that fails is one that failed for a day.
  return { state: 'pending', nextAttemptAt: new Date(Math.min(now.getTime() + wait, lastChance)), reason };
}

/** Whether an endpoint failing since `failingSince` has failed long enough to be disabled. */
export const failedForADay = (failingSince: Date | null | undefined, now: Date) => Boolean(failingSince && now.getTime() - failingSince.getTime() >= RETRY_FOR_MS);
