// The one signature scheme of Kept's webhooks, both ways: the CRM signs what it sends to Kept
// (app/routes/api.webhooks.crm.ts verifies it) and Kept signs what it sends to an admin's endpoint
// (app/integrations/deliver.server.ts), so a receiver can use the same code Kept uses.
//
//   header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the shared secret>
import crypto from 'node:crypto';

/** How far a signature's timestamp may be from the receiver's clock (replay window). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** `t=<unix seconds>,v1=<hex>` signed with HMAC-SHA256 over `<t>.<raw body>`. */
export function signPayload({ secret, body, timestamp }: { secret: string; body: string; timestamp: number }) {
  const hex = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${hex}`;
}

/**
 * Checks a signature header against every secret given (several, for rotation) in constant time,
 * and refuses timestamps more than five minutes away from `now` (replay window).
 */
export function verifySignature({
  header,
  body,
  secrets,
  now,
}: {
  header: string | null;
  body: string;
  secrets: string[];
  now: Date;
}): 'ok' | 'missing' | 'malformed' | 'stale' | 'mismatch' {
  if (!header) return 'missing';
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    if (key === 'v1' && /^[a-f0-9]{64}$/i.test(value ?? '')) signatures.push(value.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) return 'malformed';
  if (Math.abs(now.getTime() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  for (const secret of secrets) {
    const expected = Buffer.from(crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
    for (const given of signatures) if (crypto.timingSafeEqual(expected, Buffer.from(given))) return 'ok';
  }
  return 'mismatch';
}
