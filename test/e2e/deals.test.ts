// Customer success records a closed-won deal with two promises through the form, and gets the
// form back with a clear error (and everything typed kept) when the ARR is missing.
import crypto from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const DEAL = {
  accountName: `Northwind Freight ${suffix}`,
  accountDomain: `northwind-${suffix}.example`,
  dealName: `Northwind platform rollout ${suffix}`,
  closeDate: new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10),
  promises: [
    { text: 'Cut month-end close from 10 to 4 days', criterion: 'Close takes 4 working days or fewer by month 6', category: 'cost-reduction' },
    { text: 'Every regional team uses the portal weekly', criterion: 'Weekly active teams reach 12 of 12', category: 'adoption' },
  ],
};

let browser: Browser;
let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  context = await newContext(browser);
  page = await context.newPage();
  await page.goto('/login');
  await login(page, 'cs@kept.demo');
});
afterAll(async () => {
  await browser?.close();
});

async function fillDealForm(p: Page, { arr }: { arr: string }) {
  const field = (label: string) => p.getByLabel(label, { exact: true });
  await field('Account name').fill(DEAL.accountName);
  await field('Account domain').fill(DEAL.accountDomain);
  await field('Deal name').fill(DEAL.dealName);
  await field('Close date').fill(DEAL.closeDate);
  await field('ARR').fill(arr);
  await field('Account executive').selectOption({ index: 1 });
  for (const [n, promise] of DEAL.promises.entries()) {
    await field(`Promise ${n + 1}`).fill(promise.text);
    await field(`Success criterion ${n + 1}`).fill(promise.criterion);
    await field(`Category ${n + 1}`).selectOption(promise.category);
  }
}

/** The error text shown in the same field block as the labelled control. */
const fieldError = (p: Page, label: string) => p.locator('.field', { has: p.getByLabel(label, { exact: true }) }).locator('.field-error');

async function expectFormKept(p: Page, aeValue: string) {
  const field = (label: string) => p.getByLabel(label, { exact: true });
  expect(await fieldError(p, 'ARR').textContent()).toBe('Enter the annual recurring revenue.');
  expect(await field('ARR').getAttribute('aria-invalid')).toBe('true');
  expect(await field('Account name').inputValue()).toBe(DEAL.accountName);
  expect(await field('Account domain').inputValue()).toBe(DEAL.accountDomain);
  expect(await field('Deal name').inputValue()).toBe(DEAL.dealName);
  expect(await field('Close date').inputValue()).toBe(DEAL.closeDate);
  expect(await field('Account executive').inputValue()).toBe(aeValue);
  for (const [n, promise] of DEAL.promises.entries()) {
    expect(await field(`Promise ${n + 1}`).inputValue()).toBe(promise.text);
    expect(await field(`Success criterion ${n + 1}`).inputValue()).toBe(promise.criterion);
    expect(await field(`Category ${n + 1}`).inputValue()).toBe(promise.category);
  }
  expect(new URL(p.url()).pathname).toBe('/deals/new');
}

describe('new closed-won deal (cs@kept.demo)', () => {
  test('without JavaScript, a missing ARR comes back from the server with the error and the values kept', async () => {
    const noJs = await newContext(browser, { javaScriptEnabled: false });
    try {
      await noJs.addCookies(await context.cookies());
      const p = await noJs.newPage();
      await p.goto('/deals/new');
      await fillDealForm(p, { arr: '' });
      const aeValue = await p.getByLabel('Account executive', { exact: true }).inputValue();
      expect(aeValue).toMatch(/^[a-f0-9]{24}$/);
      await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Create deal' }).click()]);
      await expectFormKept(p, aeValue);
      await expect(p.getByRole('alert').first().textContent()).resolves.toContain('Some fields need your attention');
    } finally {
      await noJs.close();
    }
  });

  test('a missing ARR shows the field error and keeps the other values; then the deal is created with both promises', async () => {
    await page.goto('/deals/new');
    await fillDealForm(page, { arr: '' });
    const aeValue = await page.getByLabel('Account executive', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Create deal' }).click();
    await fieldError(page, 'ARR').waitFor();
    await expectFormKept(page, aeValue);

    await page.getByLabel('ARR', { exact: true }).fill('48,000');
    await page.getByRole('button', { name: 'Create deal' }).click();
    await page.waitForURL(/\/accounts\/[a-f0-9]{24}\?created=[a-f0-9]{24}$/);
    // The URL changes a moment before the new page renders: wait for the account's own heading.
    await page.getByRole('heading', { level: 1, name: DEAL.accountName, exact: true }).waitFor();
    const deal = page.locator('section', { has: page.getByRole('heading', { name: DEAL.dealName }) });
    await expect(deal.textContent()).resolves.toContain('$48,000');
    const promises = await deal.locator('ol.promises > li').allTextContents();
    expect(promises).toHaveLength(2);
    for (const [n, promise] of DEAL.promises.entries()) {
      expect(promises[n]).toContain(promise.text);
      expect(promises[n]).toContain(`Success criterion: ${promise.criterion}`);
    }
    expect(promises[0]).toContain('Cost reduction');
    expect(promises[1]).toContain('Adoption');

    // The account is findable by everyone who can read accounts.
    await page.goto(`/accounts?q=${encodeURIComponent(DEAL.accountDomain)}`);
    await expect(page.getByRole('link', { name: DEAL.accountName }).count()).resolves.toBe(1);
  });
});
