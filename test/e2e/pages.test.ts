// The browser gate: every page of Kept, opened in Chromium with JavaScript on, for every role that
// may open it (access-table.ts: a page module whose GET answers a role 200), plus the buyer pages
// with real links and the error pages. A page fails when the console shows an error or a React
// hydration warning, the page throws, it scrolls sideways (1366 x 850; buyer pages also 390 x 844),
// axe-core finds a serious or critical violation, a field keeps the browser's default look, or a
// button or link has no accessible name. A PNG of each page goes to .data/screens/<role>/.
// Then one page per area with JavaScript off: it renders and its main form works. See
// docs/browser-gate.md.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { EXPECTED, WHO, seededParams, uploadTemplateImport, type Who } from './access-table';
import { launchBrowser, login, newContext } from './browser';
import { Client, connectE2eDb, openReaskLink, openSurveyLink, planLink, routeModules, urlFor } from './harness';

// Evaluated through the DevTools protocol rather than added as a <script>: Kept's Content Security
// Policy (rightly) refuses inline scripts, and the gate must not loosen it to look at a page.
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENS = path.resolve(import.meta.dirname, '../../.data/screens');
const LAPTOP = { width: 1366, height: 850 };
const PHONE = { width: 390, height: 844 };

/** One page opened as one visitor: where, what answer, and whether a buyer may see it on a phone. */
type Visit = { who: Who; name: string; url: string; status: number; phone: boolean };

/** Pages opened with a buyer's link (no login): the real link, and a made-up one for the error page. */
type BuyerLinks = Record<'plan' | 'survey' | 'reask' | 'unsubscribe' | 'invite' | 'reset', string>;
const MADE_UP_TOKEN = 'x'.repeat(43);
const BUYER_PAGES: Record<string, (links: BuyerLinks) => string> = {
  'plan.$token.tsx': (l) => l.plan,
  's.$token.tsx': (l) => l.survey,
  'r.$token.tsx': (l) => l.reask,
  'u.$token.tsx': (l) => l.unsubscribe,
  // Not buyers', but opened the same way: from a link in an email, no login, often on a phone.
  'invite.$token.tsx': (l) => l.invite,
  'reset-password.$token.tsx': (l) => l.reset,
};

const hasUi = (source: string) => /export\s+default\b/.test(source);
const pageName = (id: string) => id.replace(/\.(tsx?|jsx?)$/, '').replace(/^_staff\./, '') || 'root';

/** Every visit the gate makes, derived from the route modules and the access table. */
function plannedVisits(params: Record<string, string>, links: BuyerLinks) {
  const visits: Visit[] = [];
  const uncovered: string[] = [];
  for (const m of routeModules()) {
    const spec = EXPECTED[m.id];
    if (!hasUi(m.source) || !spec || 'layout' in spec) continue;
    const before = visits.length;
    const isPublic = !m.id.startsWith('_staff.');
    const buyer = BUYER_PAGES[m.id];
    if (buyer) {
      const token = buyer(links);
      visits.push({ who: 'anonymous', name: pageName(m.id), url: urlFor(m.id, { token }), status: 200, phone: true });
      visits.push({ who: 'anonymous', name: `${pageName(m.id)}-unknown-link`, url: urlFor(m.id, { token: MADE_UP_TOKEN }), status: 404, phone: true });
      continue;
    }
    const url = urlFor(m.id, params);
    const answers = spec.get(url);
    if (m.id === '$.tsx') {
      visits.push({ who: 'anonymous', name: 'not-found', url, status: 404, phone: true });
      continue;
    }
    const allowed = WHO.filter((who) => answers[who].status === 200);
    // A public page everyone may open looks the same to all: once, as a buyer would see it.
    const openers = isPublic && allowed.length === WHO.length ? (['anonymous'] as Who[]) : allowed;
    for (const who of openers) visits.push({ who, name: pageName(m.id), url, status: 200, phone: isPublic });
    if (visits.length === before) uncovered.push(m.id);
  }
  return { visits, uncovered };
}

/** What is wrong with the page as it stands; empty when it passes. */
async function inspect(page: Page, phone: boolean) {
  const problems: string[] = [];
  const overflow = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  const wide = await overflow();
  if (wide.scroll > wide.inner) problems.push(`scrolls sideways at ${LAPTOP.width} px: scrollWidth ${wide.scroll} > innerWidth ${wide.inner}${await widest(page)}`);

  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const NAMES = ['button-name', 'link-name', 'input-button-name'];
  for (const v of violations) {
    if (v.impact === 'serious' || v.impact === 'critical' || NAMES.includes(v.id)) problems.push(`axe ${v.impact} ${v.id} (${v.help}): ${v.targets.join(', ')}`);
  }

  problems.push(...(await unstyledFields(page)));

  if (phone) {
    await page.setViewportSize(PHONE);
    const narrow = await overflow();
    if (narrow.scroll > narrow.inner) problems.push(`scrolls sideways at ${PHONE.width} px: scrollWidth ${narrow.scroll} > innerWidth ${narrow.inner}${await widest(page)}`);
  }
  return problems;
}

