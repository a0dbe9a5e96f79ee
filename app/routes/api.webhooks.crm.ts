import type { ActionFunctionArgs } from '@remix-run/node';
import { jsonAnswer, postOnly } from '#app/utils/webhook-response.server';
import { getEnv } from '#app/env.server';
import { CrmWebhookSchema, WEBHOOK_MAX_BYTES, handleCrmEvent, verifyCrmSignature } from '#app/deals/intake.server';
import { log, logError } from '#app/utils/log.server';

// POST /api/webhooks/crm: closed-won deals pushed by a CRM. Authenticated by signature (the
// cross-site check skips /api/webhooks/*). Answers 401 / 400 / 413 for bad requests, never 500:
// an unexpected failure is a 503 so the CRM retries (the event id claim is freed first).

export const loader = postOnly;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return postOnly();
  const secrets = (getEnv().CRM_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0) return jsonAnswer(503, { ok: false, error: 'The CRM webhook is not configured (CRM_WEBHOOK_SECRET is not set).' });
  if (Number(request.headers.get('Content-Length') ?? 0) > WEBHOOK_MAX_BYTES) return jsonAnswer(413, { ok: false, error: `The body is larger than ${WEBHOOK_MAX_BYTES} bytes.` });

  let raw: string;
  try {
    raw = await request.text();
  } catch {
    return jsonAnswer(400, { ok: false, error: 'The body could not be read.' });
  }
  if (Buffer.byteLength(raw) > WEBHOOK_MAX_BYTES) return jsonAnswer(413, { ok: false, error: `The body is larger than ${WEBHOOK_MAX_BYTES} bytes.` });

  const now = new Date();
  const verdict = verifyCrmSignature({ header: request.headers.get('X-Kept-Signature'), body: raw, secrets, now });
  if (verdict !== 'ok') {
    log('warn', 'CRM webhook refused', { verdict });
    const reasons = {
      missing: 'The X-Kept-Signature header is missing.',
      malformed: 'The X-Kept-Signature header is malformed.',
      stale: 'The signature timestamp is outside the five-minute window.',
      mismatch: 'The signature does not match.',
    };
    return jsonAnswer(401, { ok: false, error: reasons[verdict] });
  }

  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return jsonAnswer(400, { ok: false, error: 'The body is not valid JSON.', issues: [] });
  }
  const parsed = CrmWebhookSchema.safeParse(body);
  if (!parsed.success) {
    return jsonAnswer(400, { ok: false, error: 'The event does not match the schema.', issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) });
  }
  try {
    const outcome = await handleCrmEvent({ event: parsed.data, now });
    return jsonAnswer(outcome.status, outcome.body);
  } catch (error) {
    const errorId = logError(error, { where: 'crm-webhook', eventId: parsed.data.id });
    return jsonAnswer(503, { ok: false, error: `Kept could not record the event; retry later (error ${errorId}).` }, { 'Retry-After': '60' });
  }
}
