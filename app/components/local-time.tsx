// An instant in the reader's own time. The server does not know the reader's time zone, so the HTML
// carries the server's words (formatDateTime: "6 Dec 2026, 14:30 GMT", or the day alone) and, once
// React has hydrated, the browser swaps in its own time zone ("6 Dec 2026, 09:30"). The first render
// in the browser equals the server's, so hydration never mismatches; without JavaScript the GMT text
// stays, naming its zone. See docs/ui-conventions.md ("Dates").
import { useEffect, useState } from 'react';
import { useLocale } from '#app/i18n/i18n';
import { formatDate as formatBuyerDate, formatDateTime as formatBuyerDateTime } from '#app/i18n/format';
import { formatDate, formatDateTime, formatLocal } from '#app/utils/format';

// False until the first LocalTime has hydrated: later ones (client-side navigations, a list that
// grew after an action) render the reader's time at once, with no GMT flash.
let hydrated = false;

/** `time={false}` for an instant where only the day matters (a stage started): the reader's day. */
export function LocalTime({ iso, time = true }: { iso: string | null | undefined; time?: boolean }) {
  const [local, setLocal] = useState(hydrated);
  useEffect(() => {
    hydrated = true;
    setLocal(true);
  }, []);
  // A buyer page in another language than English writes the date its way (app/i18n/format.ts).
  const locale = useLocale();
  if (!iso) return <>—</>;
  if (locale !== 'en') {
    const zone = local ? Intl.DateTimeFormat().resolvedOptions().timeZone : 'UTC';
    const text = time ? `${formatBuyerDateTime(locale, iso, zone)}${local ? '' : ' UTC'}` : formatBuyerDate(locale, iso);
    return <time dateTime={iso}>{text}</time>;
  }
  return <time dateTime={iso}>{local ? formatLocal(iso, { time }) : time ? formatDateTime(iso) : formatDate(iso)}</time>;
}
