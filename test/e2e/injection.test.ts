// Operator injection, over HTTP against the production server: the same corpus of MongoDB operator
// payloads (urlencoded `x[$ne]=` / `x[$gt]=` / `x[$regex]=.*`, JSON `{"x":{"$ne":null}}`,
// `{"$where":"1"}`, `{"$or":[{}]}`, `{"$nor":[...]}`) against sign-in, every page's query string,
// the buyer's survey and plan links, the CSV import and both webhooks. What must hold: a 4xx, or the
// normal page showing nothing an honest request would not; never a 5xx; no session; nothing written
// (document counts of every collection compared before and after, where the request must not write).
import crypto from 'node:crypto';
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEMO_PASSWORD } from './browser';
import { Client, connectE2eDb, countAll, exportsAction, exportsLoader, openSurveyLink, planLink, pool, routeModules, urlFor } from './harness';

/** Urlencoded operator payloads for one field name. */
const formPayloads = (field: string) => [
  `${field}[$ne]=`,
  `${field}[$gt]=`,
  `${field}[$regex]=.*`,
  `${field}[$ne]=x&${field}[$exists]=true`,
  `${field}[][$ne]=`,
  `${field}=%7B%22%24ne%22%3Anull%7D`, // the JSON text {"$ne":null} as a plain value
];
/** JSON bodies: an operator on the field, and top-level query operators. */
const jsonPayloads = (field: string) => [
  { [field]: { $ne: null } },
  { [field]: { $gt: '' } },
  { [field]: { $regex: '.*' } },
  { $where: '1' },
  { $or: [{}] },
  { $nor: [{ [field]: 'nobody' }] },
  { [field]: ['a', 'b'], $and: [{ [field]: { $exists: true } }] },
];
const JSON_HEADERS = { 'Content-Type': 'application/json' };

const ids = (html: string) => new Set(html.match(/\b[a-f0-9]{24}\b/g) ?? []);

let disconnect: () => Promise<void> = async () => undefined;
let params: Record<string, string>;
const staff = {} as Record<'admin' | 'sales' | 'cs' | 'marketing', Client>;

beforeAll(async () => {
  ({ disconnect } = await connectE2eDb());
  const seeded = inject('seeded');
  for (const role of ['sales', 'cs', 'marketing'] as const) staff[role] = await new Client().login(`${role}@kept.demo`);
  // An admin of its own: posting to every action spends admin's per-user limits (imports 10 a
  // minute), and the access spec (in whatever order it runs) posts an upload as admin@kept.demo.
  const { createUser } = await import('#app/users/users.server');
  const email = `injection-admin-${crypto.randomBytes(4).toString('hex')}@kept.test`;
  await createUser({ name: 'Injection admin', email, role: 'admin', password: 'injection-password-0123', actorId: seeded.users['admin@kept.demo'] });
  staff.admin = await new Client().login(email, 'injection-password-0123');
  params = {
    accountId: seeded.accountId,
    dealId: seeded.dealId,
    userId: seeded.users['cs@kept.demo'],
    journeyId: seeded.journeyId ?? '',
    surveyId: seeded.surveyId ?? '',
    advocateId: seeded.advocateId ?? '',
    askId: seeded.askId ?? '',
    caseId: seeded.caseId ?? '',
    chart: 'value-by-wave',
    jobId: '0'.repeat(24),
    token: 'x'.repeat(43),
  };
});
afterAll(async () => {
  await disconnect();
});

describe('sign-in', () => {
  test('every operator payload on email and password: 400 or 429, never a session, nothing written', async () => {
    const before = await countAll();
    const attempts: { body: string; headers?: Record<string, string> }[] = [];
    for (const field of ['email', 'password']) {
      const other = field === 'email' ? `password=${DEMO_PASSWORD}` : 'email=admin%40kept.demo';
      for (const payload of formPayloads(field)) attempts.push({ body: `${other}&${payload}` });
      for (const payload of jsonPayloads(field)) attempts.push({ body: JSON.stringify({ email: 'admin@kept.demo', password: DEMO_PASSWORD, ...payload }), headers: JSON_HEADERS });
    }
    attempts.push({ body: 'email[$ne]=x&password[$ne]=x' });
    attempts.push({ body: JSON.stringify({ $where: '1', $or: [{}], $nor: [{}] }), headers: JSON_HEADERS });
    const seen: Record<string, number> = {};
    for (const attempt of attempts) {
      const res = await new Client().request('POST', '/login', attempt);
      seen[attempt.body] = res.status;
      expect(res.setCookie ?? '', attempt.body).not.toMatch(/kept_session=[^;]/);
      expect([400, 429], `${attempt.body}: ${res.body.slice(0, 200)}`).toContain(res.status);
    }
    // Each attempt spends rate-limit points (memory, not the database) and nothing else.
    expect(await countAll()).toEqual(before);
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(26);
  });

  test('operator-shaped query strings on the login page change nothing: 200, no session', async () => {
    for (const payload of formPayloads('redirectTo')) {
      const res = await new Client().request('GET', `/login?${payload}`);
      expect(res.status).toBe(200);
      expect(res.setCookie ?? '').not.toMatch(/kept_session=[^;]/);
    }
  });
});

