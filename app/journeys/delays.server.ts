// Delays the buyer owns ("waiting on the customer"), docs/buyer-delays.md. CS marks one with a reason;
// the buyer confirms it on the shared plan page, and only then does the stage's SLA clock pause; CS
// ends it, or the stage move does (advanceJourney). Each change is one update of the journey whose
// filter states what it depends on (the delay still open, still unconfirmed, the stage unchanged),
// so racing writers never both win, and each is audited. The clock itself is sla-rules.ts.
import { Types } from 'mongoose';
import { z } from 'zod';
import { recordAudit } from '#models/audit-event';
import { Journey } from '#models/journey';
import type { SessionUser } from '#app/auth/session.server';
import { may } from '#app/auth/permissions';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { pausedMs, stageWindow, type DelaySpan } from '#app/journeys/sla-rules';
import { DAY_MS } from '#app/journeys/journey-rules';
import { findLiveToken } from '#app/journeys/plan.server';

const ObjectIdField = z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a delay.');

export const MarkDelaySchema = z.object({
  reason: z.string().trim().min(10, 'Say in at least 10 characters what the customer owes (the buyer reads it).').max(300, 'Keep the reason under 300 characters.'),
});
export const EndDelaySchema = z.object({ delayId: ObjectIdField });
export const ConfirmDelaySchema = z.object({ delayId: ObjectIdField });

const conflict = (message: string) => ({ ok: false as const, status: 409 as const, message });

const FIELDS = 'stage stageIndex stageEnteredAt playbookKey playbookVersion liveAt delays openDelayId';

async function load(journeyId: string) {
  if (!/^[a-f0-9]{24}$/i.test(journeyId)) return null;
  return Journey.findById(journeyId).select(FIELDS).lean();
}
type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

function requireWriter(user: SessionUser) {
  if (!may(user.role, 'journeys.work')) throw new Response(`Your role (${user.role}) cannot change journeys.`, { status: 403 });
}

/** The open delay and its lifelong position in `delays`, or null. */
function openDelay(j: Loaded) {
  if (!j.openDelayId) return null;
  const index = j.delays.findIndex((d) => String(d._id) === String(j.openDelayId));
  return index < 0 ? null : { index, delay: j.delays[index] };
}

/** The at-risk / stalled instants of the current stage once `delays` stand as given (sla-rules). */
async function windowWith(j: Loaded, delays: DelaySpan[]) {
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  const stage = playbook?.stages[j.stageIndex];
  if (!stage) throw new Error(`playbook version ${j.playbookVersion} has no stage ${j.stageIndex}`);
  return stageWindow(j.stageEnteredAt, stage, delays);
}

/** The journey is still where it was read: same stage visit, same playbook version. */
const sameStage = (j: Loaded) => ({ stage: j.stage, stageEnteredAt: j.stageEnteredAt, playbookVersion: j.playbookVersion });

/** CS marks the journey "waiting on the customer". One open delay at a time; never on a live journey. */
export async function markDelay({ user, journeyId, input, now = new Date() }: { user: SessionUser; journeyId: string; input: z.infer<typeof MarkDelaySchema>; now?: Date }) {
  requireWriter(user);
  const j = await load(journeyId);
  if (!j) return null;
  if (j.liveAt) return conflict('This journey is live: there is no stage to wait in.');
  if (openDelay(j)) return conflict('This journey is already waiting on the customer. End that delay first.');
  const delay = { _id: new Types.ObjectId(), stage: j.stage, reason: input.reason, markedAt: now, markedById: user.id, markedByName: user.name, confirmedAt: null, endedAt: null };
  // Once: the filter wants no open delay and the journey still in the stage the reason is about.
  const marked = await Journey.updateOne({ _id: j._id, openDelayId: null, liveAt: null, ...sameStage(j) }, { $set: { openDelayId: delay._id }, $push: { delays: delay } });
  if (marked.matchedCount === 0) return conflict('This journey changed a moment ago (another delay, or a stage move). Reload the page.');
  await recordAudit({
    actorId: user.id,
    action: 'journey.delay_marked',
    entityType: 'journey',
    entityId: journeyId,
    data: { delayId: String(delay._id), stage: j.stage, reason: input.reason },
    now,
  });
  return { ok: true as const, delayId: String(delay._id) };
}

