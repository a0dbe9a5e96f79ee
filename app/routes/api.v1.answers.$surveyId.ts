import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { getAnswer } from '#app/api/resources.server';
import { NoQuery } from '#app/api/schemas.server';

// GET /api/v1/answers/:id (an answer has its survey's id): one of the answers the token's user may see; 404 for any other (docs/api.md).
export const loader = ({ request, context, params }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user }) => {
    parseQuery(request, NoQuery);
    return json(200, await getAnswer({ user, id: params.surveyId ?? '' }));
  });

export const action = () => methodNotAllowed('GET');
