// The API tokens page (/account/tokens): create (the token once, in the answer), field errors next
// to the fields, revoke own tokens; admins list and revoke everyone's.
import { describe, expect, test } from 'vitest';
import type { SessionUser } from '#app/auth/session.server';
import { formRequest, makeUser, requestAs } from '#test/factories';
import { action, loader } from './_staff.account_.tokens';

const ctx = { nonce: '', clientIp: '127.0.0.1' };
type Result = { ok: boolean; token?: string; message?: string; errors?: Record<string, string[]>; values?: Record<string, string> };

async function post(user: SessionUser, fields: Record<string, string>) {
  const response = (await action({ request: await formRequest(user, '/account/tokens', fields), params: {}, context: ctx })) as unknown as {
    data: Result;
    init?: { status?: number };
  };
  return { status: response.init?.status ?? 200, result: response.data };
}
const load = async (user: SessionUser) => loader({ request: await requestAs(user, '/account/tokens'), params: {}, context: ctx });

describe('/account/tokens', () => {
  test('creating a token shows it once; the list then shows its name and scope but never the token', async () => {
    const cs = await makeUser({ role: 'cs' });
    const { status, result } = await post(cs, { intent: 'create', _form: 'create', name: 'Warehouse sync', scope: 'write' });
    expect(status).toBe(200);
    expect(result.token).toMatch(/^kept_/);
    const page = await load(cs);
    expect(page.mine).toEqual([expect.objectContaining({ name: 'Warehouse sync', scope: 'write', lastUsedAt: null, revokedAt: null })]);
    expect(JSON.stringify(page)).not.toContain(result.token!.slice(30));
    expect(page.everyone).toBeNull();
  });

  test('a missing name or a scope the role may not hold is refused next to the field, keeping what was typed', async () => {
    const lead = await makeUser({ role: 'leadership' });
    const empty = await post(lead, { intent: 'create', _form: 'create', name: '  ', scope: 'read' });
    expect(empty.status).toBe(400);
    expect(empty.result.errors?.name).toBeDefined();
    const write = await post(lead, { intent: 'create', _form: 'create', name: 'Board pack', scope: 'write' });
    expect(write.status).toBe(400);
    expect(write.result.errors?.scope).toBeDefined();
    expect(write.result.values?.name).toBe('Board pack');
    expect((await load(lead)).mayWrite).toBe(false);
  });

  test('a user revokes their own token, not someone else’s; an admin sees and revokes anyone’s', async () => {
    const [rep, other, admin] = await Promise.all([makeUser({ role: 'sales' }), makeUser({ role: 'cs' }), makeUser({ role: 'admin' })]);
    await post(rep, { intent: 'create', _form: 'create', name: 'CRM bridge', scope: 'read' });
    await post(rep, { intent: 'create', _form: 'create', name: 'Notebook', scope: 'read' });
    const [first, second] = (await load(rep)).mine;
    expect((await post(other, { intent: 'revoke', _form: 'revoke', tokenId: first.id })).status).toBe(400);
    expect((await post(rep, { intent: 'revoke', _form: 'revoke', tokenId: first.id })).result).toMatchObject({ ok: true });
    expect((await load(rep)).mine.find((t) => t.id === first.id)?.revokedAt).not.toBeNull();
    const all = (await load(admin)).everyone!;
    expect(all.find((t) => t.id === second.id)?.owner?.email).toBe(rep.email);
    expect((await post(admin, { intent: 'revoke', _form: 'revoke', tokenId: second.id })).result).toMatchObject({ ok: true });
    expect((await load(rep)).mine.every((t) => t.revokedAt)).toBe(true);
  });
});
