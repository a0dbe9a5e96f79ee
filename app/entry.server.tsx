import { PassThrough } from 'node:stream';
import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import { ErrorIdContext } from '#app/components/error-boundary';
import { NonceProvider } from '#app/utils/nonce';
import { logError } from '#app/utils/log.server';
import { warmReadIndexes } from '#app/platform/read-index.server';
// What advocacy does when a request records a survey answer, a go-live or a referred deal (app/platform/events.server.ts).
import '#app/advocacy/reactions.server';
// Outgoing webhooks and Slack queue a delivery for each event an endpoint subscribed to.
import '#app/integrations/reactions.server';
import '#app/crm/reactions.server';
// Recovery opens cases when an answer says a promise was not kept (app/recovery/reactions.server.ts).
import '#app/recovery/reactions.server';
// Buyer tasks open when their stage starts (app/buyer-tasks/reactions.server.ts).
import '#app/buyer-tasks/reactions.server';

const ABORT_DELAY = 5_000;

// The list pages' in-memory indexes load as the server starts (they answer from the database until then).
// A failure here (no configuration when a script imports the build only to list its routes, a
// database not up yet) is logged; the pages then answer from the database.
if (process.env.NODE_ENV !== 'test') setImmediate(() => void warmReadIndexes().catch((error) => logError(error, { where: 'warmReadIndexes' })));
export const streamTimeout = ABORT_DELAY;

/**
 * A loader or action that throws a 429 (rate limit) or 503 (database down) Response sets
 * Retry-After, but Remix builds a document's headers from `headers` exports only (a thrown
 * Response's headers reach the boundary route's `headers` function, which no route exports), so
 * the page went out without it. Carry it over from the route that threw.
 */
function carryRetryAfter(status: number, headers: Headers, remixContext: EntryContext) {
  if ((status !== 429 && status !== 503) || headers.has('Retry-After')) return;
  const { actionHeaders = {}, loaderHeaders = {} } = remixContext.staticHandlerContext ?? {};
  for (const routeHeaders of [...Object.values(actionHeaders), ...Object.values(loaderHeaders)]) {
    const value = routeHeaders?.get('Retry-After');
    if (value) return void headers.set('Retry-After', value);
  }
}

export default function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const nonce = loadContext?.nonce ?? '';
  carryRetryAfter(responseStatusCode, responseHeaders, remixContext);
  const readyEvent = isbot(request.headers.get('user-agent') ?? '') ? 'onAllReady' : 'onShellReady';
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <ErrorIdContext.Provider value={loadContext?.errorId ?? null}>
          <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
        </ErrorIdContext.Provider>
      </NonceProvider>,
      {
        nonce,
        [readyEvent]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
          resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) logError(error, { url: request.url });
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

/**
 * Logs an unexpected error with an id; the error page shows the same id (one per request, kept in
 * the load context, which Remix passes here before it renders the document).
 */
export function handleError(error: unknown, { request, context }: { request: Request; context?: AppLoadContext }) {
  if (request.signal.aborted) return;
  const errorId = logError(error, { url: request.url, method: request.method, ...(context?.errorId ? { errorId: context.errorId } : {}) });
  if (context && !context.errorId) context.errorId = errorId;
}
