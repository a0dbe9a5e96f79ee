import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatDays, formatLocal, plural } from '#app/utils/format';
import { formatDuration } from '#app/journeys/journey-rules';

describe('counts and days read as a person would say them', () => {
  it('plural: singular for exactly one, plural otherwise, thousands separated', () => {
    expect(plural(1, 'journey')).toBe('1 journey');
    expect(plural(0, 'journey')).toBe('0 journeys');
    expect(plural(2, 'row')).toBe('2 rows');
    expect(plural(1200, 'entry', 'entries')).toBe('1,200 entries');
  });

  it('days in stage are whole days', () => {
    expect(formatDays(4.7)).toBe('4 days');
    expect(formatDays(1.2)).toBe('1 day');
    expect(formatDays(0.3)).toBe('under a day');
    expect(formatDuration(12.9)).toBe('12 days');
    expect(formatDuration(1)).toBe('1 day');
    // Under a day the journey page keeps hours (CS reaction time).
    expect(formatDuration(0.25)).toBe('6 h');
  });

  it('dates have one format', () => {
    expect(formatDate('2026-11-30T10:00:00Z')).toBe('30 Nov 2026');
  });

  it('an instant names its zone on the server and drops it in the reader’s own time', () => {
    expect(formatDateTime('2026-11-30T10:00:00Z')).toBe('30 Nov 2026, 10:00 GMT');
    expect(formatLocal('2026-11-30T10:00:00Z', { timeZone: 'America/New_York' })).toBe('30 Nov 2026, 05:00');
    // Only the day: the reader's day, which may be the day before the server's.
    expect(formatLocal('2026-11-30T03:00:00Z', { time: false, timeZone: 'America/New_York' })).toBe('29 Nov 2026');
  });
});
