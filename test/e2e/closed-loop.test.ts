// The closed loop on a broken promise, end to end in Chromium against the production server: a buyer
// answers "Not yet" on one promise of their 6-month value survey; a recovery case opens and waits in
// the CSM's work queue; the CSM agrees a plan and emails it; the buyer confirms it on the shared plan
// page; once the plan's date has passed (pinned clock) the worker's re-ask task emails the buyer one
// question about that promise; the buyer answers "Delivered"; the case closes as recovered and the
// recovery dashboard moves. The worker's tasks run here, in the test process, with the clock pinned.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { hydrated, launchBrowser, newContext, signedInPage } from './browser';

const SCREENS = path.resolve(import.meta.dirname, '../../.data/screens/closed-loop');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
const DAY = 86_400_000;

const suffix = crypto.randomBytes(3).toString('hex');
const BUYER = { name: `Noor Buyer ${suffix}`, email: `noor-${suffix}@ostrava-${suffix}.example` };
const BROKEN = `Invoices matched to orders without a person ${suffix}`;
const KEPT = `Month-end close in three days ${suffix}`;
const PLAN = 'Switch on automatic matching for the remaining two suppliers and review the exceptions with finance weekly.';

let browser: Browser;
let dealId = '';
let disconnect: () => Promise<void> = async () => undefined;
const owner = `e2e-closed-loop-${suffix}`;

async function services() {
  const { EmailMessage } = await import('#models/email-message');
  const { RecoveryCase } = await import('#models/recovery-case');
  const { trusted } = await import('#app/platform/db.server');
  return { EmailMessage, RecoveryCase, trusted };
}

/** The newest link of `template` emailed to the buyer after `after`, polled (emails are queued by the server). */
async function linkIn(template: string, pattern: RegExp, after: Date) {
  const { EmailMessage, trusted } = await services();
  for (let i = 0; i < 75; i++) {
    const message = await EmailMessage.findOne({ to: BUYER.email, template, createdAt: trusted({ $gte: after }) })
      .sort({ createdAt: -1 })
      .lean();
    const link = message?.text.match(pattern)?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`No ${template} link emailed to ${BUYER.email}`);
}

/** A deal closed a little under six months ago, live, its 6-month survey sent: returns the survey link. */
async function surveyedCustomer() {
  const { intakeClosedWonDeal } = await import('#app/deals/intake.server');
  const { sendDueInvitations } = await import('#app/surveys/survey-delivery.server');
  const { updateSurvey } = await import('#app/surveys/surveys.server');
  const { journeyIdForDeal } = await import('#app/journeys/journey.server');
  const { goLive } = await import('#scripts/seed/advocacy');
  const { Contact } = await import('#models/contact');
  const { Survey } = await import('#models/survey');
  const { User } = await import('#models/user');
  const { Account } = await import('#models/account');
  const now = new Date();
  const closedWonAt = new Date(now.getTime() - 180 * DAY + 2 * DAY);
  const rep = await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean();
  const created = await intakeClosedWonDeal({
    input: {
      source: 'hubspot',
      crmId: `closed-loop-${suffix}`,
      name: `Ostrava Steel finance rollout ${suffix}`,
      closedWonAt,
      arr: 84_000,
      currency: 'USD',
      aeId: String(rep!._id),
      account: { name: `Ostrava Steel ${suffix}`, domain: `ostrava-${suffix}.example`, segment: 'mid-market' },
      contact: BUYER,
      promises: [
        { text: BROKEN, successCriterion: '95 % of invoices matched automatically', category: 'time-savings' },
        { text: KEPT, successCriterion: 'Close signed off on day 3', category: 'time-savings' },
      ],
    },
    now,
  });
  dealId = created.dealId;
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('email name').lean();
  // The demo CSM owns the account (new accounts go round the CSMs, fuzzing's included).
  await Account.updateOne({ _id: created.accountId }, { $set: { csmId: cs!._id } });
  const buyer = await Contact.findOne({ email: BUYER.email }).select('name email').lean();
  await goLive({
    journeyId: String(journeyIdForDeal(dealId)),
    cs: { id: String(cs!._id), email: cs!.email, name: cs!.name, role: 'cs' },
    contact: { id: String(buyer!._id), name: buyer!.name, email: buyer!.email },
    start: new Date(now.getTime() - 100 * DAY),
  });
  const wave6 = await Survey.findOne({ dealId, wave: 6 }).select('_id').lean();
  expect((await updateSurvey({ id: wave6!._id, now, accept: (s) => s.state === 'scheduled', change: () => ({ $set: { dueAt: now } }) })).ok).toBe(true);
  const before = new Date(now.getTime() - 1000);
  await sendDueInvitations({ now, owner });
  return linkIn('survey-invitation', /https?:\/\/[^\s)]+\/s\/[A-Za-z0-9_-]{43}/, before);
}

