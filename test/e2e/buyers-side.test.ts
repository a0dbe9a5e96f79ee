/// <reference types="vite/client" />
// The buyer's side, all its parts in one story, in Chromium against the production server:
//
//   1. An admin sets the vendor's brand (name, accent colour, sender name, footer) on /admin/brand
//      and, on the account page, Swedish as the buyer's language.
//   2. CS finds the account and records its closed-won deal with the deal form: that starts the
//      journey, and the first stage's buyer tasks open.
//   3. The worker's reminder task (run here, in the test process) emails the buyer: in Swedish,
//      from the vendor's sender, in the vendor's letterhead, with a link to their shared plan.
//   4. The buyer opens the link on a phone: Swedish, the vendor's header and footer; they complete a
//      task, and CS's journey page shows it done by them.
//   5. Past the due date of the task left open (pinned clock), exactly one reminder comes, in Swedish
//      and branded; the task run again the same day sends nothing.
//   6. CS marks the journey "waiting on the customer"; the buyer confirms it on the plan page; the
//      journey page shows the SLA paused. The journey then goes live 12 days later (pinned clock), and
//      the time-to-live dashboard counts the days the buyer confirmed were on them.
//
// Each step is a test and builds on the one before (run the file as a whole). The spec makes its own
// account and contact (docs/buyer-tasks.md, docs/buyer-delays.md, docs/branding.md, docs/i18n.md)
// and puts the brand back as it found it afterwards, so test/e2e/branding.test.ts passes before or
// after it. Screenshots (pages, and the emails rendered in a page): .data/screens/buyers-side/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Catalogue } from '#app/i18n/messages';
import { clientAddress, hydrated, launchBrowser, newContext, signedInPage } from './browser';
import { connectE2eDb } from './harness';

const SCREENS = path.resolve(import.meta.dirname, '../../.data/screens/buyers-side');
const DAY = 86_400_000;
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 850 };
const PLAN_LINK = /https?:\/\/[^\s)"]+\/plan\/[A-Za-z0-9_-]{43}/;

const suffix = crypto.randomBytes(3).toString('hex');
const VENDOR = {
  name: `Norrsken Analys ${suffix}`,
  accent: '#7a1f5c',
  accentRgb: 'rgb(122, 31, 92)',
  senderName: `Norrsken kundteam ${suffix}`,
  senderEmail: 'kundteam@norrsken.example',
  replyTo: 'kundansvarig@norrsken.example',
  privacyUrl: 'https://norrsken.example/integritet',
  postalAddress: 'Norrsken Analys AB\nKungsgatan 12, 111 43 Stockholm',
  footerLine: 'Norrsken Analys AB, Kungsgatan 12, 111 43 Stockholm',
};
const ACCOUNT = { name: `Kobolt Logistik ${suffix}`, domain: `kobolt-${suffix}.example` };
const BUYER = { name: `Astrid Lindqvist ${suffix}`, email: `astrid-${suffix}@kobolt-${suffix}.example` };
const DELAY_REASON = `Vi väntar på att er IT-avdelning öppnar inloggningen via SSO (${suffix}).`;
// The delay lasts from the buyer's confirmation until the journey leaves the stage: goLive
// (scripts/seed/advocacy.ts) moves one stage every 12 days from the instant it is given.
const DELAY_DAYS = 12;

let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;
let accountId = '';
let journeyId = '';
let planUrl = '';
let originalBrand: Record<string, unknown> | null = null;
const owner = `e2e-buyers-side-${suffix}`;

// Every message catalogue: a Swedish page or email must show none of their English texts.
const catalogues = Object.values(import.meta.glob<Record<string, unknown>>(['../../app/i18n/messages/*.ts', '!../../app/i18n/messages/*.test.ts'], { eager: true })).flatMap(
  (mod) => Object.values(mod).filter((value): value is Catalogue => Boolean(value && typeof value === 'object' && 'en' in value && 'sv' in value)),
);

// ---------------------------------------------------------------------------------------------
// Helpers

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });

async function staffPage(email: string) {
  const page = await signedInPage(browser, email);
  await page.setViewportSize(LAPTOP);
  return page;
}

async function buyerPhone() {
  const page = await (await newContext(browser, { timezoneId: 'Europe/Stockholm' })).newPage();
  await page.setViewportSize(PHONE);
  return page;
}

