// Delays the buyer owns, in Chromium against the production server (docs/buyer-delays.md): CS marks
// the journey "waiting on the customer" (claimed by the vendor, the SLA still runs), the buyer
// confirms it on the shared plan page (no login, no JavaScript), and the journey page shows the SLA
// paused. The spec makes its own account, journey and plan link. Screenshots: .data/screens/delays/.
import crypto from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';

const SCREENS = '.data/screens/delays';
const suffix = crypto.randomBytes(3).toString('hex');
const ACCOUNT = `Delay Works ${suffix}`;
const REASON = `Waiting for your IT team to allow single sign-on (${suffix})`;

let browser: Browser;
let page: Page;
let journeyId = '';
let planPath = '';
let close: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.SESSION_SECRET ??= 'e2e-delays-spec-secret-0123456789';
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  close = disconnectDb;
  const { User } = await import('#models/user');
  const { makeAccount, makeContact, makeDeal } = await import('#test/factories');
  const { startJourneyForDeal } = await import('#app/journeys/journey.server');
  const { createPlanToken } = await import('#app/journeys/plan.server');
  const cs = (await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean())!;
  const rep = (await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean())!;
  const account = await makeAccount({ name: ACCOUNT, csmId: String(cs._id) });
  const buyer = await makeContact(account.id, { name: `Nora Buyer ${suffix}`, isPrimary: true });
  // Closed two days ago: on track in a 7-day handoff stage.
  const deal = await makeDeal({ accountId: account.id, aeId: String(rep._id), closedWonAt: new Date(Date.now() - 2 * 86_400_000) });
  journeyId = (await startJourneyForDeal({ dealId: deal.id })).journeyId;
  const token = await createPlanToken({ journeyId, contact: { id: buyer.id, name: `Nora Buyer ${suffix}`, email: buyer.email }, stage: 'handoff', now: new Date() });
  planPath = `/plan/${token}`;
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  await page.setViewportSize({ width: 1366, height: 900 });
  await login(page, 'cs@kept.demo');
});
afterAll(async () => {
  await close();
  await browser?.close();
});

/** The blank space between two lines of a panel, in CSS pixels. */
async function spaceBetween(upper: Locator, lower: Locator) {
  const [a, b] = [await upper.boundingBox(), await lower.boundingBox()];
  return b!.y - (a!.y + a!.height);
}

/** The journey page's panels keep their lines together: no blank space stretched between them. */
async function expectCompactPanels(page: Page) {
  const delay = page.locator('#delay');
  const [state, marked] = [delay.locator('.stack > p').nth(0), delay.locator('.stack > p').nth(1)];
  expect(await spaceBetween(state, marked)).toBeLessThan(16);
  // The buyer confirmation form stands beside the taller evidence form: its lines stay together at the top.
  const request = page.locator('form', { has: page.getByRole('heading', { name: 'Request buyer confirmation' }) });
  const [heading, intro, buyer] = [request.getByRole('heading'), request.locator('p').first(), request.getByLabel('Buyer')];
  expect(await spaceBetween(heading, intro)).toBeLessThan(40);
  expect(await spaceBetween(intro, buyer)).toBeLessThan(48);
  expect((await buyer.boundingBox())!.height).toBeLessThan(48);
}

describe('a delay the buyer owns pauses the SLA once the buyer confirms it', () => {
  test('CS marks the journey waiting on the customer: claimed by the vendor, the SLA runs', async () => {
    await page.goto(`/journeys/${journeyId}`);
    const panel = page.locator('#delay');
    // A reason too short is refused next to the field, and what was typed stays.
    await panel.getByLabel('What the customer owes').fill('IT');
    await panel.getByRole('button', { name: 'Mark as waiting on the customer' }).click();
    await panel.getByText('at least 10 characters').first().waitFor();
    expect(await panel.getByLabel('What the customer owes').inputValue()).toBe('IT');
    await panel.screenshot({ path: `${SCREENS}/delay-mark-refused-1366.png` });

    await panel.getByLabel('What the customer owes').fill(REASON);
    await panel.getByRole('button', { name: 'Mark as waiting on the customer' }).click();
    await page.getByRole('status').filter({ hasText: 'Marked as waiting on the customer' }).waitFor();
    await expect(panel.getByTestId('delay-state').textContent()).resolves.toBe('Claimed by the vendor');
    expect(await page.getByTestId('sla-paused').count()).toBe(0);
    await page.screenshot({ path: `${SCREENS}/journey-claimed-1366.png`, fullPage: true });
    await panel.screenshot({ path: `${SCREENS}/delay-claimed-1366.png` });
    await page.locator('section[aria-labelledby="criteria-h"]').screenshot({ path: `${SCREENS}/stage-forms-1366.png` });
    await expectCompactPanels(page);
  });

  test('the buyer confirms it on the plan page (no JavaScript, a phone)', async () => {
    const buyer = await newContext(browser, { javaScriptEnabled: false });
    try {
      const p = await buyer.newPage();
      await p.setViewportSize({ width: 390, height: 844 });
      expect((await p.goto(planPath))?.status()).toBe(200);
      const section = p.locator('#delay');
      await expect(section.getByRole('heading', { name: 'Waiting on your side' }).isVisible()).resolves.toBe(true);
      await expect(section.textContent()).resolves.toContain(REASON);
      await Promise.all([p.waitForNavigation(), section.getByRole('button', { name: 'Yes, this is on our side' }).click()]);
      await p.getByRole('status').filter({ hasText: 'your confirmation is recorded' }).waitFor();
      await expect(p.locator('#delay').textContent()).resolves.toContain(`Confirmed by Nora Buyer ${suffix}`);
      await p.screenshot({ path: `${SCREENS}/plan-confirmed-390.png`, fullPage: true });
    } finally {
      await buyer.close();
    }
  });

  test('the journey page shows the SLA paused, and CS ends the delay', async () => {
    await page.goto(`/journeys/${journeyId}`);
    await expect(page.getByTestId('sla-paused').textContent()).resolves.toContain('SLA paused');
    const panel = page.locator('#delay');
    await expect(panel.getByTestId('delay-state').textContent()).resolves.toBe('Confirmed by the buyer');
    await expect(panel.textContent()).resolves.toContain('the SLA clock of this stage is paused');
    await page.screenshot({ path: `${SCREENS}/journey-paused-1366.png`, fullPage: true });
    await panel.screenshot({ path: `${SCREENS}/delay-paused-1366.png` });
    await expectCompactPanels(page);

    await panel.getByRole('button', { name: 'End the delay' }).click();
    await page.getByRole('status').filter({ hasText: 'the SLA clock runs again' }).waitFor();
    await page.getByTestId('sla-paused').waitFor({ state: 'detached' });
    await expect(panel.getByRole('table').textContent()).resolves.toContain(REASON);
    await panel.screenshot({ path: `${SCREENS}/delay-ended-1366.png` });
  });
});
