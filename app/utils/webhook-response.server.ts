// The answers of the webhook routes (/api/webhooks/*): JSON that no cache keeps, and 405 for
// anything but POST. One shape for every provider that calls Kept.

export const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers } });

/** The answer to a GET (or anything but POST) on a webhook URL. */
export const postOnly = () => jsonAnswer(405, { ok: false, error: 'Use POST.' }, { Allow: 'POST' });
