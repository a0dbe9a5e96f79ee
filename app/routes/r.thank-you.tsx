import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';
import { buyerPage, useMessages } from '#app/i18n/i18n';
import { LOCALES } from '#app/i18n/locales';
import { commonMessages } from '#app/i18n/messages/common';
import { reaskMessages } from '#app/i18n/messages/reask';
import { REASK_VERDICTS } from '#app/recovery/reask-rules';

// Where a submitted re-ask lands (a redirect, so a reload does not post again). Carries no token,
// only the verdict and the language the question was in (`?lang=sv`; without it, the admin's default).
export const meta: MetaFunction = buyerMeta(commonMessages, 'thankYou');
export const handle = buyerPage;

const QuerySchema = z.object({ verdict: z.enum(REASK_VERDICTS).optional().catch(undefined), lang: z.enum(LOCALES).optional().catch(undefined) });

export function loader({ request }: LoaderFunctionArgs) {
  const { verdict, lang } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { verdict: verdict ?? null, ...(lang ? { locale: lang } : {}) };
}

export default function ReaskThankYou() {
  const { verdict } = useLoaderData<typeof loader>();
  const t = useMessages(reaskMessages);
  const common = useMessages(commonMessages);
  return (
    <PublicFrame label={t('frameLabel')}>
      <h1>{common('thankYou')}</h1>
      <p>{verdict === 'delivered' ? t('thanksDelivered') : verdict ? t('thanksNotYet') : t('thanksAny')}</p>
      <p>{common('closePage')}</p>
    </PublicFrame>
  );
}
