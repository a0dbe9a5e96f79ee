// Every dashboard loader checks the role on the server and scopes what it returns; the CSV download
// carries the same numbers, escaped.
import mongoose from 'mongoose';
import { beforeAll, describe, expect, test } from 'vitest';
import type { SessionUser } from '#app/auth/session.server';
import { bumpMetric } from '#app/platform/metrics.server';
import { ROLES, type Role } from '#app/auth/roles';
import { formRequest, makeUser, requestAs } from '#test/factories';
import { loader as overviewLoader } from './_staff.dashboards._index';
import { action as churnAction, loader as churnLoader } from './_staff.dashboards.churn.$accountId';
import { loader as csvLoader } from './_staff.dashboards.csv.$chart';
import { loader as forecastLoader } from './_staff.dashboards.forecast';
import { loader as profitabilityLoader } from './_staff.dashboards.profitability';
import { action as settingsAction, loader as settingsLoader } from './_staff.dashboards.settings';
import { loader as ttlLoader } from './_staff.dashboards.time-to-live';
import { loader as answersLoader } from './_staff.dashboards.value.answers';
import { loader as valueLoader } from './_staff.dashboards.value._index';

const ctx = { nonce: '', clientIp: '10.9.0.2' };
type Loader = (args: { request: Request; params: Record<string, string>; context: typeof ctx }) => Promise<unknown>;

let users: Record<Role, SessionUser>;
let evilRep: SessionUser;
let honestRep: SessionUser;

async function status(load: Loader, user: SessionUser | null, url: string, params: Record<string, string> = {}) {
  try {
    const result = await load({ request: await requestAs(user, url), params, context: ctx });
    return result instanceof Response ? result.status : 200;
  } catch (thrown) {
    return (thrown as Response).status;
  }
}

beforeAll(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  users = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await makeUser({ role })]))) as Record<Role, SessionUser>;
  evilRep = await makeUser({ role: 'sales', name: '=HYPERLINK("http://evil.example","click")' });
  honestRep = users.sales;
  // Rollups as the survey service writes them: two reps, one answer each.
  const dims = (rep: string) => ({ wave: '6', cohort: '2026Q1', rep, segment: 'smb' });
  await bumpMetric('survey.answer', dims(evilRep.id), { answered: 1, valueYes: 1 });
  await bumpMetric('survey.funnel', dims(evilRep.id), { invited: 1, answered: 1 });
  await bumpMetric('survey.answer', dims(honestRep.id), { answered: 1, valueNo: 1 });
  await bumpMetric('survey.funnel', dims(honestRep.id), { invited: 2, answered: 1 });
  await bumpMetric('survey.promise', { ...dims(honestRep.id), category: 'adoption' }, { promises: 2, delivered: 1, partly: 1, keptScore: 1.5 });
});

const PAGES: { name: string; load: Loader; url: string; allowed: Role[] }[] = [
  { name: 'overview', load: overviewLoader as Loader, url: '/dashboards', allowed: [...ROLES] },
  { name: 'value', load: valueLoader as Loader, url: '/dashboards/value', allowed: ['admin', 'leadership', 'sales'] },
  { name: 'answers', load: answersLoader as Loader, url: '/dashboards/value/answers', allowed: ['admin', 'leadership', 'sales'] },
  { name: 'time to live', load: ttlLoader as Loader, url: '/dashboards/time-to-live', allowed: ['admin', 'leadership', 'cs'] },
  { name: 'forecast', load: forecastLoader as Loader, url: '/dashboards/forecast', allowed: ['admin', 'leadership', 'cs'] },
  { name: 'profitability', load: profitabilityLoader as Loader, url: '/dashboards/profitability', allowed: ['admin', 'leadership', 'sales'] },
  { name: 'spend & targets', load: settingsLoader as Loader, url: '/dashboards/settings', allowed: ['admin', 'leadership'] },
];

