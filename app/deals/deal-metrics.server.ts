// Money rollups of closed-won deals for the profitability dashboard, and account churn.
//
// Metric kinds written here (bumpMetric; read with readMetrics(kind); rebuilt by rebuildDealMetrics):
//   deal.won      dims { cohort, segment, rep, currency }
//                 counts { n, arr, marginArr, arrWithMargin, cacSum, cacKnown, wonDays }
//                 marginArr = sum of arr x grossMarginPct / 100 over deals with a margin, arrWithMargin
//                 the ARR of those deals; cacSum / cacKnown the same for per-deal CAC; wonDays the
//                 sum of closed-won instants in days since 1970 (exposure for churn, see metrics-math).
//   deal.churned  dims { cohort, segment, rep, currency }  counts { n, arr, wonDays, churnDays }
//                 deals of churned accounts that were won before the churn date.
// cohort = closed-won quarter, rep = AE user id, segment = the account's segment.
// Written when a deal is created (createManualDeal, the CRM intake; CSV imports call bumpDealsWon
// per batch) and when an account is marked churned (recordAccountChurn).
import type { Types } from 'mongoose';
import { z } from 'zod';
import { Account } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Deal } from '#models/deal';
import type { SessionUser } from '#app/auth/session.server';
import { claimOnce, releaseClaim } from '#app/platform/claims.server';
import { bumpMetric, clearMetrics, cohortOf, metricKey } from '#app/platform/metrics.server';
import { epochDays } from '#app/dashboards/metrics-math';
import { logError } from '#app/utils/log.server';
import { may } from '#app/auth/permissions';

export const DEAL_METRICS = { won: 'deal.won', churned: 'deal.churned' } as const;

