import { useRouteLoaderData } from '@remix-run/react';
import type { CSSProperties } from 'react';
import { inkOn, KEPT_BRAND, type BuyerBrand } from '#app/branding/brand-rules';
import { useMessages } from '#app/i18n/i18n';
import { pickLocale } from '#app/i18n/locales';
import { translator, type Catalogue } from '#app/i18n/messages';
import { commonMessages } from '#app/i18n/messages/common';

// The frame of every page a buyer opens without signing in (survey, thank-you, unsubscribe, shared
// plan): the vendor's header (logo or name on its accent colour) and footer (postal address,
// privacy policy, "Powered by Kept"). The brand comes from the root loader (app/root.tsx), so a new
// buyer page, and its error boundary, is branded by using <PublicFrame> (docs/branding.md).

/** The brand of the page: the root loader's, Kept's own when it is missing (e.g. the root failed). */
export function useBuyerBrand(): BuyerBrand {
  const root = useRouteLoaderData('root') as { brand?: BuyerBrand } | undefined;
  return root?.brand ?? KEPT_BRAND;
}

/** The header band: the logo (alt = the vendor's name) or the name, then what the page is. */
export function BuyerHeader({ brand, label }: { brand: BuyerBrand; label: string }) {
  return (
    <header className="buyer-header" style={{ background: brand.accentColor, color: brand.textOnAccent }}>
      {brand.logoUrl ? <img src={brand.logoUrl} alt={brand.name} height={36} /> : <span className="buyer-name">{brand.name}</span>}
      <span className="buyer-label">{label}</span>
    </header>
  );
}

/** Who runs the page: the vendor's name, postal address and privacy policy, then Kept as "Powered by". */
export function BuyerFooter({ brand }: { brand: BuyerBrand }) {
  const t = useMessages(commonMessages);
  if (!brand.vendor) return null;
  return (
    <footer className="buyer-footer">
      <p>
        {brand.name}
        {brand.postalAddress ? <> · {brand.postalAddress.split('\n').join(', ')}</> : null}
      </p>
      {brand.privacyUrl ? (
        <p>
          <a href={brand.privacyUrl} rel="noopener noreferrer">
            {t('privacyPolicy')}
          </a>
        </p>
      ) : null}
      <p className="powered-by">{t('poweredBy')}</p>
    </footer>
  );
}

/** The page colours follow the accent: links and buttons take it when white text reads on it. */
export const brandStyle = (brand: BuyerBrand) => ({ '--brand': inkOn(brand.accentColor), '--brand-strong': inkOn(brand.accentColor) }) as CSSProperties;

/** The frame of Kept's public buyer pages: the vendor's header and footer, no staff navigation. */
export function PublicFrame({ label, children }: { label: string; children: React.ReactNode }) {
  const brand = useBuyerBrand();
  return (
    <main className="public" style={brandStyle(brand)}>
      <BuyerHeader brand={brand} label={label} />
      {children}
      <BuyerFooter brand={brand} />
    </main>
  );
}

/**
 * A buyer page's <title>: what the page is (a message of its catalogue, in the page's language),
 * then the vendor's name (not Kept's).
 */
export function buyerMeta<K extends string>(catalogue: Catalogue<K>, key: K) {
  return ({ data, matches }: { data?: unknown; matches: ReadonlyArray<{ id: string; data?: unknown } | undefined> }) => {
    const root = matches.find((m) => m?.id === 'root')?.data as { brand?: BuyerBrand; defaultLocale?: unknown } | undefined;
    const brand = root?.brand ?? KEPT_BRAND;
    const locale = pickLocale((data as { locale?: unknown } | undefined)?.locale, root?.defaultLocale);
    return [{ title: `${translator(catalogue, locale)(key)} · ${brand.name}` }, { name: 'robots', content: 'noindex, nofollow' }];
  };
}
