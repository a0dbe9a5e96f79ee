import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { listJourneys } from '#app/api/resources.server';
import { JourneyListQuery } from '#app/api/schemas.server';

// GET /api/v1/journeys: one page of journeys the token's user may see (docs/api.md).
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user, now }) =>
    json(200, await listJourneys({ user, query: parseQuery(request, JourneyListQuery), now })),
  );

export const action = () => methodNotAllowed('GET');
