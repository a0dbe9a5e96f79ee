import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { readLogo } from '#app/branding/brand.server';

// The vendor's logo, for buyer pages and emails (no login: mail clients fetch it). Served with the
// type its bytes showed at upload (PNG or JPEG only), nosniff, and no way to run as a document. The
// URL carries the logo's version (`?v=`): that URL is cached for a year; any other for a minute.

const Query = z.object({
  v: z
    .string()
    .regex(/^[a-f0-9]{1,64}$/)
    .optional(),
});
const YEAR = 365 * 24 * 60 * 60;

export async function loader({ request }: LoaderFunctionArgs) {
  const query = Query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const logo = await readLogo();
  if (!logo) {
    return new Response('No logo is set.', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    });
  }
  const current = query.success && query.data.v === logo.version;
  return new Response(new Uint8Array(logo.data), {
    headers: {
      'Content-Type': logo.contentType,
      'Content-Length': String(logo.data.length),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Content-Disposition': `inline; filename="logo.${logo.contentType === 'image/png' ? 'png' : 'jpg'}"`,
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': current ? `public, max-age=${YEAR}, immutable` : 'public, max-age=60',
      ETag: `"${logo.version}"`,
    },
  });
}
