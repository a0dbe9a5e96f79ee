// POST /api/v1/deals: closed-won intake through the API, the same step as the signed CRM webhook
// (app/deals/intake.server.ts, intakeClosedWonDeal): idempotent on (source, crmId), journey started,
// surveys scheduled. Who may record: roles that may record deals; a sales rep records their own.
import { Deal } from '#models/deal';
import { User } from '#models/user';
import { may } from '#app/auth/permissions';
import type { SessionUser } from '#app/auth/session.server';
import { dealIdFor, intakeClosedWonDeal, type DealSource } from '#app/deals/intake.server';
import { ApiError } from './http.server';
import { findDeal } from './resources.server';
import type { DealCreate } from './schemas.server';

const SOURCE_OF: Record<DealCreate['crm'], DealSource> = { hubspot: 'hubspot', salesforce: 'salesforce', other: 'webhook' };

export async function recordDealFromApi({ user, input, now }: { user: SessionUser; input: DealCreate; now: Date }) {
  if (!may(user.role, 'deals.record')) throw new ApiError(403, 'forbidden', 'Your role may not record deals.');
  const ownerEmail = input.ownerEmail ?? (user.role === 'sales' ? user.email : undefined);
  if (!ownerEmail) throw new ApiError(400, 'invalid_request', 'The body is not valid.', { ownerEmail: ['Name the account executive: an active sales user’s email.'] });
  if (user.role === 'sales' && ownerEmail !== user.email.toLowerCase())
    throw new ApiError(403, 'forbidden', 'Sales reps record their own deals: leave ownerEmail out or use yours.');
  const ae = await User.findOne({ email: ownerEmail, role: 'sales', active: true }).select('_id').lean();
  if (!ae) throw new ApiError(400, 'invalid_request', 'The body is not valid.', { ownerEmail: ['No active sales user has this email.'] });

  const source = SOURCE_OF[input.crm];
  // A deal recorded before under this crm and crmId but not visible to this user (another rep's):
  // refused without saying more than that the id is taken.
  const existing = await findDeal({ user, id: String(dealIdFor(source, input.crmId)) });
  if (!existing && user.role === 'sales' && (await dealExists(source, input.crmId))) {
    throw new ApiError(409, 'conflict', 'A deal with this crm and crmId is already recorded.', { crmId: ['Already recorded.'] });
  }
  const result = await intakeClosedWonDeal({
    input: {
      source,
      crmId: input.crmId,
      name: input.name,
      closedWonAt: input.closedWonAt,
      arr: input.arr,
      currency: input.currency,
      grossMarginPct: input.grossMarginPct,
      cac: input.cac,
      aeId: String(ae._id),
      account: input.account,
      contact: input.primaryContact,
      promises: input.promises,
      referralId: input.referralId,
    },
    now,
    actorId: user.id,
  });
  const deal = await findDeal({ user, id: result.dealId });
  if (!deal) throw new ApiError(409, 'conflict', 'A deal with this crm and crmId is already recorded.', { crmId: ['Already recorded.'] });
  return { created: result.created, journeyId: result.journeyId, deal };
}

const dealExists = async (source: DealSource, crmId: string) => (await Deal.exists({ _id: dealIdFor(source, crmId) })) !== null;
