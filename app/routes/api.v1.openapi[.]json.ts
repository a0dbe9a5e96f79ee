import { json, methodNotAllowed } from '#app/api/http.server';
import { openApiDocument } from '#app/api/openapi.server';
import { getEnv } from '#app/env.server';

// GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, generated from its zod schemas. Public:
// it describes the API and holds no data.
export const loader = () => json(200, openApiDocument(getEnv().APP_URL), { 'Cache-Control': 'public, max-age=300' });

export const action = () => methodNotAllowed('GET');
