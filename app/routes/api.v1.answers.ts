import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { listAnswers } from '#app/api/resources.server';
import { AnswerListQuery } from '#app/api/schemas.server';

// GET /api/v1/answers: one page of answers the token's user may see (docs/api.md).
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user }) => json(200, await listAnswers({ user, query: parseQuery(request, AnswerListQuery) })));

export const action = () => methodNotAllowed('GET');
