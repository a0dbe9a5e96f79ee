// Review invitations follow the review platforms' rules: eligibility is tenure only, never the
// survey score (docs/decisions/0008-review-invitations-ignore-satisfaction.md); a round goes to all
// eligible customers or a random sample Kept draws (seed and population digest recorded); the
// worker sends what the first request did not. Each member's outcome is a unique Claim insert.
import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Journey } from '#models/journey';
import { ReviewCampaign } from '#models/review-campaign';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { trusted } from '#app/platform/db.server';
import { claimOnce, countGroupClaims, listGroupClaims } from '#app/platform/claims.server';
import { DAY_MS, digestOf, drawSample, reviewConditions } from '#app/advocacy/advocacy-rules.server';
import type { ReviewPlatform } from '#app/advocacy/advocacy-types';
import { logError } from '#app/utils/log.server';
import { isObjectId, objectIdFrom } from '#app/utils/ids.server';
import { iso } from '#app/utils/iso';
import { advocacyConfig, requireAdvocacyWriter } from '#app/advocacy/shared.server';
import type { ReviewCampaignForm } from '#app/advocacy/forms';
import { type AskResult, createAsk } from '#app/advocacy/asks.server';

/**
 * Everyone a review invitation may go to: the primary contact of each account with a deal live for
 * at least the minimum tenure, deliverable, account not churned. No survey answer is read here.
 */
export async function reviewPopulation({ now, minTenureDays }: { now: Date; minTenureDays: number }) {
  const cutoff = new Date(now.getTime() - minTenureDays * DAY_MS);
  const journeys = await Journey.find({ liveAt: trusted({ $ne: null, $lte: cutoff }) })
    .select('dealId accountId liveAt')
    .sort({ liveAt: 1 })
    .lean();
  // One invitation per customer: the account's earliest live deal is its origin.
  const byAccount = new Map<string, { dealId: Types.ObjectId; liveAt: Date }>();
  for (const j of journeys) if (!byAccount.has(String(j.accountId))) byAccount.set(String(j.accountId), { dealId: j.dealId, liveAt: j.liveAt as Date });
  const accountIds = [...byAccount.keys()];
  const [accounts, contacts] = await Promise.all([
    Account.find({ _id: trusted({ $in: accountIds }) })
      .select('status')
      .lean(),
    Contact.find({ accountId: trusted({ $in: accountIds }), isPrimary: true })
      .select('accountId emailStatus')
      .lean(),
  ]);
  const churned = new Set(accounts.filter((a) => a.status === 'churned').map((a) => String(a._id)));
  const members: { contactId: string; dealId: string; accountId: string }[] = [];
  for (const c of contacts) {
    const origin = byAccount.get(String(c.accountId));
    if (!origin) continue;
    if (
      !reviewConditions({ liveAt: origin.liveAt, accountChurned: churned.has(String(c.accountId)), contactStatus: c.emailStatus ?? 'ok' }, { minTenureDays, now }).every(
        (x) => x.ok,
      )
    )
      continue;
    members.push({ contactId: String(c._id), dealId: String(origin.dealId), accountId: String(c.accountId) });
  }
  // A fixed order (by contact id) makes the recorded draw reproducible from its seed.
  return members.sort((a, b) => a.contactId.localeCompare(b.contactId));
}

/**
 * Starts a round of review invitations: all eligible customers, or a random sample Kept draws
 * (seed and population digest recorded). Sends the first invitations now; the worker sends the rest.
 */
