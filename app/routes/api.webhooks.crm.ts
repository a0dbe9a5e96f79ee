import type { ActionFunctionArgs } from '@remix-run/node';
import { getEnv } from '#app/env.server';
import { CrmWebhookSchema, WEBHOOK_MAX_BYTES, handleCrmEvent, verifyCrmSignature } from '#app/deals/intake.server';
import { log, logError } from '#app/utils/log.server';

// POST /api/webhooks/crm: closed-won deals pushed by a CRM. Authenticated by signature (the
// cross-site check skips /api/webhooks/*). Answers 401 / 400 / 413 for bad requests, never 500:
// an unexpected failure is a 503 so the CRM retries (the event id claim is freed first).

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers } });

export async function loader() {
  return json(405, { ok: false, error: 'Use POST.' }, { Allow: 'POST' });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json(405, { ok: false, error: 'Use POST.' }, { Allow: 'POST' });
  const secrets = (getEnv().CRM_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0) return json(503, { ok: false, error: 'The CRM webhook is not configured (CRM_WEBHOOK_SECRET is not set).' });
  if (Number(request.headers.get('Content-Length') ?? 0) > WEBHOOK_MAX_BYTES) return json(413, { ok: false, error: `The body is larger than ${WEBHOOK_MAX_BYTES} bytes.` });

  let raw: string;
  try {
    raw = await request.text();
  } catch {
    return json(400, { ok: false, error: 'The body could not be read.' });
  }
  if (Buffer.byteLength(raw) > WEBHOOK_MAX_BYTES) return json(413, { ok: false, error: `The body is larger than ${WEBHOOK_MAX_BYTES} bytes.` });

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
    return json(401, { ok: false, error: reasons[verdict] });
  }

  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return json(400, { ok: false, error: 'The body is not valid JSON.', issues: [] });
  }
  const parsed = CrmWebhookSchema.safeParse(body);
  if (!parsed.success) {
    return json(400, { ok: false, error: 'The event does not match the schema.', issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) });
  }
  try {
    const outcome = await handleCrmEvent({ event: parsed.data, now });
    return json(outcome.status, outcome.body);
  } catch (error) {
    const errorId = logError(error, { where: 'crm-webhook', eventId: parsed.data.id });
    return json(503, { ok: false, error: `Kept could not record the event; retry later (error ${errorId}).` }, { 'Retry-After': '60' });
  }
}
