// The playbook editor in Chromium with JavaScript on (issue 13): it kept its stages only with
// JavaScript off, because the page read its limits from a `.server` module that is empty in the
// browser. An admin adds a stage with a criterion and a criterion to an existing stage, moves the new
// stage to the front, publishes, and sees the result under the Publish button; no console errors.
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gapBetween, hydrated, launchBrowser, login, newContext } from './browser';
import { connectE2eDb } from './harness';

const suffix = crypto.randomBytes(3).toString('hex');
const STAGE = `Adoption ${suffix}`;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
let startedOn = 0;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await login(page, 'admin@kept.demo');
});
afterAll(async () => {
  await browser?.close();
  // Later spec files (the journey flow) start journeys on the current playbook: put the stages this
  // spec found back, as one more version.
  if (!startedOn) return;
  const db = await connectE2eDb();
  try {
    const { getCurrentPlaybook, getPlaybookVersion, publishPlaybook } = await import('#app/journeys/playbook.server');
    const original = (await getPlaybookVersion(startedOn, 'default'))!;
    const current = await getCurrentPlaybook();
    const { User } = await import('#models/user');
    const ada = (await User.findOne({ email: 'admin@kept.demo' }).select('name').lean())!;
    const admin = { id: String(ada._id), name: ada.name, role: 'admin' } as never;
    await publishPlaybook({ user: admin, stages: original.stages, note: `E2E ${suffix}: back to v${startedOn}`, baseVersion: current.version });
  } finally {
    await db.disconnect();
  }
});

const legends = (p: Page) => p.locator('form#publish fieldset > legend').allTextContents();

describe('playbook editor with JavaScript on (admin@kept.demo)', () => {
  test('adds a stage and criteria, reorders, publishes; the result shows under the button', async () => {
    await page.goto('/admin/playbook');
    await hydrated(page);
    // After hydration the stages are still there, with the empty slot for a new one.
    const before = await legends(page);
    expect(before.filter((l) => /^Stage \d+: /.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(before).toContain('Add a stage (leave empty to skip)');
    const publishButton = page.getByRole('button', { name: /^Publish version \d+$/ });
    const next = Number((await publishButton.textContent())!.match(/\d+/)![0]);
    startedOn = next - 1;

    // A new stage in the empty slot, with one criterion, moved to position 1.
    const slot = page.locator('fieldset', { has: page.locator('legend', { hasText: 'Add a stage' }) });
    const n = before.indexOf('Add a stage (leave empty to skip)') + 1;
    await slot.getByLabel('Stage name').fill(STAGE);
    await slot.getByLabel('SLA (days)').fill('30');
    await slot.getByLabel('Position').fill('1');
    await slot.getByLabel(`Stage ${n} criterion 1`, { exact: true }).fill('The buyer’s team uses Kept every week');
    await slot.getByLabel(`Stage ${n} criterion 1 buyer action`).fill('Uses Kept every week');
    await slot.getByLabel(`Stage ${n} criterion 1 evidence`).selectOption('buyer_confirmation');

    // One more criterion on the first existing stage, in its first empty row.
    const first = page.locator('form#publish fieldset').first();
    const texts = first.getByLabel(/^Stage 1 criterion \d+$/);
    const values = await texts.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    const row = values.indexOf('') + 1;
    expect(row).toBeGreaterThan(1);
    await first.getByLabel(`Stage 1 criterion ${row}`, { exact: true }).fill('The buyer named an executive sponsor');
    await first.getByLabel(`Stage 1 criterion ${row} buyer action`).fill('Names an executive sponsor');
    await first.getByLabel(`Stage 1 criterion ${row} evidence`).selectOption('email');
    await page.getByLabel('What changed (shown in the history)').fill(`E2E ${suffix}: adoption first`);

    await publishButton.click();
    const message = page.getByRole('status').filter({ hasText: `Version ${next} published` });
    await message.waitFor();
    // Where the admin is looking: right under the Publish button, not at the top of a long page.
    const button = page.getByRole('button', { name: `Publish version ${next + 1}` });
    await button.waitFor();
    expect(await gapBetween(message, button)).toBeLessThan(80);

    // The editor now shows the new version: the new stage first, the added criterion in stage 2.
    const after = await legends(page);
    expect(after[0]).toBe(`Stage 1: ${STAGE}`);
    const moved = page.locator('form#publish fieldset').nth(1);
    await expect(moved.getByLabel(`Stage 2 criterion ${row}`, { exact: true }).inputValue()).resolves.toBe('The buyer named an executive sponsor');
    await expect(page.getByRole('row', { name: new RegExp(`E2E ${suffix}: adoption first`) }).count()).resolves.toBe(1);
  });

  test('a refused publish moves focus to the error summary, whose items lead to the fields', async () => {
    await page.goto('/admin/playbook');
    await hydrated(page);
    await page.locator('form#publish fieldset').first().getByLabel('Stage name').fill('');
    await page.getByRole('button', { name: /^Publish version \d+$/ }).click();
    const summary = page.locator('form#publish .error-summary');
    await summary.waitFor();
    // Focus moves there (a moment after it renders: the page hands it over once the answer is in).
    await page.waitForFunction(() => document.activeElement?.matches('form#publish .error-summary') ?? false);
    await summary.getByRole('link', { name: /Name the stage/ }).click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('publish-stages.0.name');
  });

  test('no hydration or script errors on the way', () => {
    // The refused publish above is answered 400 by design; the browser logs that status, nothing else may appear.
    expect(consoleErrors.filter((e) => !/favicon/.test(e) && e !== 'Failed to load resource: the server responded with a status of 400 (Bad Request)')).toEqual([]);
  });
});
