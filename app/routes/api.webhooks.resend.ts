import type { ActionFunctionArgs } from '@remix-run/node';
import { handleResendWebhook, RESEND_WEBHOOK_MAX_BYTES } from '#app/email/resend-webhook.server';
import { logError } from '#app/utils/log.server';

// POST /api/webhooks/resend: Resend delivery events, signed by Svix (verified against the raw
// body; the cross-site check skips /api/webhooks/*). A failure while applying is a 503 so Svix
// retries (the Svix id claim is released first).

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers } });

export async function loader() {
  return json(405, { ok: false, error: 'Use POST.' }, { Allow: 'POST' });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { ok: false, error: 'Use POST.' }, { Allow: 'POST' });
  if (Number(request.headers.get('Content-Length') ?? 0) > RESEND_WEBHOOK_MAX_BYTES) return json(413, { ok: false, error: 'The body is too large.' });
  let rawBody: string;
  try {
    rawBody = await request.text();
  } catch {
    return json(400, { ok: false, error: 'The body could not be read.' });
  }
  if (Buffer.byteLength(rawBody) > RESEND_WEBHOOK_MAX_BYTES) return json(413, { ok: false, error: 'The body is too large.' });
  try {
    const outcome = await handleResendWebhook({ rawBody, headers: request.headers });
    return json(outcome.status, outcome.body);
  } catch (error) {
    const errorId = logError(error, { where: 'resend-webhook', svixId: request.headers.get('svix-id') });
    return json(503, { ok: false, error: `Kept could not record the event; retry later (error ${errorId}).` }, { 'Retry-After': '60' });
  }
}