/** Fails naming every English catalogue text that `text` (Swedish) still shows. */
async function expectSwedishOnly(text: string, where: string) {
  const { otherLanguageIn } = await import('#app/i18n/leftovers');
  expect(otherLanguageIn(catalogues, text, 'sv'), `${where}: English left in the Swedish text`).toEqual([]);
}

/** The task emails the buyer has received so far (the outbox stores each once), oldest first, with their HTML. */
async function taskEmails() {
  const { EmailMessage } = await import('#models/email-message');
  const { EmailBody } = await import('#models/email-body');
  const messages = await EmailMessage.find({ to: BUYER.email, template: 'buyer-tasks' }).sort({ createdAt: 1 }).lean();
  return Promise.all(messages.map(async (m) => ({ ...m, html: m.html ?? (await EmailBody.findById(m._id).lean())?.html ?? '' })));
}

type Email = Awaited<ReturnType<typeof taskEmails>>[number];

/** What makes a buyer email the vendor's: sender, letterhead (logo or name on the accent), footer. */
async function expectBranded(email: Email) {
  expect(email.from).toBe(`${VENDOR.senderName} <${VENDOR.senderEmail}>`);
  expect(email.replyTo).toBe(VENDOR.replyTo);
  // The letterhead: the vendor's name on its accent (the admin removed the old logo).
  expect(email.html).toMatch(new RegExp(`background-color:\\s*${VENDOR.accent}[^>]*>[\\s\\S]{0,400}>${VENDOR.name}<`, 'i'));
  expect(email.html).not.toContain('/brand/logo');
  expect(email.text).toContain(`Skickat av ${VENDOR.name}.`);
  expect(email.text).toContain(VENDOR.footerLine);
  expect(email.text).toContain('Drivs av Kept');
  expect(email.html).toContain(`href="${VENDOR.privacyUrl}"`);
  expect(email.text, 'nothing of the brand before').not.toMatch(/Lumen/i);
  await expectSwedishOnly(email.text.replace(/\s+/g, ' '), `email "${email.subject}"`);
}

