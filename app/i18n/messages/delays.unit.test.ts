import { describe, expect, it } from 'vitest';
import { catalogueGaps, translator } from '#app/i18n/messages';
import { delayMessages } from '#app/i18n/messages/delays';

describe('the plan page’s delay messages', () => {
  it('every message exists in every language', () => {
    expect(catalogueGaps(delayMessages)).toEqual([]);
  });
  it('Swedish reads as Swedish, with the values in place', () => {
    expect(translator(delayMessages, 'sv')('confirmedBy', { name: 'Nora', date: '7 dec. 2026', team: 'Anna' })).toBe(
      'Bekräftat av Nora den 7 dec. 2026. Tack! Hör av er till Anna när det är klart.',
    );
  });
});