describe('query strings of every page', () => {
  // Every field name a list reads, and a few that none does: an injected key is either dropped by
  // the page's zod schema (the page is the honest one) or refused; never widens what the user sees.
  const FIELDS = [
    'q',
    'page',
    'sort',
    'state',
    'status',
    'type',
    'view',
    'segment',
    'mine',
    'stage',
    'csm',
    'rep',
    'health',
    'wave',
    'attention',
    'message',
    'link',
    'campaign',
    'accountId',
    'aeId',
    'aeIds',
    '_id',
    'role',
    'redirectTo',
  ];
  // Every field with every operator, in four query strings (each request carries them all).
  const QUERIES = [
    FIELDS.map((f) => `${f}[$ne]=&${f}[$exists]=true`).join('&'),
    FIELDS.map((f) => `${f}[$gt]=&${f}[$in][]=x`).join('&'),
    FIELDS.map((f) => `${f}[$regex]=.*&${f}[$where]=1`).join('&'),
    `${FIELDS.map((f) => `${f}=%7B%22%24ne%22%3Anull%7D&${f}=.*`).join('&')}&$where=1&$or[0]=&$nor[0][x]=1`,
  ];
  const pages = routeModules().filter((m) => exportsLoader(m.source) && !/\bapi\.webhooks\./.test(m.id) && m.id !== 'logout.tsx');

  test('the enumeration finds the list pages', () => {
    const ids = pages.map((p) => p.id);
    for (const id of ['_staff.accounts._index.tsx', '_staff.journeys._index.tsx', '_staff.surveys._index.tsx', '_staff.admin.outbox.tsx', '_staff.advocacy.referrals.tsx'])
      expect(ids).toContain(id);
  });

  test('every page answers injected query strings like the honest page (no 5xx, no extra ids), as sales where sales may open it, else as admin', async () => {
    const failures: string[] = [];
    let requests = 0;
    await pool(pages, 4, async (m) => {
      const url = urlFor(m.id, params);
      // Sales is the role whose lists are scoped (own deals only): where sales may open the page,
      // an operator that widened the filter would show ids the honest page does not.
      let client = staff.sales;
      let honest = await client.request('GET', url);
      if (honest.status === 403) {
        client = staff.admin;
        honest = await client.request('GET', url);
      }
      for (const query of QUERIES) {
        const res = await client.request('GET', `${url}?${query}`);
        requests++;
        if (res.status >= 500) failures.push(`${url}?${query.slice(0, 60)}: ${res.status}`);
        else if (res.status === 200 && honest.status === 200) {
          // The same records or fewer: every id on the injected page is on the honest page.
          const extra = [...ids(res.body)].filter((id) => !ids(honest.body).has(id));
          if (extra.length) failures.push(`${url}?${query.slice(0, 60)}: ${extra.length} ids the honest page does not show`);
        } else if (res.status === 200 && honest.status !== 200) failures.push(`${url}: ${honest.status} honestly, 200 with ${query.slice(0, 60)}`);
      }
    });
    expect(failures).toEqual([]);
    expect(requests).toBe(pages.length * QUERIES.length);
  });

  test('account search: operators and regex characters in q never return more rows than an honest search', async () => {
    const seeded = inject('seeded');
    const { Account } = await import('#models/account');
    const other = await Account.findById(seeded.otherAccountId).select('name').lean();
    const rows = async (query: string) => {
      const res = await staff.sales.request('GET', `/accounts?${query}`);
      expect(res.status, query).toBe(200);
      return new Set(res.body.match(/href="\/accounts\/[a-f0-9]{24}"/g) ?? []);
    };
    const all = await rows('');
    expect(all.size).toBeGreaterThan(0);
    // Another rep's account by name: nothing, whatever operators come with it.
    expect((await rows(`q=${encodeURIComponent(other!.name)}`)).size).toBe(0);
    for (const q of [
      'q[$regex]=.*',
      'q[$ne]=',
      'q[$gt]=',
      `q=${encodeURIComponent('.*')}`,
      `q=${encodeURIComponent('^')}`,
      `q=${encodeURIComponent('{"$ne":null}')}`,
      `q=${encodeURIComponent(other!.name)}&q[$ne]=`,
    ]) {
      const seen = await rows(q);
      expect(
        [...seen].filter((r) => !all.has(r)),
        q,
      ).toEqual([]);
    }
    // A search longer than the schema allows is a normal page, not a server error.
    const long = await staff.sales.request('GET', `/accounts?q=${'a'.repeat(500)}`);
    expect(long.status).toBeLessThan(500);
    // Regex characters are literal: `.*` is no wildcard.
    expect((await rows(`q=${encodeURIComponent('.*')}`)).size).toBe(0);
  });
});

