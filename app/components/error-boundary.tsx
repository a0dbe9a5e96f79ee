import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';

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
  const errorId = error && typeof error === 'object' && 'errorId' in error ? String(error.errorId) : null;
  return (
    <section className="error-page" role="alert">
      <p className="error-code">500</p>
      <h1>Something went wrong on our side</h1>
      <p>The error was logged{errorId ? ` with id ${errorId}` : ''}. Try again, or tell your admin.</p>
      <Link to="/">Go to your home page</Link>
    </section>
  );
}
