import { isDatabaseUp } from '#app/platform/health.server';
import { readIndexStatus } from '#app/platform/read-index.server';

// Liveness and readiness for process managers and load balancers: 200 when the database answers.
// The body also says whether the list pages' in-memory indexes have loaded (until then those
// pages answer from the database, correct but slower): a deploy can wait for "indexes ready".
export async function loader() {
  const up = await isDatabaseUp();
  const { ready, total } = readIndexStatus();
  const body = up ? `ok; read indexes ${ready === total ? 'ready' : `loading (${ready}/${total})`}` : 'database unavailable';
  return new Response(body, {
    status: up ? 200 : 503,
    headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' },
  });
}
