// The daily digest: each owner of an at-risk or stalled journey (its CSM and the stage's call
// owners) gets one email a day listing them. Idempotent per (owner, day) through the outbox key, so
// any number of workers and cycles send it once. Recovery cases past their SLA escalate here, and
// the admins (the CSMs' managers) find each newly escalated case in their digest once (docs/recovery.md).
import { createElement } from 'react';
import { User } from '#models/user';
import { JourneyDigestEmail, type DigestItem } from '#emails/journey-digest';
import { trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { sendEmail } from '#app/email/email.server';
import { listJourneysNeedingAttention } from '#app/journeys/journey.server';
import { formatDate } from '#app/utils/format';
import { escalateOverdueCases, escalationsToList, markEscalationsListed } from '#app/recovery/escalation.server';

/** The digest goes out with the first worker cycle after this UTC hour. */
export const DIGEST_HOUR_UTC = 7;

let lastDay: string | null = null;

/** Sends today's digests (once a day after DIGEST_HOUR_UTC; `force` for tests and manual runs). */
export async function sendJourneyDigests({ now, force = false }: { now: Date; force?: boolean }) {
  const day = now.toISOString().slice(0, 10);
  // Under test the daily run is left to `force`: otherwise every worker cycle a test runs after
  // 07:00 UTC also sends the day's digest, and tests counting emails see one more.
  if (!force && (process.env.NODE_ENV === 'test' || now.getUTCHours() < DIGEST_HOUR_UTC || lastDay === day)) return { skipped: true as const };
  const byOwner = await listJourneysNeedingAttention({ now });
  await escalateOverdueCases({ now });
  const escalations = await escalationsToList({ now });
  const adminIds = escalations.items.length ? new Set((await User.find({ role: 'admin', active: true }).select('_id').lean()).map((u) => String(u._id))) : new Set<string>();
  const ownerIds = [...new Set([...byOwner.keys(), ...adminIds])];
  const owners = ownerIds.length
    ? await User.find({ _id: trusted({ $in: ownerIds }), active: true })
        .select('name email')
        .lean()
    : [];
  // Listed once: marked only when every admin's digest of this run is a new email with the list.
  let escalationsDelivered = adminIds.size > 0;
  const base = getEnv().APP_URL.replace(/\/+$/, '');
  let sent = 0;
  let failed = 0;
  for (const owner of owners) {
    const items = byOwner.get(String(owner._id)) ?? [];
    const toItem = (i: (typeof items)[number]): DigestItem => ({
      account: i.accountName,
      deal: i.dealName,
      stage: i.stageName,
      days: i.daysInStage,
      slaDays: i.slaDays,
      url: `${base}/journeys/${i.id}`,
    });
    const stalled = items.filter((i) => i.health === 'stalled').map(toItem);
    const atRisk = items.filter((i) => i.health === 'at_risk').map(toItem);
    const escalated = adminIds.has(String(owner._id)) ? escalations.items : [];
    const result = await sendEmail({
      key: `journey-digest:${String(owner._id)}:${day}`,
      template: 'journey-digest',
      to: owner.email,
      subject: `${escalated.length ? `${escalated.length} escalated recovery ${escalated.length === 1 ? 'case' : 'cases'}, ` : ''}${stalled.length} stalled, ${atRisk.length} at risk: your journeys today`,
      react: createElement(JourneyDigestEmail, {
        name: owner.name,
        date: formatDate(now.toISOString()),
        stalled,
        atRisk,
        escalated,
        boardUrl: `${base}/journeys?mine=1`,
        recoveryUrl: `${base}/recovery?status=escalated`,
      }),
      meta: { entityType: 'user', entityId: String(owner._id) },
      now,
    });
    if (result.ok && !result.duplicate) sent++;
    if (!result.ok) failed++;
    if (escalated.length && (!result.ok || result.duplicate)) escalationsDelivered = false;
  }
  if (escalationsDelivered) await markEscalationsListed(escalations.ids, now);
  if (failed === 0) lastDay = day;
  return { owners: owners.length, sent, failed };
}
