import type { ActionFunctionArgs } from '@remix-run/node';
import { jsonAnswer, postOnly } from '#app/utils/webhook-response.server';
import { handleResendWebhook, RESEND_WEBHOOK_MAX_BYTES } from '#app/email/resend-webhook.server';
import { logError } from '#app/utils/log.server';

// POST /api/webhooks/resend: Resend delivery events, signed by Svix (verified against the raw
// body; the cross-site check skips /api/webhooks/*). A failure while applying is a 503 so Svix
// retries (the Svix id claim is released first).

export const loader = postOnly;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return postOnly();
  if (Number(request.headers.get('Content-Length') ?? 0) > RESEND_WEBHOOK_MAX_BYTES) return jsonAnswer(413, { ok: false, error: 'The body is too large.' });
  let rawBody: string;
  try {
    rawBody = await request.text();
  } catch {
    return jsonAnswer(400, { ok: false, error: 'The body could not be read.' });
  }
  if (Buffer.byteLength(rawBody) > RESEND_WEBHOOK_MAX_BYTES) return jsonAnswer(413, { ok: false, error: 'The body is too large.' });
  try {
    const outcome = await handleResendWebhook({ rawBody, headers: request.headers });
    return jsonAnswer(outcome.status, outcome.body);
  } catch (error) {
    const errorId = logError(error, { where: 'resend-webhook', svixId: request.headers.get('svix-id') });
    return jsonAnswer(503, { ok: false, error: `Kept could not record the event; retry later (error ${errorId}).` }, { 'Retry-After': '60' });
  }
}