export async function createReviewCampaign({ user, input, now = new Date(), sendNow = 25 }: { user: SessionUser; input: ReviewCampaignForm; now?: Date; sendNow?: number }) {
  requireAdvocacyWriter(user);
  const { minTenureDays } = advocacyConfig();
  const population = await reviewPopulation({ now, minTenureDays });
  if (population.length === 0) return { ok: false as const, error: `No customer has been live for ${minTenureDays} days with a contact we may email yet.` };
  const seed = crypto.randomBytes(16).toString('hex');
  const drawn = input.mode === 'all' ? population : drawSample({ population, size: input.sampleSize ?? population.length, seed });
  const campaign = await ReviewCampaign.create({
    platform: input.platform,
    reviewUrl: input.reviewUrl,
    incentive: input.incentive,
    mode: input.mode,
    sampleSize: input.mode === 'sample' ? input.sampleSize : undefined,
    seed,
    minTenureDays,
    populationSize: population.length,
    populationDigest: digestOf(population.map((m) => m.contactId)),
    members: drawn.map((m) => ({ contactId: m.contactId, dealId: m.dealId })),
    createdById: user.id,
    createdByName: user.name,
    drawnAt: now,
  });
  await recordAudit({
    actorId: user.id,
    action: 'review-campaign.drawn',
    entityType: 'review-campaign',
    entityId: campaign._id,
    data: { mode: input.mode, population: population.length, drawn: drawn.length, seed },
    now,
  });
  const progress = await processReviewCampaign({ campaignId: String(campaign._id), now, limit: sendNow, actor: user });
  return { ok: true as const, campaignId: String(campaign._id), population: population.length, drawn: drawn.length, ...progress };
}

type MemberOutcome = { result: 'invited' | 'skipped'; reason: string; askId?: string };

/**
 * Sends a campaign's invitations that have no recorded outcome yet (at most `limit`). Each member
 * is idempotent (ask _id derived from campaign and contact; email key from the ask), so a retry or
 * a second worker never invites anyone twice; outcomes are unique inserts (Claim per member).
 */
export async function processReviewCampaign({ campaignId, now, limit = 100, actor }: { campaignId: string; now: Date; limit?: number; actor?: SessionUser }) {
  const campaign = await ReviewCampaign.findById(campaignId).lean();
  if (!campaign) return { invited: 0, skipped: 0, remaining: 0 };
  const resource = `campaign:${campaignId}`;
  const done = new Set((await listGroupClaims(resource)).map((c) => c.gen));
  const todo = campaign.members.map((m, i) => ({ ...m, i })).filter((m) => !done.has(m.i));
  const creator =
    actor ??
    (campaign.createdById
      ? await User.findById(campaign.createdById)
          .select('name email role')
          .lean()
          .then((u) => (u ? { id: String(u._id), name: u.name, email: u.email, role: 'marketing' as const } : null))
      : null);
  let invited = 0;
  let skipped = 0;
  for (const m of todo.slice(0, limit)) {
    let outcome: MemberOutcome;
    if (!creator) outcome = { result: 'skipped', reason: 'The marketing user who drew the campaign no longer exists.' };
    else {
      const result = await createAsk({
        user: creator,
        target: { contactId: String(m.contactId), dealId: String(m.dealId), campaignId },
        askId: objectIdFrom(`ask:campaign:${campaignId}:${String(m.contactId)}`),
        form: {
          requestId: `campaign-${campaignId}`,
          type: 'review',
          channel: 'email',
          platform: campaign.platform as ReviewPlatform,
          reviewUrlToVisit: campaign.reviewUrl,
          incentive: campaign.incentive ?? '',
          message: '',
          phoneStatus: 'sent',
        },
        now,
      }).catch((error): AskResult => {
        logError(error, { where: 'processReviewCampaign', campaignId });
        return { ok: false, error: 'Kept could not record this invitation.' };
      });
      outcome = result.ok ? { result: 'invited', reason: '', askId: result.askId } : { result: 'skipped', reason: result.error };
    }
    if (await claimOnce({ key: `${resource}:member:${m.i}`, group: { resource, gen: m.i }, owner: 'advocacy', data: outcome })) {
      if (outcome.result === 'invited') invited++;
      else skipped++;
    }
  }
  const remaining = campaign.members.length - (await countGroupClaims(resource));
  if (remaining <= 0 && campaign.state !== 'done') await ReviewCampaign.updateOne({ _id: campaign._id }, { $set: { state: 'done' } });
  return { invited, skipped, remaining: Math.max(0, remaining) };
}

