import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { getJourney } from '#app/api/resources.server';
import { NoQuery } from '#app/api/schemas.server';

// GET /api/v1/journeys/:id: one of the journeys the token's user may see; 404 for any other (docs/api.md).
export const loader = ({ request, context, params }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user, now }) => {
    parseQuery(request, NoQuery);
    return json(200, await getJourney({ user, id: params.journeyId ?? '', now }));
  });

export const action = () => methodNotAllowed('GET');