describe('buyer links (survey and plan tokens)', () => {
  const tokenPaths = ['%7B%22%24ne%22%3Anull%7D', '%24ne', '.*', '%5B%24ne%5D', '%24where', 'x%5B%24regex%5D=.*'];

  test('made-up, operator-shaped tokens: 404 on GET and POST, nothing written', async () => {
    const before = await countAll();
    for (const page of ['s', 'plan', 'u']) {
      for (const token of tokenPaths) {
        const buyer = new Client();
        const get = await buyer.request('GET', `/${page}/${token}?token[$ne]=&token[$regex]=.*`);
        expect(get.status, `GET /${page}/${token}`).toBe(404);
        for (const body of formPayloads('token')) {
          const post = await buyer.request('POST', `/${page}/${token}`, { body });
          expect([400, 404], `POST /${page}/${token} ${body}`).toContain(post.status);
        }
        const json = await buyer.request('POST', `/${page}/${token}`, { body: JSON.stringify({ token: { $ne: null } }), headers: JSON_HEADERS });
        expect([400, 404]).toContain(json.status);
      }
    }
    expect(await countAll()).toEqual(before);
  });

  test('a live survey link: operator answers are refused with 400, the link stays unused, no response is stored', async () => {
    const link = await openSurveyLink();
    expect(link, 'the seed should leave a survey open for its buyer').not.toBeNull();
    const { SurveyResponse } = await import('#models/survey-response');
    const before = await countAll();
    const fields = ['overall', 'nps', 'comment', 'consentReferral', 'promise.x.verdict'];
    const bodies = [
      ...fields.flatMap(formPayloads).map((body) => ({ body })),
      { body: 'overall[$ne]=&nps[$gt]=&consentReferral[$ne]=' },
      ...fields.flatMap(jsonPayloads).map((p) => ({ body: JSON.stringify(p), headers: JSON_HEADERS })),
    ];
    for (const attempt of bodies) {
      const res = await new Client().request('POST', `/s/${link!.token}`, attempt);
      expect([400, 429], `${attempt.body}: ${res.status}`).toContain(res.status);
    }
    expect(await SurveyResponse.exists({ _id: link!.surveyId })).toBeNull();
    expect(await countAll()).toEqual(before);
    const still = await new Client().request('GET', `/s/${link!.token}?overall[$ne]=`);
    expect(still.status, 'the link still opens its survey').toBe(200);
  });

  test('a live plan link: operator confirmations are refused with 400, nothing is recorded', async () => {
    const seeded = inject('seeded');
    const { token } = await planLink(seeded.journeyId!);
    const before = await countAll();
    const bodies = [...formPayloads('criterionKey').map((body) => ({ body })), ...jsonPayloads('criterionKey').map((p) => ({ body: JSON.stringify(p), headers: JSON_HEADERS }))];
    for (const attempt of bodies) {
      const res = await new Client().request('POST', `/plan/${token}`, attempt);
      expect([400, 429], `${attempt.body}: ${res.status}`).toContain(res.status);
    }
    expect(await countAll()).toEqual(before);
    const page = await new Client().request('GET', `/plan/${token}?criterionKey[$ne]=`);
    expect(page.status).toBe(200);
  });
});