/** Worker: continues review campaigns still sending. */
export async function processDueReviewCampaigns({ now, signal }: { now: Date; signal?: AbortSignal }) {
  const open = await ReviewCampaign.find({ state: 'drawn' }).select('_id').limit(10).lean();
  let invited = 0;
  for (const c of open) {
    if (signal?.aborted) break;
    invited += (await processReviewCampaign({ campaignId: String(c._id), now, limit: 200 })).invited;
  }
  return { campaigns: open.length, invited };
}

/** The review page: the rule, how many are eligible now, and past campaigns with their draws. */
export async function getReviewOverview({ now = new Date() }: { now?: Date } = {}) {
  const { minTenureDays, budget } = advocacyConfig();
  const [population, campaigns] = await Promise.all([reviewPopulation({ now, minTenureDays }), ReviewCampaign.find({}).sort({ drawnAt: -1 }).limit(20).lean()]);
  const outcomes = await listGroupClaims(campaigns.map((c) => `campaign:${String(c._id)}`));
  const tally = new Map<string, { invited: number; skipped: number }>();
  for (const o of outcomes) {
    const t = tally.get(o.resource ?? '') ?? { invited: 0, skipped: 0 };
    if ((o.data as MemberOutcome | undefined)?.result === 'invited') t.invited++;
    else t.skipped++;
    tally.set(o.resource ?? '', t);
  }
  return {
    minTenureDays,
    budget,
    eligibleNow: population.length,
    campaigns: campaigns.map((c) => {
      const t = tally.get(`campaign:${String(c._id)}`) ?? { invited: 0, skipped: 0 };
      return {
        id: String(c._id),
        platform: c.platform as ReviewPlatform,
        reviewUrl: c.reviewUrl,
        incentive: c.incentive ?? '',
        mode: c.mode as 'all' | 'sample',
        sampleSize: c.sampleSize ?? null,
        seed: c.seed,
        populationSize: c.populationSize,
        populationDigest: c.populationDigest,
        drawn: c.members.length,
        invited: t.invited,
        skipped: t.skipped,
        state: c.state,
        drawnAt: iso(c.drawnAt),
        createdByName: c.createdByName ?? '',
      };
    }),
  };
}

/** One campaign's members and what happened to each (invited, or skipped and why). */
export async function getReviewCampaign({ campaignId }: { campaignId: string }) {
  if (!isObjectId(campaignId)) return null;
  const c = await ReviewCampaign.findById(campaignId).lean();
  if (!c) return null;
  const [outcomes, contacts] = await Promise.all([
    listGroupClaims(`campaign:${campaignId}`),
    Contact.find({ _id: trusted({ $in: c.members.map((m) => m.contactId) }) })
      .select('name email accountId')
      .lean(),
  ]);
  const accounts = await Account.find({ _id: trusted({ $in: contacts.map((x) => x.accountId) }) })
    .select('name')
    .lean();
  const accountName = new Map(accounts.map((a) => [String(a._id), a.name]));
  const contactOf = new Map(contacts.map((x) => [String(x._id), x]));
  const outcomeOf = new Map(outcomes.map((o) => [o.gen, o.data as MemberOutcome]));
  return {
    id: String(c._id),
    platform: c.platform as ReviewPlatform,
    seed: c.seed,
    mode: c.mode,
    populationSize: c.populationSize,
    populationDigest: c.populationDigest,
    members: c.members.map((m, i) => {
      const contact = contactOf.get(String(m.contactId));
      const o = outcomeOf.get(i);
      return {
        contactName: contact?.name ?? '',
        contactEmail: contact?.email ?? '',
        accountName: contact ? (accountName.get(String(contact.accountId)) ?? '') : '',
        result: o?.result ?? 'pending',
        reason: o?.reason ?? '',
        askId: o?.askId ?? null,
      };
    }),
  };
}
