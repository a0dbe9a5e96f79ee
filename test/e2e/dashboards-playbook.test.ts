// Several playbooks in Chromium: an admin creates one on /admin/playbook; the journey board filters
// by playbook; a leader picks a playbook on the time-to-live dashboard and its figures and URL
// change, the tabs keep it, and a page whose figures are not kept per playbook says so. The spec
// makes its own playbook and journeys with the app's functions, claiming a free segment only while
// it starts them (so other specs' new deals start on the playbooks they expect).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hydrated, launchBrowser, signedInPage } from './browser';
import { connectE2eDb } from './harness';

const SCREENS = path.resolve(import.meta.dirname, '../../.data/screens/dashboards-playbook');
const DAY = 86_400_000;
const suffix = crypto.randomBytes(3).toString('hex');
const NAME = `Pilot first ${suffix}`;
const CUSTOMERS = [0, 1, 2].map((i) => `Playbook filter customer ${suffix}-${i}`);

let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;
let key = '';

/** A playbook of this spec's own with three journeys: one live, one in its second stage, one in its first. */
async function playbookWithJourneys() {
  const { User } = await import('#models/user');
  const { Journey } = await import('#models/journey');
  const { SEGMENTS } = await import('#models/account');
  const { createPlaybook, listPlaybooks, savePlaybookProfile } = await import('#app/journeys/playbook.server');
  const { claimedElsewhere } = await import('#app/journeys/playbook-rules');
  const { createManualDeal } = await import('#app/deals/deals.server');
  const { acceptHandoff, advanceJourney, journeyIdForDeal } = await import('#app/journeys/journey.server');
  const found = (await User.findOne({ email: 'admin@kept.demo' }).select('name email').lean())!;
  const admin = { id: String(found._id), name: found.name, email: found.email, role: 'admin' as const };
  const rep = (await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean())!;
  // A segment no playbook claims: the new playbook serves it while its journeys start.
  const claimed = claimedElsewhere(await listPlaybooks(), null);
  const segment = SEGMENTS.find((s) => !claimed.has(s));
  if (!segment) throw new Error('every segment is claimed by a playbook: this spec needs a free one');
  const input = { name: NAME, copyFrom: 'default', [`segment.${segment}`]: 'on' } as Parameters<typeof createPlaybook>[0]['input'];
  const created = await createPlaybook({ user: admin, input });
  if (!created.ok) throw new Error(`playbook not created: ${JSON.stringify(created.errors)}`);
  try {
    const now = Date.now();
    for (const [i, name] of CUSTOMERS.entries()) {
      const closed = new Date(now - (90 - i * 10) * DAY);
      const result = await createManualDeal({
        user: admin,
        input: {
          accountName: name,
          accountDomain: `pb-filter-${suffix}-${i}.example.com`,
          segment,
          contactName: `Buyer ${i}`,
          contactEmail: `buyer-${i}@pb-filter-${suffix}-${i}.example.com`,
          dealName: `Rollout ${suffix}-${i}`,
          closedWonAt: closed,
          arr: 30_000,
          currency: 'USD',
          grossMarginPct: 80,
          aeId: String(rep._id),
          promises: [],
        },
        now: new Date(closed.getTime() + DAY),
      });
      if (!result.ok) throw new Error(`deal not created: ${JSON.stringify(result.errors)}`);
      const journeyId = String(journeyIdForDeal(result.dealId));
      const journey = (await Journey.findById(journeyId).select('playbookKey').lean())!;
      expect(journey.playbookKey).toBe(created.key);
      // The first customer goes live (through every stage its playbook has), the second leaves its first stage.
      if (i === 2) continue;
      await acceptHandoff({ user: admin, journeyId, now: new Date(closed.getTime() + 2 * DAY) });
      for (let move = 1; ; move++) {
        const j = (await Journey.findById(journeyId).select('stage liveAt').lean())!;
        if (j.liveAt || (i === 1 && move > 1)) break;
        const moved = await advanceJourney({
          user: admin,
          journeyId,
          fromStage: j.stage,
          overrideReason: 'Buyer confirmed on a recorded call',
          now: new Date(closed.getTime() + move * 5 * DAY),
        });
        expect(moved).toMatchObject({ ok: true });
      }
    }
  } finally {
    await savePlaybookProfile({ user: admin, key: created.key, input: { name: NAME } });
  }
  return created.key;
}

/** The "x of y journeys live" under the time-to-live median. */
async function liveOfStarted(page: Page) {
  const detail = (await page.getByTestId('stat-ttl-median').innerText()).replace(/\s+/g, ' ');
  const m = detail.match(/([\d,]+) of ([\d,]+) journeys? live/);
  expect(m, detail).not.toBeNull();
  return { live: Number(m![1].replace(/,/g, '')), started: Number(m![2].replace(/,/g, '')) };
}

beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  ({ disconnect } = await connectE2eDb());
  key = await playbookWithJourneys();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

