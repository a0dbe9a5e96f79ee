// Outgoing webhooks and Slack in Chromium with JavaScript on (issue 20), as an admin would use
// them: an http URL is refused next to its field (the server runs in production), an endpoint is
// registered and its secret shown once, a test event queued and seen in the delivery log, the
// endpoint deleted after ticking the confirmation; a team's Slack channel saved and removed.
// Screenshots go to .data/screens/webhooks/.
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hydrated, launchBrowser, login, newContext } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const URL_ = `https://hooks.example.com/kept-${suffix}`;
const SHOTS = '.data/screens/webhooks';
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  page.on('console', (m) => {
    // A refused form answers 400 on purpose (the refusals below); Chromium logs each such answer.
    if (m.type() === 'error' && !/status of 400/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await login(page, 'admin@kept.demo');
});
afterAll(async () => {
  await browser?.close();
});

describe('webhooks and Slack (admin@kept.demo)', () => {
  test('registers an endpoint, shows its secret once, tests it, deletes it', async () => {
    await page.goto('/admin/webhooks');
    await hydrated(page);
    await page.screenshot({ path: `${SHOTS}/webhooks-1366.png`, fullPage: true });

    const form = page.locator('form#new-endpoint');
    await form.getByLabel('URL').fill(URL_.replace('https:', 'http:'));
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await expect
      .poll(() => form.locator('.field-error').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/https:\/\/ URL/), 'Choose at least one event.']));
    // What was typed stays.
    expect(await form.getByLabel('URL').inputValue()).toBe(URL_.replace('https:', 'http:'));

    await form.getByLabel('URL').fill(URL_);
    await form.getByLabel('Description (optional)').fill(`E2E ${suffix}`);
    await form.getByRole('checkbox', { name: /deal\.closed_won/ }).check();
    await form.getByRole('checkbox', { name: /journey\.live/ }).check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByTestId('endpoint-secret');
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const shown = (await secret.textContent())!;
    await page.screenshot({ path: `${SHOTS}/webhooks-secret-once-1366.png`, fullPage: true });

    await page.getByRole('link', { name: 'Open the endpoint' }).click();
    await expect.poll(() => page.getByRole('heading', { name: URL_ }).count()).toBe(1);
    // Once the page is loaded again, the secret is nowhere on it.
    await page.reload();
    await hydrated(page);
    expect(await page.content()).not.toContain(shown);
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await expect.poll(() => page.locator('form#endpoint-test [role=status]').textContent()).toMatch(/Test event evt_test_[a-f0-9]+ queued/);
    await page.reload();
    await hydrated(page);
    await expect.poll(() => page.locator('#delivery-log-h + .table-wrap tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#delivery-log-h + .table-wrap').textContent()).toContain('kept.test');
    await page.screenshot({ path: `${SHOTS}/webhooks-endpoint-1366.png`, fullPage: true });

    // Deleting needs the box ticked.
    await page.getByLabel(/Yes, delete it/).check();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await expect.poll(() => page.getByText('That endpoint no longer exists.').count()).toBe(1);
    expect(
      await page
        .locator('table')
        .first()
        .textContent()
        .catch(() => ''),
    ).not.toContain(URL_);
    expect(consoleErrors).toEqual([]);
  });

  test('saves a team’s Slack channel, then removes it', async () => {
    await page.goto('/admin/slack');
    await hydrated(page);
    const sales = page.locator('form#slack-sales');
    await sales.getByLabel('Incoming-webhook URL').fill('https://example.com/not-slack');
    await sales.getByRole('checkbox', { name: /referral\.won/ }).check();
    await sales.getByRole('button', { name: 'Save Sales channel' }).click();
    await expect.poll(() => sales.locator('.field-error').allTextContents()).toEqual([expect.stringMatching(/hooks\.slack\.com/)]);

    await sales.getByLabel('Incoming-webhook URL').fill(`https://hooks.slack.com/services/T000/B000/${suffix}`);
    await sales.getByRole('button', { name: 'Save Sales channel' }).click();
    await expect.poll(() => sales.locator('[role=status]').textContent()).toMatch(/Saved: the Sales channel gets 1 event/);
    await expect.poll(() => page.locator('section[aria-labelledby="slack-sales-h"] .badge').textContent()).toBe('connected');
    expect(await page.locator('section[aria-labelledby="slack-sales-h"]').textContent()).toContain(`https://hooks.slack.com/…${suffix.slice(-4)}`);
    await page.screenshot({ path: `${SHOTS}/slack-1366.png`, fullPage: true });

    await page.getByLabel('Yes, remove this channel and its delivery log').check();
    await page.locator('form#slack-sales-remove').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby="slack-sales-h"] .badge').textContent()).toBe('not connected');
    expect(consoleErrors).toEqual([]);
  });
});
