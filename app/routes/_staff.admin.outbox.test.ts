import { createElement } from 'react';
import { beforeAll, describe, expect, test } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { sendEmail } from '#app/email/email.server';
import type { SessionUser } from '#app/auth/session.server';
import { PreviewProps, UserInvitationEmail } from '#emails/user-invitation';
import { EmailMessage } from '#models/email-message';
import { makeUser, requestAs } from '#test/factories';
import { loader } from './_staff.admin.outbox';

let admin: SessionUser;
const load = async (user: SessionUser, search = '') => {
  const request = await requestAs(user, `/admin/outbox${search}`);
  try {
    return { status: 200, data: await loader({ request, params: {}, context: { nonce: '', clientIp: '127.0.0.1' } }) };
  } catch (thrown) {
    return { status: (thrown as Response).status, data: null };
  }
};

beforeAll(async () => {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  admin = await makeUser({ role: 'admin' });
  for (let i = 0; i < 30; i++) {
    await sendEmail({
      key: `outbox:${i}`,
      template: 'user-invitation',
      to: `p${i}@example.com`,
      subject: `Subject ${i}`,
      react: createElement(UserInvitationEmail, { ...PreviewProps, name: `Person ${i}` }),
    });
  }
  await EmailMessage.updateOne({ idempotencyKey: 'outbox:3' }, { $set: { state: 'failed', lastError: '422 validation_error' } });
});

describe('admin outbox loader', () => {
  test('only admins may open it', async () => {
    expect((await load(await makeUser({ role: 'leadership' }))).status).toBe(403);
  });

  test('newest first, 25 a page, in demo mode', async () => {
    const first = await load(admin);
    expect(first.data).toMatchObject({ total: 30, page: 1, pageCount: 2, demo: true, selected: null, state: null });
    expect(first.data!.messages).toHaveLength(25);
    expect(first.data!.messages[0]).toMatchObject({ subject: 'Subject 29', state: 'captured', to: 'p29@example.com' });
    const second = await load(admin, '?page=2');
    expect(second.data!.messages.map((m) => m.subject)).toEqual(['Subject 4', 'Subject 3', 'Subject 2', 'Subject 1', 'Subject 0']);
  });

  test('filters by state; an empty state means all', async () => {
    const failed = await load(admin, '?state=failed');
    expect(failed.data!.messages.map((m) => m.subject)).toEqual(['Subject 3']);
    expect(failed.data!.messages[0].lastError).toBe('422 validation_error');
    expect((await load(admin, '?state=')).data!.total).toBe(30);
  });

  test('opens one message with its text version', async () => {
    const { data } = await load(admin);
    const id = data!.messages.find((m) => m.subject === 'Subject 7')!.id;
    const opened = await load(admin, `?message=${id}`);
    expect(opened.data!.selected).toMatchObject({ id, idempotencyKey: 'outbox:7', to: 'p7@example.com' });
    expect(opened.data!.selected!.text).toContain('Hi Person 7,');
  });

  test('a bad filter is 400, an unknown message 404', async () => {
    expect((await load(admin, '?state=%24ne')).status).toBe(400);
    expect((await load(admin, '?page=0')).status).toBe(400);
    expect((await load(admin, '?message=nope')).status).toBe(400);
    expect((await load(admin, '?message=0123456789abcdef01234567')).status).toBe(404);
  });

  test('searches by recipient; the search stays across pages and matches literally', async () => {
    const hits = await load(admin, '?to=P2');
    // p2, p20..p29: eleven addresses contain "p2"; the typed case does not matter.
    expect(hits.data).toMatchObject({ total: 11, to: 'p2', pageCount: 1 });
    expect(hits.data!.messages.every((m) => m.to.includes('p2'))).toBe(true);
    expect((await load(admin, '?to=p1%40example.com')).data!.messages.map((m) => m.to)).toEqual(['p1@example.com']);
    // Regex characters are text, not a pattern.
    expect((await load(admin, '?to=p.%40')).data!.total).toBe(0);
    expect((await load(admin, '?to=.*')).data!.total).toBe(0);
    const paged = await load(admin, '?to=example&page=2');
    expect(paged.data).toMatchObject({ total: 30, page: 2, to: 'example' });
    expect(paged.data!.messages).toHaveLength(5);
    expect((await load(admin, `?to=${'x'.repeat(300)}`)).status).toBe(400);
  });

  test('an opened message carries its HTML for the sandboxed preview', async () => {
    const { data } = await load(admin);
    const id = data!.messages.find((m) => m.subject === 'Subject 8')!.id;
    const opened = await load(admin, `?message=${id}`);
    expect(opened.data!.selected!.html).toMatch(/<html[\s\S]*Person 8/);
  });
});
