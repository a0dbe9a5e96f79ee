// Signing in as each demo role: the right home page and the right navigation; a wrong password
// keeps the user on the form with what they typed.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, login, navLabels, newContext, submitLogin } from './browser';

// What each role must and must not find in the navigation (docs/product-rules.md, "Who uses it"). Not the
// whole list: pages every role gets (Journeys, ...) arrive with their features.
const ADMIN_ONLY = ['Users', 'Playbook', 'Email outbox'];
const ROLES = [
  { email: 'admin@kept.demo', title: 'Administration', sees: ['Home', 'Accounts', 'New deal', 'Users', 'Email outbox'], hidden: [] },
  { email: 'cs@kept.demo', title: 'Your customers', sees: ['Home', 'Accounts', 'New deal'], hidden: ADMIN_ONLY },
  { email: 'sales@kept.demo', title: 'Your deals and promises', sees: ['Home', 'Accounts', 'New deal'], hidden: ['Import deals', ...ADMIN_ONLY] },
  { email: 'leadership@kept.demo', title: 'Post-sale overview', sees: ['Home', 'Accounts'], hidden: ['New deal', 'Import deals', ...ADMIN_ONLY] },
  { email: 'marketing@kept.demo', title: 'Customers who can speak for us', sees: ['Home', 'Accounts'], hidden: ['New deal', 'Import deals', ...ADMIN_ONLY] },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('sign in', () => {
  test.each(ROLES)('$email lands on /home with its title and navigation', async ({ email, title, sees, hidden }) => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto('/login');
      await login(page, email);
      expect(new URL(page.url()).pathname).toBe('/home');
      expect((await page.getByTestId('home-title').textContent())?.trim()).toBe(title);
      const nav = await navLabels(page);
      expect(nav).toEqual(expect.arrayContaining(sees));
      expect(nav.filter((label) => hidden.includes(label))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a page asked for before signing in opens after signing in', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto('/accounts');
      expect(new URL(page.url()).pathname).toBe('/login');
      await login(page, 'leadership@kept.demo');
      expect(new URL(page.url()).pathname).toBe('/accounts');
      await page.getByRole('heading', { level: 1, name: 'Accounts', exact: true }).waitFor();
      expect(await page.getByRole('row').count()).toBeGreaterThan(1);
    } finally {
      await context.close();
    }
  });

  test('a wrong password shows the error, keeps the email and stays on /login', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto('/login');
      await submitLogin(page, 'cs@kept.demo', 'not-the-password');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect((await alert.textContent())?.trim()).toBe('Wrong email or password.');
      expect(new URL(page.url()).pathname).toBe('/login');
      await expect(page.getByLabel('Email', { exact: true }).inputValue()).resolves.toBe('cs@kept.demo');
      // Still signed out: the staff pages send us back here.
      await page.goto('/home');
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await context.close();
    }
  });
});
