import { describe, expect, it } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { Brand } from '#models/brand';
import { EmailMessage } from '#models/email-message';
import { createPacer, dispatchDueEmails } from '#app/email/email.server';
import { startJourneyForDeal } from '#app/journeys/journey.server';
import { requestBuyerConfirmation } from '#app/journeys/plan.server';
import { action } from '#app/routes/_staff.admin.brand';
import { loader as logoLoader } from '#app/routes/brand.logo';
import { BRAND_TTL_MS, forgetBrand, getBuyerBrand } from '#app/branding/brand.server';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser, requestAs } from '#test/factories';
import { useFakeResend } from '#test/harness/fake-resend';
import { demoLogoPng } from '#scripts/seed/brand-logo';

const fake = useFakeResend({ send: true });
const ctx = { nonce: '', clientIp: '10.9.0.1' };
type Answer = { status: number; body: { ok: boolean; message?: string; errors: Record<string, string[]>; values: Record<string, string> } };

async function answer(run: () => Promise<unknown>): Promise<Answer> {
  try {
    const result = (await run()) as { data: Answer['body']; init?: { status?: number } };
    return { status: result.init?.status ?? 200, body: result.data };
  } catch (thrown) {
    return { status: (thrown as Response).status, body: null as never };
  }
}

const save = (user: Awaited<ReturnType<typeof makeUser>>, fields: Record<string, string>) =>
  answer(async () => action({ request: await formRequest(user, '/admin/brand', { intent: 'save', ...fields }), params: {}, context: ctx }));

async function upload(user: Awaited<ReturnType<typeof makeUser>>, bytes: Uint8Array, name: string, type: string) {
  const form = new FormData();
  form.set('intent', 'logo');
  form.set('logo', new File([new Uint8Array(bytes)], name, { type }));
  return answer(async () => action({ request: await requestAs(user, '/admin/brand', { method: 'POST', body: form }), params: {}, context: ctx }));
}

const getLogo = (query = '') => logoLoader({ request: new Request(`http://localhost:3000/brand/logo${query}`), params: {}, context: ctx }) as Promise<Response>;

const ACME = {
  name: 'Acme Analytics',
  accentColor: '#B91C1C',
  senderName: 'Acme Customer Success',
  senderEmail: 'Success@Acme.example',
  replyTo: 'team@acme.example',
  postalAddress: 'Acme Analytics Ltd\n1 Main Street, Leeds',
  privacyUrl: 'https://acme.example/privacy',
};

async function confirmationRequest() {
  const cs = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: cs.id });
  const buyer = await makeContact(account.id, { name: 'Nora Lindqvist', isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date() });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: new Date() });
  expect(await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: new Date() })).toMatchObject({ ok: true });
  return (await EmailMessage.findOne({ to: buyer.email, template: 'journey-confirmation-request' }).lean())!;
}

describe('without a brand', () => {
  it('buyer emails go out from the default sender with Kept’s letterhead and no Reply-To', async () => {
    const message = await confirmationRequest();
    expect(message.from).toBe('Kept <kept@example.com>');
    expect(message.replyTo).toBeUndefined();
    expect(message.text).toContain('Sent by Kept');
    expect((await getLogo()).status).toBe(404);
  });
});

