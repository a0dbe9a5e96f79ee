import type { LinksFunction, MetaFunction } from '@remix-run/node';
import { getBuyerBrand } from '#app/branding/brand.server';
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from '@remix-run/react';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { useNonce } from '#app/utils/nonce';
import styles from '#app/styles/app.css';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'Kept' }];

/** The vendor's brand, for the buyer pages' frame (app/components/public-frame.tsx); cached per process. */
export async function loader() {
  return { brand: await getBuyerBrand() };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
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
