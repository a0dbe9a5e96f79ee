import { useMatches } from '@remix-run/react';
import { createContext, Fragment, useContext, useMemo } from 'react';
import { DEFAULT_LOCALE, isLocale, type Locale } from './locales';
import { translateEnglish, translator, type Catalogue, type Translate } from './messages';

// The buyer's language in React: a buyer page's loader returns `locale` and its route exports
// `handle = buyerPage`; the root (app/root.tsx) reads them with `usePageLocale`, sets <html lang>
// and wraps the page (and its error boundary) in <LocaleProvider>. Components read messages with
// `useMessages(catalogue)`. Emails take `locale` as a prop and call `translator` directly.

const LocaleContext = createContext<Locale>(DEFAULT_LOCALE);

export function LocaleProvider({ locale, children }: { locale: Locale; children: React.ReactNode }) {
  return <LocaleContext.Provider value={locale}>{children}</LocaleContext.Provider>;
}

export const useLocale = () => useContext(LocaleContext);

export function useMessages<K extends string>(catalogue: Catalogue<K>): Translate<K> {
  const locale = useLocale();
  return useMemo(() => translator(catalogue, locale), [catalogue, locale]);
}

/**
 * `t` for a message with elements in it (a <LocalTime>, a <strong>): `rich('until', { date: <LocalTime … /> })`
 * returns the message's text with the elements where the language puts them.
 */
export function useRichMessages<K extends string>(catalogue: Catalogue<K>) {
  const t = useMessages(catalogue);
  return (key: K, values: Record<string, React.ReactNode>): React.ReactNode[] => {
    const nodes: React.ReactNode[] = [];
    const plain: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === 'string' || typeof value === 'number') plain[name] = value;
      else plain[name] = `\u0000${nodes.push(value) - 1}\u0000`;
    }
    return t(key, plain)
      .split(/\u0000(\d+)\u0000/)
      .map((part, i) => (i % 2 ? <Fragment key={i}>{nodes[Number(part)]}</Fragment> : part));
  };
}

/** Server texts in English (field errors of a buyer form) in the reader's language, when a catalogue has them. */
export function useEnglishTranslated(...catalogues: Catalogue[]) {
  const locale = useLocale();
  return (text: string) => translateEnglish(catalogues, locale, text);
}

/** Marks a route as a buyer page: without its own `locale` (an error, a page with no link) it takes the admin's default. */
export const buyerPage = { buyerPage: true } as const;

/**
 * The language of the page being shown: the deepest route's loader `locale`; else, on a buyer
 * page (`handle = buyerPage`), the admin's default from the root loader; else English (staff pages).
 */
export function usePageLocale(): Locale {
  const matches = useMatches();
  for (let i = matches.length - 1; i >= 0; i--) {
    const data = matches[i]?.data as { locale?: unknown } | undefined | null;
    if (data && typeof data === 'object' && isLocale(data.locale)) return data.locale;
  }
  const isBuyerPage = matches.some((m) => (m?.handle as { buyerPage?: boolean } | undefined)?.buyerPage);
  const root = matches.find((m) => m?.id === 'root')?.data as { defaultLocale?: unknown } | undefined | null;
  return isBuyerPage && isLocale(root?.defaultLocale) ? root.defaultLocale : DEFAULT_LOCALE;
}
