// A recovery case end to end, in Chromium against the production server: CS finds the seeded
// Blackglen Construction case (the buyer said the ERP sync promise was "Not yet"), is stopped by a
// plan too vague to send, agrees a plan, emails it to the buyer; the buyer opens the emailed link (no
// login) and confirms it; CS sees the confirmation on the case; the rep who made the promise reads
// the case without any action. Screenshots go to .data/screens/recovery/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { hydrated, launchBrowser, login, newContext } from './browser';

const SCREENS = path.resolve(import.meta.dirname, '../../.data/screens/recovery');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });

let browser: Browser;
let outbox: { planLink: (after: Date) => Promise<string>; close: () => Promise<void> };

beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  browser = await launchBrowser();
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.SESSION_SECRET ??= 'e2e-recovery-spec-secret-0123456789';
  const { connectDb, disconnectDb, trusted } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  const { EmailMessage } = await import('#models/email-message');
  outbox = {
    async planLink(after) {
      for (let i = 0; i < 50; i++) {
        const message = await EmailMessage.findOne({ template: 'recovery-plan-request', createdAt: trusted({ $gte: after }) })
          .sort({ createdAt: -1 })
          .lean();
        const link = message?.text.match(/https?:\/\/[^\s)]+\/plan\/[A-Za-z0-9_-]{43}/)?.[0];
        if (link) return link;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('No recovery plan link in the outbox');
    },
    close: disconnectDb,
  };
});
afterAll(async () => {
  await outbox?.close();
  await browser?.close();
});

describe('a broken promise, recovered with the buyer', () => {
  test('CS agrees a plan, the buyer confirms it on the plan page, CS sees it; the rep reads only', async () => {
    const caseId = inject('seeded').caseId;
    expect(caseId, 'the seed opened a case for a promise sales@kept.demo made').toBeTruthy();
    const cs = await (await newContext(browser)).newPage();
    await login(cs, 'cs@kept.demo');

    await cs.goto('/recovery');
    await hydrated(cs);
    await expect(cs.getByRole('heading', { name: 'Recovery cases' }).isVisible()).resolves.toBe(true);
    await expect(cs.getByRole('link', { name: 'Site reports sync to the ERP every night' }).isVisible()).resolves.toBe(true);
    await shot(cs, 'list-cs');

    await cs.goto(`/recovery/${caseId}`);
    await hydrated(cs);
    await expect(cs.getByText('The sync failed 14 of the last 20 nights.').isVisible()).resolves.toBe(true);
    await shot(cs, 'case-open');

    // Too vague: refused next to the field, the text kept.
    await cs.getByLabel('What will be done').fill('Fix it');
    await cs.getByLabel('Done by').fill(new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10));
    await cs.getByRole('button', { name: 'Agree the plan' }).click();
    await cs.getByText('Say what will be done (at least 10 characters).').first().waitFor();
    await expect(cs.getByLabel('What will be done').inputValue()).resolves.toBe('Fix it');
    await shot(cs, 'case-plan-refused');

    const plan = 'Move the nightly sync to the new ERP connector and check it with the controller every morning for two weeks.';
    await cs.getByLabel('What will be done').fill(plan);
    await cs.getByRole('button', { name: 'Agree the plan' }).click();
    await cs.getByRole('status').filter({ hasText: 'Plan agreed' }).waitFor();
    const sentAfter = new Date(Date.now() - 1000);
    await cs.getByRole('button', { name: /Email the plan to .* to confirm/ }).click();
    await cs.getByRole('status').filter({ hasText: 'Sent to' }).waitFor();

    // The buyer, from the emailed link: no login.
    const buyer = await (await newContext(browser)).newPage();
    await buyer.goto(await outbox.planLink(sentAfter));
    await hydrated(buyer);
    await expect(buyer.getByRole('heading', { name: 'What we agreed to fix' }).isVisible()).resolves.toBe(true);
    await expect(buyer.getByText(plan).isVisible()).resolves.toBe(true);
    await shot(buyer, 'plan-page-buyer');
    await buyer.getByRole('button', { name: 'I confirm this is what we agreed' }).first().click();
    await buyer.getByRole('status').filter({ hasText: 'your confirmation of the plan is recorded' }).waitFor();
    await buyer.setViewportSize({ width: 390, height: 844 });
    await shot(buyer, 'plan-page-buyer@390');

    await cs.reload();
    await hydrated(cs);
    await expect(cs.getByText('confirmed by the buyer').isVisible()).resolves.toBe(true);
    await expect(cs.getByText('The buyer confirmed the plan').isVisible()).resolves.toBe(true);
    await shot(cs, 'case-plan-confirmed');

    // The rep who made the promise follows it, read-only.
    const rep = await (await newContext(browser)).newPage();
    await login(rep, 'sales@kept.demo');
    await rep.goto(`/recovery/${caseId}`);
    await hydrated(rep);
    await expect(rep.getByText(plan).first().isVisible()).resolves.toBe(true);
    await expect(rep.getByRole('button', { name: /Mark delivered|Agree the plan|Save the new plan/ }).count()).resolves.toBe(0);
    await shot(rep, 'case-rep');
  });
});