describe('dashboard loaders check the role', () => {
  test.each(PAGES)('$name: allowed roles 200, others 403, anonymous to /login', async ({ load, url, allowed }) => {
    for (const role of ROLES) expect([role, await status(load, users[role], url)]).toEqual([role, allowed.includes(role) ? 200 : 403]);
    expect(await status(load, null, url)).toBe(302);
  });

  test('the CSV of a chart follows its page: value charts for leadership, admin and sales only', async () => {
    for (const role of ROLES) {
      expect([role, await status(csvLoader as Loader, users[role], '/dashboards/csv/value-by-wave', { chart: 'value-by-wave' })]).toEqual([
        role,
        ['admin', 'leadership', 'sales'].includes(role) ? 200 : 403,
      ]);
    }
    expect(await status(csvLoader as Loader, users.admin, '/dashboards/csv/nope', { chart: 'nope' })).toBe(404);
  });

  test('churn is recorded by admin and CS only', async () => {
    for (const role of ROLES) {
      expect([role, await status(churnLoader as Loader, users[role], '/dashboards/churn/000000000000000000000000', { accountId: '000000000000000000000000' })]).toEqual([
        role,
        ['admin', 'cs'].includes(role) ? 404 : 403,
      ]);
    }
    const post = async (user: SessionUser) => {
      try {
        const r = (await churnAction({ request: await formRequest(user, '/dashboards/churn/x', {}), params: { accountId: 'x' }, context: ctx })) as { init?: { status?: number } };
        return r.init?.status ?? 200;
      } catch (thrown) {
        return (thrown as Response).status;
      }
    };
    expect(await post(users.sales)).toBe(403);
    expect(await post(users.cs)).toBe(400);
  });

  test('only an admin changes spend and targets; leadership reads them', async () => {
    const post = async (user: SessionUser, fields: Record<string, string>) => {
      try {
        const r = (await settingsAction({ request: await formRequest(user, '/dashboards/settings', fields), params: {}, context: ctx })) as {
          init?: { status?: number };
          data?: unknown;
        };
        return r.init?.status ?? 200;
      } catch (thrown) {
        return (thrown as Response).status;
      }
    };
    const spend = { intent: 'spend', quarter: '2026q1', currency: 'usd', amount: '120,000', note: '' };
    expect(await post(users.leadership, spend)).toBe(403);
    expect(await post(users.admin, { ...spend, amount: '-5' })).toBe(400);
    expect(await post(users.admin, spend)).toBe(200);
    expect(await post(users.admin, { intent: 'settings', valueFloorPct: '90', valueTargetPct: '85', lifetimeCapMonths: '60' })).toBe(400); // target below floor
    const seen = (await settingsLoader({ request: await requestAs(users.leadership, '/dashboards/settings'), params: {}, context: ctx })) as {
      spend: { id: string; amount: number }[];
      canEdit: boolean;
    };
    expect(seen).toMatchObject({ canEdit: false, spend: [{ id: '2026Q1:USD', amount: 120_000 }] });
  });

  test('spend is read as people type it; an ambiguous amount comes back as the field error with the text kept', async () => {
    const save = async (amount: string) =>
      (await settingsAction({
        request: await formRequest(users.admin, '/dashboards/settings', { intent: 'spend', quarter: '2026Q2', currency: 'EUR', amount, note: '' }),
        params: {},
        context: ctx,
      })) as {
        data: { errors: Record<string, string[]>; values: Record<string, string> };
        init?: { status?: number };
      };
    const refused = await save('45.000');
    expect(refused.init?.status).toBe(400);
    expect(refused.data.errors.amount).toEqual(['“45.000” could be 45 or 45,000: type 45000 if you mean 45,000, or 45.00 if you mean 45.00.']);
    expect(refused.data.values.amount).toBe('45.000');
    expect((await save('45.000,00 €')).init?.status ?? 200).toBe(200);
    const seen = (await settingsLoader({ request: await requestAs(users.admin, '/dashboards/settings'), params: {}, context: ctx })) as { spend: { id: string; amount: number }[] };
    expect(seen.spend.find((s) => s.id === '2026Q2:EUR')?.amount).toBe(45_000);
  });
});

