import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, FormFeedback, useFormFeedback, type FormFeedbackState, type FormResult } from '#app/components/form-feedback';
import { SelectField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { SurveyAnswer } from '#app/components/survey-answer';
import { HeldBadge, SurveyStateBadge, surveyProgress } from '#app/components/survey-status';
import { getSurveyDetail, runSurveyAction, SurveyActionSchema } from '#app/surveys/surveys.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/utils/format';
import { STOP_REASON_LABELS } from '#app/surveys/survey-labels';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.account.name}: ${data.survey.wave}-month survey · Kept` : 'Survey · Kept' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const detail = await getSurveyDetail({ user, surveyId: params.surveyId ?? '' });
  if (!detail) notFound('That survey');
  return detail;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'surveys.manage' });
  // A resend emails a buyer: limited like every email-triggering action.
  await rateLimit('emailAction', user.id);
  const formData = await readFormData(request);
  // The answer names the form it belongs to, so the page shows it next to that form's button.
  const values = formValues(formData);
  const form = formIdOf(values);
  const reply = (result: Omit<FormResult, 'form'>, status = 200) => data<FormResult>({ ...result, form }, { status });
  const parsed = parseForm(SurveyActionSchema, formData);
  if (!parsed.ok) return reply({ ok: false, errors: parsed.errors, values: parsed.values }, 400);
  const result = await runSurveyAction({ user, surveyId: params.surveyId ?? '', action: parsed.data });
  return result.ok ? reply({ ok: true, message: result.message }) : reply({ ok: false, message: result.error, values }, 409);
}

type Contact = { id: string; name: string; email: string; isPrimary: boolean; emailStatus: string };

function ContactSelect({ f, contacts, label }: { f: FormFeedbackState; label: string; contacts: Contact[] }) {
  const usable = contacts.filter((c) => c.emailStatus === 'ok');
  return (
    <SelectField
      label={label}
      {...f.field('contactId', '')}
      required
      hint={usable.length < contacts.length ? 'Contacts who bounced, complained or unsubscribed are not listed.' : undefined}
    >
      <option value="" disabled>
        Choose a contact
      </option>
      {usable.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({c.email}){c.isPrimary ? ' · primary' : ''}
        </option>
      ))}
    </SelectField>
  );
}

/** Without JavaScript the answered page opens at the actions, where every form's message shows. */
const ACTIONS_ANCHOR = { anchor: 'survey-actions' };

export default function SurveyDetail() {
  const { survey, deal, account, contacts, actions, cancelled } = useLoaderData<typeof loader>();
  // Sending anyway and cancelling make their form disappear: their message shows where the form was.
  const sendAnyway = useFormFeedback('send-anyway', ACTIONS_ANCHOR);
  const recipient = useFormFeedback('recipient');
  const resend = useFormFeedback('resend');
  const cancel = useFormFeedback('cancel', ACTIONS_ANCHOR);
  const forms = [sendAnyway, recipient, resend, cancel];
  const confirmErrors = cancel.field('confirm').errors;
  const anyAction = Boolean(actions && (actions.changeRecipient || actions.resend || actions.cancel || actions.sendAnyway));
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
      {survey.attentionReason ? (
        <p className="form-error" role="alert">
          {STOP_REASON_LABELS[survey.attentionReason]}: choose another contact for this survey.
        </p>
      ) : null}
      {survey.held === 'not-live' ? (
        <p className="notice" data-testid="survey-held">
          This wave is due, but the customer is not live yet, so Kept is not asking them whether we delivered what we promised. It goes out on its own once the journey reaches live
          {actions?.sendAnyway ? ', or send it anyway below' : ''}.
        </p>
      ) : null}
      {survey.sendAnywayAt ? (
        <p className="muted">
          Sent anyway by customer success on <LocalTime iso={survey.sendAnywayAt} time={false} />, before the customer was live.
        </p>
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
              <dd>
                <LocalTime iso={survey.sentAt} />
              </dd>
            </>
          ) : null}
          {cancelled ? (
            <>
              <dt>Cancelled</dt>
              <dd>
                <LocalTime iso={cancelled.at} /> by {cancelled.byName}
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

      {anyAction || forms.some((f) => f.result) ? (
        <section className="panel" id="survey-actions" aria-labelledby="actions-h">
          <h2 id="actions-h">Actions</h2>
          {actions?.sendAnyway ? (
            <FeedbackForm feedback={sendAnyway} className="stack">
              <input type="hidden" name="intent" value="send-anyway" />
              <div className="row">
                <button type="submit" disabled={sendAnyway.busy}>
                  Send it anyway
                </button>
                <span className="hint">The buyer is asked now, although the customer is not live. Recorded with your name.</span>
              </div>
            </FeedbackForm>
          ) : (
            <FormFeedback feedback={sendAnyway} />
          )}
          {actions?.changeRecipient ? (
            <FeedbackForm feedback={recipient} className="stack">
              <input type="hidden" name="intent" value="recipient" />
              <div className="row">
                <ContactSelect f={recipient} label="Send it to" contacts={contacts} />
                <button type="submit" disabled={recipient.busy}>
                  Change recipient
                </button>
              </div>
            </FeedbackForm>
          ) : (
            <FormFeedback feedback={recipient} />
          )}
          {actions?.resend ? (
            <FeedbackForm feedback={resend} className="stack">
              <input type="hidden" name="intent" value="resend" />
              <div className="row">
                <ContactSelect f={resend} label="Resend to" contacts={contacts} />
                <button type="submit" disabled={resend.busy}>
                  Resend the survey
                </button>
              </div>
            </FeedbackForm>
          ) : (
            <FormFeedback feedback={resend} />
          )}
          {actions?.cancel ? (
            // A required box rather than a script dialog: the confirmation works without JavaScript too.
            <FeedbackForm feedback={cancel} className="stack" aria-labelledby="cancel-h">
              <h3 id="cancel-h">Cancel this survey</h3>
              <input type="hidden" name="intent" value="cancel" />
              <div className="field">
                <label>
                  <input
                    type="checkbox"
                    id="cancel-confirm"
                    name="confirm"
                    value="yes"
                    required
                    aria-invalid={confirmErrors ? true : undefined}
                    aria-describedby={confirmErrors ? 'cancel-confirm-error' : undefined}
                  />{' '}
                  Yes, cancel it: the buyer’s links stop working and it cannot be undone.
                </label>
                {confirmErrors ? (
                  <p id="cancel-confirm-error" className="field-error">
                    {confirmErrors.join(' ')}
                  </p>
                ) : null}
              </div>
              <div>
                <button type="submit" className="danger" disabled={cancel.busy}>
                  Cancel this survey
                </button>
              </div>
            </FeedbackForm>
          ) : (
            <FormFeedback feedback={cancel} />
          )}
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
