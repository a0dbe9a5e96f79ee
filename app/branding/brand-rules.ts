// The vendor's brand as buyers see it: what an admin may type (zod), which logo files are accepted
// (by their magic bytes), which text colour reads on the accent colour, and the From header.
// Pure: plain values in, plain values out (docs/branding.md).
import { z } from 'zod';
import { LOCALES } from '#app/i18n/locales';

/** The largest logo Kept stores (bytes): a header logo needs far less. */
export const LOGO_MAX_BYTES = 256 * 1024;
/** Kept's own accent, used when no brand is set. */
export const DEFAULT_ACCENT = '#1f4e79';
/** WCAG AA for normal text. */
export const MIN_CONTRAST = 4.5;
const DARK_TEXT = '#1b2430';
const LIGHT_TEXT = '#ffffff';

// Control characters, CR/LF and the Unicode line separators: none belongs in a one-line field.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const oneLine = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}: at most ${max} characters.`)
    .refine((v) => !CONTROL.test(v), `${label} must be one line of text.`);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.union([z.literal('').transform(() => undefined), schema]).optional();
const email = (label: string) => oneLine(label, 254).pipe(z.string().toLowerCase().email(`${label}: enter an email address like name@yourcompany.com.`));

/** `#1F4E79`, `1f4e79` or `#abc` -> `#1f4e79`; undefined when it is not a hex colour. */
export function normalizeHex(value: string): string | undefined {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return undefined;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return `#${hex.toLowerCase()}`;
}

