import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { fieldErrors } from '#app/utils/forms.server';

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