/** The outermost element that sticks out furthest on the right, to say where to look. */
function widest(page: Page) {
  return page.evaluate(() => {
    let worst: { el: Element; right: number } | undefined;
    for (const el of document.body.querySelectorAll('*')) {
      const right = Math.round(el.getBoundingClientRect().right);
      if (right > window.innerWidth && (!worst || right > worst.right)) worst = { el, right };
    }
    if (!worst) return '';
    const { el, right } = worst;
    const classes = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return ` (widest: ${el.tagName.toLowerCase()}${classes}, right edge ${right} px)`;
  });
}

/**
 * Visible fields still in the browser's default look. app.css gives every text-like field, select
 * and textarea a 6 px radius and the font of the text around it (browsers default to a smaller
 * font of their own); checkboxes and radios the brand's accent colour and a size one can tap.
 */
function unstyledFields(page: Page) {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (el: Element) => {
      const label = (el as HTMLInputElement).labels?.[0]?.textContent?.trim() || el.getAttribute('aria-label') || el.getAttribute('name') || '';
      return `${el.tagName.toLowerCase()}${el.getAttribute('type') ? `[type=${el.getAttribute('type')}]` : ''} "${label.slice(0, 40)}"`;
    };
    for (const el of document.querySelectorAll('input, select, textarea')) {
      const type = (el.getAttribute('type') ?? '').toLowerCase();
      if (type === 'hidden' || ['submit', 'button', 'reset', 'image'].includes(type)) continue;
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (rect.width < 4 || rect.height < 4 || style.visibility === 'hidden' || style.opacity === '0') continue;
      if (type === 'checkbox' || type === 'radio') {
        if (style.accentColor === 'auto') problems.push(`${describe(el)} has the browser's default look (no accent colour)`);
        if (rect.width < 18 || rect.height < 18) problems.push(`${describe(el)} is ${Math.round(rect.width)}x${Math.round(rect.height)} px: too small to tap`);
        continue;
      }
      const around = el.parentElement ? getComputedStyle(el.parentElement).fontSize : style.fontSize;
      if (style.fontSize !== around) problems.push(`${describe(el)} has the browser's default font size (${style.fontSize}, the text around it ${around})`);
      if (type !== 'file' && type !== 'range' && type !== 'color' && style.borderTopLeftRadius !== '6px') {
        problems.push(`${describe(el)} has the browser's default look (border radius ${style.borderTopLeftRadius})`);
      }
    }
    return problems;
  });
}

let browser: Browser;
let params: Record<string, string>;
let links: BuyerLinks;
let visits: Visit[];
let uncovered: string[];
let disconnect: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  params = seededParams();
  params.jobId = await uploadTemplateImport(await new Client().login('cs@kept.demo'));
  const seeded = inject('seeded');
  const survey = await openSurveyLink();
  if (!survey) throw new Error('The seed left no survey with a recipient: the gate needs an open survey link.');
  const reask = await openReaskLink();
  if (!reask) throw new Error('The seed left no promise judged "Not yet": the gate needs an open re-ask link.');
  const plan = await planLink(seeded.journeyId!);
  const { createUnsubscribeLink } = await import('#app/email/unsubscribe.server');
  const { url } = await createUnsubscribeLink({ contact: { id: plan.contactId, email: 'gate@example.test' }, source: 'browser-gate', now: new Date() });
  // Opening an invitation or reset link does not spend it; these two are for seeded users.
  const { issuePasswordLink } = await import('#app/users/passwords.server');
  const invitation = await issuePasswordLink({ userId: seeded.users['sales@kept.demo'], purpose: 'invitation' });
  const resetLink = await issuePasswordLink({ userId: seeded.users['marketing@kept.demo'], purpose: 'reset' });
  links = { plan: plan.token, survey: survey.token, reask: reask.token, unsubscribe: new URL(url).pathname.split('/u/')[1], invite: invitation.token, reset: resetLink.token };
  ({ visits, uncovered } = plannedVisits(params, links));
  browser = await launchBrowser();
  fs.rmSync(SCREENS, { recursive: true, force: true });
});

