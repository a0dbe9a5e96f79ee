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

// The buyer's value-delivery survey: no login, no JavaScript needed, readable on a phone.
// GET only reads (mail scanners open links); the POST consumes the link, once.
export const meta: MetaFunction = buyerMeta('Did we deliver what we promised?');

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };

/** One answer for every link that cannot be answered (unknown, expired, cancelled, superseded): nothing to tell apart. */
const closedLink = () => data({ open: false as const, answered: false as const }, { status: 404, headers: NO_STORE });
/** The link's survey has its answer (a second visit, a double click, a second tab): thank the buyer, 409 for a repeated post. */
const alreadyAnswered = (status: 200 | 409) => data({ open: false as const, answered: true as const }, { status, headers: NO_STORE });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const page = await getSurveyPage({ token: params.token ?? '' });
  if (page.state === 'closed') return closedLink();
  if (page.state === 'answered') return alreadyAnswered(200);
  return data({ open: true as const, survey: page }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const result = await submitSurveyAnswer({ token: params.token ?? '', formData });
  if (result.status === 'answered') return redirect('/s/thank-you', { headers: NO_STORE });
  if (result.status === 'already') return alreadyAnswered(409);
  if (result.status === 'closed') return closedLink();
  return data({ open: true as const, errors: result.errors, values: result.values }, { status: 400, headers: NO_STORE });
}

const SurveyFrame = ({ children }: { children: React.ReactNode }) => <PublicFrame label="Value check-in">{children}</PublicFrame>;

function AlreadyAnswered() {
  return (
    <SurveyFrame>
      <h1>Thank you, your answers are already in</h1>
      <p>We received your answers to this check-in, and they went to the people who made you these promises. There is nothing more to do; you can close this page.</p>
    </SurveyFrame>
  );
}

function ClosedLink() {
  return (
    <SurveyFrame>
      <h1>This survey link cannot be used</h1>
      <p>
        It may have expired, been replaced by a newer link, or been copied incompletely. If you still want to tell us how we are doing, reply to the email you received and your
        customer success manager will send you a new link.
      </p>
    </SurveyFrame>
  );
}

const VERDICTS = [
  { value: 'delivered', label: 'Delivered' },
  { value: 'partly', label: 'Partly' },
  { value: 'not_yet', label: 'Not yet' },
];
const OVERALL = [
  { value: 'yes', label: 'Yes' },
  { value: 'partly', label: 'Partly' },
  { value: 'no', label: 'No' },
];

export default function SurveyPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { open: boolean; answered?: boolean; errors?: Record<string, string[]>; values?: Record<string, string> } | undefined;
  const navigation = useNavigation();
  if ((!loaded.open && loaded.answered) || actionData?.answered) return <AlreadyAnswered />;
  if (!loaded.open || actionData?.open === false) return <ClosedLink />;
  const { survey } = loaded;
  const values = actionData?.values ?? {};
  const errors = actionData?.errors ?? {};
  const hasErrors = Object.keys(errors).length > 0;

  return (
    <SurveyFrame>
      <h1>Did we deliver what we promised?</h1>
      <p>
        Hello {firstName(survey.contactName)}. It has been {survey.wave} months since {survey.accountName} chose us. When you signed, we made you the promises below. Please tell
        us, promise by promise, whether we kept them. It takes about two minutes; your answers go to the people who made the promises.
      </p>
      {hasErrors ? (
        <p className="form-error" role="alert">
          Some answers are missing. They are marked below; everything you entered is kept.
        </p>
      ) : null}
      <Form method="post" className="survey-form">
        {survey.promises.map((p, i) => (
          <section key={p.id} className="panel" aria-labelledby={`promise-${p.id}`}>
            <h2 id={`promise-${p.id}`}>
              Promise {i + 1}: {p.text}
            </h2>
            <p className="muted">How you would know: {p.successCriterion}</p>
            <Choices
              name={`promise.${p.id}.verdict`}
              legend="Did we deliver it?"
              options={VERDICTS}
              value={values[`promise.${p.id}.verdict`]}
              errors={errors[`promise.${p.id}.verdict`]}
            />
            <div className="field">
              <label htmlFor={`promise-${p.id}-comment`}>Comment (optional)</label>
              <textarea id={`promise-${p.id}-comment`} name={`promise.${p.id}.comment`} maxLength={2000} defaultValue={values[`promise.${p.id}.comment`] ?? ''} />
            </div>
          </section>
        ))}

        <section className="panel" aria-labelledby="overall-h">
          <h2 id="overall-h">Overall</h2>
          <Choices name="overall" legend="Have we delivered the value we promised?" options={OVERALL} value={values.overall} errors={errors.overall} />
          <fieldset className="choices" aria-describedby={errors.nps ? 'nps-error' : undefined}>
            <legend>How likely are you to recommend us to a colleague? (0 = not at all, 10 = extremely likely)</legend>
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
            <legend>Would you be willing to… (optional)</legend>
            <label className="check">
              <input type="checkbox" name="consentReference" value="yes" defaultChecked={values.consentReference === 'yes'} /> speak with a prospective customer as a reference
            </label>
            <label className="check">
              <input type="checkbox" name="consentCaseStudy" value="yes" defaultChecked={values.consentCaseStudy === 'yes'} /> take part in a case study
            </label>
            <label className="check">
              <input type="checkbox" name="consentReferral" value="yes" defaultChecked={values.consentReferral === 'yes'} /> introduce us to someone who could use us
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor="comment">Anything else you want us to know? (optional)</label>
            <textarea id="comment" name="comment" maxLength={5000} defaultValue={values.comment ?? ''} />
            {errors.comment ? <p className="field-error">{errors.comment.join(' ')}</p> : null}
          </div>
        </section>

        <button type="submit" className="submit-survey" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? 'Sending…' : 'Send my answers'}
        </button>
        {survey.expiresAt ? (
          <p className="muted">
            This link works until <LocalTime iso={survey.expiresAt} />.
          </p>
        ) : null}
      </Form>
    </SurveyFrame>
  );
}

export function ErrorBoundary() {
  return (
    <SurveyFrame>
      <h1>This page could not be shown</h1>
      <p>Please try again in a moment. If it keeps happening, reply to the email you received.</p>
    </SurveyFrame>
  );
}
