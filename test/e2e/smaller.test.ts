// Issue 13 in Chromium, where the behaviour lives in the browser: the outbox's sandboxed HTML
// preview, the survey cancel confirmation, the 404 inside the app shell, and the referrals page
// fitting a 1366 px laptop.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function signedIn(email: string, viewport = { width: 1366, height: 800 }): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await login(page, email);
  return page;
}

describe('issue 13 in the browser', () => {
  test('outbox: the HTML email sits in a sandboxed iframe, text links are clickable, search keeps the query', async () => {
    const page = await signedIn('admin@kept.demo');
    const errors: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : null));
    await page.goto('/admin/outbox');
    await page.locator('table tbody tr td a').first().click();
    const frame = page.locator('iframe.email-preview');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('');
    // The email renders inside the frame (no script needed, none allowed).
    const body = await page.frameLocator('iframe.email-preview').locator('body').innerText();
    expect(body.trim().length).toBeGreaterThan(20);
    const links = page.locator('pre.email-text a[href^="http"]');
    expect(await links.count()).toBeGreaterThan(0);
    await expect(links.first().getAttribute('rel')).resolves.toContain('noopener');
    expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
    await page.screenshot({ path: '.data/screens/outbox-preview.png', fullPage: true });

    await page.getByLabel('Recipient').fill('kept.demo');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/to=kept\.demo/);
    const next = page.getByRole('link', { name: 'Older' });
    if (await next.count()) {
      await next.click();
      await page.waitForURL(/page=2/);
      expect(page.url()).toMatch(/to=kept\.demo/);
    }
    await page.context().close();
  });

  test('an unknown address keeps the navigation for a signed-in user', async () => {
    const page = await signedIn('cs@kept.demo');
    const response = await page.goto('/no-such-page/here');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('navigation', { name: 'Main' }).isVisible()).resolves.toBe(true);
    await page.context().close();
  });

  test('cancelling a survey needs the confirmation box', async () => {
    process.env.MONGODB_URI = inject('mongoUri');
    const { connectDb, disconnectDb } = await import('#app/platform/db.server');
    await connectDb(process.env.MONGODB_URI);
    const { Survey } = await import('#models/survey');
    const survey = await Survey.findOne({ state: 'scheduled' }).select('_id').lean();
    await disconnectDb();
    expect(survey).not.toBeNull();
    const page = await signedIn('cs@kept.demo');
    await page.goto(`/surveys/${String(survey!._id)}`);
    const cancel = page.getByRole('button', { name: 'Cancel this survey' });
    await cancel.click();
    // The browser holds the form back: the box is required.
    await page.waitForTimeout(300);
    await expect(page.getByRole('status').count()).resolves.toBe(0);
    const box = page.getByLabel(/Yes, cancel it/);
    await expect(box.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).resolves.toBe(true);
    await box.check();
    await cancel.click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/cancelled/);
    // Who cancelled it, from the audit trail (the page's data is reloaded after the action).
    await page.locator('dl.facts', { hasText: /Cancelled.*by / }).waitFor();
    await page.context().close();
  });

  test('the referrals page fits a 1366 px laptop: Mark lost is visible without sideways scroll', async () => {
    // An open referral of the demo's best advocate (the demo's own referrals may all be won by now).
    process.env.MONGODB_URI = inject('mongoUri');
    const { connectDb, disconnectDb } = await import('#app/platform/db.server');
    await connectDb(process.env.MONGODB_URI);
    const { User } = await import('#models/user');
    const { createReferral, ReferralFormSchema } = await import('#app/advocacy/advocacy.server');
    const marketing = (await User.findOne({ email: 'marketing@kept.demo' }).select('email name role').lean())!;
    const input = ReferralFormSchema.parse({
      referredCompany: 'Layout Check Ltd',
      referredDomain: 'layout-check.example',
      referredContactName: 'Ada Park',
      referredContactEmail: 'ada@layout-check.example',
      estimatedArr: '12,000',
      note: '',
    });
    await createReferral({ user: { id: String(marketing._id), email: marketing.email, name: marketing.name, role: 'marketing' }, advocateId: inject('seeded').advocateId!, input });
    await disconnectDb();
    const page = await signedIn('marketing@kept.demo');
    await page.goto('/advocacy/referrals?status=open');
    const markLost = page.getByRole('button', { name: 'Mark lost' }).first();
    await expect(markLost.isVisible()).resolves.toBe(true);
    const box = await markLost.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(1366);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: '.data/screens/referrals-1366.png', fullPage: false });
    await page.context().close();
  });
});