/** The brand form (every field but the logo, which is its own form). */
export const BrandFormSchema = z.object({
  name: oneLine('The company name', 80).pipe(z.string().min(1, 'Enter the company name buyers know you by.')),
  accentColor: z
    .string()
    .trim()
    .transform((v, ctx) => {
      const hex = normalizeHex(v);
      if (!hex) ctx.addIssue({ code: 'custom', message: 'Enter a colour as six hex digits, like #1f4e79.' });
      return hex ?? z.NEVER;
    }),
  senderName: optional(oneLine('The sender name', 80).refine((v) => !/[<>"\\]/.test(v), 'The sender name may not contain < > " or \\.')),
  senderEmail: optional(email('The sender address')),
  replyTo: optional(email('The reply-to address')),
  postalAddress: optional(
    z
      .string()
      .trim()
      .max(300, 'The postal address: at most 300 characters.')
      .transform((v) => v.replace(/\r\n?/g, '\n').replace(/\n{2,}/g, '\n')),
  ),
  /** The buyers' language when neither contact nor account sets one; empty = English (docs/i18n.md). */
  defaultLanguage: optional(z.enum(LOCALES, { error: 'Choose a language from the list.' })),
  privacyUrl: optional(
    oneLine('The privacy policy link', 500).pipe(
      z
        .string()
        .url('Enter the full link to your privacy policy, starting with https://.')
        .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'The privacy policy link must start with https://.'),
    ),
  ),
});
export type BrandInput = z.infer<typeof BrandFormSchema>;

/** What a buyer page or email needs to show the brand (app/components/public-frame.tsx, emails/_components/brand.tsx). */
export type BuyerBrand = {
  name: string;
  accentColor: string;
  /** White or dark, whichever reads on the accent. */
  textOnAccent: string;
  /** `/brand/logo?v=…` (absolute in emails); null without a logo. */
  logoUrl: string | null;
  postalAddress: string | null;
  privacyUrl: string | null;
  /** True once an admin set a brand: the footer then says "Powered by Kept". */
  vendor: boolean;
};

// ---------------------------------------------------------------------------------------------
// Colour

function luminance(hex: string) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The text colour for a header or button on `accent`: white when it reads, else dark. */
export function textOn(accent: string) {
  return contrastRatio(accent, LIGHT_TEXT) >= MIN_CONTRAST ? LIGHT_TEXT : DARK_TEXT;
}

/** The accent as link and button colour on a white page: itself when white text reads on it, else dark. */
export function inkOn(accent: string) {
  return contrastRatio(accent, LIGHT_TEXT) >= MIN_CONTRAST ? accent : DARK_TEXT;
}

/** A sentence for the admin when white text does not read on the accent (buttons switch to dark text). */
export function accentWarning(accent: string): string | null {
  const white = contrastRatio(accent, LIGHT_TEXT);
  if (white >= MIN_CONTRAST) return null;
  const dark = contrastRatio(accent, DARK_TEXT);
  const ratio = (n: number) => `${n.toFixed(1)}:1`;
  if (dark >= MIN_CONTRAST) {
    return `White text on ${accent} has a contrast of ${ratio(white)} (below ${MIN_CONTRAST}:1), so buyer headers and buttons use dark text on it.`;
  }
  return `Neither white (${ratio(white)}) nor dark text (${ratio(dark)}) reaches ${MIN_CONTRAST}:1 on ${accent}: choose a darker or lighter colour.`;
}

/** Kept's own look: staff emails, and buyer pages and emails of a Kept with no brand set. */
export const KEPT_BRAND: BuyerBrand = {
  name: 'Kept',
  accentColor: DEFAULT_ACCENT,
  textOnAccent: textOn(DEFAULT_ACCENT),
  logoUrl: null,
  postalAddress: null,
  privacyUrl: null,
  vendor: false,
};

// ---------------------------------------------------------------------------------------------
// The logo

export type LogoType = 'image/png' | 'image/jpeg';
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const startsWith = (bytes: Uint8Array, magic: number[]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** What the file is by its first bytes (never by its name or declared type): PNG, JPEG or neither. */
export function sniffImage(bytes: Uint8Array): LogoType | null {
  if (startsWith(bytes, PNG)) return 'image/png';
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  return null;
}

/**
 * Accepts a logo upload or says why not. The content type Kept stores and serves is the one the
 * bytes show: a PNG named logo.jpg is a PNG; an HTML or SVG file declared image/png is refused.
 */
export function checkLogo(bytes: Uint8Array): { ok: true; contentType: LogoType } | { ok: false; error: string } {
  if (bytes.length === 0) return { ok: false, error: 'Choose a PNG or JPEG file for the logo.' };
  if (bytes.length > LOGO_MAX_BYTES) return { ok: false, error: `The logo is ${Math.ceil(bytes.length / 1024)} KB; the most Kept accepts is ${LOGO_MAX_BYTES / 1024} KB.` };
  const contentType = sniffImage(bytes);
  if (!contentType) return { ok: false, error: 'The logo must be a PNG or JPEG image (this file is neither, whatever its name says).' };
  return { ok: true, contentType };
}

// ---------------------------------------------------------------------------------------------
// The sender

/** `Name <address>`, the name quoted when it holds characters with a meaning in an address header. */
export function fromHeader(name: string, address: string) {
  const clean = name.replace(/["\\<>\r\n]/g, '').trim();
  if (!clean) return address;
  return /[()<>@,;:".[\]]/.test(clean) ? `"${clean}" <${address}>` : `${clean} <${address}>`;
}

/**
 * A note for the admin when the sender's domain is not the default sender's: Resend sends only from
 * a domain verified in its dashboard, and refuses the others.
 */
export function senderDomainNote(senderEmail: string | null | undefined, defaultFrom: string): string | null {
  if (!senderEmail) return null;
  const domain = senderEmail.split('@')[1]?.toLowerCase();
  const fallback = /@([^>\s]+)>?\s*$/.exec(defaultFrom)?.[1]?.toLowerCase();
  if (!domain || domain === fallback) return null;
  return `Resend sends only from domains verified in your Resend account (Domains). Verify ${domain} there before buyers' emails go out from ${senderEmail}, or Resend refuses them.`;
}

/** "Maria" from "Maria Lopez"; the whole name when it is one word; "there" when there is none. */
export function firstName(name: string | null | undefined) {
  const first = (name ?? '').trim().split(/\s+/)[0];
  return first || 'there';
}
