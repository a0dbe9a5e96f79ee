// The post-sale journey end to end, in Chromium against the production server: CS imports a
// closed-won deal from Kept's CSV template, accepts the handoff, attaches evidence, is stopped by
// the gate, requests the buyer's confirmation; the buyer opens the emailed link (no login, no
// JavaScript) and confirms; CS moves the journey through implementation to live.
import crypto from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { gapBetween, hydrated, launchBrowser, login, newContext } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const CRM_ID = `E2E-JOURNEY-${suffix}`;
const BUYER = { name: `Nora Buyer ${suffix}`, email: `nora-${suffix}@journey-${suffix}.example` };
const ACCOUNT = `Journey Labs ${suffix}`;
const closeDate = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

// The ids Kept derives from the CRM key (intake is idempotent by _id): no database lookup needed.
const derived = (key: string) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 24);
const dealId = derived(`deal:kept:${CRM_ID}`);
const journeyId = derived(`journey:${dealId}`);

let browser: Browser;
let cs: BrowserContext;
let page: Page;
let outbox: { latestPlanLink: (to: string, after: Date) => Promise<string>; close: () => Promise<void> };

beforeAll(async () => {
  browser = await launchBrowser();
  cs = await newContext(browser);
  page = await cs.newPage();
  await login(page, 'cs@kept.demo');
  // The spec reads the captured email from the outbox (what the fake Resend would deliver).
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.SESSION_SECRET ??= 'e2e-journeys-spec-secret-0123456789';
  const { connectDb, disconnectDb, trusted } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  const { EmailMessage } = await import('#models/email-message');
  outbox = {
    async latestPlanLink(to, after) {
      for (let i = 0; i < 50; i++) {
        const message = await EmailMessage.findOne({ to, template: 'journey-confirmation-request', createdAt: trusted({ $gte: after }) })
          .sort({ createdAt: -1 })
          .lean();
        const link = message?.text.match(/https?:\/\/[^\s)]+\/plan\/[A-Za-z0-9_-]{43}/)?.[0];
        if (link) return link;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`No plan link emailed to ${to}`);
    },
    close: disconnectDb,
  };
});
afterAll(async () => {
  await outbox?.close();
  await browser?.close();
});

const notice = (p: Page) => p.getByRole('status');
/** Waits until the page shows this confirmation (the previous one may still be on screen meanwhile). */
const shows = (p: Page, text: string) => notice(p).filter({ hasText: text }).waitFor();

async function buyerConfirms(link: string, actions: string[]) {
  // The buyer: another browser, no session, no JavaScript (the page works as plain HTML forms).
  const buyer = await newContext(browser, { javaScriptEnabled: false });
  try {
    const p = await buyer.newPage();
    const res = await p.goto(link);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    await expect(p.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(ACCOUNT);
    for (const action of actions) {
      await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: new RegExp(`Confirm it is done: ${action}`, 'i') }).click()]);
      await shows(p, 'your confirmation is recorded');
    }
  } finally {
    await buyer.close();
  }
}

