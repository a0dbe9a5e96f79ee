// One HTTP request of an outgoing delivery (a webhook POST, a CRM write-back PATCH), and nothing
// else: a 10 s limit for the whole exchange, no
// redirects followed (node's http client never follows them), and in production no inside
// address (SSRF): the host is resolved here, every address it resolves to is checked
// (address-rules.ts), and the connection goes to the address checked, so a DNS answer that
// changes between the check and the connect (DNS rebinding) cannot slip an inside address in.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { blockedAddressClass, isIpLiteral } from '#app/integrations/address-rules';
import type { AttemptAnswer } from '#app/integrations/webhook-rules';
import { trusted } from '#app/platform/db.server';
import { claim, type AnyModel, type Lease } from '#app/platform/lease.server';

export const REQUEST_TIMEOUT_MS = 10_000;
/** How much of a response Kept reads (for nothing but to let the connection finish). */
const MAX_RESPONSE_BYTES = 16 * 1024;

type Resolved = { address: string; family: number };

/**
 * The address to connect to for `host`, checked; `refused` names why not. With `guard` off (not
 * production) any address goes and the system resolver picks, as for any other request.
 */
export async function resolveChecked(host: string, guard: boolean, what = 'webhooks'): Promise<{ pinned: Resolved | null } | { refused: string }> {
  if (!guard) return { pinned: null };
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: Resolved[];
  try {
    addresses = isIpLiteral(bare) ? [{ address: bare, family: bare.includes(':') ? 6 : 4 }] : await dns.promises.lookup(bare, { all: true, verbatim: true });
  } catch (error) {
    // Not found is an answer like a timeout: the name may exist again later.
    throw Object.assign(new Error(`DNS lookup of ${bare} failed (${(error as NodeJS.ErrnoException).code ?? 'error'})`), { dns: true });
  }
  if (addresses.length === 0) throw Object.assign(new Error(`DNS lookup of ${bare} found no address`), { dns: true });
  for (const { address } of addresses) {
    const blocked = blockedAddressClass(address);
    if (blocked) return { refused: `Refused: ${bare} is a ${blocked} address (${address}); Kept sends ${what} only to public addresses.` };
  }
  return { pinned: addresses[0] };
}

/** An answer with the start of the response body, for callers that read it (a CRM's error message, an OAuth token). */
export type HttpAnswer = AttemptAnswer & { text?: string };

/**
 * POSTs `body` to `url` with `headers`. Never throws: every outcome is an AttemptAnswer for
 * judgeAttempt (webhook-rules.ts).
 */
export async function postOnce(input: { url: string; body: string; headers: Record<string, string>; guard: boolean; timeoutMs?: number }): Promise<AttemptAnswer> {
  return requestOnce({ ...input, method: 'POST' });
}

/**
 * Sends one request (`method`, `body`) to `url` under the rules above. Never throws. With
 * `readBody`, the answer carries the first 16 KiB of the response as text. `what` names the
 * traffic in a refusal ("webhooks", "CRM updates").
 */
export async function requestOnce({
  method,
  url,
  body,
  headers,
  guard,
  timeoutMs = REQUEST_TIMEOUT_MS,
  readBody = false,
  what = 'webhooks',
}: {
  method: 'POST' | 'PATCH';
  url: string;
  body: string;
  headers: Record<string, string>;
  guard: boolean;
  timeoutMs?: number;
  readBody?: boolean;
  what?: string;
}): Promise<HttpAnswer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { refused: 'The endpoint URL is not valid.' };
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return { refused: 'The endpoint URL is neither https nor http.' };
  if (guard && target.protocol !== 'https:') return { refused: `Refused: Kept sends ${what} only over https in production.` };
  let checked: Awaited<ReturnType<typeof resolveChecked>>;
  try {
    checked = await resolveChecked(target.hostname, guard, what);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if ('refused' in checked) return checked;
  const pinned = checked.pinned;
  const lookup: LookupFunction | undefined = pinned
    ? (_hostname, options, callback) => {
        if (options.all) callback(null, [pinned]);
        else callback(null, pinned.address, pinned.family);
      }
    : undefined;
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve) => {
    let settled = false;
    const finish = (answer: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const request = client.request(
      target,
      {
        method,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Kept-Webhooks/1', ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
        ...(lookup ? { lookup } : {}),
      },
      (response) => {
        let read = 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (readBody && read <= MAX_RESPONSE_BYTES) chunks.push(chunk);
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const answer = () => ({
          status: response.statusCode ?? 0,
          retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
          ...(readBody ? { text: Buffer.concat(chunks).toString('utf8') } : {}),
        });
        response.on('end', () => finish(answer()));
        response.on('close', () => finish(answer()));
        response.on('error', () => finish(answer()));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish({ error: `No answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ error: `${error.code ?? 'Error'}: ${error.message}`.slice(0, 300) }));
    request.end(body);
  });
}

export type DispatchResult = { delivered: number; retried: number; failed: number; leaseLost: number; more: boolean };
export type AttemptOutcome = 'delivered' | 'retried' | 'failed' | 'lost';

/**
 * A worker step of an HTTP outbox (webhook deliveries, CRM pushes): sends due items (`state:
 * pending`, `nextAttemptAt` passed), `lanes` at a time, each claimed with a lease, until none is
 * due, `limit` attempts were made or `budgetMs` passed (then `more`). `now` is the cycle's clock; it
 * advances by the time the step has taken. `attempt` sends one claimed item and records its outcome.
 */
export async function dispatchDue<L extends Lease>(input: {
  model: AnyModel;
  attempt: (lease: L, clock: () => Date) => Promise<AttemptOutcome>;
  leaseMs: number;
  now: Date;
  owner: string;
  signal?: AbortSignal;
  limit?: number;
  lanes: number;
  budgetMs?: number;
}): Promise<DispatchResult> {
  const { model, attempt, leaseMs, now, owner, signal, limit = 100, lanes, budgetMs = 20_000 } = input;
  const started = Date.now();
  const clock = () => new Date(now.getTime() + (Date.now() - started));
  const result: DispatchResult = { delivered: 0, retried: 0, failed: 0, leaseLost: 0, more: false };
  let attempts = 0;
  const lane = async () => {
    while (!signal?.aborted) {
      if (attempts >= limit || Date.now() - started > budgetMs) {
        result.more = true;
        return;
      }
      const at = clock();
      const lease = await claim<L>({ model, filter: { state: 'pending', nextAttemptAt: trusted({ $lte: at }) }, sort: { nextAttemptAt: 1 }, now: at, owner, leaseMs });
      if (!lease) return;
      attempts++;
      const outcome = await attempt(lease, clock);
      if (outcome === 'lost') result.leaseLost++;
      else result[outcome]++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return result;
}
