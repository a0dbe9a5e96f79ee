// The vendor's brand: the admin's settings (one document, models/brand.ts), the logo bytes, and the
// one cached read every buyer page and email goes through (docs/branding.md).
//
// Caching: each process keeps the brand for BRAND_TTL_MS and drops it at once when it saves it.
// Another process (a second web server, the worker) sees a save within BRAND_TTL_MS, which is what
// a change of letterhead needs; no change-feed subscription for a document that changes a few
// times a year. The logo bytes are never cached here: they are read only by /brand/logo, whose
// URL carries the logo's version so browsers and mail clients cache it instead.
import { isLocale, type Locale } from '#app/i18n/locales';
import { createHash } from 'node:crypto';
import type { SessionUser } from '#app/auth/session.server';
import { getEnv } from '#app/env.server';
import { trusted } from '#app/platform/db.server';
import { cachedFor } from '#app/utils/cached-for';
import { logError } from '#app/utils/log.server';
import { recordAudit } from '#models/audit-event';
import { BRAND_ID, Brand } from '#models/brand';
import { checkLogo, fromHeader, KEPT_BRAND, textOn, type BrandInput, type BuyerBrand } from './brand-rules';

export { KEPT_BRAND, type BuyerBrand };

export const BRAND_TTL_MS = 5_000;

/** The brand's settings without the logo bytes. */
export type BrandSettings = {
  name: string;
  accentColor: string;
  senderName: string | null;
  senderEmail: string | null;
  replyTo: string | null;
  postalAddress: string | null;
  privacyUrl: string | null;
  /** The buyers' language when neither contact nor account sets one; null = English. */
  defaultLanguage: Locale | null;
  logo: { version: string; contentType: string; size: number } | null;
  updatedAt: string | null;
};

const SETTINGS_FIELDS = 'name accentColor senderName senderEmail replyTo postalAddress privacyUrl defaultLanguage logo.version logo.contentType logo.size updatedAt';

async function readSettings(): Promise<BrandSettings | null> {
  const doc = await Brand.findById(BRAND_ID).select(SETTINGS_FIELDS).lean();
  if (!doc) return null;
  return {
    name: doc.name,
    accentColor: doc.accentColor,
    senderName: doc.senderName ?? null,
    senderEmail: doc.senderEmail ?? null,
    replyTo: doc.replyTo ?? null,
    postalAddress: doc.postalAddress ?? null,
    privacyUrl: doc.privacyUrl ?? null,
    defaultLanguage: isLocale(doc.defaultLanguage) ? doc.defaultLanguage : null,
    logo: doc.logo?.version ? { version: doc.logo.version, contentType: doc.logo.contentType, size: doc.logo.size } : null,
    updatedAt: doc.updatedAt ? doc.updatedAt.toISOString() : null,
  };
}

const cached = cachedFor(BRAND_TTL_MS, readSettings);

/** The brand's settings as this process last read them (at most BRAND_TTL_MS old); null when none is set. */
export function getBrandSettings({ fresh = false }: { fresh?: boolean } = {}): Promise<BrandSettings | null> {
  return cached.get({ fresh });
}

// A page's frame never waits on a stalled database: past this, it shows the brand last read.
const FRAME_WAIT_MS = 300;
let lastRead: { settings: BrandSettings | null } | undefined;

/**
 * The brand settings for a page's frame (the root loader): the cached or a fresh read, but when the
 * database does not answer within FRAME_WAIT_MS, or fails, the settings this process last read. So
 * during an outage a buyer page still shows its own error in the vendor's frame, instead of the
 * request's stall guard failing the root loader (the staff 503 page). Null when nothing was read yet
 * and the read fails: Kept's own look.
 */
