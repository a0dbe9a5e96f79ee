/// <reference types="vite/client" />
// The buyer's language, end to end without a server: every message catalogue is complete in every
// language, and every buyer page (server-rendered through its route module, in each of its states
// and its error boundary) and every buyer email renders in each language with none of the other
// language's messages left in it. A new catalogue under app/i18n/messages/ is checked too.
import { render } from '@react-email/components';
import type { ComponentType } from 'react';
import { renderToString } from 'react-dom/server';
import { Outlet, type RouteObject } from 'react-router-dom';
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from 'react-router-dom/server';
import { describe, expect, test } from 'vitest';
import { formatDate, formatNumber } from './format';
import { LocaleProvider, usePageLocale } from './i18n';
import { LOCALES, type Locale } from './locales';
import { otherLanguageIn } from './leftovers';
import { catalogueGaps, translator, type Catalogue } from './messages';
import { surveyMessages } from './messages/survey';
import { DEFAULT_PLAYBOOK_STAGES } from '#app/journeys/playbook.server';
import * as planPage from '#app/routes/plan.$token';
import * as reaskPage from '#app/routes/r.$token';
import * as reaskThanks from '#app/routes/r.thank-you';
import * as surveyPage from '#app/routes/s.$token';
import * as surveyThanks from '#app/routes/s.thank-you';
import * as unsubscribePage from '#app/routes/u.$token';

// ---------------------------------------------------------------------------------------------
// The catalogues

const modules = import.meta.glob<Record<string, unknown>>('./messages/*.ts', { eager: true });
const isCatalogue = (value: unknown): value is Catalogue =>
  Boolean(value && typeof value === 'object' && LOCALES.every((l) => typeof (value as Record<string, unknown>)[l] === 'object'));
const catalogues = Object.entries(modules).flatMap(([file, mod]) =>
  Object.entries(mod).flatMap(([name, value]) => (isCatalogue(value) ? [{ name: `${file}:${name}`, catalogue: value }] : [])),
);
const catalogueList = catalogues.map((c) => c.catalogue);

function expectOnlyLanguage(text: string, locale: Locale, where: string) {
  expect(otherLanguageIn(catalogueList, text, locale), `${where} in ${locale} shows text of another language`).toEqual([]);
}

const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');

describe('catalogues', () => {
  test('there are catalogues to check', () => {
    expect(catalogues.map((c) => c.name)).toEqual(expect.arrayContaining(['./messages/common.ts:commonMessages', './messages/survey.ts:surveyMessages']));
  });
  for (const { name, catalogue } of catalogues) {
    test(`${name} has every message in every language`, () => {
      expect(catalogueGaps(catalogue)).toEqual([]);
      for (const locale of LOCALES) expect(Object.keys(catalogue[locale]).sort(), `${name} ${locale}`).toEqual(Object.keys(catalogue.en).sort());
    });
  }

  test('plural rules and formats follow the language', () => {
    const intro = (locale: Locale, months: number) => translator(surveyMessages, locale)('emailSince', { months, account: 'Acme' });
    expect(intro('en', 1)).toContain('It has been 1 month since');
    expect(intro('en', 6)).toContain('It has been 6 months since');
    expect(intro('sv', 1)).toContain('Det har gått 1 månad sedan');
    expect(intro('sv', 6)).toContain('Det har gått 6 månader sedan');
    expect(formatDate('en', '2026-12-07T10:00:00Z')).toBe('7 Dec 2026');
    expect(formatDate('sv', '2026-12-07T10:00:00Z')).toBe('7 dec. 2026');
    expect(formatNumber('en', 12345.5)).toBe('12,345.5');
    expect(formatNumber('sv', 12345.5)).toBe('12\u00a0345,5');
  });
});

// ---------------------------------------------------------------------------------------------
// The pages, server-rendered through their route modules with their loader's data

function Root() {
  const locale = usePageLocale();
  return (
    <LocaleProvider locale={locale}>
      <html lang={locale}>
        <body>
          <Outlet />
        </body>
      </html>
    </LocaleProvider>
  );
}

type RouteModule = { default: ComponentType; handle?: unknown; ErrorBoundary?: ComponentType };

