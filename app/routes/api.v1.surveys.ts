import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { listSurveys } from '#app/api/resources.server';
import { SurveyListQuery } from '#app/api/schemas.server';

// GET /api/v1/surveys: one page of surveys the token's user may see (docs/api.md).
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user }) => json(200, await listSurveys({ user, query: parseQuery(request, SurveyListQuery) })));

export const action = () => methodNotAllowed('GET');
