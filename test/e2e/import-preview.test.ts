// The import preview on a 1366 x 850 laptop in Chromium: the Result column is in view, nothing
// scrolls sideways, and the start button says what the import will do.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const closed = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
const long = 'with a long and descriptive name as CRMs export them';
const CSV = [
  'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,segment,contact_email,promise_1,promise_1_criterion,promise_1_category',
  `PRV-${suffix}-1,Northwind rollout ${long},Closed Won,${closed},"$45,000",euro,sales@kept.demo,Northwind Traders International Holdings ${suffix},northwind-${suffix}.example,Mid-Market,nora@northwind-${suffix}.example,Cut month-end close from 10 to 4 days,Close within 4 days for 3 months,time savings`,
  `PRV-${suffix}-2,Contoso expansion ${long},Closed Won,${closed},45.000,USD,sales@kept.demo,Contoso Limited ${suffix},contoso-${suffix}.example,galactic,buyer@contoso-${suffix}.example,Replace three spreadsheets with one ledger,Spreadsheets retired by the controller,happiness`,
  `PRV-${suffix}-3,Fabrikam pilot ${long},Closed Won,someday,lots,USD,nobody@nowhere.example,Fabrikam ${suffix},fabrikam-${suffix}.example,smb,,,,`,
  `PRV-${suffix}-4,Tailspin renewal ${long},Closed Lost,${closed},12000,USD,sales@kept.demo,Tailspin Toys ${suffix},tailspin-${suffix}.example,smb,,,,`,
].join('\n');

let browser: Browser;
let context: BrowserContext;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  context = await newContext(browser);
  page = await context.newPage();
  await page.setViewportSize({ width: 1366, height: 850 });
  await login(page, 'cs@kept.demo');
});
afterAll(async () => {
  await browser?.close();
});

describe('import preview on a 1366 px laptop (cs@kept.demo)', () => {
  test('the import page lists the allowed values of the coded columns', async () => {
    await page.goto('/deals/import');
    const values = page.locator('section', { has: page.getByRole('heading', { name: 'Coded columns and amounts' }) });
    const text = await values.innerText();
    for (const shown of ['segment', 'mid-market', 'Mid-market', 'currency', 'EUR', 'Euro', 'promise_1_category', 'time-savings', 'Time savings']) expect(text).toContain(shown);
    fs.mkdirSync('.data/screens', { recursive: true });
    await page.screenshot({ path: '.data/screens/import-index-1366.png', fullPage: true });
  });

  test('Result comes first and in view, nothing scrolls sideways, the button counts the rows', async () => {
    await page.goto('/deals/import');
    await page.getByLabel('CSV file').setInputFiles({ name: 'preview.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('heading', { name: 'Preview', exact: true }).waitFor();

    const table = page.locator('table.preview');
    const headers = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
    expect(headers[0]).toBe('Result');
    const result = (await table.locator('thead th').first().boundingBox())!;
    expect(result.x).toBeGreaterThanOrEqual(0);
    expect(result.x + result.width).toBeLessThanOrEqual(1366);

    const widths = await page.evaluate(() => {
      const wrap = document.querySelector('table.preview')!.closest('.table-wrap')!;
      return { page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth, wrap: wrap.scrollWidth, wrapVisible: wrap.clientWidth };
    });
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.wrap).toBeLessThanOrEqual(widths.wrapVisible);

    const results = (await table.locator('tbody td.result').allInnerTexts()).map((t) => t.trim());
    expect(results[0]).toBe('will import');
    expect(results[1]).toContain('could be 45 or 45,000');
    expect(results[1]).toContain('Segment “galactic” is unknown');
    expect(results[2]).toMatch(/^error/);
    expect(results[3]).toMatch(/^skipped/);
    // Compact: four rows, messages and all, fit in the first screen with the button.
    const button = page.getByRole('button', { name: 'Import 1 row; 2 rows have errors; 1 is not closed-won', exact: true });
    await button.waitFor();
    const box = (await button.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(850);

    await page.screenshot({ path: '.data/screens/import-preview-1366.png' });
  });
});