/** The page's HTML for `data` from its loader (a thrown error shows its error boundary), with the admin's default `defaultLocale`. */
async function renderPage(mod: RouteModule, path: string, url: string, data: unknown, defaultLocale: Locale = 'en') {
  const routes: RouteObject[] = [
    {
      id: 'root',
      path: '/',
      Component: Root,
      loader: () => ({ defaultLocale }),
      children: [
        {
          id: 'page',
          path,
          Component: mod.default,
          ErrorBoundary: mod.ErrorBoundary,
          handle: mod.handle,
          loader: () => {
            if (data instanceof Error) throw data;
            return data as Record<string, unknown>;
          },
        },
      ],
    },
  ];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request(`http://localhost${url}`));
  if (context instanceof Response) throw new Error(`unexpected response ${context.status}`);
  return renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />);
}

const promises = [{ id: 'p1', text: 'Month-end close in 4 days', successCriterion: 'Close takes 4 days', category: 'time-savings' }];
const plan = (locale: Locale, live = false) => ({
  valid: true,
  locale,
  plan: {
    locale,
    contactName: 'Anna Berg',
    accountName: 'Nordljus AB',
    dealName: 'Nordljus platform',
    csmName: 'Cass Success',
    live,
    stages: [
      { key: 'handoff', name: 'Handoff', state: 'done', enteredAt: '2026-11-01T09:00:00Z', exitedAt: '2026-11-05T09:00:00Z' },
      { key: 'onboarding', name: 'Onboarding', state: 'current', enteredAt: '2026-11-05T09:00:00Z', exitedAt: null },
      { key: 'live', name: 'Live', state: 'ahead', enteredAt: null, exitedAt: null },
    ],
    currentStageName: 'Onboarding',
    waiting: [
      { key: 'kickoff', buyerAction: 'Attend the kickoff', text: 'Kickoff held', confirmable: true, done: false, confirmedBy: null },
      { key: 'sso', buyerAction: 'Set up SSO', text: 'SSO', confirmable: true, done: true, confirmedBy: { name: 'Anna Berg', at: '2026-11-06T10:00:00Z' } },
      { key: 'notes', buyerAction: 'Share meeting notes', text: 'Notes', confirmable: false, done: false, confirmedBy: null },
    ],
    promises,
    recoveryPlans: [
      {
        caseId: 'c1',
        promise: 'Nightly ERP sync',
        planText: 'Move to the new connector',
        dueBy: '2027-01-15T00:00:00Z',
        planVersion: '2026-12-01T00:00:00.000Z',
        confirmedAt: null,
        confirmedBy: null,
      },
      {
        caseId: 'c2',
        promise: 'SSO',
        planText: 'Fix SAML',
        dueBy: '2027-01-15T00:00:00Z',
        planVersion: '2026-12-01T00:00:00.000Z',
        confirmedAt: '2026-12-02T00:00:00Z',
        confirmedBy: 'Anna Berg',
      },
    ],
  },
});
const survey = (locale: Locale) => ({
  open: true,
  locale,
  survey: { state: 'open', locale, accountName: 'Nordljus AB', contactName: 'Anna Berg', wave: 6, expiresAt: '2026-12-20T00:00:00Z', promises },
});
const reask = (locale: Locale) => ({
  open: true,
  locale,
  reask: {
    state: 'open',
    locale,
    accountName: 'Nordljus AB',
    contactName: 'Anna',
    promise: 'Nightly ERP sync',
    plan: 'New connector',
    planDueBy: '2026-12-01T00:00:00Z',
    expiresAt: '2026-12-20T00:00:00Z',
  },
});

