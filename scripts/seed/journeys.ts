// Demo journeys for `npm run seed`: every seeded deal gets its journey on the playbook its segment
// chooses (as intake does), advanced as far as its age allows with realistic timings and evidence,
// so the board shows every stage and health of each playbook (a few journeys stalled, some over SLA
// in the past, a few admin overrides and a retracted piece of evidence). Pure simulation per deal (seeded by its CRM id), then batched lean inserts with ids
// derived from the deal: a re-run inserts nothing and counts nothing twice.
import { Types } from 'mongoose';
import { AuditEvent } from '#models/audit-event';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import { trusted } from '#app/platform/db.server';
import { insertIgnoringDuplicates } from '#app/platform/db.server';
import { buildJourney, bumpJourneyMetricRows, journeyMetricRows, stageWindow } from '#app/journeys/journey.server';
import { playbookChooser, type PlaybookDef, type StageDef } from '#app/journeys/playbook.server';
import { DAY_MS, HOUR_MS } from '#app/journeys/journey-rules';
import { objectIdFrom } from '#app/utils/ids.server';
import { randomFromText } from '#app/utils/random.server';

type SeedDeal = { _id: Types.ObjectId; crmId: string; name: string; accountId: Types.ObjectId; aeId: Types.ObjectId; closedWonAt: Date; arr: number; currency?: string };
type SeedAccount = { _id: Types.ObjectId; name: string; segment: string; csmId?: Types.ObjectId };
type SeedContact = { _id: Types.ObjectId; accountId: Types.ObjectId; name: string; email: string; isPrimary?: boolean };

/** Draws replayable per deal: the same key gives the same journey in every run. */
const rngFor = (key: string) => randomFromText(`journey-seed:${key}`);

const LINKS: Record<string, (slug: string, n: number) => string> = {
  meeting: (slug, n) => `https://meet.kept.demo/recordings/${slug}-handoff-${n}`,
  email: (slug, n) => `https://mail.kept.demo/threads/${slug}-${n}`,
  document: (slug, n) => `https://docs.kept.demo/${slug}/implementation-plan-v${(n % 3) + 1}.pdf`,
};
const NOTES: Record<string, string[]> = {
  meeting: ['Handoff call recording; buyer’s IT lead and ops manager attended.', 'Kickoff call with the implementation team, notes in the doc.'],
  email: ['Buyer replied confirming the date and the promises.', 'Written confirmation from the buyer’s project lead.'],
  document: ['Plan signed by the buyer’s sponsor.', 'Signed implementation plan (PDF).'],
};

type Person = { id: Types.ObjectId; name: string };

/**
 * Simulates one journey: closed-won at t0, CS reacts after a few hours (sometimes days), each stage
 * takes a plausible time around its SLA, and ~8 % get stuck (they show up stalled). Returns the
 * journey document as of `now` and the audit events of its moves.
 */
