// fast-check generators shared by the fuzzing specs: over HTTP (test/e2e/fuzz.test.ts) and in-process
// (test/schema-fuzz.test.ts). Forms are shaped by each action's zod schema (through z.toJSONSchema:
// the right field names with valid-looking values) mixed with garbage: arbitrary, unicode and binary
// strings, huge values, numbers out of range, repeated keys (`a=1&a=2`), bracket keys (`a[$ne]`),
// missing fields and wrong content types. Webhook events are JSON shaped the same way.
import fc from 'fast-check';
import { z } from 'zod';

export type Json = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Json[];
  oneOf?: Json[];
  allOf?: Json[];
  properties?: Record<string, Json>;
  items?: Json;
  required?: string[];
};
export const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Json;

/** Ids that exist in the database under test, so some generated ids point at real documents. */
let knownIds: string[] = ['0'.repeat(24)];
export function setKnownIds(ids: string[]) {
  knownIds = ids.length ? ids : ['0'.repeat(24)];
}

const huge = fc.oneof(
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'A'.repeat(n)),
  fc.integer({ min: 100, max: 5_000 }).map((n) => '😀'.repeat(n)),
);
const nasty = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1e309',
  '1e-400',
  'NaN',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '99999999999999999999',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '{"$ne":null}',
  '$where',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u0000',
  '%00',
  '\r\n',
  '2026-02-30',
  '0000-00-00',
  '9999-12-31',
  '2026-01-30T25:61:00Z',
  ' 2026-01-01 ',
  'ＡＢＣ',
  '\u202e',
  'x'.repeat(201),
  '9'.repeat(400),
);
/** Anything a browser, a script or an attacker might put in one form field. */
export const garbage: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
  { weight: 2, arbitrary: fc.nat().map((n) => knownIds[n % knownIds.length]) },
  { weight: 1, arbitrary: fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: huge }) },
);

