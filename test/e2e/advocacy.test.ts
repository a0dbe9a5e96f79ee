// Advocacy end to end, in Chromium against the production server: a buyer's survey answer makes a
// referral candidate, marketing asks for a referral by email, the email is in the outbox, the
// referred company closes and arrives by the signed CRM webhook with the referral id, and its ARR
// shows as referred revenue for the advocate, the origin deal and the rep.
import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchBrowser, newContext, signedInPage } from './browser';

const suffix = crypto.randomBytes(3).toString('hex');
const BUYER = { name: `Rowan Advocate ${suffix}`, email: `rowan-${suffix}@origin-${suffix}.example` };
const ORIGIN = { account: `Origin Outfitters ${suffix}`, domain: `origin-${suffix}.example`, deal: `Origin Outfitters rollout ${suffix}` };
const REFERRED = { company: `Referred Robotics ${suffix}`, domain: `referred-${suffix}.example`, arr: 91_500 };

let browser: Browser;
let base: string;
let originDealId: string;
let surveyUrl: string;
let services: typeof import('#scripts/seed/advocacy') & { disconnectDb: () => Promise<void> };

/**
 * The origin customer, prepared through Kept's own services in this process (the steps that take
 * weeks in real life): a closed-won deal, its journey driven live through the gate, and its 6-month
 * survey made due and sent by the worker's invitation task (the link comes from the outbox).
 */
async function prepareOriginCustomer() {
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.APP_URL = base;
  process.env.SESSION_SECRET ??= 'e2e-advocacy-spec-secret-0123456789';
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  const { User } = await import('#models/user');
  const { Contact } = await import('#models/contact');
  const { Survey } = await import('#models/survey');
  const { EmailMessage } = await import('#models/email-message');
  const { intakeClosedWonDeal } = await import('#app/deals/intake.server');
  const { scheduleSurveysForDeal, updateSurvey } = await import('#app/surveys/surveys.server');
  const { sendDueInvitations } = await import('#app/surveys/survey-delivery.server');
  const seed = await import('#scripts/seed/advocacy');
  services = { ...seed, disconnectDb };

  const now = new Date();
  const [sales, cs] = await Promise.all(['sales@kept.demo', 'cs@kept.demo'].map((email) => User.findOne({ email }).select('email name role').lean()));
  const closed = new Date(now.getTime() - 40 * 86_400_000);
  const intake = await intakeClosedWonDeal({
    input: {
      source: 'webhook',
      crmId: `e2e-origin-${suffix}`,
      name: ORIGIN.deal,
      closedWonAt: closed,
      arr: 120_000,
      currency: 'USD',
      aeId: String(sales!._id),
      account: { name: ORIGIN.account, domain: ORIGIN.domain, segment: 'mid-market' },
      contact: BUYER,
      promises: [
        { text: 'Pick lists ready before the morning shift', successCriterion: 'Ready by 6:00 on 95% of days', category: 'time-savings' },
        { text: 'Returns processed in one day', successCriterion: 'Median return handled within 24 hours', category: 'cost-reduction' },
      ],
    },
    now: closed,
  });
  originDealId = intake.dealId;
  const contact = await Contact.findOne({ email: BUYER.email }).lean();
  await seed.goLive({
    journeyId: intake.journeyId!,
    cs: { id: String(cs!._id), email: cs!.email, name: cs!.name, role: 'cs' },
    contact: { id: String(contact!._id), name: contact!.name, email: contact!.email },
    start: closed,
  });
  await scheduleSurveysForDeal({ dealId: originDealId, now });
  const wave6 = await Survey.findOne({ dealId: originDealId, wave: 6 }).lean();
  const moved = await updateSurvey({ id: wave6!._id, now, accept: (s) => s.state === 'scheduled', change: () => ({ $set: { dueAt: now } }) });
  expect(moved.ok).toBe(true);
  await sendDueInvitations({ now, owner: `e2e-advocacy-${suffix}` });
  const invitation = await EmailMessage.findOne({ to: BUYER.email, template: 'survey-invitation' }).lean();
  const link = invitation?.text.match(/https?:\/\/[^\s)]+\/s\/[A-Za-z0-9_-]{43}/)?.[0];
  if (!link) throw new Error(`No survey link in the invitation to ${BUYER.email}: ${invitation?.text.slice(0, 300)}`);
  surveyUrl = link;
}

beforeAll(async () => {
  base = inject('baseUrl');
  browser = await launchBrowser();
  await prepareOriginCustomer();
});
afterAll(async () => {
  await browser?.close();
  await services?.disconnectDb();
});

const signedIn = (email: string) => signedInPage(browser, email);

