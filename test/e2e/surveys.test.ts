// Value-delivery survey end to end, in Chromium against the production server: CS records a deal
// that closed almost six months ago, its 6-month wave comes due while the customer is not live
// (the worker holds it), the journey goes live and the worker's invitation task
// sends it (captured in the outbox: this process has no RESEND_API_KEY), the buyer opens the link with
// JavaScript off and answers promise by promise, the link is used up, and CS and the deal's rep
// see the answer on the deal page and in the survey list.
import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, newContext, signedInPage } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const DEAL = {
  account: `Halcyon Mills ${suffix}`,
  domain: `halcyon-${suffix}.example`,
  name: `Halcyon Mills rollout ${suffix}`,
  buyer: { name: `Jordan Buyer ${suffix}`, email: `jordan-${suffix}@halcyon-${suffix}.example` },
  promises: [
    { text: 'Shift plans ready by 7:00 every morning', criterion: 'Ready by 7:00 on 95% of days' },
    { text: 'Overtime cut by a fifth within two quarters', criterion: 'Overtime hours down 20% against last year' },
  ],
};
// Closed a little under six months ago: the 6-month wave is two days ahead (a wave already past at
// intake would be skipped, never sent).
const closeDate = (() => {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() - 6);
  d.setUTCDate(d.getUTCDate() + 2);
  return d.toISOString().slice(0, 10);
})();

let browser: Browser;
let dealId = '';
let surveyUrl = '';
let disconnect: () => Promise<void> = async () => undefined;

const signedIn = (email: string) => signedInPage(browser, email);

/**
 * Two days pass (the 6-month wave comes due) and the worker runs its invitation task, which holds
 * it (the customer is not live); the journey goes live and the next run sends it: done here
 * against the e2e database, through Kept's services. Returns the invitation's link.
 */
async function waveComesDue() {
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.APP_URL = inject('baseUrl');
  process.env.SESSION_SECRET ??= 'e2e-surveys-spec-secret-0123456789';
  delete process.env.RESEND_API_KEY;
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  disconnect = disconnectDb;
  await connectDb(process.env.MONGODB_URI);
  const { resetEnvCache } = await import('#app/env.server');
  resetEnvCache();
  const { sendDueInvitations } = await import('#app/surveys/survey-delivery.server');
  const { updateSurvey } = await import('#app/surveys/surveys.server');
  const { journeyIdForDeal } = await import('#app/journeys/journey.server');
  const { goLive } = await import('#scripts/seed/advocacy');
  const { EmailMessage } = await import('#models/email-message');
  const { Contact } = await import('#models/contact');
  const { Survey } = await import('#models/survey');
  const { User } = await import('#models/user');
  const now = new Date();
  const wave6 = await Survey.findOne({ dealId, wave: 6 }).select('_id').lean();
  const due = await updateSurvey({ id: wave6!._id, now, accept: (s) => s.state === 'scheduled', change: () => ({ $set: { dueAt: now } }) });
  expect(due.ok).toBe(true);
  await sendDueInvitations({ now, owner: `e2e-surveys-${suffix}` });
  // Not live yet: held, and the buyer gets nothing.
  expect(await Survey.findById(wave6!._id).select('state held').lean()).toMatchObject({ state: 'scheduled', held: 'not-live' });
  expect(await EmailMessage.countDocuments({ to: DEAL.buyer.email, template: 'survey-invitation' })).toBe(0);
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('email name').lean();
  const buyer = await Contact.findOne({ email: DEAL.buyer.email }).select('name email').lean();
  await goLive({
    journeyId: String(journeyIdForDeal(dealId)),
    cs: { id: String(cs!._id), email: cs!.email, name: cs!.name, role: 'cs' },
    contact: { id: String(buyer!._id), name: buyer!.name, email: buyer!.email },
    start: new Date(now.getTime() - 40 * 86_400_000),
  });
  await sendDueInvitations({ now: new Date(now.getTime() + 60_000), owner: `e2e-surveys-${suffix}` });
  const invitation = await EmailMessage.findOne({ to: DEAL.buyer.email, template: 'survey-invitation' }).lean();
  const link = invitation?.text.match(/https?:\/\/[^\s)]+\/s\/[A-Za-z0-9_-]{43}/)?.[0];
  if (!link) throw new Error(`No survey link in the invitation to ${DEAL.buyer.email}: ${invitation?.text.slice(0, 300)}`);
  return link;
}

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