/** A value for one field, following its JSON schema (enum, const, pattern, format, bounds). */
export function fieldArb(js: Json | undefined, name = ''): fc.Arbitrary<string> {
  if (!js) return garbage;
  if (js.const !== undefined) return fc.constant(String(js.const));
  if (js.enum) return fc.constantFrom(...js.enum.map(String));
  const alternatives = js.anyOf ?? js.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fieldArb(a, name)));
  if (js.type === 'number' || js.type === 'integer') {
    const min = js.minimum ?? -1e6;
    const max = js.maximum ?? 1e9;
    return fc.oneof(
      fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31 - 1)) }).map(String),
      fc.double({ min: min - 10, max: max + 10, noNaN: true }).map(String),
    );
  }
  if (js.format === 'email')
    return fc.oneof(
      fc.emailAddress(),
      fc.tuple(fc.stringMatching(/^[a-z0-9._-]{1,20}$/), fc.stringMatching(/^[a-z0-9-]{1,12}\.[a-z]{2,6}$/)).map(([u, d]) => `${u}@${d}`),
    );
  // Links (a refine in zod, so no format in the JSON schema): web addresses for fields named like one.
  if (js.format === 'uri' || (js.type === 'string' && !js.pattern && /url/i.test(name))) return fc.oneof(fc.webUrl(), fc.string({ maxLength: 60 }));
  if (js.pattern === '^\\d{4}-\\d{2}-\\d{2}$') {
    // A day: real recent days mostly (so date refinements can pass), any four-two-two digits otherwise.
    const day = fc.date({ min: new Date('1999-01-01T00:00:00Z'), max: new Date(Date.now() + 5 * 86_400_000), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    return fc.oneof({ weight: 3, arbitrary: day }, { weight: 1, arbitrary: fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  }
  if (js.pattern) {
    try {
      return fc.stringMatching(new RegExp(js.pattern)).filter((s) => s.length <= 400);
    } catch {
      // a pattern JavaScript cannot compile without flags: garbage instead
    }
  }
  if (js.type === 'string') return fc.string({ minLength: js.minLength ?? 0, maxLength: Math.min(js.maxLength ?? 60, 400) });
  if (js.type === 'boolean') return fc.constantFrom('true', 'false', 'on', 'yes', '1');
  return garbage;
}

export type Pairs = [string, string][];
/** The object shapes a form schema allows: union members, with intersections (`a.and(b)`) merged into one. */
export function objectVariants(js: Json): Json[] {
  if (js.allOf) return [{ ...js, allOf: undefined, properties: Object.assign({}, ...js.allOf.flatMap(objectVariants).map((j) => j.properties ?? {})) }];
  const alternatives = js.anyOf ?? js.oneOf;
  return alternatives ? alternatives.flatMap(objectVariants) : [js];
}
/** The form of one object schema: each field present (mostly), valid-looking or garbage, then extra pairs. */
export function formArb(js: Json, names: string[], validWeight: number, garbageWeight = 1, presence = 6): fc.Arbitrary<Pairs> {
  const variants = objectVariants(js);
  return fc.oneof(
    ...variants.map((variant) => {
      const props = Object.entries(variant.properties ?? {});
      const fields = props.map(([name, prop]) =>
        fc.option(
          fc.oneof({ weight: validWeight, arbitrary: fieldArb(prop, name) }, { weight: garbageWeight, arbitrary: garbage }).map((v): [string, string] => [name, v]),
          { freq: presence, nil: null },
        ),
      );
      const every = [...new Set([...names, ...props.map(([n]) => n)])];
      const key = fc.oneof(
        fc.constantFrom(...every),
        fc.constantFrom(...every).chain((n) => fc.constantFrom(`${n}[$ne]`, `${n}[]`, `${n}[0]`, `${n}.__proto__`, `${n}[$regex]`)),
        fc.constantFrom('__proto__', 'constructor', '$where', '_id', 'role', 'createdBy'),
        fc.string({ maxLength: 20 }),
      );
      const extras = fc.array(fc.tuple(key, garbage), { maxLength: 4 });
      return fc.tuple(fc.tuple(...fields), extras).map(([present, more]) => [...present.filter((p): p is [string, string] => p !== null), ...more]);
    }),
  );
}

/**
 * Generated forms for one target: any of its shapes, and how the body is encoded. `cleanWeight` mixes in
 * mostly valid forms (every field there, one in thirteen values garbage), so enough inputs get past the
 * schema to check what is accepted: 0 keeps the original mix (the HTTP spec), 1 makes them half.
 */
export function targetArb(target: { shapes: z.ZodType[]; names?: string[]; validWeight?: number; garbageWeight?: number }, { cleanWeight = 0 } = {}) {
  const names = [...(target.names ?? [])];
  const schemas = target.shapes.map(jsonSchema);
  const usual = fc.oneof(...schemas.map((js) => formArb(js, names, target.validWeight ?? 2, target.garbageWeight ?? 1)));
  const clean = fc.oneof(...schemas.map((js) => formArb(js, names, 12, 1, 40)));
  const form = cleanWeight > 0 ? fc.oneof({ weight: 1, arbitrary: usual }, { weight: cleanWeight, arbitrary: clean }) : usual;
  return fc.tuple(form, encodingArb);
}

export type Encoded = { kind: 'urlencoded' | 'multipart' | 'json' | 'text' | 'none'; body: string | FormData; headers: Record<string, string> };
export const encodingArb = fc.constantFrom<Encoded['kind']>('urlencoded', 'urlencoded', 'urlencoded', 'urlencoded', 'urlencoded', 'multipart', 'multipart', 'json', 'text', 'none');
export function encode(kind: Encoded['kind'], pairs: Pairs): Encoded {
  if (kind === 'multipart') {
    const form = new FormData();
    for (const [k, v] of pairs) form.append(k, v);
    return { kind, body: form, headers: {} };
  }
  if (kind === 'json') return { kind, body: JSON.stringify(Object.fromEntries(pairs)), headers: { 'Content-Type': 'application/json' } };
  if (kind === 'text') return { kind, body: pairs.map(([k, v]) => `${k}: ${v}`).join('\n'), headers: { 'Content-Type': 'text/plain' } };
  const body = new URLSearchParams(pairs).toString();
  return { kind, body, headers: kind === 'none' ? { 'Content-Type': '' } : { 'Content-Type': 'application/x-www-form-urlencoded' } };
}

// ---------------------------------------------------------------------------------------------
// Webhooks: JSON events shaped by their schemas

/** A JSON value following a JSON schema, with garbage mixed in at every level. */
export function jsonArb(js: Json | undefined, depth = 0, clean = false): fc.Arbitrary<unknown> {
  const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), garbage, fc.constant({ $ne: null }), fc.constant([{ $gt: '' }]));
  if (!js) return junk;
  let shaped: fc.Arbitrary<unknown>;
  const alternatives = js.anyOf ?? js.oneOf;
  if (alternatives) shaped = fc.oneof(...alternatives.map((a) => jsonArb(a, depth + 1, clean)));
  else if (js.type === 'object' || js.properties) {
    const props = Object.entries(js.properties ?? {});
    shaped = fc
      .tuple(
        ...props.map(([name, p]) =>
          fc.option(
            jsonArb(p, depth + 1, clean).map((v) => [name, v] as const),
            { freq: clean && js.required?.includes(name) ? 1_000 : 8, nil: null },
          ),
        ),
      )
      .map((entries) => Object.fromEntries(entries.filter((e): e is readonly [string, unknown] => e !== null)));
  } else if (js.type === 'array') shaped = fc.array(jsonArb(js.items, depth + 1, clean), { maxLength: 4 });
  else if (js.type === 'number' || js.type === 'integer') {
    shaped = fc.oneof(fc.double({ min: (js.minimum ?? -1e6) - 5, max: (js.maximum ?? 1e9) + 5, noNaN: true }), fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2));
  } else shaped = fieldArb(js);
  return depth > 4 || clean ? shaped : fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: junk });
}

