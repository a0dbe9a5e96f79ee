// Resend webhooks (POST /api/webhooks/resend): Svix-signed delivery events. A bounce or a
// complaint marks the contact and stops their surveys (survey-delivery.server.ts); every event is
// kept as an EmailEvent for the outbox. Each Svix message is processed once: its id is claimed
// with a unique insert first, and released again if processing fails so Svix's retry can redo it.
import { Webhook, WebhookVerificationError } from 'svix';
import { z } from 'zod';
import { Contact } from '#models/contact';
import { EmailBatch } from '#models/email-batch';
import { EmailEvent } from '#models/email-event';
import { EmailMessage } from '#models/email-message';
import { insertOnce, trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { claimOnce, releaseClaim } from '#app/platform/claims.server';
import { stopSurveysForContacts } from '#app/surveys/survey-delivery.server';
import { log } from '#app/utils/log.server';

export { WEBHOOK_MAX_BYTES as RESEND_WEBHOOK_MAX_BYTES } from '#app/utils/body-limits.server';

const OWNER = 'resend-webhook';

// Lenient on purpose: Resend adds event types and fields; only what Kept uses is checked.
const TagsSchema = z.union([z.array(z.object({ name: z.string(), value: z.string() })), z.record(z.string(), z.string())]);
export const ResendEventSchema = z.object({
  type: z.string().min(1).max(100),
  created_at: z.string().optional(),
  data: z
    .object({
      email_id: z.string().max(200).optional(),
      to: z.union([z.array(z.string().max(320)), z.string().max(320)]).optional(),
      tags: TagsSchema.optional(),
      bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).optional(),
    })
    .optional()
    .default({}),
});
export type ResendEvent = z.infer<typeof ResendEventSchema>;

export type WebhookOutcome = { status: number; body: Record<string, unknown> };

/** Verifies the Svix signature over the raw body (and its timestamp, five minutes either way). */
function verify(rawBody: string, headers: Headers, secret: string): { ok: true; payload: unknown; id: string } | { ok: false } {
  const signed = {
    'svix-id': headers.get('svix-id') ?? '',
    'svix-timestamp': headers.get('svix-timestamp') ?? '',
    'svix-signature': headers.get('svix-signature') ?? '',
  };
  try {
    return { ok: true, payload: new Webhook(secret).verify(rawBody, signed), id: signed['svix-id'] };
  } catch (error) {
    if (error instanceof WebhookVerificationError) return { ok: false };
    throw error;
  }
}

/** Handles one webhook delivery: verify, parse, deduplicate on the Svix id, apply. */
export async function handleResendWebhook({ rawBody, headers, now = new Date() }: { rawBody: string; headers: Headers; now?: Date }): Promise<WebhookOutcome> {
  const secret = getEnv().RESEND_WEBHOOK_SECRET;
  if (!secret) return { status: 503, body: { ok: false, error: 'The Resend webhook is not configured (RESEND_WEBHOOK_SECRET is not set).' } };
  const verified = verify(rawBody, headers, secret);
  if (!verified.ok) {
    log('warn', 'Resend webhook refused: bad, missing or stale signature');
    return { status: 401, body: { ok: false, error: 'The signature is missing, does not match, or is too old.' } };
  }
  const parsed = ResendEventSchema.safeParse(verified.payload);
  if (!parsed.success) return { status: 400, body: { ok: false, error: 'The event does not match the expected shape.' } };

  const key = `resend-webhook:${verified.id}`;
  if (!(await claimOnce({ key, owner: OWNER, now, data: { type: parsed.data.type } }))) {
    return { status: 200, body: { ok: true, duplicate: true } };
  }
  try {
    const effect = await applyResendEvent({ event: parsed.data, svixId: verified.id, now });
    return { status: 200, body: { ok: true, ...effect } };
  } catch (error) {
    await releaseClaim({ key, owner: OWNER });
    throw error;
  }
}

/** What an email was about, from the outbox, when the event carries no tags (a batch member's Resend id is on its batch). */
async function entityOfEmail(providerId: string): Promise<Record<string, string>> {
  let message = await EmailMessage.findOne({ providerId }).select('metadata').lean();
  if (!message) {
    const batch = await EmailBatch.findOne({ providerIds: providerId }).select('messageIds providerIds').lean();
    const id = batch?.messageIds[batch.providerIds.indexOf(providerId)];
    if (id) message = await EmailMessage.findById(id).select('metadata').lean();
  }
  return (message?.metadata ?? {}) as Record<string, string>;
}

const tagsOf = (tags: z.infer<typeof TagsSchema> | undefined): Record<string, string> =>
  !tags ? {} : Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.name, t.value])) : tags;

/** Records the event and applies its effect: bounces (permanent) and complaints stop email to the address. */
export async function applyResendEvent({ event, svixId, now }: { event: ResendEvent; svixId: string; now: Date }) {
  const { data } = event;
  const to = (Array.isArray(data.to) ? data.to : data.to ? [data.to] : []).map((e) => e.trim().toLowerCase());
  let entity = tagsOf(data.tags);
  if (!entity.entityType && data.email_id) entity = await entityOfEmail(data.email_id);
  const at = event.created_at && !Number.isNaN(Date.parse(event.created_at)) ? new Date(event.created_at) : now;
  // Or already recorded by an earlier attempt whose effect failed.
  await insertOnce(EmailEvent, {
    _id: svixId,
    type: event.type,
    at,
    providerId: data.email_id,
    to,
    entityType: entity.entityType,
    entityId: entity.entityId,
    data: data.bounce ? { bounce: data.bounce } : undefined,
  });

  const reason = event.type === 'email.complained' ? 'complained' : event.type === 'email.bounced' && data.bounce?.type !== 'Transient' ? 'bounced' : null;
  if (!reason || to.length === 0) return { effect: 'recorded' };
  // A complaint is the strongest signal; a bounce replaces "unsubscribed" (the address is dead anyway).
  const weaker: Array<'ok' | 'unsubscribed' | 'bounced'> = reason === 'complained' ? ['ok', 'unsubscribed', 'bounced'] : ['ok', 'unsubscribed'];
  await Contact.updateMany({ email: trusted({ $in: to }), emailStatus: trusted({ $in: weaker }) }, { $set: { emailStatus: reason } });
  const contacts = await Contact.find({ email: trusted({ $in: to }) })
    .select('_id')
    .lean();
  const stopped = await stopSurveysForContacts({ contactIds: contacts.map((c) => c._id), reason, now });
  log('info', 'Resend webhook: address stopped', { type: event.type, contacts: contacts.length, ...stopped });
  return { effect: reason, contacts: contacts.length, ...stopped };
}
