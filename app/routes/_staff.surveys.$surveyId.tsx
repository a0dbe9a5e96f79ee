import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { SurveyAnswer } from '#app/components/survey-answer';
import { HeldBadge, SurveyStateBadge, surveyProgress } from '#app/components/survey-status';
import { getSurveyDetail, runSurveyAction, SurveyActionSchema } from '#app/services/surveys.server';
import { notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate, formatDateTime } from '#app/utils/format';
import { STOP_REASON_LABELS } from '#app/utils/surveys';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.account.name}: ${data.survey.wave}-month survey · Kept` : 'Survey · Kept' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const detail = await getSurveyDetail({ user, surveyId: params.surveyId ?? '' });
  if (!detail) notFound('That survey');
  return detail;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { roles: ['cs', 'admin'] });
  // A resend emails a buyer: limited like every email-triggering action.
  await rateLimit('emailAction', user.id);
  const form = parseForm(SurveyActionSchema, await readFormData(request));
  if (!form.ok) {
    // The cancel form's one field is its confirmation box: its error goes next to the box.
    if (form.errors.confirm) return data({ ok: false as const, error: null, confirmError: form.errors.confirm.join(' ') }, { status: 400 });
    return data({ ok: false as const, error: Object.values(form.errors).flat().join(' ') }, { status: 400 });
  }
  const result = await runSurveyAction({ user, surveyId: params.surveyId ?? '', action: form.data });
  return data(result, { status: result.ok ? 200 : 409 });
}

function ContactSelect({ name, contacts, label }: { name: string; label: string; contacts: { id: string; name: string; email: string; isPrimary: boolean; emailStatus: string }[] }) {
  const usable = contacts.filter((c) => c.emailStatus === 'ok');
  return (
    <div className="field">
      <label htmlFor={`${name}-contact`}>{label}</label>
      <select id={`${name}-contact`} name="contactId" required defaultValue="">
        <option value="" disabled>
          Choose a contact
        </option>
        {usable.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.email}){c.isPrimary ? ' · primary' : ''}
          </option>
        ))}
      </select>
      {usable.length < contacts.length ? <span className="hint">Contacts who bounced, complained or unsubscribed are not listed.</span> : null}
    </div>
  );
}

export default function SurveyDetail() {
  const { survey, deal, account, contacts, actions, cancelled } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const confirmError = result && !result.ok && 'confirmError' in result ? result.confirmError : null;
  return (
    <>
      <p>
        <Link to={`/deals/${deal.id}`}>← {deal.name}</Link>
      </p>
      <div className="page-header">
        <h1>
          {account.name}: {survey.wave}-month survey
        </h1>
        <span>
          <SurveyStateBadge state={survey.state} /> <HeldBadge held={survey.held} />
        </span>
      </div>
      {result && (result.ok || result.error) ? (
        <p className={result.ok ? 'notice' : 'form-error'} role={result.ok ? 'status' : 'alert'}>
          {result.ok ? result.message : result.error}
        </p>
      ) : null}
      {survey.attentionReason ? (
        <p className="form-error" role="alert">
          {STOP_REASON_LABELS[survey.attentionReason]}: choose another contact for this survey.
        </p>
      ) : null}
      {survey.held === 'not-live' ? (
        <p className="notice" data-testid="survey-held">
          This wave is due, but the customer is not live yet, so Kept is not asking them whether we delivered what we promised. It goes out on its own once the journey reaches
          live{actions?.sendAnyway ? ', or send it anyway below' : ''}.
        </p>
      ) : null}
      {survey.sendAnywayAt ? (
        <p className="muted">Sent anyway by customer success on {formatDate(survey.sendAnywayAt)}, before the customer was live.</p>
      ) : null}
      <section className="panel" aria-labelledby="survey-facts">
        <h2 id="survey-facts">Status</h2>
        <dl className="facts">
          <dt>Due</dt>
          <dd>{formatDate(survey.dueAt)}</dd>
          <dt>Recipient</dt>
          <dd>
            {survey.contact ? `${survey.contact.name} (${survey.contact.email})` : 'none'}
            {survey.state === 'scheduled' && !survey.recipientChosen ? <span className="muted"> · the account’s primary contact on the due date</span> : null}
          </dd>
          <dt>Progress</dt>
          <dd>{surveyProgress(survey)}</dd>
          {survey.sentAt ? (
            <>
              <dt>Sent</dt>
              <dd>{formatDateTime(survey.sentAt)}</dd>
            </>
          ) : null}
          {cancelled ? (
            <>
              <dt>Cancelled</dt>
              <dd>
                {formatDateTime(cancelled.at)} by {cancelled.byName}
              </dd>
            </>
          ) : null}
          {survey.cycle > 0 ? (
            <>
              <dt>Resends</dt>
              <dd>{survey.cycle}</dd>
            </>
          ) : null}
        </dl>
      </section>

      {survey.answer ? (
        <section className="panel" aria-labelledby="answer-h">
          <h2 id="answer-h">The buyer’s answer</h2>
          <SurveyAnswer answer={survey.answer} />
        </section>
      ) : null}

      {actions && (actions.changeRecipient || actions.resend || actions.cancel || actions.sendAnyway) ? (
        <section className="panel" aria-labelledby="actions-h">
          <h2 id="actions-h">Actions</h2>
          {actions.sendAnyway ? (
            <Form method="post" className="row">
              <input type="hidden" name="intent" value="send-anyway" />
              <button type="submit" disabled={busy}>
                Send it anyway
              </button>
              <span className="hint">The buyer is asked now, although the customer is not live. Recorded with your name.</span>
            </Form>
          ) : null}
          {actions.changeRecipient ? (
            <Form method="post" className="row">
              <input type="hidden" name="intent" value="recipient" />
              <ContactSelect name="recipient" label="Send it to" contacts={contacts} />
              <button type="submit" disabled={busy}>
                Change recipient
              </button>
            </Form>
          ) : null}
          {actions.resend ? (
            <Form method="post" className="row">
              <input type="hidden" name="intent" value="resend" />
              <ContactSelect name="resend" label="Resend to" contacts={contacts} />
              <button type="submit" disabled={busy}>
                Resend the survey
              </button>
            </Form>
          ) : null}
          {actions.cancel ? (
            // A required box rather than a script dialog: the confirmation works without JavaScript too.
            <Form method="post" className="stack" aria-labelledby="cancel-h">
              <h3 id="cancel-h">Cancel this survey</h3>
              <input type="hidden" name="intent" value="cancel" />
              <div className="field">
                <label>
                  <input
                    type="checkbox"
                    name="confirm"
                    value="yes"
                    required
                    aria-invalid={confirmError ? true : undefined}
                    aria-describedby={confirmError ? 'confirm-error' : undefined}
                  />{' '}
                  Yes, cancel it: the buyer’s links stop working and it cannot be undone.
                </label>
                {confirmError ? (
                  <p id="confirm-error" className="field-error">
                    {confirmError}
                  </p>
                ) : null}
              </div>
              <div>
                <button type="submit" className="danger" disabled={busy}>
                  Cancel this survey
                </button>
              </div>
            </Form>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
