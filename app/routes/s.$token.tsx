import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { Choices } from '#app/components/choices';
import { LocalTime } from '#app/components/local-time';
import { firstName } from '#app/branding/brand-rules';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';
import { getSurveyPage, submitSurveyAnswer } from '#app/surveys/surveys.server';
import { readFormData } from '#app/utils/forms.server';
import { buyerPage, useEnglishTranslated, useMessages, useRichMessages } from '#app/i18n/i18n';
import type { Locale } from '#app/i18n/locales';
import { commonMessages, VERDICT_KEYS } from '#app/i18n/messages/common';
import { OVERALL_KEYS, surveyMessages } from '#app/i18n/messages/survey';

// The buyer's value-delivery survey: no login, no JavaScript needed, readable on a phone.
// GET only reads (mail scanners open links); the POST consumes the link, once.
export const meta: MetaFunction = buyerMeta(surveyMessages, 'title');
export const handle = buyerPage;

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };

/** One answer for every link that cannot be answered (unknown, expired, cancelled, superseded): nothing to tell apart. */
const closedLink = () => data({ open: false as const, answered: false as const }, { status: 404, headers: NO_STORE });
/** The link's survey has its answer (a second visit, a double click, a second tab): thank the buyer, 409 for a repeated post. */
const alreadyAnswered = (status: 200 | 409, locale?: Locale) =>
  data({ open: false as const, answered: true as const, ...(locale ? { locale } : {}) }, { status, headers: NO_STORE });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const page = await getSurveyPage({ token: params.token ?? '' });
  if (page.state === 'closed') return closedLink();
  if (page.state === 'answered') return alreadyAnswered(200, page.locale);
  return data({ open: true as const, survey: page, locale: page.locale }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const result = await submitSurveyAnswer({ token: params.token ?? '', formData });
  // The thank-you page carries no token: the language travels in its address.
  if (result.status === 'answered') return redirect(result.locale && result.locale !== 'en' ? `/s/thank-you?lang=${result.locale}` : '/s/thank-you', { headers: NO_STORE });
  if (result.status === 'already') return alreadyAnswered(409);
  if (result.status === 'closed') return closedLink();
  return data({ open: true as const, errors: result.errors, values: result.values }, { status: 400, headers: NO_STORE });
}

function SurveyFrame({ children }: { children: React.ReactNode }) {
  const t = useMessages(surveyMessages);
  return <PublicFrame label={t('frameLabel')}>{children}</PublicFrame>;
}

function AlreadyAnswered() {
  const t = useMessages(surveyMessages);
  return (
    <SurveyFrame>
      <h1>{t('alreadyTitle')}</h1>
      <p>{t('alreadyBody')}</p>
    </SurveyFrame>
  );
}

function ClosedLink() {
  const t = useMessages(surveyMessages);
  return (
    <SurveyFrame>
      <h1>{t('closedTitle')}</h1>
      <p>{t('closedBody')}</p>
    </SurveyFrame>
  );
}

