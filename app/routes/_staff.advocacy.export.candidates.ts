import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { exportCandidatesCsv } from '#app/advocacy/advocacy.server';

/** Every current candidate as CSV, streamed (cells escaped against spreadsheet formulas). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'advocacy.view' });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(exportCandidatesCsv(), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="kept-advocacy-candidates-${day}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