/** Every buyer page and state: [name, module, route path, url, loader data for a locale]. */
const PAGES: [string, RouteModule, string, string, (locale: Locale) => unknown][] = [
  ['plan', planPage, 'plan/:token', '/plan/t', (l) => plan(l)],
  ['plan (live)', planPage, 'plan/:token', '/plan/t', (l) => plan(l, true)],
  ['plan (bad link)', planPage, 'plan/:token', '/plan/t', () => ({ valid: false })],
  ['plan (error)', planPage, 'plan/:token', '/plan/t', () => new Error('boom')],
  ['survey', surveyPage, 's/:token', '/s/t', (l) => survey(l)],
  ['survey (answered)', surveyPage, 's/:token', '/s/t', (l) => ({ open: false, answered: true, locale: l })],
  ['survey (closed link)', surveyPage, 's/:token', '/s/t', () => ({ open: false, answered: false })],
  ['survey (error)', surveyPage, 's/:token', '/s/t', () => new Error('boom')],
  ['survey thank-you', surveyThanks, 's/thank-you', '/s/thank-you', (l) => ({ locale: l })],
  ['re-ask', reaskPage, 'r/:token', '/r/t', (l) => reask(l)],
  ['re-ask (answered)', reaskPage, 'r/:token', '/r/t', (l) => ({ open: false, reason: 'answered', locale: l })],
  ['re-ask (expired)', reaskPage, 'r/:token', '/r/t', (l) => ({ open: false, reason: 'expired', locale: l })],
  ['re-ask (closed link)', reaskPage, 'r/:token', '/r/t', () => ({ open: false, reason: 'closed' })],
  ['re-ask (error)', reaskPage, 'r/:token', '/r/t', () => new Error('boom')],
  ['re-ask thank-you (delivered)', reaskThanks, 'r/thank-you', '/r/thank-you', (l) => ({ verdict: 'delivered', locale: l })],
  ['re-ask thank-you (not yet)', reaskThanks, 'r/thank-you', '/r/thank-you', (l) => ({ verdict: 'not_yet', locale: l })],
  ['unsubscribe', unsubscribePage, 'u/:token', '/u/t', (l) => ({ valid: true, maskedEmail: 'a***@nordljus.se', unsubscribed: false, locale: l })],
  ['unsubscribe (already)', unsubscribePage, 'u/:token', '/u/t', (l) => ({ valid: true, maskedEmail: 'a***@nordljus.se', unsubscribed: true, locale: l })],
  ['unsubscribe (bad link)', unsubscribePage, 'u/:token', '/u/t', () => ({ valid: false })],
  ['unsubscribe (error)', unsubscribePage, 'u/:token', '/u/t', () => new Error('boom')],
];

describe('buyer pages', () => {
  for (const [name, mod, path, url, data] of PAGES) {
    for (const locale of LOCALES) {
      // A page without a language of its own (a bad link, an error) takes the admin's default.
      test(`${name} in ${locale}`, async () => {
        const html = await renderPage(mod, path, url, data(locale), locale);
        expect(html).toContain(`<html lang="${locale}">`);
        const text = textOf(html);
        expect(text.length).toBeGreaterThan(40);
        expectOnlyLanguage(text, locale, name);
      });
    }
  }

  test('the Swedish survey page reads in Swedish, with Swedish dates', async () => {
    const text = textOf(await renderPage(surveyPage, 's/:token', '/s/t', survey('sv')));
    expect(text).toContain('Levererade vi det vi lovade?');
    expect(text).toContain('Det har gått 6 månader sedan Nordljus AB valde oss.');
    expect(text).toContain('Levererat Delvis Inte än');
    expect(text).toContain('Länken fungerar till och med 20 dec. 2026');
  });

  test('Kept’s shipped stages and buyer actions read in the buyer’s language; an admin’s own wording stays as written', async () => {
    const [handoff] = DEFAULT_PLAYBOOK_STAGES;
    const action = (key: string) => handoff.criteria.find((c) => c.key === key)!.buyerAction;
    const base = plan('sv');
    const data = {
      ...base,
      plan: {
        ...base.plan,
        stages: DEFAULT_PLAYBOOK_STAGES.map((s, i) => ({
          key: s.key,
          name: s.name,
          state: i === 0 ? 'current' : 'ahead',
          enteredAt: i === 0 ? '2026-11-01T09:00:00Z' : null,
          exitedAt: null,
        })),
        currentStageName: handoff.name,
        waiting: [
          { key: 'handoff-call', buyerAction: action('handoff-call'), text: 'Call', confirmable: true, done: false, confirmedBy: null },
          { key: 'nda', buyerAction: 'Skriver under sekretessavtalet', text: 'NDA', confirmable: true, done: false, confirmedBy: null },
        ],
      },
      tasks: {
        locale: 'sv',
        tasks: [
          {
            id: 't1',
            criterionKey: 'kickoff-confirmed',
            title: action('kickoff-confirmed'),
            state: 'open',
            dueAt: '2026-11-08T09:00:00Z',
            owners: ['Anna Berg'],
            mine: true,
            doneAt: null,
            doneVia: null,
            doneByName: null,
            comments: [],
          },
        ],
      },
    };
    const text = textOf(await renderPage(planPage, 'plan/:token', '/plan/t', data));
    expect(text).toContain('Nordljus AB: fasen Överlämning');
    expect(text).toContain('Överlämning pågår');
    expect(text).toContain('Införande');
    expect(text).toContain('Deltar i överlämningsmötet med införandeteamet');
    expect(text).toContain('Bekräftar startdatumet och löftena som registrerades vid köpet');
    expect(text).toContain('Bekräfta att det är klart');
    expect(text).toContain('Skriver under sekretessavtalet');
    expectOnlyLanguage(text, 'sv', 'plan with the shipped playbook');
    for (const english of [handoff.name, action('handoff-call'), action('kickoff-confirmed'), 'Implementation']) expect(text).not.toContain(english);
  });

  test('field errors from the server show in the buyer’s language', async () => {
    // The action's errors are the schema's English texts; the page translates the known ones.
    const routes: RouteObject[] = [
      {
        id: 'root',
        path: '/',
        Component: Root,
        loader: () => ({ defaultLocale: 'en' }),
        children: [
          {
            id: 'page',
            path: 's/:token',
            Component: surveyPage.default,
            handle: surveyPage.handle,
            loader: () => survey('sv'),
            action: () => ({ open: true, errors: { overall: ['Tell us whether we delivered the value we promised.'] }, values: { comment: 'behåll' } }),
          },
        ],
      },
    ];
    const handler = createStaticHandler(routes);
    const context = await handler.query(new Request('http://localhost/s/t', { method: 'POST', body: new URLSearchParams({ overall: '' }) }));
    if (context instanceof Response) throw new Error('response');
    const text = textOf(renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />));
    expect(text).toContain('Berätta om vi har levererat det värde vi lovade.');
    expect(text).toContain('behåll');
    expect(text).not.toContain('Tell us whether');
  });
});