describe('several playbooks in the browser', () => {
  test('an admin creates a playbook on /admin/playbook: it starts as a copy and is listed', async () => {
    const page = await signedInPage(browser, 'admin@kept.demo');
    await page.goto('/admin/playbook');
    await hydrated(page);
    const name = `Renewals ${suffix}`;
    await page.getByText('New playbook', { exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await Promise.all([page.waitForURL(/\/admin\/playbook\?playbook=renewals-[a-z0-9-]+&created=1$/), page.getByRole('button', { name: 'Create playbook' }).click()]);
    await page
      .getByRole('status')
      .filter({ hasText: `“${name}” was created as a copy` })
      .waitFor();
    await page.getByRole('heading', { name: `Editing “${name}”` }).waitFor();
    await expect(page.getByRole('row', { name: new RegExp(name) }).count()).resolves.toBe(1);
  });

  test('the journey board filters by playbook, and the filter stays in the URL', async () => {
    const page = await signedInPage(browser, 'admin@kept.demo');
    await page.goto('/journeys');
    await hydrated(page);
    await page.getByLabel('Playbook', { exact: true }).selectOption({ label: NAME });
    await Promise.all([page.waitForURL((u) => u.searchParams.get('playbook') === key), page.getByRole('button', { name: 'Filter', exact: true }).click()]);
    // Every stage tab counts this playbook's journeys only: its three (once the new page has rendered).
    const counted = async () => (await page.getByRole('navigation', { name: 'Stages' }).locator('.badge').allInnerTexts()).reduce((a, c) => a + Number(c.replace(/,/g, '')), 0);
    await expect.poll(counted, { timeout: 10_000 }).toBe(CUSTOMERS.length);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allInnerTexts()) expect(text).toContain(NAME);
    expect(await page.getByLabel('Playbook', { exact: true }).inputValue()).toBe(key);
  });

  test('a leader picks a playbook on the time-to-live dashboard: the figures and the URL change', async () => {
    const page = await signedInPage(browser, 'leadership@kept.demo');
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto('/dashboards/time-to-live');
    await hydrated(page);
    const all = await liveOfStarted(page);
    expect(all.started).toBeGreaterThan(CUSTOMERS.length);
    // Every playbook by name, "All playbooks" first and chosen.
    const select = page.getByLabel('Playbook', { exact: true });
    const options = await select.locator('option').allInnerTexts();
    expect(options[0]).toBe('All playbooks');
    expect(options).toContain(NAME);
    expect(await select.inputValue()).toBe('');

    // With the keyboard: the select, then Apply filters.
    await select.focus();
    await select.selectOption({ label: NAME });
    await page.getByRole('button', { name: 'Apply filters' }).focus();
    await Promise.all([page.waitForURL((u) => u.searchParams.get('playbook') === key), page.keyboard.press('Enter')]);
    // Its three journeys, one live (the rollups reach the server within moments of being written).
    const shown = async () => {
      await page.reload();
      return liveOfStarted(page);
    };
    await expect.poll(shown, { timeout: 15_000 }).toEqual({ live: 1, started: CUSTOMERS.length });
    expect(await page.getByLabel('Playbook', { exact: true }).inputValue()).toBe(key);
    // Time in each stage: only this playbook's journeys left them (two left the first stage).
    const firstStage = page.getByTestId('table-stage-time').locator('tbody tr').first();
    expect(await firstStage.locator('td').nth(3).innerText()).toBe('2');
    await page.screenshot({ path: path.join(SCREENS, 'time-to-live-1366.png'), fullPage: true });
    // The CSV of a chart carries the filter.
    expect(await page.getByRole('link', { name: /Download CSV of Closed-won to live by cohort/ }).getAttribute('href')).toContain(`playbook=${key}`);

    // The tabs keep it: the forecast filters too; the value page says it cannot.
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/dashboards/forecast'),
      page.getByRole('navigation', { name: 'Dashboards' }).getByRole('link', { name: 'Conversion & forecast' }).click(),
    ]);
    expect(await page.getByLabel('Playbook', { exact: true }).inputValue()).toBe(key);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/dashboards/value'),
      page.getByRole('navigation', { name: 'Dashboards' }).getByRole('link', { name: 'Value delivered' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('playbook')).toBe(key);
    await expect(page.getByTestId('playbook-not-applied').innerText()).resolves.toContain(`Playbook “${NAME}” does not filter this page`);
    expect(await page.getByLabel('Playbook', { exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENS, 'value-1366.png'), fullPage: true });
    // Without a filter, conversion follows the default playbook's stages and says so (there are several playbooks).
    await page.goto('/dashboards/forecast');
    await expect(page.getByTestId('conversion-playbook').innerText()).resolves.toMatch(/count the journeys of .+ \(the default playbook\) only/);
    await page.screenshot({ path: path.join(SCREENS, 'forecast-all-playbooks-1366.png'), fullPage: true });
    // Hydrated each time without a mismatch or a script error.
    expect(errors).toEqual([]);
  });
});