/** The recovery dashboard's "Broken promises recovered" detail, e.g. "3 of 12 broken promises". */
async function promisesRecovered(page: Page) {
  await page.goto('/dashboards/recovery');
  const detail = (await page.getByTestId('stat-promises-recovered').innerText()).replace(/\s+/g, ' ');
  const m = detail.match(/(\d[\d,]*) of (\d[\d,]*) broken promise/);
  expect(m, detail).not.toBeNull();
  return { recovered: Number(m![1].replace(/,/g, '')), broken: Number(m![2].replace(/,/g, '')) };
}

beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.APP_URL = inject('baseUrl');
  process.env.SESSION_SECRET ??= 'e2e-closed-loop-spec-secret-0123456789';
  delete process.env.RESEND_API_KEY;
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  await connectDb(process.env.MONGODB_URI);
  disconnect = disconnectDb;
  const { resetEnvCache } = await import('#app/env.server');
  resetEnvCache();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

describe('a promise not kept is recovered with the buyer', () => {
  test('Not yet -> case in the queue -> plan agreed and confirmed -> re-ask -> Delivered -> case closed, dashboard moves', async () => {
    const surveyUrl = await surveyedCustomer();
    const leader = await signedInPage(browser, 'leadership@kept.demo');
    const start = await promisesRecovered(leader);

    // 1. The buyer answers: one promise "Not yet", in their own words.
    const buyer = await (await newContext(browser)).newPage();
    await buyer.goto(surveyUrl);
    const promise = (text: string) => buyer.locator('section', { has: buyer.getByRole('heading', { name: new RegExp(text) }) });
    await promise(BROKEN).getByRole('group', { name: 'Did we deliver it?' }).getByLabel('Not yet').check();
    await promise(BROKEN).getByLabel('Comment (optional)').fill('Still matching <b>half</b> of them by hand.');
    await promise(KEPT).getByRole('group', { name: 'Did we deliver it?' }).getByLabel('Delivered').check();
    await buyer.getByRole('group', { name: 'Have we delivered the value we promised?' }).getByLabel('Partly').check();
    await buyer
      .getByRole('group', { name: /How likely are you to recommend us/ })
      .getByLabel('8', { exact: true })
      .check();
    await Promise.all([buyer.waitForURL(/\/s\/thank-you$/), buyer.getByRole('button', { name: 'Send my answers' }).click()]);

    // 2. One case opened, for that promise only; it waits in the CSM's work queue.
    const { RecoveryCase } = await services();
    await expect.poll(() => RecoveryCase.countDocuments({ dealId }), { timeout: 10_000 }).toBe(1);
    const opened = await RecoveryCase.findOne({ dealId }).lean();
    expect(opened).toMatchObject({ promiseText: BROKEN, trigger: 'promise_not_yet', status: 'open' });
    const caseId = String(opened!._id);

    // The account's CSM owns the case.
    const { User } = await import('#models/user');
    expect((await User.findById(opened!.csmId).select('email').lean())?.email).toBe('cs@kept.demo');
    const cs = await signedInPage(browser, 'cs@kept.demo');
    await cs.setViewportSize({ width: 1366, height: 850 });
    await cs.goto('/work');
    await hydrated(cs);
    const item = cs.getByTestId('work-items').locator('tbody tr', { hasText: BROKEN });
    await expect(item.count()).resolves.toBe(1);
    await shot(cs, 'work-queue');
    await Promise.all([cs.waitForURL(new RegExp(`/recovery/${caseId}$`)), item.locator(`a[href="/recovery/${caseId}"]`).first().click()]);
    await hydrated(cs);
    // The buyer's words, escaped.
    await expect(cs.getByText('Still matching <b>half</b> of them by hand.').isVisible()).resolves.toBe(true);

    // 3. The CSM agrees a plan with the buyer and emails it; the buyer confirms it on the plan page.
    const dueBy = new Date(Date.now() + 14 * DAY);
    await cs.getByLabel('What will be done').fill(PLAN);
    await cs.getByLabel('Done by').fill(dueBy.toISOString().slice(0, 10));
    await cs.getByRole('button', { name: 'Agree the plan' }).click();
    await cs.getByRole('status').filter({ hasText: 'Plan agreed' }).waitFor();
    const sentAfter = new Date(Date.now() - 1000);
    await cs.getByRole('button', { name: /Email the plan to .* to confirm/ }).click();
    await cs.getByRole('status').filter({ hasText: 'Sent to' }).waitFor();
    await buyer.goto(await linkIn('recovery-plan-request', /https?:\/\/[^\s)]+\/plan\/[A-Za-z0-9_-]{43}/, sentAfter));
    await hydrated(buyer);
    await expect(buyer.getByText(PLAN).isVisible()).resolves.toBe(true);
    await buyer.getByRole('button', { name: 'I confirm this is what we agreed' }).first().click();
    await buyer.getByRole('status').filter({ hasText: 'your confirmation of the plan is recorded' }).waitFor();
    await expect.poll(async () => (await RecoveryCase.findById(caseId).lean())?.plan?.buyerConfirmedAt ?? null).not.toBeNull();

    // 4. The plan's date passes: the worker's re-ask tasks email the buyer one question (pinned clock).
    const { scheduleDueReasks, sendDueReasks } = await import('#app/recovery/reask.server');
    const later = new Date(dueBy.getTime() + DAY);
    await scheduleDueReasks({ now: later });
    await sendDueReasks({ now: later, owner });
    const { EmailMessage } = await services();
    const reaskEmail = await EmailMessage.findOne({ to: BUYER.email, template: 'promise-reask' }).lean();
    expect(reaskEmail?.text).toContain(BROKEN);
    const reaskUrl = reaskEmail!.text.match(/https?:\/\/[^\s)]+\/r\/[A-Za-z0-9_-]{43}/)?.[0];
    expect(reaskUrl, 'the re-ask carries its own link').toBeTruthy();
    // Exactly once: the worker's next cycle sends nothing more.
    await sendDueReasks({ now: new Date(later.getTime() + 60_000), owner });
    expect(await EmailMessage.countDocuments({ to: BUYER.email, template: 'promise-reask' })).toBe(1);

    // 5. The buyer answers "Delivered": the case closes as recovered.
    await buyer.goto(reaskUrl!);
    await buyer.getByRole('heading', { name: 'Is it delivered now?' }).waitFor();
    await shot(buyer, 'reask');
    await buyer.locator('label.choice', { hasText: 'Delivered' }).click();
    await Promise.all([buyer.waitForURL((u) => u.pathname === '/r/thank-you'), buyer.getByRole('button', { name: 'Send my answer' }).click()]);
    await expect.poll(async () => (await RecoveryCase.findById(caseId).lean())?.status, { timeout: 10_000 }).toBe('delivered');

    await cs.goto(`/recovery/${caseId}`);
    await expect(cs.getByText('The buyer answered “Delivered”').first().isVisible()).resolves.toBe(true);
    await shot(cs, 'case-recovered');

    // 6. The dashboard moves: one more broken promise, and one more recovered.
    await expect.poll(async () => promisesRecovered(leader), { timeout: 15_000 }).toEqual({ recovered: start.recovered + 1, broken: start.broken + 1 });
    await shot(leader, 'dashboard');
  });
});
