// A stand-in for a customer's webhook endpoint (or Slack's incoming webhook): a local HTTP server
// that records every request Kept sends and answers with the statuses a test scripts. Started in
// the test, like test/fake-resend.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export type ReceivedRequest = { method: string; path: string; headers: Record<string, string>; body: string; at: number };
/** One scripted answer; without any, the receiver answers 200. `delayMs` holds the answer back. */
export type ScriptedAnswer = { status: number; headers?: Record<string, string>; delayMs?: number };

export class FakeWebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private script: ScriptedAnswer[] = [];
  private always: ScriptedAnswer | null = null;
  private server: http.Server | undefined;
  url = '';
  port = 0;

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const answer = this.script.shift() ?? this.always ?? { status: 200 };
        setTimeout(() => {
          res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
          res.end(answer.status < 300 ? 'ok' : 'no');
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this.url;
  }

  /** The next answers, in order; then `always` (or 200). */
  answer(...answers: ScriptedAnswer[]) {
    this.script.push(...answers);
  }

  /** Every later answer, once the scripted ones are used. */
  answerAlways(answer: ScriptedAnswer | null) {
    this.always = answer;
  }

  reset() {
    this.requests.length = 0;
    this.script = [];
    this.always = null;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A receiver for this test file: started before its tests, emptied before each, stopped after. */
export function useFakeWebhookReceiver() {
  const fake = new FakeWebhookReceiver();
  beforeAll(async () => {
    await fake.start();
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.stop());
  return fake;
}
