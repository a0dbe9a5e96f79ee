import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field } from '#app/components/forms';
import { AllowedValues } from '#app/components/import-values';
import { LocalTime } from '#app/components/local-time';
import { listImportJobs, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, receiveUpload } from '#app/deals/import.server';

export const meta: MetaFunction = () => [{ title: 'Import closed-won deals · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.import' });
  return { jobs: await listImportJobs({ user }), maxMb: MAX_IMPORT_BYTES / 1024 / 1024, maxRows: MAX_IMPORT_ROWS };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.import' });
  await rateLimit('import', user.id);
  const result = await receiveUpload({ user, request });
  // Shown next to the file field (a file input cannot keep what was chosen: the user picks it again).
  if (!result.ok) return data({ errors: { file: [result.error] } }, { status: 400 });
  throw redirect(`/deals/import/${result.jobId}`);
}

export default function ImportPage() {
  const { jobs, maxMb, maxRows } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <>
      <p>
        <Link to="/journeys">← Journeys</Link>
      </p>
      <h1>Import closed-won deals</h1>
      <p>
        Upload a CSV exported from <strong>HubSpot</strong> (deals), <strong>Salesforce</strong> (an opportunity report) or filled from{' '}
        <a href="/deals/import/template.csv" download>
          Kept’s template
        </a>{' '}
        (with promises and a primary contact). Kept recognises the columns, shows you the mapping and a preview before anything is written, and imports only closed-won rows.
        Importing the same file twice changes nothing.
      </p>
      <Form method="post" encType="multipart/form-data" className="stack panel">
        <Field
          label="CSV file"
          id="file"
          type="file"
          name="file"
          accept=".csv,text/csv"
          required
          hint={`Up to ${maxMb} MB and ${maxRows.toLocaleString('en-US')} rows. A file not imported within a day is removed.`}
          errors={actionData?.errors?.file}
        />
        <div>
          <button type="submit" disabled={navigation.state === 'submitting'}>
            {navigation.state === 'submitting' ? 'Uploading…' : 'Upload and preview'}
          </button>
        </div>
      </Form>
      <section aria-labelledby="values-h">
        <h2 id="values-h">Coded columns and amounts</h2>
        <p className="muted">
          These columns take one of a few values: the code or its label, in any case (“Time savings” reads as <code>time-savings</code>). Amounts may carry a currency sign and
          group thousands: <code>45000</code>, <code>$45,000</code>, <code>45 000</code>, <code>45,000.50</code>, <code>45.000,50 €</code>. An amount like <code>45.000</code> (45
          or 45 thousand?) is reported as an error rather than guessed.
        </p>
        <AllowedValues />
      </section>
      <h2>Recent imports</h2>
      {jobs.length === 0 ? (
        <p className="muted">No imports yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Source</th>
                <th>Status</th>
                <th className="num">Rows</th>
                <th className="num">New deals</th>
                <th className="num">Already there</th>
                <th className="num">Skipped</th>
                <th className="num">Errors</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link to={`/deals/import/${j.id}`}>{j.fileName}</Link>
                  </td>
                  <td>{j.source}</td>
                  <td>{j.status}</td>
                  <td className="num">
                    {j.processedRows.toLocaleString('en-US')} / {j.totalRows.toLocaleString('en-US')}
                  </td>
                  <td className="num">{j.counts.created.toLocaleString('en-US')}</td>
                  <td className="num">{j.counts.existing.toLocaleString('en-US')}</td>
                  <td className="num">{j.counts.skipped.toLocaleString('en-US')}</td>
                  <td className="num">{j.counts.failed.toLocaleString('en-US')}</td>
                  <td>
                    {j.createdByName}
                    <div className="muted">
                      <LocalTime iso={j.createdAt} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
