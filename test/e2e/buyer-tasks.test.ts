// Buyer tasks in Chromium (docs/buyer-tasks.md): the buyer opens their plan link on a phone, comments
// on a task (markup shows as the text it is), confirms a task (the completion is the confirmation);
// CS sees on the journey page who owes what and since when, sets a due date and answers. The spec
// makes its own account (CSM cs@kept.demo) and journey. Screenshots: .data/screens/buyer-tasks/.
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hydrated, launchBrowser, login, newContext } from './browser';
import { connectE2eDb } from './harness';

const SCREENS = '.data/screens/buyer-tasks';
const suffix = crypto.randomBytes(3).toString('hex');
const BUYER = { name: `Greta Tasker ${suffix}`, email: `greta-${suffix}@tasks-${suffix}.example` };
const COMMENT = `<b>bold</b> & <img src=x onerror="window.__xss=1"> Friday ${suffix}`;

let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;
let journeyId = '';
let planUrl = '';

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  const { User } = await import('#models/user');
  const { Account } = await import('#models/account');
  const { Contact } = await import('#models/contact');
  const { Deal } = await import('#models/deal');
  const { startJourneyForDeal } = await import('#app/journeys/journey.server');
  const { createPlanToken } = await import('#app/journeys/plan.server');
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean();
  const ae = await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean();
  const name = `Task Labs ${suffix}`;
  // Mid-market: the default playbook's handoff tasks (the demo's "SMB quick start" serves smb).
  const account = await Account.create({ name, nameLower: name.toLowerCase(), domain: `tasks-${suffix}.example`, segment: 'mid-market', csmId: cs!._id, aeIds: [ae!._id] });
  const contact = await Contact.create({ accountId: account._id, name: BUYER.name, email: BUYER.email, isPrimary: true });
  const now = new Date();
  const deal = await Deal.create({
    source: 'manual',
    crmId: `e2e-tasks-${suffix}`,
    name: `Task deal ${suffix}`,
    accountId: account._id,
    aeId: ae!._id,
    closedWonAt: now,
    arr: 12_000,
    currency: 'USD',
    grossMarginPct: 70,
    promises: [{ text: 'Weekly reports by email', successCriterion: 'Sent every Monday', category: 'other' }],
  });
  // This process loads no reactions: starting the journey opens its tasks by itself.
  ({ journeyId } = await startJourneyForDeal({ dealId: deal._id, now }));
  const token = await createPlanToken({ journeyId, contact: { id: String(contact._id), name: BUYER.name, email: BUYER.email }, stage: 'handoff', now });
  planUrl = `/plan/${token}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

const taskItem = (page: Page, title: RegExp) => page.locator('#tasks li.buyer-task').filter({ has: page.getByText(title) });

describe('buyer tasks on the shared plan (the buyer, then cs@kept.demo)', () => {
  test('the buyer comments (shown escaped) and confirms a task on a phone; the confirmation is recorded once', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(planUrl);
    await hydrated(page);
    await page.getByRole('heading', { name: 'Your tasks' }).waitFor();
    const kickoff = taskItem(page, /^Confirms the kickoff date/);
    await expect(kickoff.getByText('Open', { exact: true }).count()).resolves.toBe(1);
    await expect(kickoff.innerText()).resolves.toContain(`Owner: ${BUYER.name} (yours)`);

    await kickoff.getByText('No comments yet').click();
    await kickoff.getByLabel('Add a comment').fill(COMMENT);
    await kickoff.getByRole('button', { name: 'Send comment' }).click();
    await kickoff.getByRole('status').filter({ hasText: 'Your comment is added.' }).waitFor();
    const shown = kickoff.locator('.task-comment').filter({ hasText: `Friday ${suffix}` });
    await expect(shown.textContent()).resolves.toBe(COMMENT);
    await expect(shown.locator('b, img').count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();

    await kickoff.getByRole('button', { name: /^Confirm it is done: Confirms the kickoff date/ }).click();
    await kickoff.getByRole('status').filter({ hasText: 'your confirmation is recorded' }).waitFor();
    await kickoff.getByText('Done', { exact: true }).waitFor();
    await expect(kickoff.getByRole('button', { name: /^Confirm it is done/ }).count()).resolves.toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: `${SCREENS}/plan-390.png`, fullPage: true });

    const { Journey } = await import('#models/journey');
    const j = await Journey.findById(journeyId).lean();
    const confirmations = j!.evidence.filter((e) => e.kind === 'buyer_confirmation');
    expect(confirmations.map((e) => [e.criterionKey, e.contactEmail])).toEqual([['kickoff-confirmed', BUYER.email]]);
    await context.close();
  });

  test('CS sees who owes what and since when, sets a due date and answers the buyer', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1366, height: 850 });
    await login(page, 'cs@kept.demo');
    await page.goto(`/journeys/${journeyId}`);
    await hydrated(page);
    const panel = page.getByRole('region', { name: 'Tasks on the customer’s side' });
    const rows = panel.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const kickoff = rows.filter({ hasText: 'Confirms the kickoff date' });
    await expect(kickoff.innerText()).resolves.toMatch(new RegExp(`${BUYER.name}[\\s\\S]*done[\\s\\S]*by ${BUYER.name}`));
    const call = rows.filter({ hasText: 'Attends the handoff call' });
    await expect(call.innerText()).resolves.toMatch(/open\s+since/);

    const details = panel.locator('details').filter({ hasText: 'Attends the handoff call' });
    await details.locator('summary').click();
    const due = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await details.getByLabel('Due date').fill(due);
    await details.getByRole('button', { name: 'Set due date' }).click();
    await details.getByRole('status').filter({ hasText: 'Due date saved.' }).waitFor();
    await details.getByLabel('Comment').fill('We can do the call on Thursday.');
    await details.getByRole('button', { name: 'Add comment' }).click();
    await details.getByRole('status').filter({ hasText: 'Comment added' }).waitFor();
    await call.filter({ hasText: '(set by CS)' }).waitFor();
    // The buyer's comment shows on the CS page as text too.
    const kickoffDetails = panel.locator('details').filter({ hasText: 'Confirms the kickoff date' });
    await kickoffDetails.locator('summary').click();
    await expect(kickoffDetails.getByText(COMMENT, { exact: true }).count()).resolves.toBe(1);
    await page.getByRole('region', { name: 'Audit trail' }).getByText('Buyer task due date set', { exact: true }).waitFor();
    await page.screenshot({ path: `${SCREENS}/journey-1366.png`, fullPage: true });
    await context.close();

    // The buyer reads the answer on the plan page.
    const buyer = await newContext(browser, { javaScriptEnabled: false });
    const p = await buyer.newPage();
    await p.goto(planUrl);
    await expect(taskItem(p, /^Attends the handoff call/).innerText()).resolves.toContain('We can do the call on Thursday.');
    await buyer.close();
  });
});
