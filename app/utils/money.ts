// Amounts as people type them and CRMs export them: `$45,000`, `45 000`, `45.000,00 €`, `45,000.50`,
// `USD 1'250.75`. One parser for the CSV import and every money field of a form, so a figure reads
// the same wherever it is entered. Pure (no server code): forms and pages may use it too.
import { z } from 'zod';

export type MoneyProblem = 'empty' | 'not-a-number' | 'ambiguous';
export type MoneyResult = { ok: true; value: number } | { ok: false; problem: MoneyProblem; message: string };

// A currency sign or code written before or after the figure ("$", "US$", "€", "EUR", "usd").
const CURRENCY = String.raw`(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$|[$€£¥₹])`;
const AFFIXES = new RegExp(String.raw`^(?:${CURRENCY})?\s*(.*?)\s*(?:${CURRENCY})?$`, 's');
// Spaces of every width, and apostrophes (Swiss 1'250), only ever group thousands.
const SPACES = /[\s\u00a0\u2009\u202f]/;
const APOSTROPHES = /['’]/;

const show = (input: string) => `“${input.trim().slice(0, 30)}”`;
const notANumber = (input: string): MoneyResult => ({
  ok: false,
  problem: 'not-a-number',
  message: `${show(input)} is not a number: type it like 45000, 45,000.50 or 45.000,50.`,
});

/**
 * Reads an amount. The last `.` or `,` is the decimal separator when both appear; a lone `,` before
 * exactly three digits groups thousands (45,000 is the way Kept writes money). A lone `.` before
 * exactly three digits (45.000) reads as 45 in some countries and 45 thousand in others: that is
 * refused as ambiguous rather than guessed. Grouped digits must come in threes (1,23,456 is refused).
 */
export function parseMoney(input: string): MoneyResult {
  let text = input.trim();
  if (!text) return { ok: false, problem: 'empty', message: 'Enter an amount.' };
  let sign = 1;
  // Accounting negatives "(45.00)" and a leading minus, before or after the currency sign.
  const paren = /^\((.*)\)$/s.exec(text);
  if (paren) [sign, text] = [-1, paren[1].trim()];
  const minus = /^[-−]\s*/;
  if (minus.test(text)) [sign, text] = [-sign, text.replace(minus, '')];
  const body = AFFIXES.exec(text)?.[1] ?? '';
  let figure = body;
  if (minus.test(figure)) [sign, figure] = [-sign, figure.replace(minus, '')];
  if (!/^\d/.test(figure) || !/\d$/.test(figure)) return notANumber(input);

  // Digit runs and the single character between each two of them.
  const groups = figure.split(/[^\d]/);
  const seps = figure.replace(/\d+/g, '').split('');
  if (groups.some((g) => g === '') || seps.length !== groups.length - 1) return notANumber(input);
  const kind = (c: string) => (SPACES.test(c) ? ' ' : APOSTROPHES.test(c) ? "'" : c === '.' || c === ',' ? c : null);
  const kinds = seps.map(kind);
  if (kinds.some((k) => k === null)) return notANumber(input);

  // Which separator (if any) marks the decimals.
  let decimalAt = -1; // index into seps
  const last = kinds.length - 1;
  const has = (k: string) => (kinds as (string | null)[]).includes(k);
  if (has('.') && has(',')) {
    const mark = kinds[last];
    if ((mark !== '.' && mark !== ',') || kinds.indexOf(mark) !== last) return notANumber(input);
    decimalAt = last;
  } else if (has('.') || has(',')) {
    const mark = has('.') ? '.' : ',';
    const positions = kinds.flatMap((k, i) => (k === mark ? [i] : []));
    if (positions.length === 1) {
      const at = positions[0];
      const before = groups.slice(0, at + 1);
      const after = groups[at + 1];
      if (after.length !== 3 || at !== last || !groupedWell([...before, after])) decimalAt = at;
      else if (mark === '.') {
        const small = Number(`${before.join('')}.${after}`);
        const large = Number(`${before.join('')}${after}`);
        const forSmall = after.endsWith('0') ? `, or ${small.toFixed(2)} if you mean ${small.toFixed(2)}` : '';
        return {
          ok: false,
          problem: 'ambiguous',
          message: `${show(input)} could be ${small} or ${large.toLocaleString('en-US')}: type ${large} if you mean ${large.toLocaleString('en-US')}${forSmall}.`,
        };
      }
    }
  }
  // The decimals come last: nothing groups digits after them.
  if (decimalAt >= 0 && decimalAt !== last) return notANumber(input);

  const whole = decimalAt < 0 ? groups : groups.slice(0, decimalAt + 1);
  const grouping = new Set(decimalAt < 0 ? kinds : kinds.slice(0, decimalAt));
  if (grouping.size > 1) return notANumber(input);
  if (grouping.size === 1 && !groupedWell(whole)) return notANumber(input);
  const value = sign * Number(`${whole.join('')}${decimalAt < 0 ? '' : `.${groups[decimalAt + 1]}`}`);
  return Number.isFinite(value) ? { ok: true, value: value === 0 ? 0 : value } : notANumber(input);
}

/** 1-3 digits (no leading zero), then groups of exactly three. */
function groupedWell([first, ...rest]: string[]) {
  return first.length >= 1 && first.length <= 3 && !first.startsWith('0') && rest.every((g) => g.length === 3);
}

/**
 * A form's money field: the typed text -> a number, with the problem as the field's error.
 * `label` reads in messages ("Enter the annual recurring revenue.").
 */
export function moneyField({ label, max = 1e10 }: { label: string; max?: number }) {
  return z
    .string({ error: `Enter the ${label}.` })
    .trim()
    .min(1, `Enter the ${label}.`)
    .transform((text, ctx) => {
      const read = parseMoney(text);
      if (!read.ok) {
        ctx.issues.push({ code: 'custom', message: read.message, input: text });
        return z.NEVER;
      }
      return read.value;
    })
    .pipe(z.number().min(0, `The ${label} cannot be negative.`).max(max, `The ${label} is too large.`));
}

/** An optional money field: empty is undefined. */
export function optionalMoneyField({ label, max = 1e10 }: { label: string; max?: number }) {
  return z
    .string()
    .trim()
    .optional()
    .transform((text, ctx) => {
      if (!text) return undefined;
      const read = parseMoney(text);
      if (!read.ok) {
        ctx.issues.push({ code: 'custom', message: read.message, input: text });
        return z.NEVER;
      }
      return read.value;
    })
    .pipe(z.number().min(0, `The ${label} cannot be negative.`).max(max, `The ${label} is too large.`).optional());
}
