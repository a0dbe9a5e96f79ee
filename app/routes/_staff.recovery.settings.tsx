import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { DEFAULT_RECOVERY_SETTINGS } from '#app/recovery/recovery-rules';
import { RecoverySettingsSchema, getRecoverySettings, saveRecoverySettings } from '#app/recovery/settings.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';

// The admin's recovery settings: which NPS opens an overall case, and the SLA (docs/recovery.md).
export const meta: MetaFunction = () => [{ title: 'Recovery settings · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'recovery.settings' });
  return { settings: await getRecoverySettings() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'recovery.settings' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const parsed = parseForm(RecoverySettingsSchema, formData);
  if (!parsed.ok) return data<FormResult>({ ok: false, form, errors: parsed.errors, values: parsed.values }, { status: 400 });
  await saveRecoverySettings({ user, input: parsed.data });
  return data<FormResult>({ ok: true, form, message: 'Saved. New cases use these settings; open cases keep their SLA.' });
}

export default function RecoverySettingsPage() {
  const { settings } = useLoaderData<typeof loader>();
  const f = useFormFeedback('recovery-settings', { reset: false });
  return (
    <>
      <p>
        <Link to="/recovery">← Recovery cases</Link>
      </p>
      <div className="page-header">
        <h1>Recovery settings</h1>
      </div>
      <section className="panel" aria-labelledby="settings-h">
        <h2 id="settings-h">When a case opens, and how long the CSM has</h2>
        <FeedbackForm feedback={f} className="stack">
          <div className="row">
            <Field
              label="NPS threshold"
              inputMode="numeric"
              {...f.field('npsThreshold', String(settings.npsThreshold))}
              hint={`An answer with NPS at or below this opens a case for the answer as a whole (default ${DEFAULT_RECOVERY_SETTINGS.npsThreshold}).`}
            />
            <Field
              label="SLA (business days)"
              inputMode="numeric"
              {...f.field('slaBusinessDays', String(settings.slaBusinessDays))}
              hint={`Days, Monday to Friday, to agree a plan or close a case before it escalates (default ${DEFAULT_RECOVERY_SETTINGS.slaBusinessDays}).`}
            />
          </div>
          <p className="muted">A promise judged “Partly” opens a case only at accounts whose page says so.</p>
          <h3>The re-ask of a promise</h3>
          <div className="row">
            <Field
              label="Reminder after (days)"
              inputMode="numeric"
              {...f.field('reaskReminderDays', String(settings.reaskReminderDays))}
              hint={`One reminder this many days after the re-ask, if the buyer has not answered (default ${DEFAULT_RECOVERY_SETTINGS.reaskReminderDays}).`}
            />
            <Field
              label="Link works for (days)"
              inputMode="numeric"
              {...f.field('reaskExpiryDays', String(settings.reaskExpiryDays))}
              hint={`The re-ask's link expires after this many days (default ${DEFAULT_RECOVERY_SETTINGS.reaskExpiryDays}). Re-asks already sent keep their dates.`}
            />
          </div>
          <div>
            <button type="submit" disabled={f.busy}>
              Save
            </button>
          </div>
        </FeedbackForm>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
