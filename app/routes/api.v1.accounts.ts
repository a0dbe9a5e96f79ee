import type { LoaderFunctionArgs } from '@remix-run/node';
import { apiHandler, json, methodNotAllowed, parseQuery } from '#app/api/http.server';
import { listAccounts } from '#app/api/resources.server';
import { AccountListQuery } from '#app/api/schemas.server';

// GET /api/v1/accounts: one page of accounts the token's user may see (docs/api.md).
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  apiHandler(request, context, { method: 'GET', scope: 'read' }, async ({ user }) => json(200, await listAccounts({ user, query: parseQuery(request, AccountListQuery) })));

export const action = () => methodNotAllowed('GET');
