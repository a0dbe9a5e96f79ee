import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { exportAsksCsv } from '#app/advocacy/advocacy.server';

/** Every ask as CSV, streamed (cells escaped against spreadsheet formulas). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'advocacy.view' });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(exportAsksCsv(), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="kept-advocacy-asks-${day}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