describe('what each role gets back', () => {
  test('a sales rep gets their own figures even when the URL names another rep', async () => {
    const data = (await valueLoader({ request: await requestAs(honestRep, `/dashboards/value?rep=${evilRep.id}`), params: {}, context: ctx })) as {
      summary: { answered: number; share: number };
      options: { reps: unknown[] };
    };
    expect(data.summary).toMatchObject({ answered: 1, share: 0 });
    expect(data.options.reps).toEqual([]); // no rep menu for a rep
    const leader = (await valueLoader({ request: await requestAs(users.leadership, `/dashboards/value?rep=${evilRep.id}`), params: {}, context: ctx })) as {
      summary: { answered: number; share: number };
    };
    expect(leader.summary).toMatchObject({ answered: 1, share: 1 });
  });

  test('the overview shows each role only its sections', async () => {
    const sections = async (role: Role) => {
      const o = (await overviewLoader({ request: await requestAs(users[role], '/dashboards'), params: {}, context: ctx })) as Record<string, unknown>;
      return ['value', 'ttl', 'forecast', 'profitability', 'advocacy'].filter((k) => Boolean(o[k]));
    };
    expect(await sections('leadership')).toEqual(['value', 'ttl', 'forecast', 'profitability', 'advocacy']);
    expect(await sections('sales')).toEqual(['value', 'profitability']);
    expect(await sections('cs')).toEqual(['ttl', 'forecast']);
    expect(await sections('marketing')).toEqual(['advocacy']);
  });

  test('malformed filters are dropped, never a server error', async () => {
    expect(await status(valueLoader as Loader, users.admin, '/dashboards/value?rep[$ne]=x&from=yesterday&segment=huge&cohort=2026Q9&wave=7&playbook[$ne]=x')).toBe(200);
  });

  test('the playbook filter: kept on time to live, dropped for an unknown key, named as not applied on the value page', async () => {
    type Page = { query: { playbook?: string }; search: string; playbookNotApplied: string | null; options: { playbooks: { id: string; name: string }[] } };
    const load = async (loader: Loader, url: string) => (await loader({ request: await requestAs(users.leadership, url), params: {}, context: ctx })) as Page;
    const ttl = await load(ttlLoader as Loader, '/dashboards/time-to-live?playbook=default');
    expect([ttl.query.playbook, ttl.search, ttl.playbookNotApplied]).toEqual(['default', '?playbook=default', null]);
    expect(ttl.options.playbooks).toEqual([{ id: 'default', name: 'Standard onboarding' }]);
    const unknown = await load(ttlLoader as Loader, '/dashboards/time-to-live?playbook=no-such-playbook');
    expect([unknown.query.playbook, unknown.search, unknown.playbookNotApplied]).toEqual([undefined, '', null]);
    const value = await load(valueLoader as Loader, '/dashboards/value?playbook=default&segment=smb');
    expect([value.query.playbook, value.search, value.playbookNotApplied]).toEqual([undefined, '?segment=smb', 'Standard onboarding']);
  });

  test('the CSV carries the table with formula-looking names defused', async () => {
    const res = (await csvLoader({
      request: await requestAs(users.leadership, '/dashboards/csv/value-by-rep?segment=smb'),
      params: { chart: 'value-by-rep' },
      context: ctx,
    })) as Response;
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('Content-Disposition')).toMatch(/^attachment; filename="kept-value-by-rep-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('Rep,Value delivered %,With partial credit %,Answered,Invited,Response rate %,Against target');
    expect(lines).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")",100,100,1,1,100,On target`);
    expect(lines.some((l) => l.startsWith('='))).toBe(false);
  });
});
