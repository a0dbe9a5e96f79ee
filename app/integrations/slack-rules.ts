// A Kept event as a Slack message (Block Kit, for an incoming webhook): a header naming what
// happened, a few fields, and a button back to the page in Kept. Pure: the payload's `data`
// (event-data.server.ts) in, the JSON Slack takes out.
import { formatMoney } from '#app/utils/format';
import type { WebhookEvent } from '#app/integrations/webhook-rules';

/** What every event's `data` carries (docs/webhooks.md, "Payload"), plus its own fields. */
export type EventData = {
  /** The page in Kept the event is about (absolute, from APP_URL). */
  url: string;
  dealId: string | null;
  deal: { id: string; name: string; arr: number; currency: string } | null;
  account: { id: string; name: string } | null;
  journeyId?: string;
  from?: string;
  to?: string;
  fromName?: string;
  toName?: string;
  surveyId?: string;
  promiseId?: string;
  promise?: string;
  caseId?: string;
  status?: string;
  advocateId?: string;
  advocateName?: string;
  referralId?: string;
  test?: boolean;
};

// Slack's mrkdwn reads &, < and > as markup: a customer named "<!channel>" must stay text.
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const TITLES: Record<WebhookEvent, (d: EventData, account: string) => string> = {
  'deal.closed_won': (d, a) => `Closed won: ${d.deal?.name ?? a}`,
  'journey.stage_changed': (d, a) => `${a} moved to ${d.toName ?? d.to ?? 'another stage'}`,
  'journey.live': (_d, a) => `${a} is live`,
  'survey.answered': (_d, a) => `${a} answered a value survey`,
  'promise.not_kept': (_d, a) => `Promise not kept: ${a}`,
  'recovery.closed': (d, a) => `Recovery ${d.status === 'delivered' ? 'delivered' : 'closed as won’t deliver'}: ${a}`,
  'advocate.candidate': (d, a) => `New advocate candidate: ${d.advocateName ?? 'a customer'} at ${a}`,
  'referral.won': (d, a) => `Referral won: ${d.deal?.name ?? a}`,
};

/** The Slack message of one event: `text` for notifications, `blocks` for the channel. */
export function slackMessage({ type, data }: { type: WebhookEvent; data: EventData }) {
  const account = data.account?.name ?? 'A customer';
  const title = `${data.test ? '[Test] ' : ''}${TITLES[type](data, account)}`;
  const fields: string[] = [];
  if (data.account) fields.push(`*Account*\n${esc(data.account.name)}`);
  if (data.deal) fields.push(`*Deal*\n${esc(data.deal.name)}`, `*ARR*\n${esc(formatMoney(data.deal.arr, data.deal.currency))}`);
  if (type === 'journey.stage_changed') fields.push(`*Stage*\n${esc(data.fromName ?? data.from ?? '?')} → ${esc(data.toName ?? data.to ?? '?')}`);
  if (data.promise) fields.push(`*Promise*\n${esc(cut(data.promise, 300))}`);
  if (type === 'recovery.closed' && data.status) fields.push(`*Outcome*\n${data.status === 'delivered' ? 'Delivered' : 'Won’t deliver'}`);
  if (data.advocateName) fields.push(`*Advocate*\n${esc(data.advocateName)}`);
  return {
    text: cut(title, 300),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: true } },
      ...(fields.length ? [{ type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) }] : []),
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Kept' }, url: data.url, action_id: 'open-in-kept' }] },
    ],
  };
}
