import { Account } from '#models/account';
import { Journey } from '#models/journey';
import { User } from '#models/user';

/**
 * The demo's Swedish-speaking customer (docs/i18n.md): the first account (by name) of
 * cs@kept.demo with a journey still under way reads Kept in Swedish, so its contacts get their
 * plan page, surveys and emails in Swedish. Idempotent; an account already given a language keeps it.
 */
export async function seedSwedishCustomer(): Promise<string | null> {
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean();
  if (!cs) return null;
  const already = await Account.findOne({ language: 'sv' }).select('name').lean();
  if (already) return already.name;
  const journeys = await Journey.find({ csmId: cs._id, liveAt: null }).select('accountId accountName').sort({ accountName: 1 }).limit(1).lean();
  const journey = journeys[0];
  if (!journey) return null;
  await Account.updateOne({ _id: journey.accountId, language: null }, { $set: { language: 'sv' } });
  return journey.accountName;
}