describe('the brand form', () => {
  it('only admins may change the brand', async () => {
    const cs = await makeUser({ role: 'cs' });
    expect((await save(cs, ACME)).status).toBe(403);
  });

  it('refuses bad input field by field, keeps what was typed and saves nothing', async () => {
    const admin = await makeUser({ role: 'admin' });
    const typed = {
      name: '  ',
      accentColor: 'teal',
      senderName: 'Acme',
      senderEmail: 'not-an-address',
      replyTo: 'also wrong',
      privacyUrl: 'http://acme.example/privacy',
      postalAddress: '',
    };
    const res = await save(admin, typed);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['accentColor', 'name', 'privacyUrl', 'replyTo', 'senderEmail']);
    expect(res.body.errors.privacyUrl[0]).toMatch(/https/);
    expect(res.body.values).toMatchObject({ accentColor: 'teal', senderEmail: 'not-an-address', privacyUrl: 'http://acme.example/privacy' });
    expect(await Brand.countDocuments()).toBe(0);
  });

  it('refuses a sender name that would break the From header', async () => {
    const admin = await makeUser({ role: 'admin' });
    const res = await save(admin, { ...ACME, senderName: 'Acme <evil@x.example>' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(['senderName']);
  });

  it('saves a valid brand (normalised), audits the change, and buyer pages see it at once', async () => {
    const admin = await makeUser({ role: 'admin' });
    expect((await getBuyerBrand()).name).toBe('Kept');
    const res = await save(admin, ACME);
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
    const stored = await Brand.findById('brand').lean();
    expect(stored).toMatchObject({ name: 'Acme Analytics', accentColor: '#b91c1c', senderEmail: 'success@acme.example', replyTo: 'team@acme.example' });
    const audit = await AuditEvent.findOne({ action: 'brand.updated' }).lean();
    expect(audit!.data.changed).toEqual(expect.arrayContaining(['name', 'accentColor', 'senderEmail', 'replyTo', 'postalAddress', 'privacyUrl']));
    expect(await getBuyerBrand()).toMatchObject({ name: 'Acme Analytics', accentColor: '#b91c1c', textOnAccent: '#ffffff', vendor: true });
  });
});

describe('a branded buyer email', () => {
  it('is queued From the brand’s sender with its Reply-To, shows its letterhead, and Resend gets both headers', async () => {
    const message = await confirmationRequest();
    expect(message.from).toBe('Acme Customer Success <success@acme.example>');
    expect(message.replyTo).toBe('team@acme.example');
    expect(message.text).toContain('Hi Nora,');
    expect(message.text).toContain('Acme Analytics Ltd, 1 Main Street, Leeds');
    expect(message.text).toContain('Powered by Kept');
    await dispatchDueEmails({ now: new Date(Date.now() + 1000), owner: 'worker-a', pacer: createPacer(100) });
    const sent = fake.delivered.find((d) => d.body.to === message.to || (Array.isArray(d.body.to) && d.body.to.includes(message.to)));
    expect(sent?.body).toMatchObject({ from: 'Acme Customer Success <success@acme.example>', reply_to: 'team@acme.example' });
  });

  it('another process sees a save within the cache time', async () => {
    await getBuyerBrand();
    // Another process's save: the document changes, this process's cache does not know.
    await Brand.updateOne({ _id: 'brand' }, { $set: { name: 'Acme Renamed' } });
    expect((await getBuyerBrand()).name).toBe('Acme Analytics');
    await new Promise((resolve) => setTimeout(resolve, BRAND_TTL_MS + 50));
    expect((await getBuyerBrand()).name).toBe('Acme Renamed');
    await Brand.updateOne({ _id: 'brand' }, { $set: { name: 'Acme Analytics' } });
    forgetBrand();
  }, 15_000);
});

describe('the logo', () => {
  const png = demoLogoPng();

  it('accepts a PNG named .jpg (declared image/jpeg) and stores and serves it as the PNG it is', async () => {
    const admin = await makeUser({ role: 'admin' });
    const res = await upload(admin, png, 'logo.jpg', 'image/jpeg');
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
    const brand = await getBuyerBrand();
    expect(brand.logoUrl).toMatch(/^\/brand\/logo\?v=[a-f0-9]{16}$/);

    const served = await getLogo(brand.logoUrl!.slice('/brand/logo'.length));
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Type')).toBe('image/png');
    expect(served.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(served.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    // An old or missing version is not cached for long: the next upload shows within a minute.
    expect((await getLogo('?v=0000')).headers.get('Cache-Control')).toBe('public, max-age=60');
    expect((await getLogo()).headers.get('Cache-Control')).toBe('public, max-age=60');
    expect(await AuditEvent.countDocuments({ action: 'brand.logo_uploaded' })).toBe(1);
  });

  it('refuses an HTML or SVG file declared image/png, and a file over the size cap; the stored logo stays', async () => {
    const admin = await makeUser({ role: 'admin' });
    const before = (await getBuyerBrand()).logoUrl;
    const html = new TextEncoder().encode('<!doctype html><script>alert(document.cookie)</script>');
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>');
    const big = new Uint8Array(300 * 1024);
    big.set(png.subarray(0, 8));
    for (const [bytes, name, message] of [
      [html, 'logo.png', /PNG or JPEG/],
      [svg, 'logo.png', /PNG or JPEG/],
      [big, 'big.png', /256 KB/],
      [new Uint8Array(0), 'empty.png', /Choose a PNG or JPEG/],
    ] as const) {
      const res = await upload(admin, bytes, name, 'image/png');
      expect(res.status, name).toBe(400);
      expect(res.body.errors.logo[0]).toMatch(message);
    }
    forgetBrand();
    expect((await getBuyerBrand()).logoUrl).toBe(before);
    expect((await getLogo()).headers.get('Content-Type')).toBe('image/png');
  });

  it('a JPEG is served as image/jpeg; removing the logo answers 404 afterwards', async () => {
    const admin = await makeUser({ role: 'admin' });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
    expect((await upload(admin, jpeg, 'logo.png', 'image/png')).status).toBe(200);
    expect((await getLogo()).headers.get('Content-Type')).toBe('image/jpeg');
    const removed = await answer(async () => action({ request: await formRequest(admin, '/admin/brand', { intent: 'remove-logo' }), params: {}, context: ctx }));
    expect(removed).toMatchObject({ status: 200, body: { ok: true } });
    expect((await getLogo()).status).toBe(404);
    expect((await getBuyerBrand()).logoUrl).toBeNull();
  });
});