afterAll(async () => {
  await browser?.close();
  await disconnect();
});

/** The staff areas (first URL segment) the no-JavaScript tests below cover. */
const NO_JS_AREAS = ['home', 'accounts', 'deals', 'journeys', 'surveys', 'recovery', 'advocacy', 'dashboards', 'admin', 'account', 'work', 'promises'];

test('every page module is opened by the gate, and every staff area has a no-JavaScript check', () => {
  expect(uncovered, 'a page no role gets 200 for: give it a 200 row in access-table.ts, or a buyer link in BUYER_PAGES').toEqual([]);
  expect(visits.length).toBeGreaterThan(40);
  const areas = [...new Set(visits.filter((v) => v.who !== 'anonymous').map((v) => v.url.split('/')[1]))].sort();
  expect(areas, 'a new staff area: add a no-JavaScript test for it and list it in NO_JS_AREAS').toEqual([...NO_JS_AREAS].sort());
});

/**
 * Waits until the app has hydrated and the browser is idle: React reports hydration mismatches
 * while hydrating, and the route modules load before that ('load' does not wait for them).
 */
async function settled(page: Page) {
  await page.waitForFunction(() => document.readyState === 'complete' && '__remixRouter' in window, undefined, { timeout: 15_000 }).catch(() => undefined);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestIdleCallback(resolve, { timeout: 2000 }))));
}

/** Collects console errors, hydration warnings and uncaught exceptions of one page. */
function listen(page: Page, expectedStatus: number) {
  const seen: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    // A 404 page's own document answer is logged as a failed resource load: that is the point of it.
    if (expectedStatus === 404 && text.startsWith('Failed to load resource') && msg.location().url === page.url()) return;
    const where = msg.location().url ? ` (${msg.location().url})` : '';
    if (msg.type() === 'error') seen.push(`console error: ${text.slice(0, 400)}${where}`);
    else if (msg.type() === 'warning' && /hydrat|did not match|server rendered/i.test(text)) seen.push(`hydration warning: ${text.slice(0, 400)}`);
  });
  page.on('pageerror', (error) => seen.push(`page threw: ${error.message.slice(0, 400)}`));
  return seen;
}

for (const who of WHO) {
  describe(`with JavaScript, as ${who}`, () => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await newContext(browser);
      if (who !== 'anonymous') {
        const page = await context.newPage();
        await login(page, `${who}@kept.demo`);
        await page.close();
      }
    });
    afterAll(() => context?.close());

    // Visits are known only after beforeAll (they need the seeded links), so one test per role
    // walks them in sequence and reports every page's problems together.
    test(`every page ${who} may open is finished`, async () => {
      const mine = visits.filter((v) => v.who === who);
      expect(mine.length, `${who} opens at least one page`).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const visit of mine) {
        const page = await context.newPage();
        await page.setViewportSize(LAPTOP);
        const seen = listen(page, visit.status);
        try {
          const res = await page.goto(visit.url, { waitUntil: 'load' });
          await settled(page);
          const problems: string[] = [];
          if (res?.status() !== visit.status) problems.push(`answered ${res?.status()}, expected ${visit.status}`);
          fs.mkdirSync(path.join(SCREENS, who), { recursive: true });
          await page.screenshot({ path: path.join(SCREENS, who, `${visit.name}.png`), fullPage: true });
          problems.push(...(await inspect(page, visit.phone)));
          if (visit.phone) await page.screenshot({ path: path.join(SCREENS, who, `${visit.name}@390.png`), fullPage: true });
          problems.push(...seen);
          failures.push(...problems.map((p) => `${visit.url} (${visit.name}) as ${who}: ${p}`));
        } finally {
          await page.close();
        }
      }
      expect(failures, failures.join('\n')).toEqual([]);
    }, 300_000);
  });
}

