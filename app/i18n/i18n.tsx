import { createContext, useContext, useMemo } from 'react';
import { DEFAULT_LOCALE, type Locale } from './locales';
import { translator, type Catalogue, type Translate } from './messages';

// The buyer's language in React: a buyer page's loader returns `locale`, its component wraps its
// content in <LocaleProvider locale={data.locale}>, and components read messages with
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
