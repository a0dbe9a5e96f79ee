// The coded columns of a deal import (segment, promise category, currency, stage): the values Kept
// accepts and the labels people write instead. Pure, so the import page, the template and the row
// parser list and read the same values.
import { CATEGORY_LABELS, CURRENCY_LABELS, plural, SEGMENT_LABELS } from '#app/utils/format';

/** Lower case, letters and digits only: "Time savings", "time_savings" and "TIME-SAVINGS" read alike. */
export const normaliseWord = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The code a cell names, by its code or its label in any case and spacing; null when none. */
export function codeFor<C extends string>(text: string, labels: Record<C, string>, synonyms: Record<string, C> = {}): C | null {
  const word = normaliseWord(text);
  if (!word) return null;
  for (const [code, label] of Object.entries(labels) as [C, string][]) if (normaliseWord(code) === word || normaliseWord(label) === word) return code;
  return synonyms[word] ?? null;
}

/** Extra words CRMs use for segments. */
export const SEGMENT_SYNONYMS: Record<string, string> = { small: 'smb', smallbusiness: 'smb', mm: 'mid-market', mid: 'mid-market', ent: 'enterprise', large: 'enterprise' };

/** Stage values that mean closed-won (other stages are skipped, not errors). */
export const CLOSED_WON_WORDS = ['closedwon', 'won', 'closedwonstage', 'closedandwon'];

export type CodedColumn = { column: string; values: { code: string; label: string }[]; note: string };

const listOf = (labels: Record<string, string>) => Object.entries(labels).map(([code, label]) => ({ code, label }));

/** What the import page, the template and docs/importing-deals.md say about each coded column. */
export const CODED_COLUMNS: CodedColumn[] = [
  {
    column: 'stage',
    values: [{ code: 'closed won', label: 'Closed Won, won, closedwon' }],
    note: 'Rows in any other stage are skipped (reported, not imported). Empty counts as closed won.',
  },
  { column: 'segment', values: listOf(SEGMENT_LABELS), note: 'Empty: the segment chosen on the mapping page.' },
  { column: 'currency', values: listOf(CURRENCY_LABELS), note: 'Or any other ISO 4217 code (CHF, JPY, …). Empty: the currency chosen on the mapping page.' },
  { column: 'promise_1_category … promise_3_category', values: listOf(CATEGORY_LABELS), note: 'Empty: other.' },
];

/** "smb | mid-market | enterprise": the codes, for a header or a message. */
export const codesOf = (labels: Record<string, string>, separator = ' | ') => Object.keys(labels).join(separator);

/** What an import will do, from reading its rows: `checked` of `total` rows were read. */
export type ImportCheck = { ok: number; errors: number; skipped: number; checked: number; total: number };

/**
 * The start button's text: "Import 1 row; 2 rows have errors; 1 is not closed-won". For a file
 * longer than what was checked: "Import up to 100,000 rows; in the first 5,000: 3 rows have errors".
 */
export function importButtonLabel(c: ImportCheck) {
  const issues: string[] = [];
  if (c.errors) issues.push(plural(c.errors, 'row has errors', 'rows have errors'));
  if (c.skipped) issues.push(plural(c.skipped, 'is', 'are') + ' not closed-won');
  if (c.checked >= c.total) return [`Import ${plural(c.ok, 'row')}`, ...issues].join('; ');
  const first = `the first ${c.checked.toLocaleString('en-US')}`;
  return `Import up to ${plural(c.total, 'row')}; ${issues.length ? `in ${first}: ${issues.join('; ')}` : `${first} are ready`}`;
}