/** The email as a phone's mail app shows it (its HTML in a page), for a screenshot. */
async function showEmail(email: Email, name: string) {
  const page = await buyerPhone();
  await page.setContent(`<p style="font:13px sans-serif;margin:8px">From: ${email.from.replace(/</g, '&lt;')}<br>Subject: ${email.subject}</p>${email.html}`, {
    waitUntil: 'load',
  });
  await shot(page, name);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} fits a 390 px phone`).toBe(true);
  await page.context().close();
}

/** A task title (a playbook's buyer action) as the Swedish buyer reads it: Kept's shipped wording is translated. */
async function inSwedish(title: string) {
  const { playbookText } = await import('#app/i18n/messages/playbook');
  const swedish = playbookText('sv', title);
  expect(swedish, `"${title}" has a Swedish wording`).not.toBe(title);
  return swedish;
}

/** The plan page's task item titled `title`. */
const taskItem = (page: Page, title: string) => page.locator('#tasks li.buyer-task').filter({ has: page.getByText(title, { exact: true }) });

/** This journey's buyer tasks, as stored. */
async function tasks() {
  const { BuyerTask } = await import('#models/buyer-task');
  return BuyerTask.find({ journeyId }).sort({ criterionKey: 1 }).lean();
}

/** The time-to-live dashboard's journeys live and the days of buyer-confirmed delays it counts. */
async function timeToLive(page: Page) {
  await page.goto('/dashboards/time-to-live');
  const live = (await page.getByTestId('stat-ttl-median').innerText()).replace(/\s+/g, ' ');
  const net = (await page.getByTestId('stat-ttl-net-median').innerText()).replace(/\s+/g, ' ');
  const liveMatch = live.match(/([\d,]+) of [\d,]+ journeys? live/);
  const delayMatch = net.match(/([\d,.]+) d the customers confirmed were on them/);
  expect(liveMatch, live).not.toBeNull();
  expect(delayMatch, net).not.toBeNull();
  return { live: Number(liveMatch![1].replace(/,/g, '')), delayDays: Number(delayMatch![1].replace(/,/g, '')), text: `${live} | ${net}` };
}

/** Puts back the brand this spec found (the admin's save in step 1 changed it) and waits until the server shows it. */
async function restoreBrand() {
  const { Brand, BRAND_ID } = await import('#models/brand');
  const { forgetBrand } = await import('#app/branding/brand.server');
  if (originalBrand) {
    const fields = ['name', 'accentColor', 'senderName', 'senderEmail', 'replyTo', 'postalAddress', 'privacyUrl', 'defaultLanguage', 'logo'];
    const set = Object.fromEntries(fields.filter((f) => originalBrand![f] != null).map((f) => [f, originalBrand![f]]));
    // The driver reads the logo's bytes as a BSON Binary; they are written back as a Buffer.
    const logo = originalBrand.logo as { data: { buffer: Uint8Array }; size: number } | undefined;
    if (logo) set.logo = { ...logo, data: Buffer.from(logo.data.buffer).subarray(0, logo.size) };
    const unset = Object.fromEntries(fields.filter((f) => originalBrand![f] == null).map((f) => [f, '']));
    await Brand.updateOne({ _id: BRAND_ID }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
  } else {
    await Brand.deleteOne({ _id: BRAND_ID });
  }
  forgetBrand();
  // Each server process keeps the brand for BRAND_TTL_MS: the next spec must meet the old one.
  const until = Date.now() + 15_000;
  const headers = { 'X-Forwarded-For': clientAddress() };
  for (;;) {
    const html = await (await fetch(`${inject('baseUrl')}/s/thank-you`, { headers })).text();
    if (!html.includes(VENDOR.name) && (!originalBrand?.logo || html.includes('/brand/logo?v='))) return;
    if (Date.now() > until) throw new Error('The server still shows the brand this spec set.');
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  ({ disconnect } = await connectE2eDb());
  const { User } = await import('#models/user');
  const { Account } = await import('#models/account');
  const { Contact } = await import('#models/contact');
  const { Brand, BRAND_ID } = await import('#models/brand');
  originalBrand = (await Brand.findById(BRAND_ID).lean()) as Record<string, unknown> | null;
  const cs = await User.findOne({ email: 'cs@kept.demo' }).select('_id').lean();
  const ae = await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean();
  // The account and its buyer exist (a CRM sync made them); the deal, the journey and the language come through the UI.
  const account = await Account.create({
    name: ACCOUNT.name,
    nameLower: ACCOUNT.name.toLowerCase(),
    domain: ACCOUNT.domain,
    segment: 'mid-market',
    csmId: cs!._id,
    aeIds: [ae!._id],
  });
  accountId = String(account._id);
  await Contact.create({ accountId: account._id, name: BUYER.name, email: BUYER.email, isPrimary: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  try {
    await restoreBrand();
  } finally {
    await browser?.close();
    await disconnect();
  }
});

describe('the buyer’s side: brand, language, tasks, reminders and delays, end to end', () => {
  test('1. an admin sets the vendor’s brand and Swedish as the buyer’s language', async () => {
    const admin = await staffPage('admin@kept.demo');
    await admin.getByRole('navigation').getByRole('link', { name: 'Brand' }).click();
    await admin.waitForURL((u) => u.pathname === '/admin/brand');
    await hydrated(admin);
    await admin.getByLabel('Company name').fill(VENDOR.name);
    await admin.getByLabel('Accent colour').fill(VENDOR.accent);
    await admin.getByLabel('Sender name').fill(VENDOR.senderName);
    await admin.getByLabel('Sender address').fill(VENDOR.senderEmail);
    await admin.getByLabel('Reply-to address').fill(VENDOR.replyTo);
    await admin.getByLabel('Postal address').fill(VENDOR.postalAddress);
    await admin.getByLabel('Privacy policy link').fill(VENDOR.privacyUrl);
    await admin.getByRole('button', { name: 'Save brand' }).click();
    await admin.getByRole('status').filter({ hasText: 'Brand saved' }).waitFor();
    // The old logo is someone else's letterhead: buyers see the vendor's name instead.
    admin.once('dialog', (dialog) => void dialog.accept());
    await admin.getByRole('button', { name: 'Remove the logo' }).click();
    await admin.getByRole('status').filter({ hasText: 'Logo removed' }).waitFor();
    await shot(admin, '1-admin-brand');

    await admin.goto(`/accounts/${accountId}`);
    await hydrated(admin);
    const language = admin.locator('form').filter({ has: admin.getByLabel(`Language of ${BUYER.name}`) });
    await language.getByLabel(`Language of ${BUYER.name}`).selectOption({ label: 'Svenska' });
    await language.getByRole('button', { name: 'Save language' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved: Svenska.' }).waitFor();
    await shot(admin, '1-account-language');

    const { Contact } = await import('#models/contact');
    expect((await Contact.findOne({ email: BUYER.email }).select('language').lean())?.language).toBe('sv');
    await admin.context().close();
  });

  test('2. CS finds the account and records its closed-won deal: the journey starts with the buyer’s tasks', async () => {
    const { User } = await import('#models/user');
    const rep = await User.findOne({ email: 'sales@kept.demo' }).select('_id').lean();
    const cs = await staffPage('cs@kept.demo');
    await cs.goto('/accounts');
    await cs.getByLabel('Search by name or domain').fill(ACCOUNT.name);
    await cs.getByRole('button', { name: 'Search', exact: true }).click();
    await cs.getByRole('link', { name: ACCOUNT.name, exact: true }).click();
    await cs.waitForURL((u) => u.pathname === `/accounts/${accountId}`);
    await cs.getByRole('link', { name: 'Add a closed-won deal' }).click();
    await cs.waitForURL((u) => u.pathname === '/deals/new');
    await hydrated(cs);
    await expect(cs.getByLabel('Account domain').inputValue()).resolves.toBe(ACCOUNT.domain);
    await cs.getByLabel('Primary contact name').fill(BUYER.name);
    await cs.getByLabel('Primary contact email').fill(BUYER.email);
    await cs.getByLabel('Deal name', { exact: true }).fill(`Kobolt lagerstyrning ${suffix}`);
    await cs.getByLabel('ARR', { exact: true }).fill('48000');
    await cs.getByLabel('Account executive', { exact: true }).selectOption(String(rep!._id));
    await cs.getByLabel('Promise 1', { exact: true }).fill('Månadsbokslutet klart på tre dagar i stället för tio');
    await cs.getByLabel('Success criterion 1', { exact: true }).fill('Bokslutet signerat dag 3');
    await cs.getByRole('button', { name: 'Create deal' }).click();
    await cs.waitForURL((u) => u.pathname === `/accounts/${accountId}` && u.searchParams.has('created'));

    // From the deal to its journey, as CS clicks through.
    await cs.getByRole('link', { name: `Kobolt lagerstyrning ${suffix}` }).click();
    await cs.waitForURL((u) => u.pathname.startsWith('/deals/'));
    await cs.locator('main a[href^="/journeys/"]').click();
    await cs.waitForURL((u) => /^\/journeys\/[a-f0-9]{24}$/.test(u.pathname));
    journeyId = new URL(cs.url()).pathname.split('/')[2];
    await hydrated(cs);

    const opened = await tasks();
    expect(opened.length, 'the first stage opens the buyer’s tasks').toBeGreaterThan(0);
    const rows = cs.getByRole('region', { name: 'Tasks on the customer’s side' }).locator('tbody tr');
    await expect(rows.count()).resolves.toBe(opened.length);
    for (const task of opened) await expect(rows.filter({ hasText: task.title }).innerText()).resolves.toMatch(new RegExp(`${BUYER.name}[\\s\\S]*open`));
    await shot(cs, '2-journey-started');
    await cs.context().close();
  });

  test('3. the buyer gets an email in Swedish, from the vendor, with a link to their plan', async () => {
    const { forgetBrand } = await import('#app/branding/brand.server');
    const { sendBuyerTaskReminders } = await import('#app/buyer-tasks/reminders.server');
    const { translator } = await import('#app/i18n/messages');
    const { taskMessages } = await import('#app/i18n/messages/tasks');
    forgetBrand();
    const now = new Date();
    await sendBuyerTaskReminders({ now, owner });

    const emails = await taskEmails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    const open = await tasks();
    // On Mondays the day's reminders come inside the weekly digest (still one email).
    const t = translator(taskMessages, 'sv');
    const subject = now.getUTCDay() === 1 ? t('emailSubjectDigest', { accountName: ACCOUNT.name }) : t('emailSubject', { count: open.length, accountName: ACCOUNT.name });
    expect(email.subject).toBe(subject);
    expect(email.text).toContain('Hej Astrid!');
    for (const task of open) expect(email.text).toContain(`Ny · ${await inSwedish(task.title)}`);
    expect(email.text).toContain('Öppna er gemensamma plan');
    await expectBranded(email);
    planUrl = email.text.match(PLAN_LINK)?.[0] ?? '';
    expect(planUrl, 'a link to the buyer’s plan').not.toBe('');
    expect(planUrl.startsWith(inject('baseUrl'))).toBe(true);
    await showEmail(email, '3-email-new-tasks');
  });

  test('4. the buyer opens the plan on a phone, in Swedish and the vendor’s brand, and completes a task; CS sees it done', async () => {
    const [first, ...rest] = await tasks();
    expect(rest.length, 'a task stays open for the reminder').toBeGreaterThan(0);
    const buyer = await buyerPhone();
    await buyer.goto(planUrl);
    await hydrated(buyer);
    await expect(buyer.locator('html').getAttribute('lang')).resolves.toBe('sv');
    const header = buyer.locator('main.public header.buyer-header');
    await expect(header.evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe(VENDOR.accentRgb);
    await expect(header.locator('.buyer-name').innerText()).resolves.toBe(VENDOR.name);
    await expect(buyer.locator('footer.buyer-footer').innerText()).resolves.toContain(`${VENDOR.name} · ${VENDOR.footerLine}`);
    expect(await buyer.title()).toBe(`Er gemensamma plan · ${VENDOR.name}`);
    await expect(buyer.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(`${ACCOUNT.name}: fasen Överlämning`);
    await buyer.getByRole('heading', { name: 'Dina uppgifter' }).waitFor();
    const main = await buyer.locator('main').innerText();
    await expectSwedishOnly(main, 'the plan page');
    for (const task of [first, ...rest]) expect(main, 'the task in English').not.toContain(task.title);

    const item = taskItem(buyer, await inSwedish(first.title));
    await expect(item.innerText()).resolves.toContain(`Ansvarig: ${BUYER.name} (din)`);
    await item.getByRole('button', { name: /^Bekräfta att det är klart: / }).click();
    await item.getByRole('status').filter({ hasText: 'Tack! Uppgiften är klar' }).waitFor();
    await item.getByText('Klar', { exact: true }).waitFor();
    expect(await buyer.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits a 390 px phone').toBe(true);
    await shot(buyer, '4-plan-task-done-390');
    await buyer.context().close();

    const cs = await staffPage('cs@kept.demo');
    await cs.goto(`/journeys/${journeyId}`);
    const row = cs.getByRole('region', { name: 'Tasks on the customer’s side' }).locator('tbody tr').filter({ hasText: first.title });
    await expect(row.innerText()).resolves.toMatch(new RegExp(`done[\\s\\S]*by ${BUYER.name}`));
    await shot(cs, '4-journey-task-done');
    await cs.context().close();
  });

  test('5. past the due date one reminder comes, in Swedish and branded; none more that day', async () => {
    const { sendBuyerTaskReminders } = await import('#app/buyer-tasks/reminders.server');
    const { formatDate } = await import('#app/i18n/format');
    const left = (await tasks()).filter((task) => task.status === 'open');
    const done = (await tasks()).filter((task) => task.status === 'done');
    expect(left.length).toBeGreaterThan(0);
    // The day after the latest due date, 09:00 UTC; not a Monday (that day's email is the weekly digest).
    const due = new Date(Math.max(...left.map((task) => task.dueAt.getTime())));
    const later = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth(), due.getUTCDate() + 1, 9));
    if (later.getUTCDay() === 1) later.setUTCDate(later.getUTCDate() + 1);

    await sendBuyerTaskReminders({ now: later, owner });
    const emails = await taskEmails();
    expect(emails, 'exactly one reminder').toHaveLength(2);
    const reminder = emails[1];
    expect(reminder.subject).toBe(
      left.length === 1 ? `En uppgift väntar på dig i planen för ${ACCOUNT.name}` : `${left.length} uppgifter väntar på dig i planen för ${ACCOUNT.name}`,
    );
    for (const task of left) expect(reminder.text).toContain(`Försenad · ${await inSwedish(task.title)} (klar senast ${formatDate('sv', task.dueAt)})`);
    for (const task of done) expect(reminder.text, 'a task done is not chased').not.toContain(await inSwedish(task.title));
    expect(reminder.text).toMatch(PLAN_LINK);
    await expectBranded(reminder);
    await showEmail(reminder, '5-email-overdue');

    // The worker's next cycles that day: nothing more to this buyer.
    await sendBuyerTaskReminders({ now: new Date(later.getTime() + 60_000), owner });
    await sendBuyerTaskReminders({ now: new Date(later.getTime() + 6 * 3_600_000), owner });
    expect(await taskEmails()).toHaveLength(2);
  });

  test('6. waiting on the customer: the buyer confirms, the SLA pauses, and the time-to-live dashboard counts the delay', async () => {
    const leader = await staffPage('leadership@kept.demo');
    const before = await timeToLive(leader);

    const cs = await staffPage('cs@kept.demo');
    await cs.goto(`/journeys/${journeyId}`);
    await hydrated(cs);
    const panel = cs.locator('#delay');
    await panel.getByLabel('What the customer owes').fill(DELAY_REASON);
    await panel.getByRole('button', { name: 'Mark as waiting on the customer' }).click();
    await cs.getByRole('status').filter({ hasText: 'Marked as waiting on the customer' }).waitFor();
    await expect(panel.getByTestId('delay-state').textContent()).resolves.toBe('Claimed by the vendor');

    const buyer = await buyerPhone();
    await buyer.goto(planUrl);
    await hydrated(buyer);
    const section = buyer.locator('#delay');
    await section.getByRole('heading', { name: 'Väntar på er' }).waitFor();
    await expect(section.innerText()).resolves.toContain(DELAY_REASON);
    await section.getByRole('button', { name: 'Ja, det ligger hos oss' }).click();
    await section.getByRole('status').filter({ hasText: 'Tack! Er bekräftelse är registrerad.' }).waitFor();
    // The page's data follows the answer: the button gives way to who confirmed it.
    await section.getByText(`Bekräftat av ${BUYER.name}`, { exact: false }).waitFor();
    await expect(section.getByRole('button', { name: 'Ja, det ligger hos oss' }).count()).resolves.toBe(0);
    await expectSwedishOnly(await buyer.locator('main').innerText(), 'the plan page with the delay');
    await shot(buyer, '6-plan-delay-confirmed-390');
    await buyer.context().close();

    await cs.reload();
    await expect(cs.getByTestId('sla-paused').textContent()).resolves.toBe('SLA paused: waiting on the customer');
    await expect(panel.getByTestId('delay-state').textContent()).resolves.toBe('Confirmed by the buyer');
    await expect(panel.innerText()).resolves.toContain(`${BUYER.name} confirmed it on the shared plan page`);
    await shot(cs, '6-journey-sla-paused');

    // The customer is ready 12 days later: the journey moves on (which ends the delay) and goes live,
    // one stage every 12 days (the app's own moves, pinned clock, as the worker tasks run here).
    const { Journey } = await import('#models/journey');
    const { User } = await import('#models/user');
    const { goLive } = await import('#scripts/seed/advocacy');
    const { Contact } = await import('#models/contact');
    const csUser = await User.findOne({ email: 'cs@kept.demo' }).select('email name').lean();
    const contact = await Contact.findOne({ email: BUYER.email }).select('name email').lean();
    const confirmedAt = (await Journey.findById(journeyId).lean())!.delays[0].confirmedAt!;
    await goLive({
      journeyId,
      cs: { id: String(csUser!._id), email: csUser!.email, name: csUser!.name, role: 'cs' },
      contact: { id: String(contact!._id), name: contact!.name, email: contact!.email },
      start: confirmedAt,
    });
    const live = (await Journey.findById(journeyId).lean())!;
    expect(live.liveAt, 'the journey went live').toBeTruthy();
    const [delay] = live.delays;
    const pausedDays = (delay.endedAt!.getTime() - delay.confirmedAt!.getTime()) / DAY;
    expect(pausedDays).toBeCloseTo(DELAY_DAYS, 2);

    // The dashboard's figures come from rollups the go-live bumped; the server sees them within a moment.
    let after = before;
    await expect
      .poll(
        async () => {
          after = await timeToLive(leader);
          return after.live;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(before.live + 1);
    expect(Math.abs(after.delayDays - before.delayDays - DELAY_DAYS), `${before.text} -> ${after.text}`).toBeLessThanOrEqual(0.15);
    await shot(leader, '6-dashboard-time-to-live');
    await leader.getByLabel('Headline figures').screenshot({ path: path.join(SCREENS, '6-dashboard-headline.png') });

    await cs.goto(`/journeys/${journeyId}`);
    await expect(cs.locator('#delay').getByRole('table').innerText()).resolves.toContain(DELAY_REASON);
    await shot(cs, '6-journey-live');
    await leader.context().close();
    await cs.context().close();
  });
});
