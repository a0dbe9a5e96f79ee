// Debian's Chromium driven by playwright-core (`npx playwright install` cannot download browsers
// here). One browser per spec file; each test opens its own context (fresh cookies).
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DEMO_PASSWORD = 'kept-demo-2026';

/** Starts headless Chromium with a throwaway profile (playwright creates a fresh user-data dir). */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A made-up client address. The e2e server trusts X-Forwarded-For (TRUST_PROXY), so each context
 * or fetch client gets its own login rate-limit bucket instead of all sharing 127.0.0.1's.
 */
export function clientAddress() {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `10.${byte()}.${byte()}.${byte()}`;
}

/**
 * A fresh context (own cookies, own client address) whose relative URLs resolve against the e2e server.
 * `timezoneId` is the reader's time zone (what pages showing "your time" format with).
 */
export async function newContext(browser: Browser, options: { javaScriptEnabled?: boolean; timezoneId?: string } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: inject('baseUrl'),
    extraHTTPHeaders: { 'X-Forwarded-For': clientAddress() },
    ...options,
  });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Fills and submits the sign-in form; does not wait for where it leads. */
export async function submitLogin(page: Page, email: string, password: string) {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/login')) await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in and waits until the app has left the login page. */
export async function login(page: Page, email: string, password = DEMO_PASSWORD) {
  await submitLogin(page, email, password);
  await page.waitForURL((url) => url.pathname !== '/login');
}

/** A page in a fresh context, signed in as `email` (demo password). */
export async function signedInPage(browser: Browser, email: string): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/login');
  await login(page, email);
  return page;
}

/** The visible texts of the main navigation. */
export async function navLabels(page: Page) {
  return (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((t) => t.trim());
}

/**
 * Waits until React has hydrated the page: Remix's router exists and a couple of frames have passed
 * (hydration runs in a transition). What a page looks like after this is what its user keeps seeing.
 */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter));
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150)))));
}

/**
 * Distance in px between the nearest edges of two elements' boxes (0 when they touch or overlap).
 * A form that remounts after its action (the page's data revalidates) replaces its elements for a
 * moment; the measure waits up to five seconds for both to be on screen again, as a person would.
 */
export async function gapBetween(a: import('playwright-core').Locator, b: import('playwright-core').Locator) {
  const until = Date.now() + 5000;
  let [ra, rb] = await Promise.all([a.boundingBox(), b.boundingBox()]);
  while ((!ra || !rb) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    [ra, rb] = await Promise.all([a.boundingBox(), b.boundingBox()]);
  }
  if (!ra || !rb) throw new Error('An element to measure is not on screen.');
  const dx = Math.max(0, rb.x - (ra.x + ra.width), ra.x - (rb.x + rb.width));
  const dy = Math.max(0, rb.y - (ra.y + ra.height), ra.y - (rb.y + rb.height));
  return Math.hypot(dx, dy);
}