export function simulateJourney({
  deal,
  account,
  contact,
  csm,
  ae,
  admin,
  playbook,
  now,
}: {
  deal: SeedDeal;
  account: SeedAccount;
  contact: SeedContact | null;
  csm: Person | null;
  ae: Person;
  admin: Person;
  playbook: PlaybookDef;
  now: Date;
}) {
  const r = rngFor(deal.crmId);
  const doc: ReturnType<typeof buildJourney> & Record<string, unknown> = buildJourney({ deal, account, csmId: csm ? String(csm.id) : null, playbook, now, replay: true });
  const t0 = doc.stageEnteredAt;
  const slug = account.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const staff = csm ?? ae;
  let evidenceN = 0;
  const evidence: Record<string, unknown>[] = [];
  const audits: Record<string, unknown>[] = [];
  const add = (stage: StageDef, criterion: StageDef['criteria'][number], at: Date) => {
    const n = evidenceN++;
    const id = objectIdFrom(`seed-evidence:${String(deal._id)}:${n}`);
    const base = { _id: id, stage: stage.key, criterionKey: criterion.key, at };
    if (criterion.evidenceType === 'cs_acceptance')
      evidence.push({ ...base, kind: 'cs_acceptance', byId: staff.id, byName: staff.name, note: `${staff.name} accepted the handoff.` });
    else if (criterion.evidenceType === 'buyer_confirmation' && contact) {
      // Only the buyer's own confirmation meets such a criterion; now and then CS had attached the
      // buyer's email beforehand, which stays beside it as a note.
      if (r() < 0.25)
        evidence.push({
          ...base,
          _id: objectIdFrom(`seed-evidence:${String(deal._id)}:${n}:note`),
          at: new Date(at.getTime() - HOUR_MS),
          kind: 'email',
          url: LINKS.email(slug || 'customer', n),
          note: NOTES.email[n % NOTES.email.length],
          byId: staff.id,
          byName: staff.name,
        });
      evidence.push({ ...base, kind: 'buyer_confirmation', contactId: contact._id, contactName: contact.name, contactEmail: contact.email });
    } else {
      const kind = criterion.evidenceType === 'meeting' ? 'meeting' : criterion.evidenceType === 'document' || r() < 0.4 ? 'document' : 'email';
      evidence.push({ ...base, kind, url: LINKS[kind](slug || 'customer', n), note: NOTES[kind][n % NOTES[kind].length], byId: staff.id, byName: staff.name });
    }
  };

  // Stage durations (days): mostly within the SLA, a tail beyond it, and ~8 % stuck for good.
  const stuckAt = r() < 0.08 ? (r() < 0.4 ? 0 : 1) : -1;
  const reactionHours = r() < 0.5 ? 1 + r() * 7 : r() < 0.7 ? 8 + r() * 40 : 48 + r() * 96;
  const acceptedAt = new Date(t0.getTime() + reactionHours * HOUR_MS);
  const overrideStage = r() < 0.03 ? 0 : -1;
  let enteredAt = t0;
  let stageIndex = 0;
  const stages = [{ key: playbook.stages[0].key, enteredAt: t0 } as Record<string, unknown>];
  if (acceptedAt <= now) doc.acceptedAt = acceptedAt as never;

  for (let i = 0; i < playbook.stages.length - 1; i++) {
    const stage = playbook.stages[i];
    const sla = stage.slaDays ?? 30;
    const days = stuckAt === i ? Infinity : Math.max(i === 0 ? reactionHours / 24 + 0.5 : 1, sla * (0.35 + r() * (r() < 0.2 ? 1.4 : 0.75)));
    const exitAt = new Date(enteredAt.getTime() + days * DAY_MS);
    const leaves = Number.isFinite(days) && exitAt <= now;
    // Evidence arrives over the stage; in the current stage only what has happened by now.
    const override = leaves && overrideStage === i;
    stage.criteria.forEach((c, k) => {
      const at =
        c.evidenceType === 'cs_acceptance'
          ? acceptedAt
          : new Date(enteredAt.getTime() + ((k + 1) / (stage.criteria.length + 1)) * Math.min(days, 400) * DAY_MS * (leaves ? 1 : 0.6 + r() * 0.8));
      const skipForOverride = override && c.evidenceType !== 'cs_acceptance' && k === stage.criteria.length - 1;
      if (at <= now && (leaves ? at <= exitAt : true) && !skipForOverride) add(stage, c, at);
    });
    if (!leaves) break;
    const entry = stages[stages.length - 1];
    entry.exitedAt = exitAt;
    entry.exitedById = override ? admin.id : staff.id;
    entry.exitedByName = override ? admin.name : staff.name;
    const missing = stage.criteria.filter((c) => c.required && !evidence.some((e) => e.stage === stage.key && e.criterionKey === c.key)).map((c) => c.key);
    if (override) entry.override = { reason: 'Buyer confirmed on a call with our VP; written confirmation to follow.', byId: admin.id, byName: admin.name, at: exitAt, missing };
    const next = playbook.stages[i + 1];
    stages.push({ key: next.key, enteredAt: exitAt });
    audits.push({
      actorId: override ? admin.id : staff.id,
      action: override ? 'journey.stage_overridden' : 'journey.stage_moved',
      entityType: 'journey',
      entityId: String(doc._id),
      at: exitAt,
      data: {
        from: stage.key,
        to: next.key,
        evidence: evidence.filter((e) => e.stage === stage.key).map((e) => ({ id: String(e._id), criterion: e.criterionKey, kind: e.kind })),
        ...(override ? { reason: (entry.override as { reason: string }).reason, missing } : {}),
      },
    });
    enteredAt = exitAt;
    stageIndex = i + 1;
  }

  // Now and then a wrong link was attached and retracted with a reason (append-only evidence).
  const target = [...evidence].reverse().find((e) => e.kind !== 'cs_acceptance');
  if (target && r() < 0.04) {
    const at = target.at as Date;
    evidence.push({
      _id: objectIdFrom(`seed-evidence:${String(deal._id)}:wrong`),
      stage: target.stage,
      criterionKey: target.criterionKey,
      kind: 'email',
      url: LINKS.email('another-customer', 0),
      note: 'Confirmation email',
      byId: staff.id,
      byName: staff.name,
      at,
      retractedAt: new Date(Math.min(now.getTime(), at.getTime() + DAY_MS)),
      retractedById: staff.id,
      retractedByName: staff.name,
      retractReason: 'Wrong thread: this was another customer’s email.',
    });
  }

  const current = playbook.stages[stageIndex];
  const window = stageWindow(enteredAt, current);
  Object.assign(doc, {
    stage: current.key,
    stageIndex,
    stageEnteredAt: enteredAt,
    atRiskAt: window.atRiskAt,
    stalledAt: window.stalledAt,
    stages,
    evidence,
    overrideCount: stages.filter((s) => s.override).length,
    updatedAt: now,
    ...(current.terminal ? { liveAt: enteredAt } : {}),
  });
  return { doc, audits };
}