describe('journey from import to live (cs@kept.demo and the buyer)', () => {
  // A mid-market deal walks the default playbook's stages (handoff, implementation, live); the demo's
  // "SMB quick start" playbook serves smb deals (docs/playbooks.md).
  test('CS imports the closed-won deal from the Kept template', async () => {
    await page.goto('/deals/import');
    const csv = [
      'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,segment,contact_name,contact_email,promise_1,promise_1_criterion,promise_1_category',
      `${CRM_ID},${ACCOUNT} rollout,Closed Won,${closeDate},64000,USD,sales@kept.demo,${ACCOUNT},journey-${suffix}.example,mid-market,${BUYER.name},${BUYER.email},Go live within six weeks,Live in production by week 6,time-savings`,
    ].join('\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'kept-template.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('heading', { name: 'Column mapping' }).waitFor();
    const mapping = await page.locator('main').innerText();
    expect(mapping).toContain('recognised as a kept export');
    expect(mapping).toContain('will import');
    await page.getByRole('button', { name: 'Import 1 row' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 30_000 });
  });

  test('CS accepts the handoff and attaches the handoff-call recording; the gate still holds', async () => {
    await page.goto(`/journeys/${journeyId}`);
    await page.getByRole('button', { name: 'Accept handoff' }).click();
    await shows(page, 'Handoff accepted.');

    await page.getByLabel('Criterion').selectOption('handoff-call');
    await page.getByLabel('The link points to').selectOption('meeting');
    await page.getByLabel('Link (https://…)').fill('https://meet.example.com/recordings/handoff-1');
    await page.getByLabel('Note').fill('Handoff call with the implementation team');
    await page.getByRole('button', { name: 'Attach evidence' }).click();
    await shows(page, 'Evidence attached.');

    await page.getByRole('button', { name: 'Move to Implementation' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'cannot be left yet' });
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('The buyer confirmed the kickoff date and the recorded promises');
  });

  test('feedback shows next to the form that was used; a form that succeeded is emptied', async () => {
    await page.goto(`/journeys/${journeyId}`);
    await hydrated(page);
    const form = page.locator('form#evidence');
    const button = form.getByRole('button', { name: 'Attach evidence' });
    // A CSM's link on a criterion only the buyer can confirm: kept as a note, the gate still waits.
    await form.getByLabel('Criterion').selectOption('kickoff-confirmed');
    await form.getByLabel('The link points to').selectOption('email');
    await form.getByLabel('Link (https://…)').fill('https://mail.example.com/threads/kickoff-yes');
    await form.getByLabel('Note').fill('Buyer said yes by email');
    await button.click();
    const message = form.getByRole('status').filter({ hasText: 'Link attached as a note' });
    await message.waitFor();
    expect(await gapBetween(message, button)).toBeLessThan(60);
    await expect.poll(() => form.getByLabel('Link (https://…)').inputValue()).toBe('');
    await expect.poll(() => form.getByLabel('Note').inputValue()).toBe('');
    // The list comes with the loaders' revalidation, which may end a moment after the message shows.
    await expect.poll(() => page.getByText('note only: does not meet this criterion').count()).toBe(1);

    // Refused on the server (http:// where the label says https://): focus lands on the summary, whose item leads to the field.
    await form.getByLabel('Criterion').selectOption('handoff-call');
    await form.getByLabel('The link points to').selectOption('meeting');
    await form.getByLabel('Link (https://…)').fill('http://meet.example.com/recordings/plain');
    await button.click();
    await page.waitForFunction(() => document.activeElement?.matches('form#evidence .error-summary') ?? false);
    const summary = form.locator('.error-summary');
    await expect(summary.textContent()).resolves.toContain('https://');
    expect(await gapBetween(summary, button)).toBeLessThan(60);
    await summary.getByRole('link').first().click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('evidence-url');
    await expect(form.getByLabel('Link (https://…)').inputValue()).resolves.toBe('http://meet.example.com/recordings/plain');
  });

  test('without JavaScript the answer names its form: the page opens at that form with the message there', async () => {
    const plain = await newContext(browser, { javaScriptEnabled: false });
    try {
      const p = await plain.newPage();
      await login(p, 'cs@kept.demo');
      await p.goto(`/journeys/${journeyId}`);
      const form = p.locator('form#evidence');
      await form.getByLabel('Criterion').selectOption('handoff-call');
      await form.getByLabel('The link points to').selectOption('meeting');
      await form.getByLabel('Link (https://…)').fill('https://meet.example.com/recordings/handoff-notes');
      await Promise.all([p.waitForNavigation(), form.getByRole('button', { name: 'Attach evidence' }).click()]);
      expect(new URL(p.url()).hash).toBe('#evidence');
      await p.locator('form#evidence').getByRole('status').filter({ hasText: 'Evidence attached.' }).waitFor();
      await expect(p.locator('form#evidence').getByLabel('Link (https://…)').inputValue()).resolves.toBe('');
    } finally {
      await plain.close();
    }
  });

  test('the buyer confirms from the emailed link and CS moves the journey on', async () => {
    const asked = new Date(Date.now() - 5_000);
    await page.getByLabel('Buyer').selectOption({ label: `${BUYER.name} · ${BUYER.email} (primary)` });
    await page.getByRole('button', { name: 'Send confirmation request' }).click();
    await shows(page, `Confirmation request sent to ${BUYER.email}.`);
    await buyerConfirms(await outbox.latestPlanLink(BUYER.email, asked), ['confirms the kickoff date']);

    await page.goto(`/journeys/${journeyId}`);
    await page.getByRole('button', { name: 'Move to Implementation' }).click();
    await shows(page, 'Moved to the next stage.');
    await page.getByRole('heading', { name: 'Exit criteria: Implementation' }).waitFor();
  });

  test('after the buyer confirms implementation, the customer is live with a go-live date', async () => {
    const asked = new Date(Date.now() - 5_000);
    await page.getByRole('button', { name: 'Send confirmation request' }).click();
    await shows(page, `Confirmation request sent to ${BUYER.email}.`);
    await buyerConfirms(await outbox.latestPlanLink(BUYER.email, asked), ['signs off the implementation plan', 'confirms the solution is ready for production']);

    await page.goto(`/journeys/${journeyId}`);
    await page.getByRole('button', { name: 'Move to Live' }).click();
    await shows(page, 'The customer is live. Go-live date recorded.');
    await page.getByRole('heading', { name: 'Live', exact: true }).waitFor();
    // The audit trail shows the buyer's confirmations and both moves.
    const audit = page.getByRole('region', { name: 'Audit trail' });
    await expect(audit.getByText('Buyer confirmed', { exact: true }).count()).resolves.toBe(3);
    await expect(audit.getByText('Stage moved', { exact: true }).count()).resolves.toBe(2);
  });
});