describe('CSV import', () => {
  test('operator payloads as the upload form: 400, no job', async () => {
    // A CS user of its own: these uploads spend the per-user import limit (10 a minute), which
    // cs@kept.demo needs for the import journey spec.
    const { createUser } = await import('#app/users/users.server');
    const email = `injection-cs-${crypto.randomBytes(4).toString('hex')}@kept.test`;
    await createUser({ name: 'Injection CS', email, role: 'cs', password: 'injection-password-0123', actorId: inject('seeded').users['admin@kept.demo'] });
    const importer = await new Client().login(email, 'injection-password-0123');
    const before = await countAll();
    for (const body of formPayloads('file')) {
      const res = await importer.request('POST', '/deals/import', { body });
      expect([400, 429], body).toContain(res.status);
    }
    for (const p of jsonPayloads('file')) {
      const res = await importer.request('POST', '/deals/import', { body: JSON.stringify(p), headers: JSON_HEADERS });
      expect([400, 429]).toContain(res.status);
    }
    expect(await countAll()).toEqual(before);
  });

  test('operator-shaped cells are data: the job stores them as text, never a matching query', async () => {
    const { ImportJob } = await import('#models/import-job');
    const header = 'crm_id,deal_name,stage,close_date,arr,currency,ae_email,account_name,account_domain,segment,contact_name,contact_email';
    const rows = [
      '"{""$ne"":null}",Injected one,closed won,2026-01-30,1000,USD,"{""$ne"":null}","{""$gt"":""""}",inj-one.example,smb,A,a@inj-one.example',
      '$where,Injected two,closed won,2026-01-30,1000,USD,sales@kept.demo,"[$regex]=.*",inj-two.example,smb,B,"{""$regex"":"".*""}"',
    ];
    const form = new FormData();
    form.set('file', new Blob([`${header}\r\n${rows.join('\r\n')}\r\n`], { type: 'text/csv' }), 'injection.csv');
    const upload = await staff.admin.request('POST', '/deals/import', { body: form });
    expect([302, 429], upload.body.slice(0, 200)).toContain(upload.status);
    if (upload.status !== 302) return;
    const jobId = upload.location!.split('/').pop()!;
    const page = await staff.admin.request('GET', `/deals/import/${jobId}`);
    expect(page.status).toBe(200);
    // React escapes the text: the operators are shown as typed.
    expect(page.body).toContain('{&quot;$ne&quot;:null}');
    // Mapping fields with operator keys: a 4xx or the saved mapping, never a 5xx.
    for (const body of [...formPayloads('intent'), 'intent=mapping&map[$ne]=&crmId[$regex]=.*', 'intent=start&owner[$ne]=']) {
      const res = await staff.admin.request('POST', `/deals/import/${jobId}`, { body });
      expect(res.status, `${body}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
    }
    const job = await ImportJob.findById(jobId).lean();
    expect(job).not.toBeNull();
    expect(JSON.stringify(job)).not.toMatch(/"\$ne":null(?!")/);
  });
});

describe('webhooks', () => {
  const crmSign = (body: string) => {
    const t = Math.floor(Date.now() / 1000);
    return `t=${t},v1=${crypto.createHmac('sha256', inject('crmWebhookSecret')).update(`${t}.${body}`).digest('hex')}`;
  };
  const resendSign = (body: string) => {
    const id = `msg_${crypto.randomBytes(8).toString('hex')}`;
    const at = new Date();
    return { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': new Webhook(inject('resendWebhookSecret')).sign(id, at, body) };
  };
  const validDeal = (suffix: string) => ({
    id: `evt-inj-${suffix}`,
    type: 'deal.closed_won',
    crm: 'other',
    deal: {
      crmId: `INJ-${suffix}`,
      name: `Injection check ${suffix}`,
      closedWonAt: new Date().toISOString().slice(0, 10),
      arr: 1000,
      ownerEmail: 'sales@kept.demo',
      account: { name: `Injection Co ${suffix}`, domain: `inj-${suffix}.example` },
    },
  });
  /** The valid event with `value` put at `path` (dot-separated). */
  const withAt = (path: string, value: unknown) => {
    const event = structuredClone(validDeal(crypto.randomBytes(4).toString('hex'))) as Record<string, unknown>;
    const keys = path.split('.');
    let node = event;
    for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
    node[keys.at(-1)!] = value;
    return event;
  };

  test('unsigned operator payloads: 401 from both, nothing written', async () => {
    const before = await countAll();
    for (const url of ['/api/webhooks/crm', '/api/webhooks/resend']) {
      for (const p of jsonPayloads('id')) {
        const res = await new Client().request('POST', url, { body: JSON.stringify(p), headers: JSON_HEADERS });
        expect(res.status, `${url} ${JSON.stringify(p)}`).toBe(401);
      }
      for (const body of formPayloads('id')) {
        const res = await new Client().request('POST', url, { body });
        expect(res.status).toBe(401);
      }
    }
    expect(await countAll()).toEqual(before);
  });

  test('CRM: signed events with operators in any field are 400 (schema), nothing written', async () => {
    const before = await countAll();
    const paths = [
      'id',
      'type',
      'crm',
      'deal',
      'deal.crmId',
      'deal.name',
      'deal.closedWonAt',
      'deal.arr',
      'deal.ownerEmail',
      'deal.account',
      'deal.account.name',
      'deal.account.domain',
    ];
    const operators = [{ $ne: null }, { $gt: '' }, { $regex: '.*' }, { $where: '1' }, [{ $or: [{}] }]];
    for (const path of paths) {
      for (const op of operators) {
        const body = JSON.stringify(withAt(path, op));
        const res = await new Client().request('POST', '/api/webhooks/crm', { body, headers: { ...JSON_HEADERS, 'X-Kept-Signature': crmSign(body) } });
        expect(res.status, `${path} = ${JSON.stringify(op)}: ${res.body.slice(0, 200)}`).toBe(400);
      }
    }
    for (const p of jsonPayloads('id')) {
      const body = JSON.stringify(p);
      const res = await new Client().request('POST', '/api/webhooks/crm', { body, headers: { ...JSON_HEADERS, 'X-Kept-Signature': crmSign(body) } });
      expect(res.status).toBe(400);
    }
    expect(await countAll()).toEqual(before);
  });

  test('CRM: top-level $where / $or / $nor beside a valid event are ignored keys: one deal, stored as sent', async () => {
    const { Deal } = await import('#models/deal');
    const event = { ...validDeal(crypto.randomBytes(4).toString('hex')), $where: '1', $or: [{}], $nor: [{ id: 'x' }] };
    const body = JSON.stringify(event);
    const res = await new Client().request('POST', '/api/webhooks/crm', { body, headers: { ...JSON_HEADERS, 'X-Kept-Signature': crmSign(body) } });
    expect(res.status, res.body).toBe(200);
    const deals = await Deal.find({ crmId: event.deal.crmId }).select('crmId name arr').lean();
    expect(deals.map((d) => [d.crmId, d.name, d.arr])).toEqual([[event.deal.crmId, event.deal.name, 1000]]);
  });

  test('Resend: signed events with operators in to/email_id/tags are refused or recorded as text; no contact changes', async () => {
    const { Contact } = await import('#models/contact');
    const { trusted } = await import('#app/platform/db.server');
    const stopped = () => Contact.countDocuments({ emailStatus: trusted({ $ne: 'ok' }) });
    const stoppedBefore = await stopped();
    const events = [
      { type: 'email.bounced', data: { to: { $ne: null }, bounce: { type: 'Permanent' } } },
      { type: 'email.bounced', data: { to: [{ $ne: null }], bounce: { type: 'Permanent' } } },
      { type: 'email.complained', data: { to: [{ $regex: '.*' }] } },
      { type: 'email.complained', data: { to: '.*' } },
      { type: 'email.complained', data: { to: ['{"$ne":null}'], email_id: '{"$ne":null}' } },
      { type: 'email.bounced', data: { email_id: { $ne: null }, bounce: { type: 'Permanent' } } },
      { type: 'email.delivered', data: { tags: { entityType: { $ne: null } } } },
      { type: { $ne: null }, data: {} },
      { $where: '1', type: 'email.delivered' },
      { $or: [{}], type: 'email.complained', data: { to: [] } },
    ];
    for (const event of events) {
      const body = JSON.stringify(event);
      const res = await new Client().request('POST', '/api/webhooks/resend', { body, headers: { ...JSON_HEADERS, ...resendSign(body) } });
      expect([200, 400], `${body}: ${res.status} ${res.body.slice(0, 200)}`).toContain(res.status);
    }
    expect(await stopped()).toBe(stoppedBefore);
  });
});

describe('actions of every route', () => {
  test('operator keys and JSON bodies to every action, as admin and as a sales rep: never a 5xx', async () => {
    const seen: string[] = [];
    const withActions = routeModules().filter((m) => exportsAction(m.source) && m.id !== 'logout.tsx' && !m.id.startsWith('api.webhooks.'));
    const cells = (['admin', 'sales'] as const).flatMap((role) => withActions.map((m) => ({ role, m })));
    await pool(cells, 4, async ({ role, m }) => {
      {
        const url = urlFor(m.id, params);
        const bodies = [
          { body: ['intent', 'id', 'role', 'email', 'status', 'stage', 'contactId'].flatMap((f) => formPayloads(f)).join('&') },
          ...jsonPayloads('intent').map((p) => ({ body: JSON.stringify(p), headers: JSON_HEADERS })),
        ];
        for (const attempt of bodies) {
          const res = await staff[role].request('POST', url, attempt);
          if (res.status >= 500) seen.push(`${role} ${url} ${attempt.body.slice(0, 80)}: ${res.status}`);
        }
      }
    });
    expect(seen).toEqual([]);
  });
});
