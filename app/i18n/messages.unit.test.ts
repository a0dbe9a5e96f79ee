import { describe, expect, it } from 'vitest';
import { pickLocale } from './locales';
import { catalogueGaps, defineMessages, translator } from './messages';
import { formatNumber, formatPercent } from './format';

const tasks = defineMessages({
  en: { open: '{count, plural, one {# open task} other {# open tasks}}', hello: 'Hello {name}' },
  sv: { open: '{count, plural, one {# öppen uppgift} other {# öppna uppgifter}}', hello: '' },
});

describe('buyer messages', () => {
  it('uses each language’s plural forms', () => {
    expect(translator(tasks, 'en')('open', { count: 1 })).toBe('1 open task');
    expect(translator(tasks, 'sv')('open', { count: 3 })).toBe('3 öppna uppgifter');
  });
  it('falls back to English for an empty message, and the gap check names it', () => {
    expect(translator(tasks, 'sv')('hello', { name: 'Anna' })).toBe('Hello Anna');
    expect(catalogueGaps(tasks)).toEqual([{ locale: 'sv', key: 'hello' }]);
  });
  it('picks the contact’s language, then the account’s, then the default, skipping unknown codes', () => {
    expect(pickLocale(undefined, 'sv', 'en')).toBe('sv');
    expect(pickLocale('de', null, undefined)).toBe('en');
  });
  it('writes numbers the Swedish way', () => {
    expect(formatNumber('sv', 1234.5)).toBe('1\u00a0234,5');
    expect(formatPercent('sv', 0.857)).toBe('86\u00a0%');
  });
});
