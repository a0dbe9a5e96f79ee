import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server';
import { keptTemplateCsv } from '#app/deals/import.server';

// Kept's own import template: the headers Kept reads (promises and a primary contact included) and one example row.
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'deals.import' });
  return new Response(keptTemplateCsv(), {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="kept-closed-won-template.csv"' },
  });
}
