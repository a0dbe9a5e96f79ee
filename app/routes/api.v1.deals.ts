import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, parseBody, parseQuery } from '#app/api/http.server';
import { recordDealFromApi } from '#app/api/intake.server';
import { listDeals } from '#app/api/resources.server';
import { DealCreateSchema, DealListQuery } from '#app/api/schemas.server';

// GET /api/v1/deals: one page of the deals the token's user may see. POST /api/v1/deals: record a
// closed-won deal (write scope), idempotent on crm + crmId: 201 when new, 200 when recorded before.
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user }) => json(200, await listDeals({ user, query: parseQuery(request, DealListQuery) })));

export const action = ({ request, context }: ActionFunctionArgs) =>
  apiHandler(request, context, { method: 'POST', scope: 'write' }, async ({ user, now }) => {
    const input = await parseBody(request, DealCreateSchema);
    const result = await recordDealFromApi({ user, input, now });
    return json(result.created ? 201 : 200, result);
  });
