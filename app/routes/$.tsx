import { GeneralErrorBoundary } from '#app/components/error-boundary';

// Catch-all: any unknown URL is a 404 with the shared error page.
export async function loader() {
  throw new Response('There is no page at this address.', { status: 404 });
}

export async function action() {
  throw new Response('There is no page at this address.', { status: 404 });
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <GeneralErrorBoundary />
    </main>
  );
}