/** CS ends the open delay: the clock runs again, later by the time the buyer had confirmed. */
export async function endDelay({ user, journeyId, input, now = new Date() }: { user: SessionUser; journeyId: string; input: z.infer<typeof EndDelaySchema>; now?: Date }) {
  requireWriter(user);
  // A buyer confirming at the same moment changes the window to write: read again and retry once.
  for (let attempt = 0; attempt < 2; attempt++) {
    const j = await load(journeyId);
    if (!j) return null;
    const open = openDelay(j);
    if (!open || String(open.delay._id) !== input.delayId) return conflict('That delay has already ended.');
    const at = `delays.${open.index}`;
    const delays = j.delays.map((d, i) => (i === open.index ? { ...d, endedAt: now } : d));
    const window = await windowWith(j, delays);
    const ended = await Journey.updateOne(
      { _id: j._id, openDelayId: open.delay._id, [`${at}._id`]: open.delay._id, [`${at}.confirmedAt`]: open.delay.confirmedAt ?? null, ...sameStage(j) },
      { $set: { openDelayId: null, [`${at}.endedAt`]: now, [`${at}.endedById`]: user.id, [`${at}.endedByName`]: user.name, [`${at}.endedBy`]: 'csm', ...window } },
    );
    if (ended.matchedCount === 0) continue;
    const pausedDays = Math.round((pausedMs([delays[open.index]], open.delay.markedAt, now) / DAY_MS) * 10) / 10;
    await recordAudit({
      actorId: user.id,
      action: 'journey.delay_ended',
      entityType: 'journey',
      entityId: journeyId,
      data: { delayId: input.delayId, stage: open.delay.stage, confirmed: Boolean(open.delay.confirmedAt), pausedDays },
      now,
    });
    return { ok: true as const, pausedDays };
  }
  return conflict('This journey changed a moment ago. Reload the page.');
}

type PlanContact = { id: string; name: string; email: string };

/**
 * The buyer confirms the open delay of their own journey (the plan link's). Once: a second confirm
 * is "already"; a confirm of an ended delay, or of another journey's, changes nothing.
 */
export async function confirmDelay({ journeyId, delayId, contact, now = new Date() }: { journeyId: string; delayId: string; contact: PlanContact; now?: Date }) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const j = await load(journeyId);
    if (!j) return null;
    const open = openDelay(j);
    if (!open || String(open.delay._id) !== delayId) return { ok: false as const, code: 'ended' as const, message: 'That delay has already ended.' };
    if (open.delay.confirmedAt) return { ok: true as const, already: true };
    const at = `delays.${open.index}`;
    const delays = j.delays.map((d, i) => (i === open.index ? { ...d, confirmedAt: now } : d));
    const window = await windowWith(j, delays);
    const confirmed = await Journey.updateOne(
      { _id: j._id, openDelayId: open.delay._id, [`${at}._id`]: open.delay._id, [`${at}.confirmedAt`]: null, ...sameStage(j) },
      { $set: { [`${at}.confirmedAt`]: now, [`${at}.confirmedByContactId`]: contact.id, [`${at}.confirmedByName`]: contact.name, ...window } },
    );
    if (confirmed.matchedCount === 0) continue;
    await recordAudit({
      action: 'journey.delay_confirmed',
      entityType: 'journey',
      entityId: journeyId,
      data: { delayId, stage: open.delay.stage, contactId: contact.id, contactEmail: contact.email },
      now,
    });
    return { ok: true as const, already: false };
  }
  return { ok: false as const, code: 'changed' as const, message: 'This changed a moment ago. Reload the page and try again.' };
}

/** The plan page's form: the link names the journey and the buyer; the form only the delay. */
export async function confirmDelayOnPlan({ token, delayId, now = new Date() }: { token: string; delayId: string; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  return confirmDelay({ journeyId: String(t.journeyId), delayId, contact: { id: String(t.contactId), name: t.contactName, email: t.contactEmail }, now });
}