describe('without JavaScript: one page per area renders and its main form works', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await newContext(browser, { javaScriptEnabled: false });
  });
  afterAll(() => context?.close());

  const signIn = async (page: Page, email: string) => {
    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('kept-demo-2026');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/home');
  };

  test('sign-in (login): the form signs in and lands on home', async () => {
    const page = await context.newPage();
    await signIn(page, 'cs@kept.demo');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).count()).toBeGreaterThan(0);
    await page.close();
  });

  test('deals (new deal): an empty form comes back with messages next to the fields', async () => {
    const page = await context.newPage();
    await signIn(page, 'sales@kept.demo');
    await page.goto('/deals/new');
    await page.getByLabel('Deal name').fill('');
    await page.getByLabel('Account name').fill('Gate Test Co');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page
        .getByRole('button', { name: /create deal/i })
        .last()
        .click(),
    ]);
    expect(res.status()).toBe(400);
    await page.waitForLoadState('load');
    expect(await page.locator('.field-error').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Account name').inputValue(), 'what the user typed is kept').toBe('Gate Test Co');
    await page.close();
  });

  test('work (work queue): a refused snooze comes back with the message next to the field; a good one moves the item to Snoozed', async () => {
    const page = await context.newPage();
    await signIn(page, 'cs@kept.demo');
    await page.goto('/work');
    const row = page.getByTestId('work-items').locator('tbody tr').first();
    await row.locator('summary', { hasText: 'Snooze' }).click();
    const until = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await row.getByLabel('Until').fill(until);
    await row.getByLabel('Why it can wait').fill('no');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), row.getByRole('button', { name: 'Snooze' }).click()]);
    expect(refused.status()).toBe(400);
    await page.waitForLoadState('load');
    const again = page.getByTestId('work-items').locator('tbody tr').first();
    expect(await again.locator('.field-error').innerText()).toContain('Say why it can wait');
    expect(await again.getByLabel('Why it can wait').inputValue(), 'what the user typed is kept').toBe('no');
    await again.getByLabel('Why it can wait').fill('Buyer on holiday');
    await again.getByRole('button', { name: 'Snooze' }).click();
    await page.getByTestId('work-done').waitFor();
    await page.goto('/work?view=snoozed');
    await page.getByRole('button', { name: 'Bring back now' }).first().click();
    await page.getByTestId('work-done').filter({ hasText: 'Back in your queue.' }).waitFor();
    await page.close();
  });

  for (const [area, url, role] of [
    ['accounts', '/accounts', 'cs'],
    ['journeys', '/journeys', 'cs'],
    ['surveys', '/surveys', 'cs'],
    ['recovery', '/recovery', 'cs'],
    ['promises', '/promises', 'sales'],
  ] as const) {
    test(`${area} (${url}): the search form filters by query string`, async () => {
      const page = await context.newPage();
      await signIn(page, `${role}@kept.demo`);
      await page.goto(url);
      const search = page.getByRole('search');
      await search.getByRole('button').first().click();
      await page.waitForURL((u) => u.pathname === url && u.search.length > 0);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBeGreaterThan(0);
      await page.close();
    });
  }

  test('recovery (a case): a plan too vague comes back with the message next to the field, the text kept', async () => {
    const page = await context.newPage();
    await signIn(page, 'cs@kept.demo');
    await page.goto(`/recovery/${params.caseId}`);
    await page.getByLabel('What will be done').fill('Fix it');
    await page.getByLabel('Done by').fill(new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: /Agree the plan|Save the new plan/ }).click()]);
    expect(res.status()).toBe(400);
    await page.waitForLoadState('load');
    expect(await page.locator('.field-error').filter({ hasText: 'at least 10 characters' }).count()).toBeGreaterThan(0);
    expect(await page.getByLabel('What will be done').inputValue(), 'what the user typed is kept').toBe('Fix it');
    await page.close();
  });

  test('dashboards and advocacy: the overview pages render their content', async () => {
    const page = await context.newPage();
    await signIn(page, 'leadership@kept.demo');
    for (const url of ['/dashboards', '/advocacy']) {
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(200);
      expect(await page.getByRole('heading', { level: 1 }).count(), url).toBeGreaterThan(0);
    }
    await page.close();
  });

  test('admin (users): an empty new-user form comes back with messages next to the fields', async () => {
    const page = await context.newPage();
    await signIn(page, 'admin@kept.demo');
    await page.goto('/admin/users');
    const form = page.locator('form.stack').first();
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type=submit], button:not([type])').last().click()]);
    expect(res.status()).toBe(400);
    await page.waitForLoadState('load');
    expect(await page.locator('.field-error').count()).toBeGreaterThan(0);
    await page.close();
  });

  test('account (change password): a wrong current password comes back next to its field, nothing typed is echoed', async () => {
    const page = await context.newPage();
    await signIn(page, 'leadership@kept.demo');
    await page.goto('/account');
    await page.getByLabel('Current password').fill('not-the-right-one');
    await page.getByLabel('New password').fill('tulip-quarry-museum-9');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Change password' }).click()]);
    expect(res.status()).toBe(400);
    await page.waitForLoadState('load');
    expect(await page.locator('.field-error').first().textContent()).toBe('That is not your current password.');
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.getByLabel('New password').inputValue(), 'passwords are never sent back').toBe('');
    await page.close();
  });

  test('account (API tokens): a token is created and shown once, works on the API, and is revoked', async () => {
    const page = await context.newPage();
    await signIn(page, 'cs@kept.demo');
    await page.goto('/account/tokens');
    await page.getByLabel('Name', { exact: true }).fill('Browser gate');
    await page.getByLabel(/Read and write/).check();
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Create token' }).click()]);
    expect(res.status()).toBe(200);
    await page.waitForLoadState('load');
    const token = await page.getByLabel('Your new API token').inputValue();
    expect(token).toMatch(/^kept_[a-f0-9]{24}_/);
    fs.mkdirSync(path.join(SCREENS, 'cs'), { recursive: true });
    await page.screenshot({ path: path.join(SCREENS, 'cs', 'account_.tokens-created.png'), fullPage: true });
    const api = (t: string) => fetch(`${inject('baseUrl')}/api/v1/deals?limit=1`, { headers: { Authorization: `Bearer ${t}` } });
    expect((await api(token)).status).toBe(200);
    // Shown once: the page opened again lists the token, without it.
    await page.goto('/account/tokens');
    expect(await page.getByLabel('Your new API token').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    const row = page.getByRole('row', { name: /Browser gate/ });
    expect(await row.getByText('Read and write').count()).toBe(1);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), row.getByRole('button', { name: 'Revoke Browser gate' }).click()]);
    await page.waitForLoadState('load');
    expect(await page.getByText('Token “Browser gate” revoked').count()).toBe(1);
    expect((await api(token)).status).toBe(401);
    await page.close();
  });

  test('forgot password: the form answers next to its button', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((u) => u.pathname === '/forgot-password');
    await page.getByLabel('Email').fill('nobody-at-all@example.test');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toMatch(/^If that email belongs to a Kept account/);
    await page.close();
  });

  test('buyer (survey link): the survey is answered and thanks the buyer', async () => {
    const survey = await openSurveyLink();
    expect(survey).not.toBeNull();
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`/s/${survey!.token}`);
    for (const fieldset of await page.locator('fieldset.choices').all()) {
      const first = fieldset.locator('label.choice').first();
      if (await first.count()) await first.click();
    }
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.waitForURL((u) => u.pathname === '/s/thank-you');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
    await page.close();
  });

  test('buyer (re-ask link): a missing answer is named next to the question and the comment kept; "Delivered" thanks the buyer; the link is then used', async () => {
    const reask = await openReaskLink();
    expect(reask).not.toBeNull();
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`/r/${reask!.token}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Is it delivered now?');
    await page.getByLabel('Comment (optional)').fill('All teams onboarded');
    // The browser's own check would stop an empty choice: post without it, as a script-less client may.
    await page.locator('form.survey-form').evaluate((form) => form.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.locator('#verdict-error').waitFor();
    expect(await page.locator('#verdict-error').textContent()).toBe('Choose delivered, partly or not yet.');
    expect(await page.getByLabel('Comment (optional)').inputValue()).toBe('All teams onboarded');
    await page.locator('label.choice', { hasText: 'Delivered' }).click();
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.waitForURL((u) => u.pathname === '/r/thank-you');
    expect(await page.locator('main p').first().textContent()).toMatch(/glad it is delivered/);
    const again = await page.goto(`/r/${reask!.token}`);
    expect(again?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you, your answer is already in');
    const { RecoveryCase } = await import('#models/recovery-case');
    const { PromiseReask } = await import('#models/promise-reask');
    const answered = await PromiseReask.findById(reask!.reaskId).select('caseId dealId promiseText').lean();
    expect((await RecoveryCase.findById(answered!.caseId).select('status').lean())?.status).toBe('delivered');
    // The deal page shows the promise's latest verdict: the re-ask's, beside what the survey said.
    await signIn(page, 'admin@kept.demo');
    await page.goto(`/deals/${String(answered!.dealId)}`);
    const promise = page.locator('section[aria-labelledby="promises"] ol.promises > li', { hasText: answered!.promiseText });
    expect(await promise.textContent()).toMatch(/Latest verdict: Delivered asked again, .* \(the survey said (not yet|partly) on /);
    await page.close();
  });

  test('buyer (plan and unsubscribe links): both pages render', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    const plan = await page.goto(`/plan/${links.plan}`);
    expect(plan?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).count()).toBeGreaterThan(0);
    const unsubscribe = await page.goto(`/u/${links.unsubscribe}`);
    expect(unsubscribe?.status()).toBe(200);
    expect(await page.getByRole('button', { name: 'Unsubscribe' }).count()).toBe(1);
    await page.close();
  });
});
