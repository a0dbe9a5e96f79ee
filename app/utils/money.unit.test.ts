import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { moneyField, optionalMoneyField, parseMoney } from './money';

const value = (text: string) => {
  const read = parseMoney(text);
  return read.ok ? read.value : read.problem;
};

// Amounts in cents, so formatting with two decimals is exact.
const cents = fc.integer({ min: 0, max: 99_999_999_999 });

/** How people and CRMs write an amount of `c` cents. */
const WRITERS: [string, (c: number) => string][] = [
  ['en-US', (c) => (c / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })],
  ['en-US dollars', (c) => `$${(c / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`],
  ['de-DE euros', (c) => (c / 100).toLocaleString('de-DE', { style: 'currency', currency: 'EUR' })],
  ['fr-FR', (c) => (c / 100).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })],
  ['de-CH', (c) => `CHF ${(c / 100).toLocaleString('de-CH', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`],
  ['plain', (c) => (c / 100).toFixed(2)],
  ['plain with code', (c) => `${(c / 100).toFixed(2)} USD`],
];

describe('parseMoney', () => {
  it('reads the amounts people type', () => {
    expect(value('$45,000')).toBe(45000);
    expect(value('45 000')).toBe(45000);
    expect(value('45.000,00')).toBe(45000);
    expect(value('45,000.50')).toBe(45000.5);
    expect(value('12.500,50 €')).toBe(12500.5);
    expect(value('US$ 1,250')).toBe(1250);
    expect(value("1'250.75")).toBe(1250.75);
    expect(value('45000')).toBe(45000);
    expect(value('45,5')).toBe(45.5);
    expect(value('0.125')).toBe(0.125);
    expect(value('1.234.567')).toBe(1234567);
    expect(value('(1,200.00)')).toBe(-1200);
    expect(value('-$300')).toBe(-300);
  });

  it('refuses what it cannot read for sure, with a message saying what to type', () => {
    expect(value('')).toBe('empty');
    for (const text of ['lots', '45k', '1,23,456', '45.000.00', '1,234 567', '1e5', '$', '12 34', '45..0', '4 5,6.7']) expect(value(text), text).toBe('not-a-number');
    // 45.000 is 45 with three decimals in one country and forty-five thousand in another.
    const ambiguous = parseMoney('45.000');
    expect(ambiguous).toEqual({ ok: false, problem: 'ambiguous', message: '“45.000” could be 45 or 45,000: type 45000 if you mean 45,000, or 45.00 if you mean 45.00.' });
    expect(value('1.250')).toBe('ambiguous');
  });

  it('reads back any amount written in any of the usual formats', () => {
    for (const [name, write] of WRITERS) {
      fc.assert(
        fc.property(cents, (c) => {
          const read = parseMoney(write(c));
          expect(read, `${name}: ${write(c)}`).toEqual({ ok: true, value: c / 100 });
        }),
      );
    }
  });

  it('whole amounts: grouped with commas or spaces read back; grouped with a dot are either read back or refused, never misread', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (n) => {
        expect(value(n.toLocaleString('en-US'))).toBe(n);
        expect(value(n.toLocaleString('fr-FR'))).toBe(n);
        expect(value(String(n))).toBe(n);
        const german = value(n.toLocaleString('de-DE'));
        expect(german === n || (german === 'ambiguous' && n >= 1000 && n < 1_000_000)).toBe(true);
      }),
    );
  });

  it('never throws, and what it reads is a finite number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-$€(]?[0-9 .,']{0,12}[)€A-Z]{0,3}$/)), (text) => {
        const read = parseMoney(text);
        if (read.ok) expect(Number.isFinite(read.value)).toBe(true);
        else expect(read.message.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('money form fields', () => {
  const Schema = z.object({ arr: moneyField({ label: 'annual recurring revenue' }), cac: optionalMoneyField({ label: 'CAC' }) });
  const errors = (values: Record<string, string>) => {
    const parsed = Schema.safeParse(values);
    return parsed.success ? parsed.data : Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
  };

  it('turns what was typed into a number, and a problem into the field’s error', () => {
    expect(errors({ arr: '$45,000', cac: '' })).toEqual({ arr: 45000, cac: undefined });
    expect(errors({ arr: '45.000,00', cac: '1 200' })).toEqual({ arr: 45000, cac: 1200 });
    expect(errors({ arr: '', cac: '' })).toEqual({ arr: 'Enter the annual recurring revenue.' });
    expect(errors({ arr: '45.000', cac: 'a lot' })).toEqual({
      arr: expect.stringMatching(/could be 45 or 45,000/),
      cac: '“a lot” is not a number: type it like 45000, 45,000.50 or 45.000,50.',
    });
    expect(errors({ arr: '-5', cac: '' })).toEqual({ arr: 'The annual recurring revenue cannot be negative.' });
  });
});
