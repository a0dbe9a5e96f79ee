// Accounts in the browser (issue 15 item 11): "Forgot your password?" from the sign-in page to a new
// password through the emailed link, an invitation link that lets a new user choose theirs, and the
// Account page's password change signing out the user's other sessions. The emails are read from the
// outbox of the e2e database (the server hands them to the fake Resend).
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext, submitLogin } from './browser';
import { connectE2eDb } from './harness';

const suffix = crypto.randomBytes(3).toString('hex');
const FIRST = 'harbour-violet-engine-31';
const SECOND = 'copper-meadow-lantern-58';
const THIRD = 'quiet-falcon-orbit-77';
let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;
let users: typeof import('#app/users/users.server');
let EmailMessage: typeof import('#models/email-message').EmailMessage;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  users = await import('#app/users/users.server');
  ({ EmailMessage } = await import('#models/email-message'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

/** The link in the newest `template` email to `to`, once the server has recorded it. */
async function linkIn(to: string, template: string) {
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const mail = await EmailMessage.findOne({ to, template }).sort({ _id: -1 }).lean();
        link = mail?.text?.match(/https?:\/\/\S+\/(invite|reset-password)\/[A-Za-z0-9_-]{43}/)?.[0];
        return Boolean(link);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return new URL(link!).pathname;
}

/** The vertical gap between an element and the bottom of a button: "next to the button". */
async function gapBelow(page: Page, buttonName: string, selector: string) {
  const button = await page.getByRole('button', { name: buttonName }).boundingBox();
  const message = await page.locator(selector).first().boundingBox();
  return message!.y - (button!.y + button!.height);
}

describe('accounts and passwords', () => {
  test('forgot password: the same answer next to the button, a link by email, weak passwords refused, then sign in with the new one', async () => {
    const admin = inject('seeded').users['admin@kept.demo'];
    const email = `fay.forgot.${suffix}@example.com`;
    await users.createUser({ name: `Fay Forgot ${suffix}`, email, role: 'cs', password: FIRST, actorId: admin });
    const page = await (await newContext(browser)).newPage();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((u) => u.pathname === '/forgot-password');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    const status = page.getByRole('status');
    await status.waitFor();
    const answer = await status.textContent();
    expect(answer).toMatch(/^If that email belongs to a Kept account, a link to choose a new password is on its way/);
    expect(await gapBelow(page, 'Email me a link', '[role=status]')).toBeLessThan(60);
    // An unknown email gets the very same answer.
    await page.getByLabel('Email').fill(`nobody.${suffix}@example.com`);
    const [second] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Email me a link' }).click()]);
    expect(second.status()).toBe(200);
    await expect.poll(() => page.getByRole('status').textContent()).toBe(answer);

    const link = await linkIn(email, 'password-reset');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password').fill('password1234');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.locator('.field-error').textContent()).toMatch(/most common passwords/);
    await page.getByLabel('New password').fill(SECOND);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    expect(await page.getByRole('status').textContent()).toMatch(/new password is saved/);

    await submitLogin(page, email, FIRST);
    await page.getByRole('alert').waitFor();
    await login(page, email, SECOND);
    expect(new URL(page.url()).pathname).toBe('/home');
    // The link worked once.
    await page.goto(link);
    await page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
  });

  test('invitation: an admin adds a user without a password; the emailed link lets them choose one and signs them in', async () => {
    const adminPage = await (await newContext(browser)).newPage();
    await adminPage.goto('/login');
    await login(adminPage, 'admin@kept.demo');
    const email = `ivo.invited.${suffix}@example.com`;
    await adminPage.goto('/admin/users');
    await adminPage.getByLabel('Name', { exact: true }).fill(`Ivo Invited ${suffix}`);
    await adminPage.getByLabel('Email', { exact: true }).fill(email);
    await adminPage.getByRole('button', { name: 'Add user' }).click();
    await adminPage
      .getByRole('status')
      .filter({ hasText: `${email} is invited` })
      .waitFor();
    await adminPage.locator('tr', { hasText: email }).getByText('invited', { exact: true }).waitFor();

    const page = await (await newContext(browser)).newPage();
    await page.goto(await linkIn(email, 'user-invitation'));
    await page.getByRole('heading', { name: `Welcome to Kept, Ivo Invited ${suffix}` }).waitFor();
    await page.getByLabel('New password').fill(THIRD);
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/home');

    await adminPage.reload();
    await adminPage.locator('tr', { hasText: email }).getByText('active', { exact: true }).waitFor();
  });

  test('changing your own password signs out your other sessions and keeps this one', async () => {
    const admin = inject('seeded').users['admin@kept.demo'];
    const email = `cam.change.${suffix}@example.com`;
    await users.createUser({ name: `Cam Change ${suffix}`, email, role: 'marketing', password: FIRST, actorId: admin });
    const here = await (await newContext(browser)).newPage();
    const elsewhere = await (await newContext(browser)).newPage();
    for (const p of [here, elsewhere]) {
      await p.goto('/login');
      await login(p, email, FIRST);
    }
    await here.getByRole('link', { name: 'Your account' }).click();
    await here.waitForURL((u) => u.pathname === '/account');
    await here.getByLabel('Current password').fill(FIRST);
    await here.getByLabel('New password').fill(SECOND);
    await here.getByRole('button', { name: 'Change password' }).click();
    await here.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    expect(await gapBelow(here, 'Change password', '[role=status]')).toBeLessThan(60);

    await here.goto('/home');
    expect(new URL(here.url()).pathname).toBe('/home');
    await elsewhere.goto('/home');
    expect(new URL(elsewhere.url()).pathname).toBe('/login');
    await login(elsewhere, email, SECOND);
    expect(new URL(elsewhere.url()).pathname).toBe('/home');
  });
});
