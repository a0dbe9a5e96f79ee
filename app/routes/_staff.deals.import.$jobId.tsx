import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FormError, SelectField } from '#app/components/forms';
import { listAssignableReps } from '#app/services/deals.server';
import { getImportView, runImportInBackground, saveMapping, startImport } from '#app/services/import.server';
import { formValues, notFound, readFormData } from '#app/utils/forms.server';
import { SEGMENT_LABELS, formatDateTime, plural } from '#app/utils/format';

const ROLES = ['admin', 'cs'] as const;

// While the import runs, the page reloads itself every two seconds: progress without JavaScript.
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Import ${data?.job.fileName ?? ''} · Kept` },
  ...(data?.job.status === 'running' && !data.job.stale ? [{ httpEquiv: 'refresh' as const, content: '2' }] : []),
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { roles: ROLES });
  const job = await getImportView({ user, jobId: params.jobId ?? '' });
  if (!job) notFound('That import');
  const reps = job.status === 'uploaded' || job.status === 'failed' ? await listAssignableReps(user) : [];
  return { job, reps };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { roles: ROLES });
  const jobId = params.jobId ?? '';
  const values = formValues(await readFormData(request));
  if (values.intent === 'mapping' || values.intent === 'start') {
    const saved = await saveMapping({ user, jobId, values });
    if (!saved) notFound('That import');
    if (!saved.ok) return data({ errors: saved.errors, message: null }, { status: 400 });
    if (values.intent === 'mapping') return data({ errors: {} as Record<string, string[]>, message: 'Mapping saved: the preview below uses it.' });
  }
  if (values.intent === 'start' || values.intent === 'resume') {
    const started = await startImport({ user, jobId });
    if (!started) notFound('That import');
    if (!started.ok) return data({ errors: { '': [started.message] }, message: null }, { status: 409 });
    runImportInBackground({ jobId, attempt: started.attempt });
    throw redirect(`/deals/import/${jobId}`);
  }
  return data({ errors: { '': ['Unknown action.'] }, message: null }, { status: 400 });
}

const PREVIEW_COLUMNS = ['crmId', 'dealName', 'stage', 'closeDate', 'amount', 'owner', 'accountName', 'contactEmail'];

export default function ImportJobPage() {
  const { job, reps } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string[] | undefined> = actionData?.errors ?? {};
  const editable = job.status === 'uploaded' || job.status === 'failed';
  const pct = job.totalRows ? Math.round((job.processedRows / job.totalRows) * 100) : 0;
  const labels = new Map(job.fields.map((f) => [f.key, f.label]));
  return (
    <>
      <p>
        <Link to="/deals/import">← Imports</Link>
      </p>
      <h1>{job.fileName}</h1>
      <p className="muted">
        Uploaded by {job.createdByName} {formatDateTime(job.createdAt)} · {plural(job.totalRows, 'row')} · {(job.fileBytes / 1024).toFixed(0)} KB ·{' '}
        {job.detectedSource ? `recognised as a ${job.detectedSource} export` : 'format not recognised: map the columns below'}
      </p>
      {actionData?.message ? (
        <p className="notice" role="status">
          {actionData.message}
        </p>
      ) : null}
      <FormError errors={errors['']} />
      {job.error ? <p className="form-error">{job.error}</p> : null}

      {job.status !== 'uploaded' ? (
        <section className="panel" aria-labelledby="progress-h">
          <h2 id="progress-h">{job.status === 'running' ? 'Importing…' : job.status === 'done' ? 'Import finished' : 'Import stopped'}</h2>
          <progress className="progress" max={job.totalRows} value={job.processedRows} aria-label="Rows processed">
            {pct} %
          </progress>
          <p>
            {job.processedRows.toLocaleString('en-US')} of {plural(job.totalRows, 'row')} ({pct} %)
          </p>
          <div className="cards">
            <div className="card">
              <div className="label">New closed-won deals</div>
              <div className="value">{job.counts.created.toLocaleString('en-US')}</div>
            </div>
            <div className="card">
              <div className="label">Already imported</div>
              <div className="value">{job.counts.existing.toLocaleString('en-US')}</div>
            </div>
            <div className="card">
              <div className="label">Skipped (not closed-won)</div>
              <div className="value">{job.counts.skipped.toLocaleString('en-US')}</div>
            </div>
            <div className="card">
              <div className="label">Rows with errors</div>
              <div className="value">{job.counts.failed.toLocaleString('en-US')}</div>
            </div>
          </div>
          {job.counts.failed + job.counts.skipped > 0 ? (
            <p>
              <a href={`/deals/import/${job.id}/issues.csv`} download>
                Download the row errors and skipped rows (CSV)
              </a>
            </p>
          ) : null}
          {job.status === 'done' ? (
            <p>
              <Link to="/journeys">Open the journeys board</Link>: every new deal starts in the first stage with its CSM.
            </p>
          ) : null}
          {job.stale || job.status === 'failed' ? (
            <Form method="post">
              <p className="muted">The import stopped{job.stale ? ' responding' : ''}. Resuming continues after the last saved row; rows already imported are not repeated.</p>
              <button type="submit" name="intent" value="resume">
                Resume import
              </button>
            </Form>
          ) : null}
        </section>
      ) : null}

      {editable ? (
        <Form method="post" className="panel">
          <h2>Column mapping</h2>
          <p className="muted">Kept guessed these from the headers. Change any that are wrong; required ones are marked *.</p>
          <div className="row">
            <SelectField label="Source" name="source" defaultValue={job.source}>
              <option value="hubspot">HubSpot deal export</option>
              <option value="salesforce">Salesforce opportunity report</option>
              <option value="kept">Kept template (or another CRM)</option>
            </SelectField>
            <SelectField label="Rep for rows whose owner is not a Kept user" name="defaultAeId" defaultValue={job.options.defaultAeId} errors={errors.defaultAeId}>
              <option value="">None: report those rows as errors</option>
              {reps.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="row">
            <SelectField label="Segment when the file has none" name="defaultSegment" defaultValue={job.options.defaultSegment}>
              {Object.entries(SEGMENT_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </SelectField>
            <SelectField label="Dates like 4/3/2026 mean" name="dateOrder" defaultValue={job.options.dateOrder}>
              <option value="mdy">April 3 (US)</option>
              <option value="dmy">4 March</option>
            </SelectField>
            <SelectField label="Currency when the file has none" name="currency" defaultValue={job.options.currency}>
              {['USD', 'EUR', 'GBP', 'CAD', 'AUD'].map((c) => (
                <option key={c}>{c}</option>
              ))}
            </SelectField>
          </div>
          <table>
            <thead>
              <tr>
                <th>Kept field</th>
                <th>Column in your file</th>
              </tr>
            </thead>
            <tbody>
              {job.fields.map((f) => (
                <tr key={f.key}>
                  <td>
                    <label htmlFor={`map-${f.key}`}>
                      {f.label}
                      {f.required ? ' *' : ''}
                    </label>
                  </td>
                  <td>
                    <select id={`map-${f.key}`} name={`map.${f.key}`} defaultValue={job.mapping[f.key] ?? ''} aria-invalid={errors[`map.${f.key}`] ? true : undefined}>
                      <option value="">— not in the file —</option>
                      {job.headers.map((h) => (
                        <option key={h} value={h}>
                          {h}
                        </option>
                      ))}
                    </select>
                    {errors[`map.${f.key}`] ? <p className="field-error">{errors[`map.${f.key}`]!.join(' ')}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row" style={{ marginTop: '1rem' }}>
            <button type="submit" name="intent" value="mapping" className="secondary">
              Update preview
            </button>
            <button type="submit" name="intent" value="start" disabled={navigation.state === 'submitting'}>
              Import {plural(job.totalRows, 'row')}
            </button>
          </div>
        </Form>
      ) : null}

      {editable && job.preview.length ? (
        <section aria-labelledby="preview-h">
          <h2 id="preview-h">{job.preview.length === 1 ? 'Preview of the first row' : `Preview of the first ${job.preview.length} rows`}</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th className="num">Row</th>
                  {PREVIEW_COLUMNS.filter((c) => job.mapping[c]).map((c) => (
                    <th key={c}>{labels.get(c)}</th>
                  ))}
                  <th>Result</th>
                </tr>
              </thead>
              <tbody>
                {job.preview.map((p) => (
                  <tr key={p.row}>
                    <td className="num">{p.row}</td>
                    {PREVIEW_COLUMNS.filter((c) => job.mapping[c]).map((c) => (
                      <td key={c}>{p.values[c]}</td>
                    ))}
                    <td>
                      {p.result.ok ? (
                        <span className="badge ok">will import</span>
                      ) : p.result.kind === 'skipped' ? (
                        <>
                          <span className="badge muted">skipped</span> <span className="muted">{p.result.message}</span>
                        </>
                      ) : (
                        <>
                          <span className="badge bad">error</span> {p.result.message}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
