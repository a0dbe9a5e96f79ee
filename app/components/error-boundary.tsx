import { createContext, useContext, useEffect, useState } from 'react';
import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';

/**
 * The id under which the server logged this request's unexpected error (entry.server.tsx sets it
 * from handleError). Remix replaces production errors with a bare "Unexpected Server Error", so the
 * id cannot travel on the error itself.
 */
export const ErrorIdContext = createContext<string | null>(null);

// The browser has no server context: while hydrating it reads the id the server rendered into the
// page; after that (client-side navigation) there is no server-rendered id to read.
let hydrated = false;

function useErrorId(error: unknown) {
  const fromServer = useContext(ErrorIdContext);
  const [fromPage] = useState(() => (hydrated || typeof document === 'undefined' ? null : (document.querySelector('[data-error-id]')?.getAttribute('data-error-id') ?? null)));
  useEffect(() => {
    hydrated = true;
  }, []);
  const onError = error && typeof error === 'object' && 'errorId' in error ? String(error.errorId) : null;
  return fromServer ?? onError ?? fromPage;
}

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: 'That request was not valid', body: 'Check what you entered and try again.' },
  401: { title: 'Please sign in', body: 'Your session has ended or you are not signed in.' },
  403: { title: 'Not allowed', body: 'Your role does not give access to this page.' },
  404: { title: 'Page not found', body: 'The page or record you asked for does not exist, or was removed.' },
  409: { title: 'That could not be done right now', body: 'The record changed or a rule prevents this step.' },
  429: { title: 'Too many attempts', body: 'Please wait a little and try again.' },
  503: { title: 'Kept is briefly unavailable', body: 'The database is not answering. Try again in a moment.' },
};

/** One error page for every route: a friendly message per status, never a stack trace. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const errorId = useErrorId(error);
  if (isRouteErrorResponse(error)) {
    const known = MESSAGES[error.status] ?? { title: `Error ${error.status}`, body: 'Something went wrong.' };
    const reason = typeof error.data === 'string' && error.data.length < 300 ? error.data : null;
    return (
      <section className="error-page" role="alert">
        <p className="error-code">{error.status}</p>
        <h1>{known.title}</h1>
        <p>{reason && error.status !== 500 ? reason : known.body}</p>
        {error.status === 401 ? <Link to="/login">Sign in</Link> : <Link to="/">Go to your home page</Link>}
      </section>
    );
  }
  return (
    <section className="error-page" role="alert">
      <p className="error-code">500</p>
      <h1>Something went wrong on our side</h1>
      <p data-error-id={errorId ?? undefined}>
        The error was logged
        {errorId ? (
          <>
            {' '}
            with id <code>{errorId}</code>
          </>
        ) : null}
        . Try again, or tell your admin
        {errorId ? ' and give them this id' : ''}.
      </p>
      <Link to="/">Go to your home page</Link>
    </section>
  );
}

/** The error boundary of a page outside the staff shell (sign-in, password links, not found): centred. */
export function CenteredErrorBoundary() {
  return (
    <main className="centered">
      <GeneralErrorBoundary />
    </main>
  );
}
