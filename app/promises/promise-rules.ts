// Sales' view of their promises: the pure rules (query, kept score). Tests: promise-rules.unit.test.ts.
import { z } from 'zod';

export const PROMISE_SORTS = ['closed', 'verdict', 'category', 'account'] as const;
export const PROMISE_SORT_LABELS: Record<(typeof PROMISE_SORTS)[number], string> = {
  closed: 'Newest deals first',
  verdict: 'Not kept first',
  category: 'Category',
  account: 'Account',
};

export const PromisesQuerySchema = z.object({
  rep: z
    .string()
    .regex(/^[a-f0-9]{24}$/i)
    .optional()
    .catch(undefined),
  sort: z.enum(PROMISE_SORTS).catch('closed'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type PromisesQuery = z.infer<typeof PromisesQuerySchema>;

export const PROMISES_PER_PAGE = 25;

export type Verdict = 'delivered' | 'partly' | 'not_yet';
export const VERDICT_LABELS: Record<Verdict | 'none', string> = { delivered: 'Delivered', partly: 'Partly', not_yet: 'Not yet', none: 'Not asked yet' };
export const VERDICT_BADGE: Record<Verdict | 'none', string> = { delivered: 'ok', partly: 'warn', not_yet: 'bad', none: 'muted' };

/** The promise-kept score of one verdict (as on the value dashboard: partly counts half). */
export const KEPT_SCORE: Record<Verdict, number> = { delivered: 1, partly: 0.5, not_yet: 0 };

/** Promise-kept rate of some verdicts: (delivered + 0.5 partly) / judged; null when none was judged. */
export function keptRate(verdicts: (Verdict | null)[]) {
  const judged = verdicts.filter((v): v is Verdict => v !== null);
  if (judged.length === 0) return null;
  return judged.reduce((sum, v) => sum + KEPT_SCORE[v], 0) / judged.length;
}

/** Order of verdicts when the least kept come first. */
export const VERDICT_ORDER: Record<Verdict | 'none', number> = { not_yet: 0, partly: 1, none: 2, delivered: 3 };
