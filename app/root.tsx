import type { LinksFunction, MetaFunction } from '@remix-run/node';
import { brandSettingsForFrame, buyerBrandOf } from '#app/branding/brand.server';
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from '@remix-run/react';
import { pickLocale } from '#app/i18n/locales';
import { LocaleProvider, usePageLocale } from '#app/i18n/i18n';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { useNonce } from '#app/utils/nonce';
import styles from '#app/styles/app.css';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'Kept' }];

/** The vendor's brand, for the buyer pages' frame (app/components/public-frame.tsx), and the buyers' default language; cached per process. */
export async function loader() {
  const settings = await brandSettingsForFrame();
  return { brand: buyerBrandOf(settings), defaultLocale: pickLocale(null, null, settings?.defaultLanguage) };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  // A buyer page is in the buyer's language (docs/i18n.md); staff pages are English.
  const locale = usePageLocale();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <LocaleProvider locale={locale}>{children}</LocaleProvider>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <GeneralErrorBoundary />
    </main>
  );
}
