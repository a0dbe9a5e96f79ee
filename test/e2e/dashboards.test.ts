// Leadership opens the dashboards of the seeded demo after the metrics rebuild the worker runs
// nightly: charts rendered on the server with their tables, a filter in the URL that changes the
// figures, a CSV download, every section either charted or explaining what data is missing, and a
// screenshot for the README (public/screenshots/dashboard.png).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOT = path.join(ROOT, 'public', 'screenshots', 'dashboard.png');

let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // What the worker does every night: the rollups and the forecast, from the seeded documents.
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'metrics-rebuild.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: inject('mongoUri'), SESSION_SECRET: 'e2e-rebuild-secret-0123456789' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  browser = await launchBrowser();
  context = await newContext(browser);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/login');
  await login(page, 'leadership@kept.demo');
});
afterAll(async () => {
  await browser?.close();
});

/** Number in a stat card ("1,234" -> 1234). */
async function statNumber(p: Page, testId: string) {
  const text = (await p.getByTestId(testId).locator('.value').textContent()) ?? '';
  return Number(text.replace(/[^0-9.]/g, ''));
}

/** Every chart section shows a chart with its table, or says what data is missing. */
async function sectionsAreChartedOrExplained(p: Page) {
  const sections = p.locator('section[data-testid^="section-"]');
  const count = await sections.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const s = sections.nth(i);
    const id = await s.getAttribute('data-testid');
    const tables = await s.locator('table').count();
    const empty = await s.locator('.empty').count();
    expect([id, tables + empty > 0], `${id} shows a table or an explanation`).toEqual([id, true]);
    if (empty) expect(((await s.locator('.empty').textContent()) ?? '').length, `${id} explains what is missing`).toBeGreaterThan(20);
  }
}

