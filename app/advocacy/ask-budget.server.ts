// The ask budget: one budget per contact and per account across survey emails and asks
// (ASK_BUDGET_*). Each scope is a chain of unique slot inserts (models/ask-budget-slot.ts,
// docs/decisions/0007-ask-budget-chain-of-unique-slots.md), so two concurrent asks cannot both
// take the last slot.
import { Types } from 'mongoose';
import { Ask } from '#models/ask';
import { AskBudgetSlot } from '#models/ask-budget-slot';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { isDuplicateKey, trusted } from '#app/platform/db.server';
import { type BudgetConfig, DAY_MS, laterOf, nextBudgetAvailability } from '#app/advocacy/advocacy-rules.server';
import type { AskType } from '#app/advocacy/advocacy-types';
import { advocacyConfig } from '#app/advocacy/shared.server';

type Scope = 'contact' | 'account';
/** What takes budget: marketing's asks, and the re-ask of a broken promise (app/recovery/reask.server.ts). */
export type BudgetUse = AskType | 'reask';
type BudgetRefusal = { ok: false; scope: Scope | 'busy'; nextAvailableAt: Date | null };

/**
 * Survey emails count in the budget too (docs/product-rules.md). One exception: a referral, reference or
 * case-study ask may follow the survey in which the contact said yes to exactly that, because
 * the contact asked for it. Review invitations never get that exception. Likewise the re-ask of a
 * promise may follow the survey in which the buyer said it was not delivered (`exemptSurveyIds`).
 */
async function surveyUses(input: { contactId: string; accountId: string; type: BudgetUse; exemptSurveyIds?: string[]; windowDays: number; now: Date }) {
  const { contactId, accountId, type, windowDays, now } = input;
  const since = new Date(now.getTime() - windowDays * DAY_MS);
  const surveys = await Survey.find({ accountId, sentAt: trusted({ $gt: since, $lte: now }) })
    .select('_id contactId sentAt')
    .lean();
  let exempt = new Set<string>(input.exemptSurveyIds ?? []);
  if (type !== 'review' && type !== 'reask' && surveys.length) {
    const field = type === 'referral' ? 'consentReferral' : type === 'reference' ? 'consentReference' : 'consentCaseStudy';
    const answers = await SurveyResponse.find({ _id: trusted({ $in: surveys.map((s) => s._id) }) })
      .select(`_id contactId ${field}`)
      .lean();
    exempt = new Set(answers.filter((a) => (a as Record<string, unknown>)[field] === true && String(a.contactId) === String(contactId)).map((a) => String(a._id)));
  }
  const counted = surveys.filter((s) => !exempt.has(String(s._id)) && s.sentAt);
  return {
    contact: counted.filter((s) => String(s.contactId) === String(contactId)).map((s) => s.sentAt as Date),
    account: counted.map((s) => s.sentAt as Date),
  };
}

/**
 * Takes the next slot of one scope's chain for `askId`, or says when the scope is next available.
 * Slot n+1 is inserted only after checking that the k-th most recent slot (k = limit) is older
 * than the window; two concurrent asks both try slot n+1, exactly one insert wins, and the loser
 * rereads the chain (now holding the winner) and is refused.
 */