describe('advocacy: from a survey answer to referred revenue', () => {
  let askUrl: string;
  let referralId: string;

  test('the buyer answers the survey: value delivered, NPS 10, happy to refer', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(surveyUrl);
    const verdicts = page.getByRole('group', { name: 'Did we deliver it?' });
    for (let i = 0; i < (await verdicts.count()); i++) await verdicts.nth(i).getByLabel('Delivered').check();
    await page.getByRole('group', { name: 'Have we delivered the value we promised?' }).getByLabel('Yes').check();
    await page
      .getByRole('group', { name: /How likely are you to recommend us/ })
      .getByLabel('10', { exact: true })
      .check();
    await page.getByLabel(/introduce us to someone who could use us/).check();
    await Promise.all([page.waitForURL(/\/s\/thank-you/), page.getByRole('button', { name: 'Send my answers' }).click()]);
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await context.close();
  });

  test('the answer made a referral candidate; marketing sends a referral ask by email', async () => {
    const page = await signedIn('marketing@kept.demo');
    await page.goto('/advocacy?type=referral&view=ready');
    const row = page.getByRole('row', { name: new RegExp(BUYER.name) });
    await expect(row.textContent()).resolves.toMatch(/NPS 10 \(promoter\)/);
    await expect(row.textContent()).resolves.toContain(ORIGIN.deal);
    await expect(row.textContent()).resolves.toContain('Sam Seller');
    await row.getByRole('link', { name: BUYER.name }).click();
    await page.waitForURL(/\/advocacy\/candidates\/[a-f0-9]{24}$/);
    // One candidate's page lies under the Candidates tab, and the tab bar says so.
    const tabs = page.getByRole('navigation', { name: 'Advocacy' });
    await expect(tabs.getByRole('link', { name: 'Candidates' }).getAttribute('aria-current')).resolves.toBe('page');
    await page.getByLabel('Ask for', { exact: true }).selectOption('referral');
    await page.getByLabel('Channel', { exact: true }).selectOption('email');
    await page.getByRole('button', { name: 'Send the ask' }).click();
    const notice = page.getByRole('status');
    await expect(notice.textContent()).resolves.toContain(`The referral to ${BUYER.email} is queued in the outbox.`);
    await notice.getByRole('link', { name: 'Open the ask' }).click();
    await page.waitForURL(/\/advocacy\/asks\/[a-f0-9]{24}$/);
    askUrl = new URL(page.url()).pathname;
    // A second ask right away is refused by the ask budget, with the date it clears.
    await page.goBack();
    await page.reload();
    await page.getByLabel('Ask for', { exact: true }).selectOption('referral');
    await page.getByLabel('Channel', { exact: true }).selectOption('phone');
    await page.getByRole('button', { name: 'Log the ask' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Next available on \d{1,2} [A-Z][a-z]{2} \d{4}/);
    await page.context().close();
  });

  test('the ask email is in the outbox, neutral and with a one-click unsubscribe', async () => {
    const page = await signedIn('admin@kept.demo');
    await page.goto('/admin/outbox');
    const row = page.getByRole('row', { name: new RegExp(BUYER.email) }).filter({ hasText: 'advocacy-ask' });
    await row.getByRole('link', { name: 'A question about introductions' }).click();
    const panel = page.locator('section.panel', { hasText: 'Text version' });
    await expect(panel.textContent()).resolves.toContain('Saying no, or not answering, is perfectly fine');
    await expect(panel.textContent()).resolves.toContain('List-Unsubscribe');
    await page.context().close();
  });

  test('marketing records the referral; the referred company closes and arrives by the CRM webhook', async () => {
    const page = await signedIn('marketing@kept.demo');
    await page.goto(askUrl);
    await page.getByLabel('New status', { exact: true }).selectOption('completed');
    await page.getByLabel('Referred company', { exact: true }).fill(REFERRED.company);
    await page.getByLabel('Domain', { exact: true }).fill(REFERRED.domain);
    await page.getByLabel('Estimated ARR', { exact: true }).fill('80000');
    await page.getByRole('button', { name: 'Save' }).click();
    const notice = await page.getByRole('status').textContent();
    referralId = notice?.match(/referral id ([a-f0-9]{24})/)?.[1] ?? '';
    expect(referralId).toMatch(/^[a-f0-9]{24}$/);

    const body = JSON.stringify({
      id: `e2e-referred-${suffix}`,
      type: 'deal.closed_won',
      crm: 'hubspot',
      deal: {
        crmId: `e2e-referred-${suffix}`,
        name: `${REFERRED.company} platform`,
        closedWonAt: new Date().toISOString().slice(0, 10),
        arr: REFERRED.arr,
        ownerEmail: 'sales@kept.demo',
        account: { name: REFERRED.company, domain: REFERRED.domain },
        referralId,
      },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = crypto.createHmac('sha256', inject('crmWebhookSecret')).update(`${timestamp}.${body}`).digest('hex');
    const res = await fetch(`${base}/api/webhooks/crm`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'X-Kept-Signature': `t=${timestamp},v1=${signature}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { dealId } = (await res.json()) as { dealId: string };

    // The new deal points back to the advocate, their origin deal and rep.
    await page.goto(`/deals/${dealId}`);
    const origin = page.locator('section', { has: page.getByRole('heading', { name: 'Referral origin' }) });
    await expect(origin.textContent()).resolves.toContain(BUYER.name);
    await expect(origin.textContent()).resolves.toContain(ORIGIN.deal);
    await expect(origin.textContent()).resolves.toContain('$91,500');
    await page.context().close();
  });

  test('the referred revenue appears for the advocate, the origin deal and the rep', async () => {
    const page = await signedIn('leadership@kept.demo');
    await page.goto('/advocacy/figures');
    const revenueOf = async (table: string, name: string) => {
      const cells = await page
        .getByRole('region', { name: table })
        .getByRole('row', { name: new RegExp(name) })
        .getByRole('cell')
        .allTextContents();
      return Number(cells.at(-1)!.replace(/[^0-9.]/g, ''));
    };
    expect(await revenueOf('Referred revenue by advocate', BUYER.name)).toBe(REFERRED.arr);
    expect(await revenueOf('Referred revenue by origin deal', ORIGIN.deal)).toBe(REFERRED.arr);
    // The rep also has the demo data's referred revenue.
    expect(await revenueOf('Referred revenue by rep', 'Sam Seller')).toBeGreaterThanOrEqual(REFERRED.arr);
    await page.context().close();
  });
});