type BuiltJourney = ReturnType<typeof simulateJourney>;

/** Simulates the journeys of one batch of seeded deals (no writes; see insertSeedJourneys). */
export async function buildSeedJourneys({
  deals,
  accounts,
  contacts,
  now,
}: {
  deals: SeedDeal[];
  accounts: SeedAccount[];
  contacts: SeedContact[];
  now: Date;
}): Promise<BuiltJourney[]> {
  if (deals.length === 0) return [];
  const playbookFor = await playbookChooser();
  const accountById = new Map(accounts.map((a) => [String(a._id), a]));
  const primaryOf = new Map(contacts.filter((c) => c.isPrimary).map((c) => [String(c.accountId), c]));
  const userIds = [...new Set([...deals.map((d) => String(d.aeId)), ...accounts.filter((a) => a.csmId).map((a) => String(a.csmId))])];
  const [users, admin] = await Promise.all([
    User.find({ _id: trusted({ $in: userIds }) })
      .select('name')
      .lean(),
    User.findOne({ role: 'admin', active: true }).sort({ _id: 1 }).select('name').lean(),
  ]);
  const person = new Map(users.map((u) => [String(u._id), { id: u._id, name: u.name }]));
  const adminPerson = admin ? { id: admin._id, name: admin.name } : { id: new Types.ObjectId(), name: 'Admin' };

  return deals.flatMap((deal) => {
    const account = accountById.get(String(deal.accountId));
    if (!account) return [];
    const ae = person.get(String(deal.aeId)) ?? { id: deal.aeId, name: 'Account executive' };
    const csm = account.csmId ? (person.get(String(account.csmId)) ?? null) : null;
    return [simulateJourney({ deal, account, contact: primaryOf.get(String(account._id)) ?? null, csm, ae, admin: adminPerson, playbook: playbookFor(account.segment), now })];
  });
}

/**
 * Inserts built journeys and the audit events of their moves; the rollups of the new ones are
 * bumped unless `bumpMetrics` is false (the scale seed rebuilds every rollup in bulk at the end).
 */
export async function insertSeedJourneys(built: BuiltJourney[], { bumpMetrics = true }: { bumpMetrics?: boolean } = {}) {
  if (built.length === 0) return { inserted: 0, existing: 0 };
  const inserted = await insertIgnoringDuplicates(
    Journey,
    built.map((b) => b.doc),
  );
  const fresh = built.filter((_, i) => inserted.has(i));
  const audits = fresh.flatMap((b) => b.audits);
  if (audits.length) await AuditEvent.insertMany(audits, { ordered: false, lean: true });
  if (bumpMetrics) await bumpJourneyMetricRows(fresh.flatMap((b) => journeyMetricRows(b.doc as Parameters<typeof journeyMetricRows>[0])));
  return { inserted: fresh.length, existing: built.length - fresh.length };
}

/** Journeys for one batch of seeded deals (called by seedDemoData after the deals are written). */
export async function seedJourneysForDeals(input: { deals: SeedDeal[]; accounts: SeedAccount[]; contacts: SeedContact[]; now: Date }) {
  return insertSeedJourneys(await buildSeedJourneys(input));
}
