// The daily digest: each owner of an at-risk or stalled journey (its CSM and the stage's call
// owners) gets one email a day listing them. Idempotent per (owner, day) through the outbox key, so
// any number of workers and cycles send it once.
import { createElement } from 'react';
import { User } from '#models/user';
import { JourneyDigestEmail, type DigestItem } from '#emails/journey-digest';
import { trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { sendEmail } from '#app/email/email.server';
import { listJourneysNeedingAttention } from '#app/journeys/journey.server';
import { formatDate } from '#app/utils/format';

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
  const owners = byOwner.size
    ? await User.find({ _id: trusted({ $in: [...byOwner.keys()] }), active: true })
        .select('name email')
        .lean()
    : [];
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
    const result = await sendEmail({
      key: `journey-digest:${String(owner._id)}:${day}`,
      template: 'journey-digest',
      to: owner.email,
      subject: `${stalled.length} stalled, ${atRisk.length} at risk: your journeys today`,
      react: createElement(JourneyDigestEmail, { name: owner.name, date: formatDate(now.toISOString()), stalled, atRisk, boardUrl: `${base}/journeys?mine=1` }),
      meta: { entityType: 'user', entityId: String(owner._id) },
      now,
    });
    if (result.ok && !result.duplicate) sent++;
    if (!result.ok) failed++;
  }
  if (failed === 0) lastDay = day;
  return { owners: owners.length, sent, failed };
}