/** How a delivery is signed: mostly right, sometimes stale, with a wrong secret, or not at all. */
export const signingArb = fc.constantFrom('good', 'good', 'good', 'good', 'good', 'good', 'good', 'stale', 'wrong', 'none');
export type Signing = 'good' | 'stale' | 'wrong' | 'none';

/**
 * CRM events (schema: CrmWebhookSchema), with real dates and the given sales owner now and then, so some
 * pass. `cleanWeight` as for forms: that many parts of events with every required field and no junk.
 */
export function crmEventArb(schema: z.ZodType, ownerEmail: string, { cleanWeight = 0 } = {}) {
  const js = jsonSchema(schema);
  const deal = js.properties!.deal;
  deal.properties!.closedWonAt = { anyOf: [{ type: 'string', pattern: '^20[0-2][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$' }, { type: 'string' }] };
  deal.properties!.ownerEmail = { anyOf: [{ enum: [ownerEmail] }, { type: 'string', format: 'email' }, { type: 'string', format: 'email' }, { type: 'string', format: 'email' }] };
  return cleanWeight > 0 ? fc.oneof({ weight: 1, arbitrary: jsonArb(js) }, { weight: cleanWeight, arbitrary: jsonArb(js, 0, true) }) : jsonArb(js);
}

/** Resend events (schema: ResendEventSchema), with the event types Kept acts on mixed in. */
export function resendEventArb(schema: z.ZodType, { cleanWeight = 0 } = {}) {
  const js = jsonSchema(schema);
  js.properties!.type = {
    anyOf: [{ enum: ['email.sent', 'email.delivered', 'email.bounced', 'email.complained', 'email.opened'] }, { type: 'string', minLength: 1, maxLength: 100 }],
  };
  return cleanWeight > 0 ? fc.oneof({ weight: 1, arbitrary: jsonArb(js) }, { weight: cleanWeight, arbitrary: jsonArb(js, 0, true) }) : jsonArb(js);
}
