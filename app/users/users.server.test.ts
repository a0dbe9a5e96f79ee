import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { EmailMessage } from '#models/email-message';
import { User } from '#models/user';
import { formRequest, makeUser } from '#test/factories';
import { action } from '#app/routes/_staff.admin.users._index';
import { createUser, DuplicateEmailError } from '#app/users/users.server';

describe('user administration', () => {
  it('creates a user with a role, audits it and queues the invitation email', async () => {
    const admin = await makeUser({ role: 'admin' });
    const user = await createUser({ name: 'Nia New', email: 'nia@example.test', role: 'marketing', password: 'a-long-enough-password', actorId: admin.id, actorName: admin.name });
    expect(user.role).toBe('marketing');
    expect(await AuditEvent.countDocuments({ action: 'user.created', entityId: user.id })).toBe(1);
    const mail = await EmailMessage.findOne({ idempotencyKey: `user:${user.id}:invitation` }).lean();
    expect(mail?.to).toBe('nia@example.test');
    expect(mail?.text).toContain('Marketing');
    await expect(createUser({ name: 'Dup', email: 'NIA@example.test', role: 'cs', password: 'a-long-enough-password', actorId: admin.id })).rejects.toBeInstanceOf(
      DuplicateEmailError,
    );
  });

  it('the form shows field errors, keeps input, and writes nothing for a bad role or duplicate email', async () => {
    const admin = await makeUser({ role: 'admin' });
    const before = await User.countDocuments();
    const res = (await action({
      request: await formRequest(admin, '/admin/users', { name: 'X Y', email: 'xy@example.test', role: 'superuser', password: 'short' }),
      params: {},
      context: { nonce: '', clientIp: '' },
    })) as unknown as { data: { errors: Record<string, string[]>; values: Record<string, string> }; init: { status: number } };
    expect(res.init.status).toBe(400);
    expect(res.data.errors.role?.[0]).toMatch(/roles/);
    expect(res.data.errors.password?.[0]).toMatch(/12 characters/);
    expect(res.data.values.email).toBe('xy@example.test');
    expect(res.data.values.password).toBeUndefined();
    expect(await User.countDocuments()).toBe(before);

    const dup = (await action({
      request: await formRequest(admin, '/admin/users', { name: 'Again', email: admin.email, role: 'cs', password: 'a-long-enough-password' }),
      params: {},
      context: { nonce: '', clientIp: '' },
    })) as unknown as { data: { errors: Record<string, string[]> }; init: { status: number } };
    expect(dup.init.status).toBe(400);
    expect(dup.data.errors.email?.[0]).toMatch(/already exists/);
  });

  it('refuses non-admins', async () => {
    const cs = await makeUser({ role: 'cs' });
    const thrown = await action({
      request: await formRequest(cs, '/admin/users', { name: 'X', email: 'x@example.test', role: 'admin', password: 'a-long-enough-password' }),
      params: {},
      context: { nonce: '', clientIp: '' },
    }).catch((r) => r as Response);
    expect((thrown as Response).status).toBe(403);
    expect(await User.countDocuments({ email: 'x@example.test' })).toBe(0);
  });
});
