// An admin adds a user, changes their role and deactivates them; each change ends the sessions
// that user had open, at once.
import crypto from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, login, newContext, submitLogin } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const NEW_USER = { name: `Robin Vega ${suffix}`, email: `robin.vega.${suffix}@example.com`, password: 'lighthouse-orchard-42' };

let browser: Browser;
let admin: Page;
let userContext: BrowserContext;
let userPage: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  admin = await (await newContext(browser)).newPage();
  await admin.goto('/login');
  await login(admin, 'admin@kept.demo');
  userContext = await newContext(browser);
  userPage = await userContext.newPage();
});
afterAll(async () => {
  await browser?.close();
});

/** Waits for the status notice to say `text` (an older notice may still be on the page). */
async function expectStatus(p: Page, text: string) {
  const notice = p.getByRole('status').filter({ hasText: text });
  await notice.waitFor();
  expect(await notice.textContent()).toBe(text);
}

/** What the user's open session gets now: a page visit and a form post, straight over HTTP. */
async function probeSession() {
  const page = await userContext.request.get('/accounts', { maxRedirects: 0 });
  // The form post as the hydrated page sends it (single fetch): 401 when the session is gone.
  const post = await userContext.request.post('/deals/new.data', { maxRedirects: 0, headers: { Origin: inject('baseUrl') }, form: { intent: 'create' } });
  return { page: page.status(), location: page.headers()['location'] ?? null, post: post.status() };
}

describe('user administration (admin@kept.demo)', () => {
  test('add a user, who can then sign in with the role given', async () => {
    await admin.goto('/admin/users');
    await admin.getByLabel('Name', { exact: true }).fill(NEW_USER.name);
    await admin.getByLabel('Email', { exact: true }).fill(NEW_USER.email);
    await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Sales (account executive)' });
    await admin.getByLabel('Initial password (optional)', { exact: true }).fill(NEW_USER.password);
    await admin.getByRole('button', { name: 'Add user' }).click();
    await expectStatus(admin, `${NEW_USER.email} can now sign in.`);
    const row = admin.locator('tr', { hasText: NEW_USER.email });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining([NEW_USER.name, NEW_USER.email, 'Sales (account executive)', 'active']));

    await userPage.goto('/login');
    await login(userPage, NEW_USER.email, NEW_USER.password);
    expect(await userPage.getByTestId('home-title').textContent()).toBe('Your deals and promises');
    // A sales rep may post the deal form (400: empty form), so the probe below means something.
    expect(await probeSession()).toEqual({ page: 200, location: null, post: 400 });
  });

  test('changing the role ends the open session; signing in again gives the new role', async () => {
    await admin.getByRole('link', { name: NEW_USER.name }).click();
    await admin.waitForURL(/\/admin\/users\/[a-f0-9]{24}$/);
    await admin.getByRole('heading', { level: 1, name: NEW_USER.name, exact: true }).waitFor();
    await admin.getByRole('combobox', { name: 'Role', exact: true }).selectOption('marketing');
    await admin.getByRole('button', { name: 'Change role' }).click();
    await expectStatus(admin, 'Role changed to Marketing. Their sessions were ended.');

    expect(await probeSession()).toEqual({ page: 302, location: '/login?redirectTo=%2Faccounts', post: 401 });
    await userPage.goto('/home');
    expect(new URL(userPage.url()).pathname).toBe('/login');

    await login(userPage, NEW_USER.email, NEW_USER.password);
    expect(await userPage.getByTestId('home-title').textContent()).toBe('Customers who can speak for us');
    expect(await probeSession()).toEqual({ page: 200, location: null, post: 403 });
  });

  test('deactivating ends the open session and blocks signing in', async () => {
    admin.once('dialog', (dialog) => void dialog.accept());
    await admin.getByRole('button', { name: 'Deactivate user' }).click();
    await expectStatus(admin, 'User deactivated; their sessions ended at once.');
    await admin.getByText(`${NEW_USER.email} · deactivated`, { exact: true }).waitFor();

    expect(await probeSession()).toEqual({ page: 302, location: '/login?redirectTo=%2Faccounts', post: 401 });
    await userPage.goto('/home');
    expect(new URL(userPage.url()).pathname).toBe('/login');
    await submitLogin(userPage, NEW_USER.email, NEW_USER.password);
    await userPage.getByRole('alert').waitFor();
    expect(await userPage.getByRole('alert').textContent()).toBe('Wrong email or password.');
    expect(new URL(userPage.url()).pathname).toBe('/login');
  });
});
