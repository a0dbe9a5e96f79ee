// Single sign-on in Chromium (issue 20), as an admin and a colleague would meet it on the production
// server: the admin connects an identity provider (an http issuer refused next to its field, the
// secret never shown back), tests discovery and sees the result next to the button, cannot turn
// "SSO only" on while discovery fails; /login then offers "Sign in with <company> SSO" beside the
// password form, and an unreachable provider brings the person back with a clear message. The full
// sign-in against a real provider is tested at server level (app/sso/sso.server.test.ts): the
// production server accepts https issuers only. Screenshots go to .data/screens/sso/.
import crypto from 'node:crypto';
import net from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD, hydrated, launchBrowser, login, newContext } from './browser';
import { connectE2eDb } from './harness';

const SHOTS = '.data/screens/sso';
const SECRET = `e2e-client-secret-${crypto.randomBytes(6).toString('hex')}`;
let browser: Browser;
let page: Page;
let db: Awaited<ReturnType<typeof connectE2eDb>>;
let closedPort: number;
const consoleErrors: string[] = [];

/** A local port nothing listens on: the "provider" there refuses every connection at once. */
async function freeClosedPort() {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const settings = () => db.mongoose.connection.collection('ssosettings');

beforeAll(async () => {
  db = await connectE2eDb();
  // This spec starts from "no SSO" whatever an earlier spec (the form fuzzer) saved, and leaves it so.
  await settings().deleteMany({});
  closedPort = await freeClosedPort();
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  page.on('console', (m) => {
    // Refused forms answer 400/409 on purpose; Chromium logs each such answer.
    if (m.type() === 'error' && !/status of (400|409)/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await login(page, 'admin@kept.demo');
});
afterAll(async () => {
  await settings()
    ?.deleteMany({})
    .catch(() => undefined);
  await browser?.close();
  await db?.disconnect();
});

describe('single sign-on (admin@kept.demo)', () => {
  test('connects a provider, keeps the secret hidden, and shows the discovery result next to the button', async () => {
    await page.goto('/admin/sso');
    await hydrated(page);
    await page.screenshot({ path: `${SHOTS}/admin-sso-empty-1366.png`, fullPage: true });

    const form = page.locator('form#sso-connection');
    await form.getByLabel('Company name').fill('Acme');
    await form.getByLabel('Issuer URL').fill(`http://127.0.0.1:${closedPort}`);
    await form.getByLabel('Client id').fill('kept-e2e');
    await form.getByLabel('Client secret').fill(SECRET);
    await form.getByRole('button', { name: 'Connect' }).click();
    // Production: https only, said next to the field; what was typed stays, but never the secret.
    await expect.poll(() => form.locator('.field-error').allTextContents()).toEqual(['The issuer must be an https:// URL.']);
    expect(await form.getByLabel('Issuer URL').inputValue()).toBe(`http://127.0.0.1:${closedPort}`);

    await form.getByLabel('Issuer URL').fill(`https://127.0.0.1:${closedPort}`);
    await form.getByLabel('Client secret').fill(SECRET);
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => form.locator('.form-feedback').textContent()).toMatch(/^Saved\./);

    await page.reload();
    await hydrated(page);
    expect(await page.content()).not.toContain(SECRET);
    await expect.poll(() => form.locator('.hint').allTextContents()).toContain(`Saved: ••••••••${SECRET.slice(-4)}. Leave empty to keep it; Kept never shows it again.`);

    const test = page.locator('form#sso-test');
    await test.getByRole('button', { name: 'Test discovery' }).click();
    await expect.poll(() => test.getByRole('alert').textContent()).toContain('Kept could not reach the provider at that address.');
    await page.screenshot({ path: `${SHOTS}/admin-sso-discovery-failed-1366.png`, fullPage: true });

    // "SSO only" needs a passing discovery test: refused, next to the switch.
    const mode = page.locator('form#sso-mode');
    await mode.getByRole('radio', { name: /SSO only/ }).check();
    const admins = await mode.getByLabel('Break-glass admin', { exact: true }).locator('option').allTextContents();
    await mode.getByLabel('Break-glass admin', { exact: true }).selectOption({ label: admins.find((t) => t.includes('admin@kept.demo'))! });
    await mode.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => mode.getByRole('alert').textContent()).toMatch(/Test discovery successfully first/);
    expect((await settings().findOne({}))?.ssoOnly).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  test('/login offers the SSO button next to the password form; an unreachable provider brings the person back with a reason', async () => {
    const visitor = await (await newContext(browser)).newPage();
    visitor.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    visitor.on('pageerror', (e) => consoleErrors.push(e.message));
    await visitor.goto('/login');
    await visitor.screenshot({ path: `${SHOTS}/login-with-sso-1366.png`, fullPage: true });
    await hydrated(visitor).catch((e) => {
      throw new Error(`${e}: ${consoleErrors.join(' | ')}`);
    });
    const sso = visitor.getByRole('button', { name: 'Sign in with Acme SSO' });
    expect(await sso.count()).toBe(1);
    // The password form is still there (SSO only is off).
    expect(await visitor.getByRole('button', { name: 'Sign in', exact: true }).count()).toBe(1);
    await visitor.screenshot({ path: `${SHOTS}/login-with-sso-1366.png`, fullPage: true });
    await visitor.setViewportSize({ width: 390, height: 844 });
    await visitor.screenshot({ path: `${SHOTS}/login-with-sso-390.png`, fullPage: true });

    await sso.click();
    await visitor.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('sso') === 'failed');
    await expect.poll(() => visitor.getByRole('alert').first().textContent()).toMatch(/did not pass Kept’s checks/);
    await visitor.close();
    expect(consoleErrors).toEqual([]);
  });

  test('SSO only: the password form refuses a CS user and lets the break-glass admin in', async () => {
    const { ObjectId } = db.mongoose.mongo;
    const admin = await db.mongoose.connection.collection('users').findOne({ email: 'admin@kept.demo' });
    // Set in the database: the production server accepts no local provider, so discovery cannot pass here.
    await settings().updateOne({}, { $set: { ssoOnly: true, breakGlassUserId: new ObjectId(String(admin!._id)) } });
    try {
      const visitor = await (await newContext(browser)).newPage();
      await visitor.goto('/login');
      await hydrated(visitor);
      expect(await visitor.getByLabel('Password', { exact: true }).isVisible()).toBe(false);
      expect(await visitor.getByRole('link', { name: 'Forgot your password?' }).count()).toBe(0);
      await visitor.screenshot({ path: `${SHOTS}/login-sso-only-1366.png`, fullPage: true });

      await visitor.getByText('Break-glass admin: sign in with a password').click();
      await visitor.getByLabel('Email', { exact: true }).fill('cs@kept.demo');
      await visitor.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
      await visitor.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => visitor.getByRole('alert').first().textContent()).toMatch(/Passwords are turned off: sign in with Acme SSO/);
      expect(new URL(visitor.url()).pathname).toBe('/login');
      await visitor.screenshot({ path: `${SHOTS}/login-sso-only-refused-1366.png`, fullPage: true });
      await visitor.close();

      const breakGlass = await (await newContext(browser)).newPage();
      await breakGlass.goto('/login');
      await hydrated(breakGlass);
      await breakGlass.getByText('Break-glass admin: sign in with a password').click();
      await login(breakGlass, 'admin@kept.demo');
      expect(new URL(breakGlass.url()).pathname).toBe('/home');
      await breakGlass.close();
    } finally {
      await settings().updateOne({}, { $set: { ssoOnly: false, breakGlassUserId: null } });
    }
  });
});
