// The shared plan page: a buyer opens /plan/<token> (no login), sees the journey's stages, the
// promises and what waits for them, and confirms with a POST. Tokens: 256 random bits, only the
// SHA-256 stored, bound to one journey and one contact, 30 days. GET never writes (mail scanners
// prefetch links); every failure kind (unknown, expired, revoked, malformed) looks the same.
import crypto from 'node:crypto';
import { createElement } from 'react';
import { z } from 'zod';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { Deal } from '#models/deal';
import { Journey } from '#models/journey';
import { PlanToken, type PlanLinkPurpose } from '#models/plan-token';
import { User } from '#models/user';
import { JourneyConfirmationRequestEmail } from '#emails/journey-confirmation-request';
import { buyerEmailBrand } from '#app/branding/brand.server';
import type { SessionUser } from '#app/auth/session.server';
import { getEnv } from '#app/env.server';
import { claimOnce, releaseClaim } from '#app/platform/claims.server';
import { sendEmail } from '#app/email/email.server';
import { recordBuyerConfirmation } from '#app/journeys/journey.server';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { formatDate } from '#app/i18n/format';
import { buyerLocale } from '#app/i18n/locale.server';
import type { Locale } from '#app/i18n/locales';
import { translator } from '#app/i18n/messages';
import { planMessages } from '#app/i18n/messages/plan';
import { playbookText } from '#app/i18n/messages/playbook';
import { Account } from '#models/account';
import { buyerCanConfirm, isSatisfied } from '#app/journeys/journey-rules';
import { buyerDelayView } from '#app/journeys/delay-views';
import { confirmRecoveryPlan, recoveryPlansForDeal } from '#app/recovery/buyer-plan.server';

export const PLAN_TOKEN_DAYS = 30;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export const hashPlanToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export const RequestConfirmationSchema = z.object({
  contactId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the buyer to ask.'),
});

export const ConfirmSchema = z.object({
  criterionKey: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'Choose what you confirm.'),
});

/** A new plan link for one journey and contact; returns the token itself (shown once, never stored). */
export async function createPlanToken(input: {
  journeyId: string;
  contact: { id: string; name: string; email: string };
  stage: string;
  /** Left out: a confirmation request (the model's default). */
  purpose?: PlanLinkPurpose;
  createdById?: string;
  now: Date;
}) {
  const token = crypto.randomBytes(32).toString('base64url');
  await PlanToken.create({
    tokenHash: hashPlanToken(token),
    journeyId: input.journeyId,
    contactId: input.contact.id,
    contactEmail: input.contact.email,
    contactName: input.contact.name,
    stage: input.stage,
    purpose: input.purpose,
    createdById: input.createdById,
    expiresAt: new Date(input.now.getTime() + PLAN_TOKEN_DAYS * 86_400_000),
  });
  return token;
}

/**
 * Emails the buyer a link to the shared plan page asking them to confirm what waits for them in
 * the current stage. At most one request per (journey, stage, contact, day): a double click or a
 * retry does not send twice.
 */