export default function SurveyPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { open: boolean; answered?: boolean; errors?: Record<string, string[]>; values?: Record<string, string> } | undefined;
  const navigation = useNavigation();
  const t = useMessages(surveyMessages);
  const common = useMessages(commonMessages);
  const rich = useRichMessages(commonMessages);
  // Field errors come from the server's schema in English; shown in the buyer's language.
  const say = useEnglishTranslated(surveyMessages, commonMessages);
  const verdicts = (['delivered', 'partly', 'not_yet'] as const).map((value) => ({ value, label: common(VERDICT_KEYS[value]) }));
  const overall = (['yes', 'partly', 'no'] as const).map((value) => ({ value, label: t(OVERALL_KEYS[value]) }));
  if ((!loaded.open && loaded.answered) || actionData?.answered) return <AlreadyAnswered />;
  if (!loaded.open || actionData?.open === false) return <ClosedLink />;
  const { survey } = loaded;
  const values = actionData?.values ?? {};
  const errors = Object.fromEntries(Object.entries(actionData?.errors ?? {}).map(([k, v]) => [k, v.map(say)]));
  const hasErrors = Object.keys(errors).length > 0;

  return (
    <SurveyFrame>
      <h1>{t('title')}</h1>
      <p>{t('intro', { name: firstName(survey.contactName), months: survey.wave, account: survey.accountName })}</p>
      {hasErrors ? (
        <p className="form-error" role="alert">
          {t('someMissing')}
        </p>
      ) : null}
      <Form method="post" className="survey-form">
        {survey.promises.map((p, i) => (
          <section key={p.id} className="panel" aria-labelledby={`promise-${p.id}`}>
            <h2 id={`promise-${p.id}`}>{t('promiseHeading', { n: i + 1, text: p.text })}</h2>
            <p className="muted">{t('howYouWouldKnow', { criterion: p.successCriterion })}</p>
            <Choices
              name={`promise.${p.id}.verdict`}
              legend={t('deliveredQuestion')}
              options={verdicts}
              value={values[`promise.${p.id}.verdict`]}
              errors={errors[`promise.${p.id}.verdict`]}
            />
            <div className="field">
              <label htmlFor={`promise-${p.id}-comment`}>{common('commentOptional')}</label>
              <textarea id={`promise-${p.id}-comment`} name={`promise.${p.id}.comment`} maxLength={2000} defaultValue={values[`promise.${p.id}.comment`] ?? ''} />
            </div>
          </section>
        ))}

        <section className="panel" aria-labelledby="overall-h">
          <h2 id="overall-h">{t('overall')}</h2>
          <Choices name="overall" legend={t('overallQuestion')} options={overall} value={values.overall} errors={errors.overall} />
          <fieldset className="choices" aria-describedby={errors.nps ? 'nps-error' : undefined}>
            <legend>{t('npsQuestion')}</legend>
            <div className="choice-row scale">
              {Array.from({ length: 11 }, (_, n) => (
                <label key={n} className="choice">
                  <input type="radio" name="nps" value={String(n)} defaultChecked={values.nps === String(n)} required />
                  <span>{n}</span>
                </label>
              ))}
            </div>
            {errors.nps ? (
              <p className="field-error" id="nps-error">
                {errors.nps.join(' ')}
              </p>
            ) : null}
          </fieldset>
          <fieldset className="choices">
            <legend>{t('willingTo')}</legend>
            <label className="check">
              <input type="checkbox" name="consentReference" value="yes" defaultChecked={values.consentReference === 'yes'} /> {t('consentReference')}
            </label>
            <label className="check">
              <input type="checkbox" name="consentCaseStudy" value="yes" defaultChecked={values.consentCaseStudy === 'yes'} /> {t('consentCaseStudy')}
            </label>
            <label className="check">
              <input type="checkbox" name="consentReferral" value="yes" defaultChecked={values.consentReferral === 'yes'} /> {t('consentReferral')}
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor="comment">{t('anythingElse')}</label>
            <textarea id="comment" name="comment" maxLength={5000} defaultValue={values.comment ?? ''} />
            {errors.comment ? <p className="field-error">{errors.comment.join(' ')}</p> : null}
          </div>
        </section>

        <button type="submit" className="submit-survey" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? common('sending') : t('send')}
        </button>
        {survey.expiresAt ? <p className="muted">{rich('pageLinkWorksUntil', { date: <LocalTime iso={survey.expiresAt} /> })}</p> : null}
      </Form>
    </SurveyFrame>
  );
}

export function ErrorBoundary() {
  const common = useMessages(commonMessages);
  return (
    <SurveyFrame>
      <h1>{common('pageFailedTitle')}</h1>
      <p>{common('pageFailedReplyToEmail')}</p>
    </SurveyFrame>
  );
}
