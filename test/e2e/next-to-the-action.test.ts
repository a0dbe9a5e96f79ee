// What a person sees, in Chromium against the production server: on the survey, candidate and ask
// pages each form answers right under its own button (field errors next to the fields, what was typed
// kept, a form that recorded something emptied), with and without JavaScript; and the buyer's pages
// (shared plan, survey) and staff pages give times in the reader's own time zone, never "UTC".
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { gapBetween, hydrated, launchBrowser, login, newContext } from './browser';
import { connectE2eDb, openSurveyLink, planLink } from './harness';

/** The reader's time zone in these tests: five hours behind GMT in winter, four in summer. */
const ZONE = 'America/New_York';

let browser: Browser;
let disconnect: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  ({ disconnect } = await connectE2eDb());
});
afterAll(async () => {
  await browser?.close();
  await disconnect();
});

async function signedIn(email: string, options: { javaScriptEnabled?: boolean; timezoneId?: string } = {}): Promise<Page> {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  await login(page, email);
  return page;
}

/** How the browser itself writes this instant in ZONE (Chromium's own Intl, not Node's). */
function inZone(page: Page, iso: string, time = true) {
  return page.evaluate(
    ([at, zone, withTime]) =>
      new Intl.DateTimeFormat(
        'en-GB',
        withTime ? { dateStyle: 'medium', timeStyle: 'short', timeZone: zone } : { day: 'numeric', month: 'short', year: 'numeric', timeZone: zone },
      ).format(new Date(at)),
    [iso, ZONE, time] as const,
  );
}

async function screenshot(page: Page, name: string, width: number) {
  await page.setViewportSize({ width, height: 900 });
  await page.screenshot({ path: `.data/screens/${name}-${width}.png`, fullPage: true });
}

/** A scheduled survey whose account has a contact who can receive it, from the end of the list (the smaller spec cancels the first). */
async function scheduledSurvey() {
  const { Survey } = await import('#models/survey');
  const { Contact } = await import('#models/contact');
  for (const s of await Survey.find({ state: 'scheduled' }).sort({ _id: -1 }).select('_id accountId').limit(20).lean()) {
    if (await Contact.exists({ accountId: s.accountId, emailStatus: 'ok' })) return String(s._id);
  }
  throw new Error('The seed has no scheduled survey with a deliverable contact.');
}

describe('the survey page answers each action next to its button', () => {
  test('a changed recipient is confirmed under the button and the choice emptied; a refused cancel points at its box', async () => {
    const surveyId = await scheduledSurvey();
    const page = await signedIn('cs@kept.demo');
    await page.goto(`/surveys/${surveyId}`);
    await hydrated(page);
    const button = page.getByRole('button', { name: 'Change recipient' });
    const select = page.getByLabel('Send it to');
    await select.selectOption((await select.locator('option:not([disabled])').first().getAttribute('value'))!);
    await button.click();
    const message = page.getByRole('status').filter({ hasText: 'The survey will go to' });
    await message.waitFor();
    expect(await gapBetween(message, button)).toBeLessThan(60);
    await expect.poll(() => select.inputValue()).toBe('');

    // The server refuses a cancellation without the box (an old browser ignores `required`):
    // the error is next to the box, the summary next to the button and focused.
    const cancel = page.getByRole('button', { name: 'Cancel this survey' });
    const box = page.getByLabel(/Yes, cancel it/);
    await box.evaluate((el) => el.removeAttribute('required'));
    await cancel.click();
    const summary = page.getByRole('alert').filter({ hasText: 'Tick the box' });
    await summary.waitFor();
    expect(await gapBetween(summary, cancel)).toBeLessThan(60);
    await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'alert');
    await expect(box.getAttribute('aria-invalid')).resolves.toBe('true');
    const boxError = page.locator('.field-error', { hasText: 'Tick the box' });
    expect(await gapBetween(boxError, box)).toBeLessThan(40);
    await screenshot(page, 'survey-detail', 1366);
    await page.context().close();
  });

  test('without JavaScript the answered page opens at the form, with the message in it', async () => {
    const surveyId = await scheduledSurvey();
    const page = await signedIn('cs@kept.demo', { javaScriptEnabled: false });
    await page.goto(`/surveys/${surveyId}`);
    const select = page.getByLabel('Send it to');
    await select.selectOption((await select.locator('option:not([disabled])').first().getAttribute('value'))!);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Change recipient' }).click()]);
    expect(new URL(page.url()).hash).toBe('#recipient');
    const message = page.getByRole('status');
    expect(await gapBetween(message, page.getByRole('button', { name: 'Change recipient' }))).toBeLessThan(60);
    await expect(select.inputValue()).resolves.toBe('');
    await page.context().close();
  });

  test('a sent survey gives its sending time in the reader’s time zone', async () => {
    const { Survey } = await import('#models/survey');
    const { trusted } = await import('#app/platform/db.server');
    const sent = await Survey.findOne({ sentAt: trusted({ $ne: null }) })
      .select('_id sentAt')
      .lean();
    expect(sent).not.toBeNull();
    const page = await signedIn('cs@kept.demo', { timezoneId: ZONE });
    await page.goto(`/surveys/${String(sent!._id)}`);
    await hydrated(page);
    const facts = page.locator('dl.facts');
    await expect(facts.locator('dt', { hasText: 'Sent' }).locator('+ dd').textContent()).resolves.toBe(await inZone(page, sent!.sentAt!.toISOString()));
    expect(await page.locator('main').innerText()).not.toContain('UTC');
    await page.context().close();
  });
});

