import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { dispatchIntent, fieldErrors, intent } from '#app/utils/forms.server';

describe('fieldErrors', () => {
  test('keys errors by field path, with "" for the form', () => {
    const parsed = z.object({ name: z.string().min(1, 'Name is required'), arr: z.coerce.number().positive('ARR must be positive') }).safeParse({ name: '', arr: '-1' });
    expect(fieldErrors(parsed.error!)).toEqual({ name: ['Name is required'], arr: ['ARR must be positive'] });
  });

  test('a field named like an Object.prototype member ("valueOf", "constructor") is an ordinary key, not a crash', () => {
    const parsed = z.record(z.string(), z.enum(['delivered', 'partly'])).safeParse({ valueOf: 'nope', constructor: 'nope', toString: 'partly' });
    const errors = fieldErrors(parsed.error!);
    expect(Object.keys(errors).sort()).toEqual(['constructor', 'valueOf']);
    expect(errors.valueOf).toHaveLength(1);
  });
});

describe('dispatchIntent', () => {
  const form = (fields: Record<string, string>) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    return fd;
  };
  const handlers = {
    rename: intent(z.object({ name: z.string().trim().min(1, 'Give a name.') }), (input) => ({ ok: true as const, message: `Renamed to ${input.name}.` })),
    archive: intent(z.object({}), async () => ({ ok: true as const, message: 'Archived.' })),
  };
  const refusal = (answer: unknown) =>
    answer as { data: { ok: boolean; form?: string; errors: Record<string, string[]>; values: Record<string, string> }; init: { status: number } };

  test('runs the handler of the intent with the parsed fields', async () => {
    expect(await dispatchIntent(form({ intent: 'rename', name: '  Acme ' }), handlers)).toEqual({ ok: true, message: 'Renamed to Acme.' });
    expect(await dispatchIntent(form({ intent: 'archive' }), handlers)).toEqual({ ok: true, message: 'Archived.' });
  });

  test('fields the schema refuses: 400 with the field errors, the form named and the values kept (no password)', async () => {
    const answer = refusal(await dispatchIntent(form({ intent: 'rename', name: ' ', password: 'secret' }), handlers, { form: 'rename-form' }));
    expect(answer.init.status).toBe(400);
    expect(answer.data).toEqual({ ok: false, form: 'rename-form', errors: { name: ['Give a name.'] }, values: { intent: 'rename', name: ' ' } });
  });

  test('an unknown or missing intent, or one named like an Object member: 400 with a form-level error, no handler runs', async () => {
    for (const fields of [{ intent: 'delete' }, {}, { intent: 'constructor' }, { intent: 'toString' }] as Record<string, string>[]) {
      const answer = refusal(await dispatchIntent(form(fields), handlers, { unknown: 'Choose what to do.' }));
      expect(answer.init.status).toBe(400);
      expect(answer.data.errors).toEqual({ '': ['Choose what to do.'] });
    }
  });
});