type MetricRow = { kind: string; dims: Record<string, string>; counts: Record<string, number> };
type DealFacts = { closedWonAt: Date; arr: number; currency?: string | null; grossMarginPct?: number | null; cac?: number | null; aeId: unknown };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Metric dimensions of a deal (the account's segment passed in). */
export function dealDims(deal: DealFacts, segment: string) {
  return { cohort: cohortOf(deal.closedWonAt), segment, rep: String(deal.aeId), currency: deal.currency || 'USD' };
}

/** The deal.won row of one deal. */
export function dealWonRow(deal: DealFacts, segment: string): MetricRow {
  const hasMargin = typeof deal.grossMarginPct === 'number';
  const hasCac = typeof deal.cac === 'number';
  return {
    kind: DEAL_METRICS.won,
    dims: dealDims(deal, segment),
    counts: {
      n: 1,
      arr: deal.arr,
      marginArr: hasMargin ? round2((deal.arr * deal.grossMarginPct!) / 100) : 0,
      arrWithMargin: hasMargin ? deal.arr : 0,
      cacSum: hasCac ? deal.cac! : 0,
      cacKnown: hasCac ? 1 : 0,
      wonDays: round2(epochDays(deal.closedWonAt)),
    },
  };
}

/** The deal.churned row of a deal whose account churned at `churnedAt`; null if won after it. */
export function dealChurnRow(deal: DealFacts, segment: string, churnedAt: Date): MetricRow | null {
  if (deal.closedWonAt.getTime() > churnedAt.getTime()) return null;
  return {
    kind: DEAL_METRICS.churned,
    dims: dealDims(deal, segment),
    counts: { n: 1, arr: deal.arr, wonDays: round2(epochDays(deal.closedWonAt)), churnDays: round2(epochDays(churnedAt)) },
  };
}

/** Sums rows with equal kind and dimensions (fewer writes for batches and rebuilds). */
function addInto(totals: Map<string, MetricRow>, row: MetricRow) {
  const key = metricKey(row.kind, row.dims);
  const into = totals.get(key) ?? { kind: row.kind, dims: row.dims, counts: {} };
  for (const [name, n] of Object.entries(row.counts)) into.counts[name] = round2((into.counts[name] ?? 0) + n);
  totals.set(key, into);
}

type AccountFacts = { segment: string; status?: string | null; churnedAt?: Date | null };

function rowsOfDeal(deal: DealFacts, account: AccountFacts) {
  const rows = [dealWonRow(deal, account.segment)];
  if (account.status === 'churned' && account.churnedAt) {
    const churn = dealChurnRow(deal, account.segment, account.churnedAt);
    if (churn) rows.push(churn);
  }
  return rows;
}

/**
 * Counts newly created deals (the caller knows each is new: a unique insert created it). For CSV
 * imports: one bump per distinct dimension set of the batch.
 */
export async function bumpDealsWon(items: readonly { deal: DealFacts; account: AccountFacts }[]) {
  const totals = new Map<string, MetricRow>();
  for (const { deal, account } of items) for (const row of rowsOfDeal(deal, account)) addInto(totals, row);
  for (const row of totals.values()) await bumpMetric(row.kind, row.dims, row.counts);
}

/**
 * Counts one new deal in the money rollups, once (claim `metrics:deal-won:<id>`): for the manual
 * form and the CRM intake, right after the deal was created. Never throws: a failure is logged
 * and the nightly rebuild repairs the figures.
 */
export async function recordDealWon({ dealId, now = new Date() }: { dealId: string | Types.ObjectId; now?: Date }) {
  const key = `metrics:deal-won:${String(dealId)}`;
  try {
    const deal = await Deal.findById(dealId).select('closedWonAt arr currency grossMarginPct cac aeId accountId').lean();
    if (!deal) return false;
    const account = await Account.findById(deal.accountId).select('segment status churnedAt').lean();
    if (!account) return false;
    if (!(await claimOnce({ key, owner: 'deal-metrics', now }))) return false;
    try {
      await bumpDealsWon([{ deal, account }]);
    } catch (error) {
      await releaseClaim({ key, owner: 'deal-metrics' });
      throw error;
    }
    return true;
  } catch (error) {
    logError(error, { where: 'recordDealWon', dealId: String(dealId) });
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Churn

export const ChurnFormSchema = z.object({
  churnedAt: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the churn date as YYYY-MM-DD.')
    .transform((v) => new Date(`${v}T00:00:00.000Z`))
    .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 2000, 'Enter a real date after 2000.'),
  confirm: z.literal('yes', { error: 'Tick the box to confirm the customer has churned.' }),
});

export type ChurnResult = { ok: true } | { ok: false; status: 400 | 404 | 409; errors?: Record<string, string[]>; message?: string };

/**
 * Marks an account churned at `churnedAt` (admin, or the account's CSM) and moves its deals won
 * before that date into deal.churned. Once per account (claim `account:<id>:churned`).
 */
export async function recordAccountChurn({
  user,
  accountId,
  churnedAt,
  now = new Date(),
}: {
  user: SessionUser;
  accountId: string;
  churnedAt: Date;
  now?: Date;
}): Promise<ChurnResult> {
  if (!may(user.role, 'churn.record')) throw new Response(`Your role (${user.role}) cannot record churn.`, { status: 403 });
  if (!/^[a-f0-9]{24}$/i.test(accountId)) return { ok: false, status: 404, message: 'That account was not found.' };
  const account = await Account.findById(accountId).select('segment status csmId').lean();
  if (!account || (user.role === 'cs' && String(account.csmId ?? '') !== user.id)) return { ok: false, status: 404, message: 'That account was not found.' };
  if (churnedAt.getTime() > now.getTime()) return { ok: false, status: 400, errors: { churnedAt: ['A churn date cannot be in the future.'] } };
  if (account.status === 'churned') return { ok: false, status: 409, message: 'This account is already marked as churned.' };
  const key = `account:${accountId}:churned`;
  if (!(await claimOnce({ key, owner: user.id, now, data: { churnedAt } }))) return { ok: false, status: 409, message: 'This account is already marked as churned.' };
  try {
    await Account.updateOne({ _id: accountId }, { $set: { status: 'churned', churnedAt } });
  } catch (error) {
    await releaseClaim({ key, owner: user.id });
    throw error;
  }
  await recordAudit({ actorId: user.id, action: 'account.churned', entityType: 'account', entityId: accountId, data: { churnedAt }, now });
  const deals = await Deal.find({ accountId }).select('closedWonAt arr currency aeId').lean();
  const totals = new Map<string, MetricRow>();
  for (const d of deals) {
    const row = dealChurnRow(d, account.segment, churnedAt);
    if (row) addInto(totals, row);
  }
  for (const row of totals.values()) await bumpMetric(row.kind, row.dims, row.counts);
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Rebuild

/** Recomputes deal.won and deal.churned from the deals and their accounts (same rows as the incremental path). */
export async function rebuildDealMetrics() {
  const accounts = new Map<string, AccountFacts>();
  for await (const a of Account.find({}).select('segment status churnedAt').lean().cursor())
    accounts.set(String(a._id), { segment: a.segment, status: a.status, churnedAt: a.churnedAt });
  const totals = new Map<string, MetricRow>();
  let deals = 0;
  for await (const d of Deal.find({}).select('closedWonAt arr currency grossMarginPct cac aeId accountId').lean().cursor()) {
    const account = accounts.get(String(d.accountId));
    if (!account) continue;
    deals++;
    for (const row of rowsOfDeal(d, account)) addInto(totals, row);
  }
  for (const kind of Object.values(DEAL_METRICS)) await clearMetrics(kind);
  for (const row of totals.values()) await bumpMetric(row.kind, row.dims, row.counts);
  return { deals, rows: totals.size };
}