export async function requestBuyerConfirmation({ user, journeyId, contactId, now = new Date() }: { user: SessionUser; journeyId: string; contactId: string; now?: Date }) {
  if (user.role !== 'admin' && user.role !== 'cs') throw new Response(`Your role (${user.role}) cannot change journeys.`, { status: 403 });
  if (!/^[a-f0-9]{24}$/i.test(journeyId)) return null;
  const j = await Journey.findById(journeyId).select('accountId accountName stage stageIndex playbookKey playbookVersion evidence csmId').lean();
  if (!j) return null;
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  const stage = playbook?.stages[j.stageIndex];
  if (!stage || stage.terminal) return { ok: false as const, status: 409 as const, message: 'This journey is live: nothing waits for the buyer.' };
  const contact = await Contact.findOne({ _id: contactId, accountId: j.accountId }).select('name email emailStatus language').lean();
  if (!contact) return { ok: false as const, status: 400 as const, errors: { contactId: ['Choose a contact of this account.'] } };
  if (contact.emailStatus && contact.emailStatus !== 'ok') {
    return { ok: false as const, status: 400 as const, errors: { contactId: [`${contact.email} is marked “${contact.emailStatus}”: choose another contact.`] } };
  }
  const waiting = stage.criteria.filter((c) => buyerCanConfirm(c) && !isSatisfied(stage.key, c, j.evidence));
  if (waiting.length === 0) return { ok: false as const, status: 409 as const, message: `Nothing in ${stage.name} waits for the buyer’s confirmation.` };

  const key = `journey:${journeyId}:confirm-request:${stage.key}:${contactId}:${now.toISOString().slice(0, 10)}`;
  if (!(await claimOnce({ key, owner: user.id, now }))) {
    return { ok: false as const, status: 409 as const, message: `A confirmation request already went to ${contact.email} today for this stage.` };
  }
  const csm = j.csmId ? await User.findById(j.csmId).select('name').lean() : null;
  const token = await createPlanToken({ journeyId, contact: { id: contactId, name: contact.name, email: contact.email }, stage: stage.key, createdById: user.id, now });
  const expiresAt = new Date(now.getTime() + PLAN_TOKEN_DAYS * 86_400_000);
  const [{ brand, ...sender }, account] = await Promise.all([buyerEmailBrand(), Account.findById(j.accountId).select('language').lean()]);
  const locale = await buyerLocale({ contact, account });
  const sent = await sendEmail({
    key,
    template: 'journey-confirmation-request',
    to: contact.email,
    ...sender,
    subject: translator(planMessages, locale)('confirmSubject', { stage: playbookText(locale, stage.name).toLowerCase(), account: j.accountName }),
    react: createElement(JourneyConfirmationRequestEmail, {
      brand,
      locale,
      contactName: contact.name,
      accountName: j.accountName,
      stageName: stage.name,
      items: waiting.map((c) => c.buyerAction),
      csmName: csm?.name ?? user.name,
      planUrl: `${getEnv().APP_URL.replace(/\/+$/, '')}/plan/${token}`,
      expiresOn: formatDate(locale, expiresAt),
    }),
    meta: { entityType: 'journey', entityId: journeyId },
    now,
  });
  if (!sent.ok) {
    // Nothing was sent: void the link and free the claim so CS can try again.
    await PlanToken.updateOne({ tokenHash: hashPlanToken(token) }, { $set: { revokedAt: now } });
    await releaseClaim({ key, owner: user.id });
    return { ok: false as const, status: 409 as const, message: 'The email could not be queued. Try again in a moment.' };
  }
  await recordAudit({
    actorId: user.id,
    action: 'journey.confirmation_requested',
    entityType: 'journey',
    entityId: journeyId,
    data: { contactId, contactEmail: contact.email, stage: stage.key, emailId: sent.id },
    now,
  });
  return { ok: true as const, to: contact.email };
}

/** The language the link's buyer reads the plan page in: the contact's, else the account's, else the admin's default. */
async function localeOf(link: { contactId: unknown } | null, accountId?: unknown): Promise<Locale> {
  const contact = link ? await Contact.findById(link.contactId).select('language accountId').lean() : null;
  const account =
    contact || accountId
      ? await Account.findById(contact?.accountId ?? accountId)
          .select('language')
          .lean()
      : null;
  return buyerLocale({ contact, account });
}

/** The language of the plan page behind `token` (the admin's default for a bad link), for the action's answers. */
export async function planLinkLocale({ token, now = new Date() }: { token: string; now?: Date }) {
  return localeOf(await findLiveToken(token, now));
}

/** The live plan link of `token` (null for every kind of bad link); buyer tasks use it too. */
export async function findLiveToken(token: string, now: Date) {
  if (!TOKEN_FORMAT.test(token)) return null;
  const t = await PlanToken.findOne({ tokenHash: hashPlanToken(token) })
    .select('journeyId contactId contactName contactEmail expiresAt revokedAt')
    .lean();
  if (!t || t.revokedAt || t.expiresAt <= now) return null;
  return t;
}

