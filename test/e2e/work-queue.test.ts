// The work queue, sales' promises and the recovery figures in Chromium against the production
// server and the seeded demo: a CSM snoozes an item of their queue (a refused date is said next to
// the field, then the item moves to "Snoozed"), leadership sees every CSM's queue, a rep their
// promises, leadership the recovery page. Screenshots at 1366 px under .data/screens/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hydrated, launchBrowser, signedInPage } from './browser';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENS = path.join(ROOT, '.data', 'screens');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}-1366.png`), fullPage: true });

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  fs.mkdirSync(SCREENS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

describe('work queue', () => {
  test('a CSM sees their queue first on their home, snoozes an item with a reason, and finds it under Snoozed', async () => {
    const page = await signedInPage(browser, 'cs@kept.demo');
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.goto('/home');
    await expect.poll(() => page.getByTestId('home-work-queue').count()).toBe(1);
    await shot(page, 'home-cs');

    await page.goto('/work');
    await hydrated(page);
    const rows = page.getByTestId('work-items').locator('tbody tr');
    const before = await rows.count();
    expect(before, 'the demo CSM has work waiting').toBeGreaterThan(0);
    await shot(page, 'work-cs');
    const first = rows.first();
    const what = (await first.locator('td').first().innerText()).trim();
    await first.getByText('Snooze', { exact: true }).first().click();
    const form = first.locator('form');
    // Today is refused, next to the date.
    await form.getByLabel('Until').fill(new Date().toISOString().slice(0, 10));
    await form.getByLabel('Why it can wait').fill('Buyer on holiday');
    await form.getByRole('button', { name: 'Snooze' }).click();
    await expect.poll(() => form.getByText('Choose a date after today.').count()).toBeGreaterThan(0);
    expect(await form.getByLabel('Why it can wait').inputValue(), 'what the user typed is kept').toBe('Buyer on holiday');

    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel('Until').fill(until);
    await form.getByRole('button', { name: 'Snooze' }).click();
    await page
      .getByTestId('work-done')
      .filter({ hasText: `Snoozed until ${until}` })
      .waitFor();
    await expect.poll(() => page.getByTestId('work-snoozed-tab').innerText()).toMatch(/Snoozed \(\d+\)/);

    await page.getByTestId('work-snoozed-tab').click();
    await page.waitForURL(/view=snoozed/);
    const snoozed = page.getByTestId('work-items');
    await snoozed.getByText(`Snoozed through ${until}: Buyer on holiday`).first().waitFor();
    expect(await snoozed.innerText()).toContain(what.split('\n').pop()!.slice(0, 20));
    await shot(page, 'work-cs-snoozed');
    // Bring it back (leaves the demo as it was for the other specs).
    await snoozed.getByRole('button', { name: 'Bring back now' }).first().click();
    await page.getByTestId('work-done').filter({ hasText: 'Back in your queue.' }).waitFor();
    await page.close();
  });

  test('leadership sees every CSM’s queue length and oldest item, and opens one', async () => {
    const page = await signedInPage(browser, 'leadership@kept.demo');
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.goto('/work');
    const table = page.getByTestId('work-summary');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'work-leadership');
    await table.locator('tbody tr a').first().click();
    await page.waitForURL(/\/work\?csm=/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toMatch(/’s work queue/);
    expect(await page.getByText('Snooze', { exact: true }).count(), 'read-only for leadership').toBe(0);
    await page.close();
  });

  test('a rep sees their promises with the latest verdicts and the categories kept least', async () => {
    const page = await signedInPage(browser, 'sales@kept.demo');
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.goto('/promises');
    await page.getByTestId('promises-kept-rate').waitFor();
    expect(await page.getByTestId('promises-list').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'promises-sales');
    await page.getByLabel('Sort').selectOption('verdict');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/sort=verdict/);
    await page.close();
  });

  test('leadership opens the recovery figures', async () => {
    const page = await signedInPage(browser, 'leadership@kept.demo');
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.goto('/dashboards/recovery');
    await page.getByTestId('stat-recovery-rate').waitFor();
    await shot(page, 'dashboard-recovery');
    await page.close();
  });
});
