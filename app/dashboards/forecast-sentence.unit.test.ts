import { expect, test } from 'vitest';
import { forecastSentence } from '#app/dashboards/dashboard-pages';

test('the forecast reads as one plain sentence', () => {
  expect(forecastSentence({ hasForecast: true, open: 33, expected: 12.6, days: 30 })).toBe('About 13 of 33 open journeys go live in the next 30 days.');
  expect(forecastSentence({ hasForecast: true, open: 1, expected: 0.7, days: 30 })).toBe('About 1 of 1 open journey goes live in the next 30 days.');
  expect(forecastSentence({ hasForecast: true, open: 4, expected: 0.2, days: 30 })).toBe('Fewer than one of 4 open journeys is expected to go live in the next 30 days.');
  expect(forecastSentence({ hasForecast: true, open: 0, expected: 0, days: 30 })).toBe('No journey is open: nothing is waiting to go live.');
  expect(forecastSentence({ hasForecast: false, open: 10, expected: 0, days: 30 })).toMatch(/^No forecast yet/);
});
