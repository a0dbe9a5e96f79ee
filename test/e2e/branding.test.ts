// The vendor's brand in Chromium (docs/branding.md): the admin page refuses bad input next to the
// field and keeps what was typed, refuses an SVG logo, and previews the header; every buyer page
// shows the demo vendor's logo, footer and title, and fits a 390 px phone and a 1366 px laptop.
// Screenshots: .data/screens/brand/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext } from './browser';
import { connectE2eDb, openSurveyLink, planLink } from './harness';

const SCREENS = '.data/screens/brand';
const LAPTOP = { width: 1366, height: 850 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;
let buyerUrls: Record<string, string>;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  const survey = await openSurveyLink();
  if (!survey) throw new Error('The seed left no survey with a recipient.');
  const plan = await planLink(inject('seeded').journeyId!);
  const { createUnsubscribeLink } = await import('#app/email/unsubscribe.server');
  const { url } = await createUnsubscribeLink({ contact: { id: plan.contactId, email: 'brand-gate@example.test' }, source: 'brand-gate', now: new Date() });
  buyerUrls = {
    survey: `/s/${survey.token}`,
    plan: `/plan/${plan.token}`,
    unsubscribe: new URL(url).pathname,
    'thank-you': '/s/thank-you',
    'unknown-plan-link': `/plan/${'x'.repeat(43)}`,
  };
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

async function fitsWidth(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('the brand, as buyers and admins see it', () => {
  test('every buyer page shows the vendor’s logo, footer and name, never Kept but as "Powered by"', async () => {
    for (const viewport of [PHONE, LAPTOP]) {
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      for (const [name, url] of Object.entries(buyerUrls)) {
        await page.goto(url);
        const header = page.locator('main.public header.buyer-header');
        await expect(header.locator('img').getAttribute('alt'), name).resolves.toBe('Lumen Analytics');
        const logo = await header.locator('img').evaluate((img: HTMLImageElement) => ({ loaded: img.complete && img.naturalWidth > 0, src: img.getAttribute('src') }));
        expect(logo.loaded, `${name}: the logo loads`).toBe(true);
        expect(logo.src).toMatch(/^\/brand\/logo\?v=[a-f0-9]{16}$/);
        const footer = await page.locator('footer.buyer-footer').innerText();
        expect(footer).toContain('12 Harbour Street, Bristol');
        expect(footer).toContain('Powered by Kept');
        await expect(page.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).resolves.toBe('https://lumen.demo/privacy');
        expect(await page.title()).toMatch(/· Lumen Analytics$/);
        const text = await page.locator('main').innerText();
        expect(text.match(/Kept/g), `${name}: Kept only as "Powered by"`).toEqual(['Kept']);
        // Times on buyer pages are the buyer's own (LocalTime), never UTC.
        expect(text, name).not.toMatch(/UTC/);
        expect(await fitsWidth(page), `${name} at ${viewport.width} px`).toBe(true);
        await page.screenshot({ path: `${SCREENS}/${name}-${viewport.width}.png`, fullPage: true });
      }
      await context.close();
    }
  });

  test('the admin page: field errors next to the fields, typed values kept, an SVG logo refused, the preview follows the typing', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.setViewportSize(LAPTOP);
    await login(page, 'admin@kept.demo');
    await page.getByRole('navigation').getByRole('link', { name: 'Brand' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/brand');
    await page.screenshot({ path: `${SCREENS}/admin-brand-1366.png`, fullPage: true });
    await expect(page.getByLabel('Company name').inputValue()).resolves.toBe('Lumen Analytics');

    // The preview follows what is typed (a light accent switches to dark text, with a warning).
    await page.getByLabel('Accent colour').fill('#fde047');
    await page.getByLabel('Accent colour').blur();
    await expect(
      page
        .locator('.brand-preview .buyer-header')
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor),
    ).resolves.toBe('rgb(253, 224, 71)');
    expect(await page.locator('#accentColor-warning').innerText()).toMatch(/dark text/);

    // Refused: the errors sit next to their fields and what was typed stays.
    await page.getByLabel('Accent colour').fill('teal');
    await page.getByLabel('Sender address').fill('not an address');
    await page.getByLabel('Privacy policy link').fill('http://lumen.demo/privacy');
    await page.evaluate(() => document.querySelectorAll('form').forEach((f) => f.setAttribute('novalidate', '')));
    await page.getByRole('button', { name: 'Save brand' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await page.locator('#accentColor-error').innerText()).toMatch(/six hex digits/);
    await expect(page.getByLabel('Accent colour').inputValue()).resolves.toBe('teal');
    await expect(page.getByLabel('Sender address').inputValue()).resolves.toBe('not an address');
    await expect(page.getByLabel('Privacy policy link').inputValue()).resolves.toBe('http://lumen.demo/privacy');
    await page.screenshot({ path: `${SCREENS}/admin-brand-refused-1366.png`, fullPage: true });

    // An SVG declared image/png is refused next to the file field; the stored logo stays.
    await page
      .getByLabel('Replace the logo')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    await page.getByText(/must be a PNG or JPEG image/).waitFor();
    await expect(page.getByRole('img', { name: 'Current logo of Lumen Analytics' }).isVisible()).resolves.toBe(true);
    expect(await fitsWidth(page)).toBe(true);
    await context.close();
  });
});