describe('value-delivery survey (6 months)', () => {
  test('CS records the deal; its three waves are scheduled', async () => {
    const page = await signedIn('cs@kept.demo');
    await page.goto('/deals/new');
    const field = (label: string) => page.getByLabel(label, { exact: true });
    await field('Account name').fill(DEAL.account);
    await field('Account domain').fill(DEAL.domain);
    await field('Primary contact name').fill(DEAL.buyer.name);
    await field('Primary contact email').fill(DEAL.buyer.email);
    await field('Deal name').fill(DEAL.name);
    await field('Close date').fill(closeDate);
    await field('ARR').fill('64000');
    await field('Account executive').selectOption({ label: 'Sam Seller' });
    for (const [n, p] of DEAL.promises.entries()) {
      await field(`Promise ${n + 1}`).fill(p.text);
      await field(`Success criterion ${n + 1}`).fill(p.criterion);
    }
    await Promise.all([page.waitForURL(/\/accounts\/[a-f0-9]{24}\?created=/), page.getByRole('button', { name: 'Create deal' }).click()]);
    dealId = new URL(page.url()).searchParams.get('created') ?? '';
    expect(dealId).toMatch(/^[a-f0-9]{24}$/);

    await page.goto(`/deals/${dealId}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Value-delivery surveys' }) });
    const rows = section.getByRole('row');
    await expect(rows.nth(1).textContent()).resolves.toMatch(/6 months\s*Scheduled/);
    await expect(rows.nth(1).textContent()).resolves.toContain(DEAL.buyer.email);
    await expect(rows.nth(2).textContent()).resolves.toMatch(/9 months\s*Scheduled/);
    await expect(rows.nth(3).textContent()).resolves.toMatch(/12 months\s*Scheduled/);
    await page.context().close();
  });

  test('the worker sends the invitation; the buyer answers through the emailed link without JavaScript', async () => {
    surveyUrl = await waveComesDue();
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(surveyUrl);
    await page.getByRole('heading', { name: 'Did we deliver what we promised?' }).waitFor();
    for (const p of DEAL.promises) await expect(page.getByRole('heading', { name: new RegExp(p.text) }).count()).resolves.toBe(1);

    const promise = (n: number) => page.locator('section', { has: page.getByRole('heading', { name: new RegExp(DEAL.promises[n].text) }) });
    await promise(0).getByRole('group', { name: 'Did we deliver it?' }).getByLabel('Delivered').check();
    await promise(1).getByRole('group', { name: 'Did we deliver it?' }).getByLabel('Partly').check();
    await promise(1).getByLabel('Comment (optional)').fill('Down 12 % so far; the new rota starts in March.');
    await page.getByRole('group', { name: 'Have we delivered the value we promised?' }).getByLabel('Yes').check();
    await page
      .getByRole('group', { name: /How likely are you to recommend us/ })
      .getByLabel('9', { exact: true })
      .check();
    await page.getByLabel(/speak with a prospective customer as a reference/).check();
    await page.getByLabel('Anything else you want us to know? (optional)').fill('The onboarding team was excellent.');
    await Promise.all([page.waitForURL(/\/s\/thank-you$/), page.getByRole('button', { name: 'Send my answers' }).click()]);
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();

    // A second visit thanks the buyer for the answers already in (not "this link cannot be used").
    const again = await page.goto(surveyUrl);
    expect(again?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Thank you, your answers are already in' }).waitFor();
    await context.close();
  });

  test('CS sees the answer on the deal page and in the survey list', async () => {
    const page = await signedIn('cs@kept.demo');
    await page.goto(`/deals/${dealId}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Value-delivery surveys' }) });
    await expect(section.getByRole('row').nth(1).textContent()).resolves.toMatch(/6 months\s*Answered/);
    const answer = section.locator('section', { has: page.getByRole('heading', { name: '6-month answer' }) });
    const text = (await answer.textContent()) ?? '';
    expect(text).toMatch(/Value delivered\?\s*Yes/);
    expect(text).toContain('9 / 10');
    expect(text).toMatch(/Delivered\s*Shift plans ready by 7:00 every morning/);
    expect(text).toMatch(/Partly\s*Overtime cut by a fifth within two quarters/);
    expect(text).toContain('Down 12 % so far; the new rota starts in March.');
    expect(text).toContain('The onboarding team was excellent.');
    expect(text).toMatch(/Willing to be\s*reference/);

    await page.goto('/surveys?state=answered');
    const row = page.getByRole('row', { name: new RegExp(DEAL.account) });
    await expect(row.textContent()).resolves.toMatch(/6 months\s*Answered/);
    await page.context().close();
  });

  test('the deal’s rep sees the answers about their own promises', async () => {
    const page = await signedIn('sales@kept.demo');
    await page.goto(`/deals/${dealId}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Value-delivery surveys' }) });
    const answer = section.locator('section', { has: page.getByRole('heading', { name: '6-month answer' }) });
    await expect(answer.textContent()).resolves.toMatch(/Partly\s*Overtime cut by a fifth/);
    // Sales read surveys; only CS and admins act on them.
    await page.getByRole('link', { name: '9 months' }).click();
    await page.waitForURL(/\/surveys\/[a-f0-9]{24}$/);
    await page.getByRole('heading', { name: /9-month survey/ }).waitFor();
    await expect(page.getByRole('button', { name: 'Change recipient' }).count()).resolves.toBe(0);
    await page.context().close();
  });
});
