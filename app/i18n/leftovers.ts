// Text of one language left in a page or email written in another (docs/i18n.md). The catalogue test
// renders every buyer page and email with it; the buyer's-side e2e spec reads what Chromium shows and
// what the outbox stored with it. Pure: it takes the catalogues to compare.
import { LOCALES, type Locale } from './locales';
import type { Catalogue } from './messages';

/** The literal text of an ICU message outside its placeholders ("Hello {name}." -> ["Hello ", "."]). */
export function literals(message: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of message) {
    if (ch === '{') {
      if (depth === 0) parts.push(current);
      current = depth === 0 ? '' : current;
      depth++;
    } else if (ch === '}') depth--;
    else if (depth === 0) current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Text of `other`'s messages that must not appear in a page or email in `locale`: the longest
 * literal piece of each message that the two languages write differently (long enough to be a
 * sentence fragment, not a shared word such as "Integration").
 */
export function leftoversOf(catalogues: readonly Catalogue[], locale: Locale, other: Locale) {
  const out = new Set<string>();
  for (const catalogue of catalogues) {
    for (const key of Object.keys(catalogue.en)) {
      const theirs = catalogue[other][key];
      const ours = catalogue[locale][key];
      if (!theirs || theirs === ours) continue;
      const piece = literals(theirs).sort((a, b) => b.length - a.length)[0];
      if (piece && piece.length >= 12 && !literals(ours).some((p) => p.includes(piece))) out.add(piece);
    }
  }
  return [...out];
}

/** The pieces of every other language's messages that `text`, written in `locale`, contains (none: it speaks one language). */
export function otherLanguageIn(catalogues: readonly Catalogue[], text: string, locale: Locale): string[] {
  return LOCALES.filter((l) => l !== locale).flatMap((other) => leftoversOf(catalogues, locale, other).filter((piece) => text.includes(piece)));
}