/** What the buyer sees on the shared plan page; null for every kind of bad link. Reads only. */
export async function getPlanView({ token, now = new Date() }: { token: string; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const j = await Journey.findById(t.journeyId)
    .select('dealId accountId accountName dealName stage stageIndex playbookKey playbookVersion stages evidence csmId liveAt delays openDelayId')
    .lean();
  if (!j) return null;
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  if (!playbook) return null;
  const [deal, csm, recoveryPlans, locale] = await Promise.all([
    Deal.findById(j.dealId).select('promises').lean(),
    j.csmId ? User.findById(j.csmId).select('name').lean() : null,
    // What we agreed to fix after the buyer said a promise was not kept (docs/recovery.md).
    recoveryPlansForDeal(j.dealId),
    localeOf(t, j.accountId),
  ]);
  const entries = new Map(j.stages.map((s) => [s.key, s]));
  const current = playbook.stages[j.stageIndex];
  const confirmedBy = (stageKey: string, criterionKey: string) =>
    j.evidence.find((e) => !e.retractedAt && e.kind === 'buyer_confirmation' && e.stage === stageKey && e.criterionKey === criterionKey) ?? null;
  return {
    locale,
    contactName: t.contactName,
    accountName: j.accountName,
    dealName: j.dealName,
    csmName: csm?.name ?? null,
    live: Boolean(j.liveAt),
    stages: playbook.stages.map((s, i) => ({
      key: s.key,
      name: s.name,
      state: i < j.stageIndex ? ('done' as const) : i === j.stageIndex ? ('current' as const) : ('ahead' as const),
      enteredAt: entries.get(s.key)?.enteredAt.toISOString() ?? null,
      exitedAt: entries.get(s.key)?.exitedAt?.toISOString() ?? null,
    })),
    currentStageName: current.name,
    // Only what the buyer is asked to do: criteria naming a buyer action.
    waiting: current.terminal
      ? []
      : current.criteria
          .filter((c) => c.buyerAction)
          .map((c) => {
            const confirmation = confirmedBy(current.key, c.key);
            return {
              key: c.key,
              buyerAction: c.buyerAction,
              text: c.text,
              confirmable: buyerCanConfirm(c),
              done: isSatisfied(current.key, c, j.evidence),
              confirmedBy: confirmation ? { name: confirmation.contactName ?? '', at: confirmation.at.toISOString() } : null,
            };
          }),
    promises: (deal?.promises ?? []).map((p) => ({ id: String(p._id), text: p.text, successCriterion: p.successCriterion, category: p.category })),
    recoveryPlans,
    // "Waiting on you": a delay the team marked, for the buyer to confirm (docs/buyer-delays.md).
    delay: j.liveAt ? null : buyerDelayView(j),
  };
}

/** The buyer confirms an agreed recovery plan of this journey's deal (recorded once per plan). */
export async function confirmRecoveryOnPlan({ token, caseId, planVersion, now = new Date() }: { token: string; caseId: string; planVersion: string; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const j = await Journey.findById(t.journeyId).select('dealId').lean();
  if (!j) return null;
  const result = await confirmRecoveryPlan({ dealId: j.dealId, caseId, planVersion, contact: { id: String(t.contactId), name: t.contactName }, now });
  await PlanToken.updateOne({ _id: t._id }, { $set: { lastSeenAt: now } });
  return result;
}

/**
 * The buyer confirms one criterion of the current stage. Recorded once per (criterion, contact)
 * while it stands: a double submit or a replayed POST is answered "already confirmed".
 */
export async function confirmOnPlan({ token, criterionKey, now = new Date() }: { token: string; criterionKey: string; now?: Date }) {
  const t = await findLiveToken(token, now);
  if (!t) return null;
  const j = await Journey.findById(t.journeyId).select('stage stageIndex playbookKey playbookVersion evidence').lean();
  if (!j) return null;
  const playbook = await getPlaybookVersion(j.playbookVersion, j.playbookKey);
  const stage = playbook?.stages[j.stageIndex];
  const criterion = stage?.criteria.find((c) => c.key === criterionKey);
  if (!stage || !criterion || !buyerCanConfirm(criterion)) {
    return { ok: false as const, message: 'That item is not waiting for your confirmation any more. The page shows what is.' };
  }
  const contactId = String(t.contactId);
  const mine = j.evidence.filter((e) => e.kind === 'buyer_confirmation' && e.stage === stage.key && e.criterionKey === criterionKey && String(e.contactId) === contactId);
  if (mine.some((e) => !e.retractedAt)) return { ok: true as const, already: true };
  // A retracted confirmation may be given again: the retraction count is part of the key.
  const key = `journey:${String(j._id)}:buyer:${stage.key}:${criterionKey}:${contactId}:${mine.length}`;
  if (!(await claimOnce({ key, owner: contactId, now }))) return { ok: true as const, already: true };
  await recordBuyerConfirmation({ journeyId: String(j._id), stageKey: stage.key, criterionKey, contact: { id: contactId, name: t.contactName, email: t.contactEmail }, now });
  await PlanToken.updateOne({ _id: t._id }, { $set: { lastSeenAt: now } });
  return { ok: true as const, already: false };
}