describe('leadership dashboards on the seeded demo', () => {
  test('the navigation leads to the overview with every section leadership may see', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click();
    await page.waitForURL('**/dashboards');
    await page.getByRole('heading', { level: 1, name: 'Are we keeping our promises?' }).waitFor();
    for (const name of ['Value and promises kept', 'Time to live', 'Go-live forecast', 'Profitability', 'Advocacy']) {
      await page.getByRole('heading', { level: 2, name }).waitFor();
    }
    expect(await page.getByRole('link', { name: 'advocacy page' }).getAttribute('href')).toBe('/advocacy');
  });

  test('the headline at 1366 px: two named measures, each with its gap to the floor and goal and four quarters; the forecast in words', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto('/dashboards');
    const value = page.getByTestId('overview-value');
    const promises = page.getByTestId('overview-promises');
    await value.getByRole('heading', { name: 'Customers who say they got the value promised' }).waitFor();
    await promises.getByRole('heading', { name: 'Promises kept' }).waitFor();
    for (const m of [value, promises]) {
      expect(await m.locator('.big').textContent()).toMatch(/^\d{1,3}\.\d %$/);
      expect(await m.locator('.status').textContent()).toMatch(/^(Below floor|Below goal|On goal)$/);
      expect(await m.getByTestId(/-gaps$/).textContent()).toMatch(/^[+−±]\d+\.\d pts vs the 80 % floor · [+−±]\d+\.\d pts vs the 85 % goal$/);
      expect(
        await m
          .getByTestId(/-trend$/)
          .locator('thead th')
          .count(),
      ).toBe(4);
    }
    expect(await page.getByTestId('overview-value-arr').textContent()).toMatch(/^Weighted by ARR: \d{1,3}\.\d % \(\$[\d,]+ of \$[\d,]+ ARR answered/);
    // Side by side at 1366 px, both in the first screen.
    const [a, b] = [await value.boundingBox(), await promises.boundingBox()];
    expect(Math.abs(a!.y - b!.y)).toBeLessThan(2);
    expect(a!.y + a!.height).toBeLessThan(900);
    expect(await page.getByTestId('overview-forecast-plain').textContent()).toMatch(
      /^(About [\d,]+ of [\d,]+ open journeys? (go|goes) live in the next 30 days\.|Fewer than one|No journey is open)/,
    );
    fs.mkdirSync(path.join(ROOT, '.data', 'screens'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, '.data', 'screens', 'overview-1366.png'), fullPage: true });
    await page.goto('/dashboards/profitability');
    await page.getByRole('heading', { level: 1 }).waitFor();
    // "No CAC" names only cohorts whose CAC shows "—".
    const warning = (await page.locator('.notice.warn').allTextContents()).join(' ');
    const rows = await page
      .getByTestId('table-profitability-by-cohort')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
    for (const cohort of /No CAC for ([^:]+):/.exec(warning)?.[1].split(', ') ?? []) expect(rows.find((r) => r[0] === cohort)?.[8]).toBe('—');
    await page.screenshot({ path: path.join(ROOT, '.data', 'screens', 'profitability-1366.png') });
    // Nothing of the cohort table is hidden behind a horizontal scroll at 1366 px.
    expect(await page.getByTestId('table-profitability-by-cohort').evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('profitability: server-rendered charts with their tables, and a segment filter that changes the figures', async () => {
    await page.goto('/dashboards/profitability');
    // The chart is in the HTML the server sent (no client rendering needed): bars and the reference line.
    const html = await (await context.request.get('/dashboards/profitability')).text();
    expect(html).toContain('recharts-bar-rectangle');
    expect(html).toContain('Reference 3');
    const chart = page.getByTestId('chart-ltv-cac-by-cohort');
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(1);
    expect(await chart.locator('.recharts-reference-line').count()).toBe(1);
    expect(await page.getByTestId('chart-payback-by-cohort').locator('.recharts-reference-line').count()).toBe(1);
    const table = page.getByTestId('table-profitability-by-cohort');
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(2);
    await page.getByRole('heading', { level: 2, name: 'How these figures are computed' }).waitFor();
    expect(await page.locator('.formulas').textContent()).toContain('zero churn');

    const allCustomers = await statNumber(page, 'stat-customers');
    const allRows = await table.locator('tbody tr').allTextContents();
    await page.getByLabel('Segment').selectOption('enterprise');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/segment=enterprise/);
    await page.waitForFunction((n) => document.querySelector('[data-testid="stat-customers"] .value')?.textContent?.replace(/\D/g, '') !== String(n), allCustomers);
    const enterpriseCustomers = await statNumber(page, 'stat-customers');
    expect(enterpriseCustomers).toBeGreaterThan(0);
    expect(enterpriseCustomers).toBeLessThan(allCustomers);
    expect(await table.locator('tbody tr').allTextContents()).not.toEqual(allRows);
    // The filter lives in the URL: the same link opened afresh shows the same figures.
    const shared = await context.newPage();
    await shared.goto(page.url());
    expect(await statNumber(shared, 'stat-customers')).toBe(enterpriseCustomers);
    expect(await shared.getByLabel('Segment').inputValue()).toBe('enterprise');
    await shared.close();
  });

  test('the CSV download carries the filtered table', async () => {
    await page.goto('/dashboards/profitability?segment=enterprise');
    const href = await page
      .getByTestId('section-profitability-by-cohort')
      .getByRole('link', { name: /Download CSV/ })
      .getAttribute('href');
    expect(href).toBe('/dashboards/csv/profitability-by-cohort?segment=enterprise&currency=USD');
    const res = await context.request.get(href!);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('text/csv; charset=utf-8');
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Cohort,Customers,ARR (USD),Gross margin %,Churned,Monthly churn %,Lifetime,LTV (USD),CAC (USD),LTV:CAC,CAC payback,Notes');
    expect(lines.at(-1)).toMatch(/^All cohorts,\d+,/);
  });

  test('value, time to live and forecast pages chart their data or say what is missing', async () => {
    for (const url of ['/dashboards/value', '/dashboards/time-to-live', '/dashboards/forecast']) {
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await sectionsAreChartedOrExplained(page);
    }
    // The forecast was made by the rebuild: its date is on the page.
    await page.goto('/dashboards/forecast');
    expect(await page.getByTestId('section-forecast-by-stage').textContent()).toMatch(/Forecast made|No journey is open|No forecast/);
  });

  test('no hydration or script errors on any page, and a screenshot for the README', async () => {
    await page.goto('/dashboards/value');
    await page.waitForLoadState('networkidle');
    // Every page above was hydrated by the browser: a chart drawn differently on the server would show here.
    expect(consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.screenshot({ path: SCREENSHOT });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
