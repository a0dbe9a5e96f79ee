// The CRM webhook and the CSV import read closed-won dates with one strict parser.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseCloseDate } from '#app/deals/import.server';
import { CrmWebhookSchema } from '#app/deals/intake.server';
import { CLOSE_DATE_SLACK_MS } from '#app/deals/close-date';

const webhookDate = (v: string) => CrmWebhookSchema.shape.deal.shape.closedWonAt.safeParse(v);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('closed-won dates', () => {
  test('the webhook refuses 2026-02-30 as the CSV import does, instead of storing 2 March', () => {
    expect(webhookDate('2026-02-30').success).toBe(false);
    expect(webhookDate('2026-02-30T10:00:00Z').success).toBe(false);
    expect(parseCloseDate('2026-02-30', 'mdy', new Date())).toMatch(/does not exist/);
    expect(webhookDate('2024-02-29').success).toBe(true);
  });

  test('property: for any Y-M-D, the webhook and the CSV import accept the same days and read the same instant', () => {
    const now = new Date();
    fc.assert(
      fc.property(fc.integer({ min: 1990, max: now.getUTCFullYear() + 1 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
        const csv = parseCloseDate(text, 'mdy', now);
        const hook = webhookDate(text);
        expect(hook.success).toBe(csv instanceof Date);
        if (hook.success && csv instanceof Date) expect(hook.data.getTime()).toBe(csv.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  test('property: "not in the future" allows the same one day of slack on both paths', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3 * 86_400, max: 3 * 86_400 }), (offsetSeconds) => {
        const now = new Date();
        const at = new Date(now.getTime() + offsetSeconds * 1000);
        const hook = webhookDate(at.toISOString());
        // Within a second of the edge the clock moves between the two readings: skip that instant.
        if (Math.abs(offsetSeconds * 1000 - CLOSE_DATE_SLACK_MS) < 2_000) return;
        expect(hook.success).toBe(offsetSeconds * 1000 <= CLOSE_DATE_SLACK_MS);
      }),
      { numRuns: 500 },
    );
  });
});