// ---------------------------------------------------------------------------------------------
// The emails

type TemplateModule = { default: ComponentType<Record<string, unknown>>; PreviewProps: Record<string, unknown> };
const emailModules = import.meta.glob<TemplateModule>(['#emails/*.tsx', '!#emails/*.test.tsx'], { eager: true });
const BUYER_EMAILS = ['survey-invitation', 'journey-confirmation-request', 'promise-reask', 'advocacy-ask', 'review-invitation', 'recovery-plan-request', 'buyer-tasks'];
const emailsByName = Object.fromEntries(Object.entries(emailModules).map(([file, mod]) => [/([\w-]+)\.tsx$/.exec(file)![1], mod]));

describe('buyer emails', () => {
  test('every buyer email is found', () => {
    expect(Object.keys(emailsByName)).toEqual(expect.arrayContaining(BUYER_EMAILS));
  });
  for (const name of BUYER_EMAILS) {
    for (const locale of LOCALES) {
      test(`${name} in ${locale}`, async () => {
        const { default: Template, PreviewProps } = emailsByName[name];
        const variants = name === 'advocacy-ask' ? ['referral', 'reference', 'case_study'].map((askType) => ({ askType })) : [{ reminder: false }, { reminder: true }];
        for (const variant of variants) {
          const props = { ...PreviewProps, ...variant, locale };
          const plain = await render(<Template {...props} />, { plainText: true });
          const html = await render(<Template {...props} />);
          expect(html).toContain(`lang="${locale}"`);
          expect(plain).not.toMatch(/undefined|\[object Object\]|NaN/);
          expectOnlyLanguage(plain.replace(/\s+/g, ' '), locale, `${name} ${JSON.stringify(variant)}`);
        }
      });
    }
  }

  test('a Swedish survey invitation greets, counts and signs off in Swedish', async () => {
    const { default: Template, PreviewProps } = emailsByName['survey-invitation'];
    const plain = (await render(<Template {...PreviewProps} locale="sv" />, { plainText: true })).replace(/\s+/g, ' ');
    expect(plain).toContain('Hej Maria!');
    expect(plain).toContain('Det har gått 6 månader sedan Northwind Freight valde oss.');
    expect(plain).toContain('Svara på enkäten');
    expect(plain).toContain('Vill du inte få de här mejlen? Avsluta prenumerationen');
    expect(plain).toContain('Drivs av Kept');
  });
});