async function takeSlot(input: { scope: Scope; ownerId: string; limit: number; extra: Date[]; askId: Types.ObjectId; type: BudgetUse; windowDays: number; now: Date }) {
  const { scope, ownerId, limit, extra, askId, type, windowDays, now } = input;
  for (let attempt = 0; attempt < 8; attempt++) {
    const recent = await AskBudgetSlot.find({ scope, ownerId }).sort({ n: -1 }).limit(limit).select('_id n at askId').lean();
    const mine = recent.find((s) => String(s.askId) === String(askId));
    if (mine) return { ok: true as const, slotId: mine._id };
    const next = nextBudgetAvailability({ uses: [...recent.map((s) => s.at), ...extra], limit, windowDays, now });
    if (next) return { ok: false as const, nextAvailableAt: next };
    const n = (recent[0]?.n ?? 0) + 1;
    try {
      const slot = await AskBudgetSlot.create({ _id: `${scope}:${ownerId}:${n}`, scope, ownerId, n, at: now, askId, type });
      return { ok: true as const, slotId: slot._id };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  return { ok: false as const, nextAvailableAt: null };
}

/**
 * Takes the contact's and the account's budget slots for one ask, or refuses with the instant the
 * contact is next available. All or nothing: a refusal releases what was taken.
 */
export async function takeBudgetSlots(input: {
  contactId: string;
  accountId: string;
  askId: Types.ObjectId;
  type: BudgetUse;
  /** Survey emails that do not count against this ask (the survey whose answer a re-ask follows up). */
  exemptSurveyIds?: string[];
  now: Date;
  config?: BudgetConfig;
}): Promise<{ ok: true; slotIds: string[] } | BudgetRefusal> {
  const { contactId, accountId, askId, type, exemptSurveyIds, now } = input;
  const config = input.config ?? advocacyConfig().budget;
  const surveys = await surveyUses({ contactId, accountId, type, exemptSurveyIds, windowDays: config.windowDays, now });
  const contact = await takeSlot({ scope: 'contact', ownerId: contactId, limit: config.perContact, extra: surveys.contact, askId, type, windowDays: config.windowDays, now });
  if (!contact.ok) return { ok: false, scope: contact.nextAvailableAt ? 'contact' : 'busy', nextAvailableAt: contact.nextAvailableAt };
  const account = await takeSlot({ scope: 'account', ownerId: accountId, limit: config.perAccount, extra: surveys.account, askId, type, windowDays: config.windowDays, now });
  if (!account.ok) {
    await AskBudgetSlot.deleteOne({ _id: contact.slotId, askId });
    return { ok: false, scope: account.nextAvailableAt ? 'account' : 'busy', nextAvailableAt: account.nextAvailableAt };
  }
  return { ok: true, slotIds: [contact.slotId, account.slotId] };
}

/** Frees the slots of an ask that was never made (its email could not be queued). */
export async function releaseBudgetSlots({ askId }: { askId: Types.ObjectId | string }) {
  await AskBudgetSlot.deleteMany({ askId });
}

/**
 * When a contact may next be asked for `type` (null: now), counting the contact's and the
 * account's asks and survey emails in the window. Read-only; the ask itself takes the slots.
 */
export async function budgetStatus(input: { contactId: string; accountId: string; type: AskType; now: Date; config?: BudgetConfig }) {
  const { contactId, accountId, type, now } = input;
  const config = input.config ?? advocacyConfig().budget;
  const [surveys, contactSlots, accountSlots] = await Promise.all([
    surveyUses({ contactId, accountId, type, windowDays: config.windowDays, now }),
    AskBudgetSlot.find({ scope: 'contact', ownerId: contactId }).sort({ n: -1 }).limit(config.perContact).select('at').lean(),
    AskBudgetSlot.find({ scope: 'account', ownerId: accountId }).sort({ n: -1 }).limit(config.perAccount).select('at').lean(),
  ]);
  const contactNext = nextBudgetAvailability({ uses: [...contactSlots.map((s) => s.at), ...surveys.contact], limit: config.perContact, windowDays: config.windowDays, now });
  const accountNext = nextBudgetAvailability({ uses: [...accountSlots.map((s) => s.at), ...surveys.account], limit: config.perAccount, windowDays: config.windowDays, now });
  return { clearAt: laterOf(contactNext, accountNext), contactNext, accountNext };
}

/**
 * Worker: frees slots whose ask was never recorded (a process died between the two inserts). A
 * re-ask's slots are not asks: its document exists before it takes them, and it frees its own.
 */
export async function releaseOrphanSlots({ now }: { now: Date }) {
  const before = new Date(Math.min(now.getTime(), Date.now()) - 10 * 60_000);
  const old = await AskBudgetSlot.find({ at: trusted({ $lte: before }), type: trusted({ $ne: 'reask' }) })
    .sort({ at: -1 })
    .limit(500)
    .select('_id askId')
    .lean();
  if (old.length === 0) return { released: 0 };
  const asks = new Set(
    (
      await Ask.find({ _id: trusted({ $in: old.map((s) => s.askId) }) })
        .select('_id')
        .lean()
    ).map((a) => String(a._id)),
  );
  const orphans = old.filter((s) => !asks.has(String(s.askId)));
  if (orphans.length) await AskBudgetSlot.deleteMany({ _id: trusted({ $in: orphans.map((s) => s._id) }) });
  return { released: orphans.length };
}
