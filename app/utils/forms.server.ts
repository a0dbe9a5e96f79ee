import { data } from '@remix-run/node';
import { z } from 'zod';
import type { FormResult } from '#app/components/form-feedback';
import { FORM_MAX_BYTES } from '#app/utils/body-limits.server';

export type FieldErrors = Record<string, string[]>;
export type FormFailure = { ok: false; errors: FieldErrors; values: Record<string, string> };

/** zod issues -> { 'field.path': [messages] }, with "" for form-level errors. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.');
    // Own keys only: a field named like an Object.prototype member ("valueOf") must not find the method.
    (Object.hasOwn(out, key) ? out[key] : (out[key] = [])).push(issue.message);
  }
  return out;
}

/** Form data as plain strings (files dropped), for parsing and for echoing back what the user typed. */
export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === 'string') values[key] = value;
  return values;
}

/**
 * Parses a form with a zod schema. On failure, the caller returns `badRequest(result)`: status 400,
 * field errors for the page to show next to the fields, and the values to keep in the form.
 */
export function parseForm<S extends z.ZodType>(schema: S, formData: FormData): { ok: true; data: z.infer<S> } | FormFailure {
  const values = formValues(formData);
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error), values: withoutSecrets(values) };
}

/** What to echo back after a refusal: never a password or a secret (password, currentPassword, clientSecret, …). */
function withoutSecrets(values: Record<string, string>) {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !/password|secret/i.test(key)));
}

export function badRequest(failure: Omit<FormFailure, 'ok'> & { ok?: false }) {
  return data({ ok: false as const, errors: failure.errors, values: failure.values }, { status: 400 });
}

/** 404 through one helper, so every route says "not found" the same way. */
export function notFound(what = 'That record'): never {
  throw new Response(`${what} was not found.`, { status: 404 });
}

/** The request's form data; any other body (JSON, garbage) is a 400, never a 500. */
export async function readFormData(request: Request): Promise<FormData> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    throw new Response('Send this form as form data.', { status: 400 });
  }
  // The HTTP layer already cut longer bodies off while they streamed; this holds for any other caller.
  if (Number(request.headers.get('Content-Length') ?? 0) > FORM_MAX_BYTES) throw new Response('The form is too large.', { status: 413 });
  try {
    return await request.formData();
  } catch {
    throw new Response('The form data could not be read.', { status: 400 });
  }
}

/** One intent of a form with several buttons: the zod schema its fields pass, and what it then does. */
export type IntentHandler<T, R> = { schema: z.ZodType<T>; run: (input: T, values: Record<string, string>) => R | Promise<R> };

/** The schema of an intent whose form has no fields of its own (the button is the whole request). */
export const NoFields = z.object({});

/** Declares one intent (a function, so TypeScript infers `input` from the schema). */
export const intent = <T, R>(schema: z.ZodType<T>, run: (input: T, values: Record<string, string>) => R | Promise<R>): IntentHandler<T, R> => ({ schema, run });

type IntentMap = Record<string, { schema: z.ZodType; run: (input: never, values: Record<string, string>) => unknown }>;

/**
 * Runs the handler of the form's `intent` field, after its schema accepted the fields. An unknown
 * intent or fields the schema refuses answer 400 in the FormResult shape (app/components/form-feedback.tsx):
 * `form` names the page's form so the refusal shows next to its button, field errors sit next to
 * their fields and the values typed are kept (never a password).
 */
export async function dispatchIntent<H extends IntentMap>(
  formData: FormData,
  handlers: H,
  options: { form?: string; unknown?: string } = {},
): Promise<Awaited<ReturnType<H[keyof H]['run']>> | ReturnType<typeof intentRefusal>> {
  const values = formValues(formData);
  const name = values.intent ?? '';
  // Own keys only: an intent named "constructor" or "toString" is unknown, not Object's method.
  const handler = Object.hasOwn(handlers, name) ? (handlers[name] as unknown as IntentHandler<unknown, Awaited<ReturnType<H[keyof H]['run']>>>) : undefined;
  if (!handler) return intentRefusal({ form: options.form, errors: { '': [options.unknown ?? 'Unknown action.'] }, values: withoutSecrets(values) });
  const parsed = handler.schema.safeParse(values);
  if (!parsed.success) return intentRefusal({ form: options.form, errors: fieldErrors(parsed.error), values: withoutSecrets(values) });
  return handler.run(parsed.data, values);
}

function intentRefusal(result: { form?: string; errors: FieldErrors; values: Record<string, string> }) {
  return data<FormResult & { ok: false; errors: FieldErrors; values: Record<string, string> }>({ ok: false, ...result }, { status: 400 });
}
