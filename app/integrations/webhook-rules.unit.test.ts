import { describe, expect, test } from 'vitest';
import { eventIdFor } from '#app/integrations/event-ids.server';
import { backoffMs, displayUrl, endpointUrlProblem, failedForADay, judgeAttempt, retryAfterMs, slackUrlProblem } from '#app/integrations/webhook-rules';

const now = new Date('2026-12-07T10:00:00Z');
const created = new Date('2026-12-07T09:00:00Z');

describe('event ids', () => {
  test('the same event gives the same id; another event another id', () => {
    const a = eventIdFor('deal.closed_won', { dealId: 'd1', now });
    expect(a).toMatch(/^evt_[a-f0-9]{32}$/);
    // A replay carries another time: still the same closed-won deal.
    expect(eventIdFor('deal.closed_won', { dealId: 'd1', now: new Date() })).toBe(a);
    expect(eventIdFor('deal.closed_won', { dealId: 'd2', now })).not.toBe(a);
    expect(eventIdFor('journey.live', { dealId: 'd1', now })).not.toBe(a);
  });

  test('each stage move of a journey is its own event', () => {
    const move = { journeyId: 'j', dealId: 'd', from: 'kickoff', to: 'build', now };
    expect(eventIdFor('journey.stage_changed', move)).toBe(eventIdFor('journey.stage_changed', { ...move }));
    expect(eventIdFor('journey.stage_changed', { ...move, now: new Date(now.getTime() + 1) })).not.toBe(eventIdFor('journey.stage_changed', move));
  });
});

describe('endpoint URLs', () => {
  test('https only in production; http allowed elsewhere', () => {
    expect(endpointUrlProblem('https://hooks.example.com/kept', { production: true })).toBeNull();
    expect(endpointUrlProblem('http://hooks.example.com/kept', { production: true })).toMatch(/https/);
    expect(endpointUrlProblem('http://127.0.0.1:4000/kept', { production: false })).toBeNull();
  });

  test('refuses what is not a URL, other schemes, credentials and fragments', () => {
    expect(endpointUrlProblem('hooks.example.com', { production: false })).toMatch(/full URL/);
    expect(endpointUrlProblem('ftp://example.com/x', { production: false })).toMatch(/https/);
    expect(endpointUrlProblem('https://u:p@example.com/x', { production: false })).toMatch(/password/);
    expect(endpointUrlProblem('https://example.com/x#y', { production: false })).toMatch(/fragment/);
  });

  test('Slack URLs must be hooks.slack.com/services in production', () => {
    expect(slackUrlProblem('https://hooks.slack.com/services/T0/B0/abc', { production: true })).toBeNull();
    expect(slackUrlProblem('https://example.com/services/T0/B0/abc', { production: true })).toMatch(/hooks\.slack\.com/);
    expect(slackUrlProblem('http://127.0.0.1:9/services/x', { production: false })).toBeNull();
  });

  test('a Slack URL is shown without its secret path', () => {
    expect(displayUrl('https://hooks.slack.com/services/T0/B0/abcdefgh', 'slack')).toBe('https://hooks.slack.com/…efgh');
    expect(displayUrl('https://example.com/x', 'webhook')).toBe('https://example.com/x');
  });
});

describe('judging an attempt', () => {
  const judge = (answer: Parameters<typeof judgeAttempt>[0]['answer'], attempts = 1, at = now) => judgeAttempt({ answer, attempts, createdAt: created, now: at });

  test('2xx is delivered', () => {
    expect(judge({ status: 200 })).toEqual({ state: 'delivered' });
    expect(judge({ status: 204 })).toEqual({ state: 'delivered' });
  });

  test('400, 404, 410 and redirects fail at once', () => {
    expect(judge({ status: 400 })).toMatchObject({ state: 'failed', reason: 'HTTP 400' });
    expect(judge({ status: 410 }).state).toBe('failed');
    expect(judge({ status: 301 })).toMatchObject({ state: 'failed', reason: expect.stringMatching(/redirect/) });
  });

  test('429, 5xx and no answer are retried with a growing pause', () => {
    expect(judge({ status: 500 }, 1)).toEqual({ state: 'pending', nextAttemptAt: new Date(now.getTime() + 30_000), reason: 'HTTP 500' });
    expect(judge({ status: 503 }, 3)).toMatchObject({ nextAttemptAt: new Date(now.getTime() + 120_000) });
    expect(judge({ error: 'timed out after 10 s' }, 2)).toMatchObject({ state: 'pending', nextAttemptAt: new Date(now.getTime() + 60_000) });
    expect(backoffMs(20)).toBe(3600_000);
  });

  test('Retry-After is honoured when it asks for longer than the back-off', () => {
    expect(judge({ status: 429, retryAfter: '120' })).toMatchObject({ nextAttemptAt: new Date(now.getTime() + 120_000) });
    expect(judge({ status: 503, retryAfter: new Date(now.getTime() + 600_000).toUTCString() })).toMatchObject({ nextAttemptAt: new Date(now.getTime() + 600_000) });
    expect(retryAfterMs('soon', now)).toBeNull();
  });

  test('a delivery is retried for a day, then failed', () => {
    const late = new Date(created.getTime() + 24 * 3600_000 - 10_000);
    // The last retry is a day after the event, not later.
    expect(judge({ status: 500 }, 30, late)).toMatchObject({ state: 'pending', nextAttemptAt: new Date(created.getTime() + 24 * 3600_000) });
    expect(judge({ status: 500 }, 31, new Date(created.getTime() + 24 * 3600_000))).toMatchObject({ state: 'failed', reason: expect.stringMatching(/gave up after a day/) });
    expect(failedForADay(created, late)).toBe(false);
    expect(failedForADay(created, new Date(created.getTime() + 24 * 3600_000))).toBe(true);
  });
});