export async function brandSettingsForFrame(): Promise<BrandSettings | null> {
  const read = getBrandSettings().then((settings) => {
    lastRead = { settings };
    return settings;
  });
  const fallback = () => lastRead?.settings ?? null;
  const safe = read.catch((error) => {
    logError(error, { where: 'brandSettingsForFrame' });
    return fallback();
  });
  if (!lastRead) return safe;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<BrandSettings | null>((resolve) => (timer = setTimeout(() => resolve(fallback()), FRAME_WAIT_MS)));
  try {
    return await Promise.race([safe, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Forgets this process's cached brand (after a save; tests that write the document directly). */
export function forgetBrand() {
  cached.clear();
}

const logoPath = (version: string) => `/brand/logo?v=${version}`;

/** The brand as buyer pages and emails show it. `absolute` for emails (the logo URL with APP_URL). */
export function buyerBrandOf(settings: BrandSettings | null, { absolute = false }: { absolute?: boolean } = {}): BuyerBrand {
  if (!settings) return KEPT_BRAND;
  const base = absolute ? getEnv().APP_URL.replace(/\/+$/, '') : '';
  return {
    name: settings.name,
    accentColor: settings.accentColor,
    textOnAccent: textOn(settings.accentColor),
    logoUrl: settings.logo ? `${base}${logoPath(settings.logo.version)}` : null,
    postalAddress: settings.postalAddress,
    privacyUrl: settings.privacyUrl,
    vendor: true,
  };
}

/**
 * The brand for a buyer page or email. Never throws: a failed read shows Kept's own look (the page
 * or email matters more than its letterhead) and is logged.
 */
export async function getBuyerBrand(options: { absolute?: boolean } = {}): Promise<BuyerBrand> {
  try {
    return buyerBrandOf(await getBrandSettings(), options);
  } catch (error) {
    logError(error, { where: 'getBuyerBrand' });
    return KEPT_BRAND;
  }
}

/**
 * The sender of a buyer email: `From: <sender name> <sender address>` and `Reply-To` when the brand
 * sets them; empty (the default EMAIL_FROM, no Reply-To) otherwise. Throws when the brand cannot
 * be read, so an email is not queued under the wrong name (the caller's retry queues it later).
 */
export async function buyerSender(): Promise<{ from?: string; replyTo?: string }> {
  const settings = await getBrandSettings();
  if (!settings) return {};
  return {
    ...(settings.senderEmail ? { from: fromHeader(settings.senderName ?? settings.name, settings.senderEmail) } : {}),
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
  };
}

/** Everything a buyer email needs of the brand: the template's `brand` prop and the sender. */
export async function buyerEmailBrand() {
  const [brand, sender] = await Promise.all([getBuyerBrand({ absolute: true }), buyerSender()]);
  return { brand, ...sender };
}

// ---------------------------------------------------------------------------------------------
// Saving

const OPTIONAL_FIELDS = ['senderName', 'senderEmail', 'replyTo', 'postalAddress', 'privacyUrl', 'defaultLanguage'] as const;

/** Saves the brand's settings (not the logo); audited with the fields that changed. */
export async function saveBrand({ user, input, now = new Date() }: { user: SessionUser; input: BrandInput; now?: Date }) {
  const before = await readSettings();
  const set: Record<string, unknown> = { name: input.name, accentColor: input.accentColor, updatedById: user.id };
  const unset: Record<string, ''> = {};
  for (const field of OPTIONAL_FIELDS) {
    if (input[field]) set[field] = input[field];
    else unset[field] = '';
  }
  await Brand.updateOne({ _id: BRAND_ID }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
  forgetBrand();
  const changed = (['name', 'accentColor', ...OPTIONAL_FIELDS] as const).filter((f) => (before?.[f] ?? null) !== (input[f] ?? null));
  await recordAudit({
    actorId: user.id,
    action: 'brand.updated',
    entityType: 'brand',
    entityId: BRAND_ID,
    data: { changed, ...Object.fromEntries(changed.map((f) => [f, { from: before?.[f] ?? null, to: input[f] ?? null }])) },
    now,
  });
  return { changed };
}

/**
 * Stores an uploaded logo after checking it (PNG or JPEG by magic bytes, at most LOGO_MAX_BYTES).
 * A logo needs a brand around it: without one, the brand is created with Kept's name and accent
 * until the admin saves their own.
 */
export async function saveLogo({ user, bytes, now = new Date() }: { user: SessionUser; bytes: Uint8Array; now?: Date }) {
  const check = checkLogo(bytes);
  if (!check.ok) return check;
  const version = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const logo = { data: Buffer.from(bytes), contentType: check.contentType, version, size: bytes.length };
  await Brand.updateOne(
    { _id: BRAND_ID },
    { $set: { logo, updatedById: user.id }, $setOnInsert: { name: KEPT_BRAND.name, accentColor: KEPT_BRAND.accentColor } },
    { upsert: true },
  );
  forgetBrand();
  await recordAudit({
    actorId: user.id,
    action: 'brand.logo_uploaded',
    entityType: 'brand',
    entityId: BRAND_ID,
    data: { contentType: check.contentType, size: bytes.length, version },
    now,
  });
  return { ok: true as const, version, contentType: check.contentType };
}

/** Removes the logo (buyers then see the name alone). */
export async function removeLogo({ user, now = new Date() }: { user: SessionUser; now?: Date }) {
  const result = await Brand.updateOne({ _id: BRAND_ID, logo: trusted({ $exists: true }) }, { $unset: { logo: '' }, $set: { updatedById: user.id } });
  forgetBrand();
  if (result.modifiedCount) await recordAudit({ actorId: user.id, action: 'brand.logo_removed', entityType: 'brand', entityId: BRAND_ID, now });
  return { removed: result.modifiedCount > 0 };
}

/** The logo's bytes for /brand/logo; null when there is none. */
export async function readLogo(): Promise<{ data: Buffer; contentType: string; version: string } | null> {
  const doc = await Brand.findById(BRAND_ID).select('logo').lean();
  if (!doc?.logo?.data) return null;
  const data = doc.logo.data as unknown;
  // The driver hands back a BSON Binary for a lean read; a Buffer when mongoose cast it.
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from((data as { buffer: Uint8Array }).buffer);
  return { data: bytes, contentType: doc.logo.contentType, version: doc.logo.version };
}

/** The sender buyer emails use when the brand names none (EMAIL_FROM). */
export const defaultSender = () => getEnv().EMAIL_FROM;
