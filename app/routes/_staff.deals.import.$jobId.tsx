import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FormError, SelectField } from '#app/components/forms';
import { AllowedValues } from '#app/components/import-values';
import { LocalTime } from '#app/components/local-time';
import { listAssignableReps } from '#app/deals/deals.server';
import { getImportView, runImportInBackground, saveMapping, startImport } from '#app/deals/import.server';
import { NoFields, dispatchIntent, intent, notFound, readFormData } from '#app/utils/forms.server';
import { importButtonLabel } from '#app/deals/import-rules';
import { CURRENCIES, CURRENCY_LABELS, SEGMENT_LABELS, plural } from '#app/utils/format';

// While the import runs, the page reloads itself every two seconds: progress without JavaScript.
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Import ${data?.job.fileName ?? ''} · Kept` },
  ...(data?.job.status === 'running' && !data.job.stale ? [{ httpEquiv: 'refresh' as const, content: '2' }] : []),
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.import' });
  const job = await getImportView({ user, jobId: params.jobId ?? '' });
  if (!job) notFound('That import');
  const reps = job.status === 'uploaded' || job.status === 'failed' ? await listAssignableReps(user) : [];
  return { job, reps };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.import' });
  const jobId = params.jobId ?? '';
  const formData = await readFormData(request);
  // saveMapping parses the mapping itself (MappingFormSchema, then the columns against the file's headers).
  const save = async (values: Record<string, string>) => {
    const saved = await saveMapping({ user, jobId, values });
    if (!saved) notFound('That import');
    return saved.ok ? null : data({ errors: saved.errors, message: null }, { status: 400 });
  };
  const start = async () => {
    const started = await startImport({ user, jobId });
    if (!started) notFound('That import');
    if (!started.ok) return data({ errors: { '': [started.message] }, message: null }, { status: 409 });
    runImportInBackground({ jobId, attempt: started.attempt });
    throw redirect(`/deals/import/${jobId}`);
  };
  return dispatchIntent(formData, {
    mapping: intent(
      NoFields,
      async (_input, values) => (await save(values)) ?? data({ errors: {} as Record<string, string[]>, message: 'Mapping saved: the preview below uses it.' }),
    ),
    start: intent(NoFields, async (_input, values) => (await save(values)) ?? start()),
    resume: intent(NoFields, start),
  });
}

// The preview shows the result first, then the columns that identify a row and decide its fate,
// each with a set share of the width (app.css) so it fits a 1366 px laptop without scrolling sideways.
// (The stage is left out: a row in another stage says so in its result.)
const PREVIEW_COLUMNS = ['crmId', 'dealName', 'closeDate', 'amount', 'owner', 'accountName'];
const PREVIEW_HEADERS: Record<string, string> = { crmId: 'CRM id', dealName: 'Deal', closeDate: 'Closed', amount: 'Amount', owner: 'Owner', accountName: 'Company' };

export default function ImportJobPage() {
  const { job, reps } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string[] | undefined> = actionData?.errors ?? {};
  // A removed file (finished, unreadable, or not imported within a day) can be neither previewed nor resumed.
  const editable = (job.status === 'uploaded' || job.status === 'failed') && !job.fileRemoved;
  const pct = job.totalRows ? Math.round((job.processedRows / job.totalRows) * 100) : 0;
  const labels = new Map(job.fields.map((f) => [f.key, f.label]));
  const previewColumns = PREVIEW_COLUMNS.filter((c) => job.mapping[c]);
  return (
    <>
      <p>
        <Link to="/deals/import">← Imports</Link>
      </p>
      <h1>{job.fileName}</h1>
      <p className="muted">
        Uploaded by {job.createdByName} <LocalTime iso={job.createdAt} /> · {plural(job.totalRows, 'row')} · {(job.fileBytes / 1024).toFixed(0)} KB ·{' '}
        {job.detectedSource ? `recognised as a ${job.detectedSource} export` : 'format not recognised: map the columns below'}
      </p>
      {actionData?.message ? (
        <p className="notice" role="status">
          {actionData.message}
        </p>
      ) : null}
      <FormError errors={errors['']} />
      {job.error ? <p className="form-error">{job.error}</p> : null}
      {job.fileRemoved && job.status !== 'done' ? (
        <p>
          <Link to="/deals/import">Upload the file again</Link>
        </p>
      ) : null}

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
          {(job.stale || job.status === 'failed') && !job.fileRemoved ? (
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
        <section className="panel import" aria-labelledby="preview-h">
          <h2 id="preview-h">Preview</h2>
          <p className="muted">
            Kept read {job.check ? (job.check.checked === job.totalRows ? 'every row' : `the first ${job.check.checked.toLocaleString('en-US')} rows`) : 'the file'} with the
            mapping below; nothing is written until you start. {job.preview.length ? `The first ${job.preview.length === 1 ? 'row' : `${job.preview.length} rows`}:` : ''}
          </p>
          {job.preview.length ? (
            <div className="table-wrap">
              <table className="compact preview">
                <thead>
                  <tr>
                    <th scope="col" className="result">
                      Result
                    </th>
                    <th scope="col" className="num row-n">
                      Row
                    </th>
                    {previewColumns.map((c) => (
                      <th scope="col" key={c} className={`col-${c}`} title={labels.get(c)}>
                        {PREVIEW_HEADERS[c]}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {job.preview.map((p) => (
                    <tr key={p.row}>
                      <td className="result">
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
                      <td className="num">{p.row}</td>
                      {previewColumns.map((c) => (
                        <td key={c} title={p.values[c]}>
                          {p.values[c]}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="import-actions">
            {/* Submits the mapping form below (form attribute): the mapping shown is the one imported. */}
            <button type="submit" form="mapping" name="intent" value="start" disabled={navigation.state === 'submitting'}>
              {job.check ? importButtonLabel(job.check) : `Import ${job.totalRows.toLocaleString('en-US')} ${job.totalRows === 1 ? 'row' : 'rows'}`}
            </button>
            <span className="muted small">Rows imported before are left as they are. Row errors can be downloaded after the run.</span>
          </div>
        </section>
      ) : null}

      {editable ? (
        <Form method="post" className="panel import" id="mapping">
          <h2>Column mapping</h2>
          <p className="muted">Kept guessed these from the headers. Change any that are wrong and update the preview; required ones are marked *.</p>
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
              {CURRENCIES.map((c) => (
                <option key={c} value={c}>
                  {c} · {CURRENCY_LABELS[c]}
                </option>
              ))}
            </SelectField>
          </div>
          <table className="compact">
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
          </div>
          <details style={{ marginTop: '1rem' }}>
            <summary>Allowed values of the coded columns</summary>
            <AllowedValues />
          </details>
        </Form>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
