import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { z } from 'zod';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';
import { buyerPage, useMessages } from '#app/i18n/i18n';
import { LOCALES } from '#app/i18n/locales';
import { commonMessages } from '#app/i18n/messages/common';
import { surveyMessages } from '#app/i18n/messages/survey';

// Where a submitted survey lands (a redirect, so a reload does not post again). Carries no token,
// only the language the survey was in (`?lang=sv`); without it, the admin's default.
export const meta: MetaFunction = buyerMeta(commonMessages, 'thankYou');
export const handle = buyerPage;

const QuerySchema = z.object({ lang: z.enum(LOCALES).optional().catch(undefined) });

export function loader({ request }: LoaderFunctionArgs) {
  const { lang } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return lang ? { locale: lang } : {};
}

export default function SurveyThankYou() {
  const t = useMessages(surveyMessages);
  const common = useMessages(commonMessages);
  return (
    <PublicFrame label={t('frameLabel')}>
      <h1>{common('thankYou')}</h1>
      <p>{t('thanksBody')}</p>
      <p>{common('closePage')}</p>
    </PublicFrame>
  );
}
