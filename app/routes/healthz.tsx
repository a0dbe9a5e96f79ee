import { isDatabaseUp } from '#app/services/health.server';

// Liveness and readiness for process managers and load balancers: 200 when the database answers.
export async function loader() {
  const up = await isDatabaseUp();
  return new Response(up ? 'ok' : 'database unavailable', {
    status: up ? 200 : 503,
    headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' },
  });
}
