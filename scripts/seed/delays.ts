// Demo delays the buyer owns (docs/buyer-delays.md): three journeys of cs@kept.demo "waiting on the
// customer": one the buyer confirmed (its stage's SLA clock is paused), one only claimed by the vendor
// (the clock runs) and one ended (its stage's clock resumed, later by the paused days). Written through
// the same services as the journey page and the plan page. A re-run adds nothing: it stops when any
// journey already has a delay.
import { Contact } from '#models/contact';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import { confirmDelay, endDelay, markDelay } from '#app/journeys/delays.server';
import { trusted } from '#app/platform/db.server';

const DAY = 86_400_000;

const REASONS = [
  'Waiting for your IT team to allow single sign-on for the Kept domain',
  'Waiting for the signed data processing agreement from your legal team',
  'Waiting for the export of your current customer list (CSV)',
];

export async function seedDelayDemo({ now = new Date(), log = () => undefined }: { now?: Date; log?: (line: string) => void } = {}) {
  if (await Journey.exists({ 'delays.0': trusted({ $exists: true }) })) return log('  delays: already seeded');
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('name email role').lean();
  if (!cs) return log('  delays: no cs@kept.demo');
  const user = { id: String(cs._id), name: cs.name, email: cs.email, role: cs.role };
  const at = (days: number) => new Date(now.getTime() - days * DAY);
  const candidates = await Journey.find({ csmId: cs._id, liveAt: null }).select('accountId accountName stageEnteredAt stalledAt').sort({ _id: 1 }).lean();
  // Each delay inside its journey's current stage; the confirmed one on a journey not yet stalled then.
  const plans = [
    { state: 'confirmed', marked: 6, fits: (j: (typeof candidates)[number]) => j.stageEnteredAt < at(6) && Boolean(j.stalledAt && j.stalledAt > at(5)) },
    { state: 'claimed', marked: 2, fits: (j: (typeof candidates)[number]) => j.stageEnteredAt < at(2) },
    { state: 'ended', marked: 20, fits: (j: (typeof candidates)[number]) => j.stageEnteredAt < at(20) },
  ] as const;
  const used = new Set<string>();
  for (const [i, plan] of plans.entries()) {
    const j = candidates.find((c) => !used.has(String(c._id)) && plan.fits(c));
    if (!j) continue;
    used.add(String(j._id));
    const journeyId = String(j._id);
    const state = plan.state;
    const buyer = await Contact.findOne({ accountId: j.accountId }).sort({ isPrimary: -1, _id: 1 }).select('name email').lean();
    const marked = await markDelay({ user, journeyId, input: { reason: REASONS[i] }, now: at(plan.marked) });
    if (!marked?.ok) continue;
    if (state !== 'claimed' && buyer) {
      await confirmDelay({ journeyId, delayId: marked.delayId, contact: { id: String(buyer._id), name: buyer.name, email: buyer.email }, now: at(plan.marked - 1) });
    }
    if (state === 'ended') await endDelay({ user, journeyId, input: { delayId: marked.delayId }, now: at(12) });
    log(`  delays: ${j.accountName} ${state}`);
  }
}
