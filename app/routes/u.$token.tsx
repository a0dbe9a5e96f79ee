import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';
import { stopSurveysForContacts } from '#app/surveys/survey-delivery.server';
import { getUnsubscribeTarget, resubscribeByToken, unsubscribeByToken } from '#app/email/unsubscribe.server';
import { readFormData } from '#app/utils/forms.server';
import { logError } from '#app/utils/log.server';
import { buyerPage, useMessages } from '#app/i18n/i18n';
import { commonMessages } from '#app/i18n/messages/common';
import { unsubscribeMessages } from '#app/i18n/messages/unsubscribe';

// One-click unsubscribe (RFC 8058). GET shows a confirm button and never writes (mail scanners
// open links); POST unsubscribes, whether it comes from that button or from a mail client's
// List-Unsubscribe-Post (`List-Unsubscribe=One-Click`, no cookies, no Origin). No login.
// A second visit says the address is unsubscribed and offers to re-subscribe: a POST with
// intent=resubscribe, which only the page's own button sends (a one-click POST never has it).
export const meta: MetaFunction = buyerMeta(unsubscribeMessages, 'metaTitle');
export const handle = buyerPage;

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
const unknownLink = () => data({ valid: false as const }, { status: 404, headers: NO_STORE });
// Anything but an explicit re-subscribe is an unsubscribe (RFC 8058 bodies carry no intent).
const IntentSchema = z.object({ intent: z.enum(['unsubscribe', 'resubscribe']).catch('unsubscribe').default('unsubscribe') });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const target = await getUnsubscribeTarget({ token: params.token ?? '' });
  if (!target) return unknownLink();
  return data({ valid: true as const, maskedEmail: target.maskedEmail, unsubscribed: target.unsubscribed, locale: target.locale }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  // A one-click POST may come without a form body: that is an unsubscribe too.
  const form = await readFormData(request).catch(() => new FormData());
  const { intent } = IntentSchema.parse(Object.fromEntries(form));
  if (intent === 'resubscribe') {
    const back = await resubscribeByToken({ token: params.token ?? '' });
    if (!back) return unknownLink();
    return data({ valid: true as const, done: 'resubscribed' as const }, { headers: NO_STORE });
  }
  const result = await unsubscribeByToken({ token: params.token ?? '' });
  if (!result) return unknownLink();
  const now = new Date();
  try {
    await stopSurveysForContacts({ contactIds: result.contactIds, reason: 'unsubscribed', now });
  } catch (error) {
    // The address is unsubscribed already (the invitation task checks it before every email).
    logError(error, { where: 'unsubscribe: stop surveys' });
  }
  return data({ valid: true as const, done: 'unsubscribed' as const }, { headers: NO_STORE });
}

export default function Unsubscribe() {
  const loaded = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>() as { valid: boolean; done?: 'unsubscribed' | 'resubscribed' } | undefined;
  const busy = useNavigation().state === 'submitting';
  const t = useMessages(unsubscribeMessages);
  const label = t('frameLabel');
  if (!loaded.valid || done?.valid === false) {
    return (
      <PublicFrame label={label}>
        <h1>{t('badLinkTitle')}</h1>
        <p>{t('badLinkBody')}</p>
      </PublicFrame>
    );
  }
  const email = loaded.maskedEmail;
  if (done?.done === 'resubscribed') {
    return (
      <PublicFrame label={label}>
        <h1>{t('welcomeBack')}</h1>
        <p role="status">{t('resubscribed', { email })}</p>
      </PublicFrame>
    );
  }
  if (done?.done === 'unsubscribed') {
    return (
      <PublicFrame label={label}>
        <h1>{t('unsubscribedTitle')}</h1>
        <p role="status">{t('unsubscribedBody', { email })}</p>
        <ResubscribeForm busy={busy} />
      </PublicFrame>
    );
  }
  if (loaded.unsubscribed) {
    return (
      <PublicFrame label={label}>
        <h1>{t('alreadyTitle', { email })}</h1>
        <p>{t('alreadyBody')}</p>
        <ResubscribeForm busy={busy} />
      </PublicFrame>
    );
  }
  return (
    <PublicFrame label={label}>
      <h1>{t('confirmTitle', { email })}</h1>
      <p>{t('confirmBody')}</p>
      <Form method="post">
        <input type="hidden" name="intent" value="unsubscribe" />
        <button type="submit" disabled={busy}>
          {t('unsubscribe')}
        </button>
      </Form>
    </PublicFrame>
  );
}

export function ErrorBoundary() {
  const common = useMessages(commonMessages);
  const t = useMessages(unsubscribeMessages);
  return (
    <PublicFrame label={t('frameLabel')}>
      <h1>{common('pageFailedTitle')}</h1>
      <p>{common('pageFailedReplyToEmail')}</p>
    </PublicFrame>
  );
}

function ResubscribeForm({ busy }: { busy: boolean }) {
  const t = useMessages(unsubscribeMessages);
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="resubscribe" />
      <button type="submit" className="secondary" disabled={busy}>
        {t('resubscribe')}
      </button>
    </Form>
  );
}
