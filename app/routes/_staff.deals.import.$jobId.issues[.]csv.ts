import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { issuesCsvStream } from '#app/deals/import.server';
import { notFound } from '#app/utils/forms.server';

// The per-row report of an import (errors and skipped rows), streamed as CSV.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'deals.import' });
  const report = await issuesCsvStream({ user, jobId: params.jobId ?? '' });
  if (!report) notFound('That import');
  return new Response(report.stream, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${report.fileName}"`,
      'Cache-Control': 'no-store',
    },
  });
}
