import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { Choices } from '#app/components/choices';
import { LocalTime } from '#app/components/local-time';
import { PublicFrame, buyerMeta } from '#app/components/public-frame';
import { getReaskPage, submitReaskAnswer } from '#app/recovery/reask-answer.server';
import { REASK_VERDICTS } from '#app/recovery/reask-rules';
import { readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/i18n/format';
import { buyerPage, useEnglishTranslated, useLocale, useMessages, useRichMessages } from '#app/i18n/i18n';
import type { Locale } from '#app/i18n/locales';
import { commonMessages, VERDICT_KEYS } from '#app/i18n/messages/common';
import { reaskMessages } from '#app/i18n/messages/reask';

// The re-ask of one promise: no login, no JavaScript needed, readable on a phone. GET only reads
// (mail scanners open links); the POST consumes the link, once (docs/reask.md).
export const meta: MetaFunction = buyerMeta(reaskMessages, 'title');
export const handle = buyerPage;

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
type Closed = { open: false; reason: 'answered' | 'expired' | 'closed'; locale?: Locale };

/** A link that cannot be answered (any more), and why: answered already, expired, or unknown/withdrawn. */
const notOpen = (reason: Closed['reason'], status: number, locale?: Locale) => data<Closed>({ open: false, reason, ...(locale ? { locale } : {}) }, { status, headers: NO_STORE });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const page = await getReaskPage({ token: params.token ?? '' });
  if (page.state === 'answered') return notOpen('answered', 200, page.locale);
  if (page.state === 'expired') return notOpen('expired', 410, page.locale);
  if (page.state === 'closed') return notOpen('closed', 404);
  return data({ open: true as const, reask: page, locale: page.locale }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const result = await submitReaskAnswer({ token: params.token ?? '', formData });
  // The thank-you page carries no token: the language travels in its address.
  if (result.status === 'answered')
    return redirect(`/r/thank-you?verdict=${result.verdict}${result.locale && result.locale !== 'en' ? `&lang=${result.locale}` : ''}`, { headers: NO_STORE });
  if (result.status === 'already') return notOpen('answered', 409);
  if (result.status === 'expired') return notOpen('expired', 410);
  if (result.status === 'closed') return notOpen('closed', 404);
  return data({ open: true as const, errors: result.errors, values: result.values }, { status: 400, headers: NO_STORE });
}

function ReaskFrame({ children }: { children: React.ReactNode }) {
  const t = useMessages(reaskMessages);
  return <PublicFrame label={t('frameLabel')}>{children}</PublicFrame>;
}

function NotOpen({ reason }: { reason: Closed['reason'] }) {
  const t = useMessages(reaskMessages);
  return (
    <ReaskFrame>
      <h1>{t(`${reason}Title`)}</h1>
      <p>{t(`${reason}Body`)}</p>
    </ReaskFrame>
  );
}

export default function ReaskPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ({ open: true; errors?: Record<string, string[]>; values?: Record<string, string> } | Closed) | undefined;
  const navigation = useNavigation();
  const t = useMessages(reaskMessages);
  const common = useMessages(commonMessages);
  const rich = useRichMessages(commonMessages);
  const locale = useLocale();
  // Field errors come from the server's schema in English; shown in the buyer's language.
  const say = useEnglishTranslated(commonMessages);
  const options = REASK_VERDICTS.map((value) => ({ value, label: common(VERDICT_KEYS[value]) }));
  if (actionData && !actionData.open) return <NotOpen reason={actionData.reason} />;
  if (!loaded.open) return <NotOpen reason={loaded.reason} />;
  const { reask } = loaded;
  const values = actionData?.values ?? {};
  const errors = Object.fromEntries(Object.entries(actionData?.errors ?? {}).map(([k, v]) => [k, v.map(say)]));
  const submitting = navigation.state === 'submitting';

  return (
    <ReaskFrame>
      <h1>{t('title')}</h1>
      <p>{t('intro', { name: reask.contactName, account: reask.accountName })}</p>
      <Form method="post" className="survey-form">
        <section className="panel" aria-labelledby="promise-h">
          <h2 id="promise-h">{reask.promise}</h2>
          <p>
            <strong>{t('whatWeAgreed')}</strong> {reask.plan} <span className="muted">{t('byDate', { date: formatDate(locale, reask.planDueBy) })}</span>
          </p>
          <Choices name="verdict" legend={t('question')} options={options} value={values.verdict} errors={errors.verdict} />
          <div className="field">
            <label htmlFor="comment">{common('commentOptional')}</label>
            <textarea id="comment" name="comment" maxLength={2000} defaultValue={values.comment ?? ''} aria-describedby={errors.comment ? 'comment-error' : undefined} />
            {errors.comment ? (
              <p className="field-error" id="comment-error">
                {errors.comment.join(' ')}
              </p>
            ) : null}
          </div>
        </section>
        <button type="submit" className="submit-survey" disabled={submitting}>
          {submitting ? common('sending') : t('send')}
        </button>
        {reask.expiresAt ? <p className="muted">{rich('pageLinkWorksUntil', { date: <LocalTime iso={reask.expiresAt} /> })}</p> : null}
      </Form>
    </ReaskFrame>
  );
}

export function ErrorBoundary() {
  const common = useMessages(commonMessages);
  return (
    <ReaskFrame>
      <h1>{common('pageFailedTitle')}</h1>
      <p>{common('pageFailedReplyToEmail')}</p>
    </ReaskFrame>
  );
}