describe('the advocacy pages answer each form next to its button', () => {
  test('candidate: a referral refused next to its fields keeps what was typed; recorded, the form is emptied', async () => {
    const advocateId = inject('seeded').advocateId;
    expect(advocateId).toBeTruthy();
    const page = await signedIn('marketing@kept.demo');
    await page.goto(`/advocacy/candidates/${advocateId}`);
    await hydrated(page);
    await page.getByText('Record a referral they gave outside an ask').click();
    const button = page.getByRole('button', { name: 'Record the referral' });
    const company = page.getByLabel('Referred company', { exact: true });
    const domain = page.getByLabel('Domain', { exact: true });
    await company.fill('Nearby Notes Ltd');
    await domain.fill('not a domain');
    await button.click();
    const summary = page.getByRole('alert').filter({ hasText: 'Enter a domain' });
    await summary.waitFor();
    expect(await gapBetween(summary, button)).toBeLessThan(60);
    const fieldError = page.locator('.field-error', { hasText: 'Enter a domain' });
    expect(await gapBetween(fieldError, domain)).toBeLessThan(40);
    await expect(company.inputValue()).resolves.toBe('Nearby Notes Ltd');
    await expect(domain.inputValue()).resolves.toBe('not a domain');

    await domain.fill('nearby-notes.example');
    await button.click();
    const message = page.getByRole('status').filter({ hasText: 'The referral is recorded' });
    await message.waitFor();
    expect(await gapBetween(message, button)).toBeLessThan(60);
    await expect.poll(() => company.inputValue()).toBe('');
    await expect.poll(() => domain.inputValue()).toBe('');

    // An ask (recorded, or refused by the ask budget): either answer shows under its button.
    await page.getByLabel('Channel', { exact: true }).selectOption('phone');
    const log = page.getByRole('button', { name: 'Log the ask' });
    await log.click();
    const answer = page.locator('form:has(button:text("Log the ask"), button:text("Send the ask")) :is([role=status], [role=alert])');
    await answer.first().waitFor();
    const askButton = page.getByRole('button', { name: /(Log|Send) the ask/ });
    expect(await gapBetween(answer.first(), askButton)).toBeLessThan(60);
    await screenshot(page, 'advocacy-candidate', 1366);
    await page.context().close();
  });

  test('ask: a missing outcome is refused next to its field, the note kept; a recorded status answers under Save', async () => {
    const { Ask } = await import('#models/ask');
    const { trusted } = await import('#app/platform/db.server');
    const ask = await Ask.findOne({ status: 'sent', type: trusted({ $in: ['referral', 'reference', 'review'] }) })
      .select('_id type')
      .lean();
    expect(ask).not.toBeNull();
    const outcomeLabel = { referral: 'Referred company', reference: 'Reference call date', review: 'Published review link' }[ask!.type as 'referral' | 'reference' | 'review'];
    const page = await signedIn('marketing@kept.demo');
    await page.goto(`/advocacy/asks/${String(ask!._id)}`);
    await hydrated(page);
    const save = page.getByRole('button', { name: 'Save' });
    await page.getByLabel('New status', { exact: true }).selectOption('completed');
    await page.getByLabel('Note', { exact: true }).fill('Spoke on the phone on Tuesday');
    await save.click();
    const summary = page.getByRole('alert');
    await summary.waitFor();
    expect(await gapBetween(summary, save)).toBeLessThan(60);
    const outcome = page.getByLabel(outcomeLabel, { exact: true });
    await expect(outcome.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Note', { exact: true }).inputValue()).resolves.toBe('Spoke on the phone on Tuesday');

    await page.getByLabel('New status', { exact: true }).selectOption('accepted');
    await save.click();
    const message = page.getByRole('status').filter({ hasText: 'The ask is now accepted' });
    await message.waitFor();
    expect(await gapBetween(message, save)).toBeLessThan(60);
    await expect.poll(() => page.getByLabel('Note', { exact: true }).inputValue()).toBe('');
    await screenshot(page, 'advocacy-ask', 1366);
    await page.context().close();
  });
});

describe('buyer pages speak the buyer’s time', () => {
  test('plan page: the confirmation answers where its button was; times are the buyer’s own, never UTC', async () => {
    const { Journey } = await import('#models/journey');
    const { getPlanView } = await import('#app/journeys/plan.server');
    let token = '';
    let action = '';
    for (const j of await Journey.find({ liveAt: null }).select('_id').limit(40).lean()) {
      const link = await planLink(String(j._id));
      const open = (await getPlanView({ token: link.token }))?.waiting.find((w) => w.confirmable && !w.done);
      if (open) {
        token = link.token;
        action = open.buyerAction;
        break;
      }
    }
    expect(token).not.toBe('');
    const context = await newContext(browser, { timezoneId: ZONE });
    const page = await context.newPage();
    await page.goto(`/plan/${token}`);
    await hydrated(page);
    const item = page.locator('ul.criteria > li', { hasText: action });
    await item.getByRole('button', { name: /Confirm it is done/ }).click();
    await item.getByRole('status').filter({ hasText: 'your confirmation is recorded' }).waitFor();
    const confirmedAt = item.locator('time');
    await expect(confirmedAt.textContent()).resolves.toBe(await inZone(page, (await confirmedAt.getAttribute('datetime'))!));
    const started = page.locator('.timeline time').first();
    await expect(started.textContent()).resolves.toBe(await inZone(page, (await started.getAttribute('datetime'))!, false));
    expect(await page.locator('main').innerText()).not.toMatch(/UTC|GMT/);
    await screenshot(page, 'buyer-plan', 1366);
    await screenshot(page, 'buyer-plan', 390);
    await context.close();

    // Without JavaScript the server's words stay, and they name their zone.
    const plain = await newContext(browser, { javaScriptEnabled: false, timezoneId: ZONE });
    const p = await plain.newPage();
    await p.goto(`/plan/${token}`);
    const text = await p.locator('main').innerText();
    expect(text).toMatch(/\d{2}:\d{2} GMT/);
    expect(text).not.toContain('UTC');
    await plain.close();
  });

  test('survey page: the link’s last moment is given in the buyer’s time, never UTC', async () => {
    const link = await openSurveyLink();
    expect(link).not.toBeNull();
    const context = await newContext(browser, { timezoneId: ZONE });
    const page = await context.newPage();
    await page.goto(`/s/${link!.token}`);
    await hydrated(page);
    const until = page.locator('p', { hasText: 'This link works until' }).locator('time');
    await expect(until.textContent()).resolves.toBe(await inZone(page, (await until.getAttribute('datetime'))!));
    expect(await page.locator('main').innerText()).not.toMatch(/UTC|GMT/);
    await screenshot(page, 'buyer-survey', 1366);
    await screenshot(page, 'buyer-survey', 390);
    await context.close();
  });
});
