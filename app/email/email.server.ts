import { gunzipSync, gzipSync } from 'node:zlib';
import { plainTextSelectors, render } from '@react-email/components';
import { compile } from 'html-to-text';
import { Types } from 'mongoose';
import { createElement, type ReactElement } from 'react';
import { Resend } from 'resend';
import { z } from 'zod';
import { insertIgnoringDuplicates, insertOnce, trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { idleGate } from '#app/utils/idle-gate';
import { log, logError } from '#app/utils/log.server';
import { maskLinkTokens } from '#app/utils/link-token.server';
import { ROLE_LABELS, type Role } from '#app/auth/roles';
import { claim, complete, type LeaseUpdate } from '#app/platform/lease.server';
import { PasswordResetEmail } from '#emails/password-reset';
import { UserInvitationEmail } from '#emails/user-invitation';
import { EmailBatch } from '#models/email-batch';
import { EmailEvent } from '#models/email-event';
import { EmailBatchPayload } from '#models/email-batch-payload';
import { EmailBody } from '#models/email-body';
import { EMAIL_STATES, EmailMessage, type EmailState } from '#models/email-message';

// The one module that talks to Resend. Every email first becomes an EmailMessage (the outbox) with
// a deterministic idempotency key; the worker's dispatcher sends it with that key as Resend's
// Idempotency-Key, so a retry, a crash or two racing workers can never deliver it twice.

const SEND_TIMEOUT_MS = 30_000;
const DEFAULT_LEASE_MS = 2 * SEND_TIMEOUT_MS;
const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 60 * 60_000;
const QUOTA_PAUSE_MS = 60 * 60_000;
const AUTH_PAUSE_MS = 10 * 60_000;
/** Resend's batch endpoint takes at most this many emails per request. */
export const MAX_BATCH_SIZE = 100;
// A producer seals its batch right after queueing it; one still unsealed after this long lost its
// producer, and the dispatcher seals it instead (see sweepUnsealedBatches).
const BATCH_SEAL_GRACE_MS = 5 * 60_000;
const BATCH_SWEEP_EVERY_MS = 60_000;
const SETTLE_BATCHES = 20;

// ---------------------------------------------------------------------------------------------
// The Resend client

let client: { cacheKey: string; resend: Resend } | undefined;

function getResend(): Resend | null {
  const { RESEND_API_KEY, RESEND_BASE_URL } = getEnv();
  if (!RESEND_API_KEY) return null;
  const baseUrl = RESEND_BASE_URL?.replace(/\/+$/, '');
  const cacheKey = `${RESEND_API_KEY}|${baseUrl ?? ''}`;
  if (client?.cacheKey !== cacheKey) {
    client = { cacheKey, resend: new Resend(RESEND_API_KEY, baseUrl ? { baseUrl } : undefined) };
  }
  return client.resend;
}

/** True when Kept captures emails in the outbox instead of sending them (no RESEND_API_KEY). */
export function isDemoMode() {
  return !getEnv().RESEND_API_KEY;
}

// ---------------------------------------------------------------------------------------------
// Enqueueing

export type SendEmailInput = {
  /** Deterministic per business event, e.g. `survey:<id>:invitation`; at most 256 characters. */
  key: string;
  /** Template name (the file name in emails/), shown in the outbox and sent as a tag. */
  template: string;
  to: string;
  subject: string;
  react: ReactElement;
  /** Extra MIME headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers?: Record<string, string>;
  /** The sender, e.g. the vendor's brand (`buyerSender()` of app/branding); default EMAIL_FROM. */
  from?: string;
  /** Where replies go (the brand's reply-to); none by default. */
  replyTo?: string;
  /** What the email is about, e.g. { entityType: 'survey', entityId: '...' }. */
  meta?: Record<string, string | number | boolean>;
  /**
   * Sends the email in Resend batch `batchKey` (at most 100 members) instead of on its own. The
   * producer calls sealEmailBatch({ batchKey }) once it has queued every member.
   */
  batchKey?: string;
  now?: Date;
};

export type SendEmailResult =
  | {
      ok: true;
      id: string;
      state: EmailState;
      duplicate: boolean;
      /** sendEmails, for a message it stored: what a send carries. */ payload?: EmailPayload;
      /** sendEmails, for a duplicate: the batch the first message joined. */ batchKey?: string | null;
    }
  | { ok: false; error: string };

// Resend tags allow ASCII letters, digits, underscores and dashes only.
const tagSafe = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

function tagsFor(template: string, meta: SendEmailInput['meta'] = {}) {
  return [{ name: 'template', value: tagSafe(template) }, ...Object.entries(meta).map(([name, value]) => ({ name: tagSafe(name), value: tagSafe(String(value)) }))];
}

/**
 * Records an email in the outbox (state `queued`, or `captured` in demo mode) for the worker to
 * send. Idempotent on `key`: a second call returns the first message and never sends again.
 * Returns a result instead of throwing.
 */
export async function sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
  const { key, template } = input;
  if (!key || key.length > 256) return { ok: false, error: 'The idempotency key must be 1-256 characters.' };
  try {
    // The same path as a producer's chunk: insert first, look up only a refused key (a lookup by
    // key first scanned the whole outbox on FerretDB for every email queued).
    const [result] = await sendEmails([input]);
    if (result.ok && !result.duplicate && result.state === 'captured') log('info', 'Email captured (demo mode: no RESEND_API_KEY)', { template, key });
    return result;
  } catch (error) {
    logError(error, { where: 'sendEmail', template, key });
    return { ok: false, error: 'The email could not be recorded.' };
  }
}

// react-email's `render(node, { plainText: true })` renders the template a second time and calls
// html-to-text's convert(), which builds its selector tables on every call: ~0.9 ms of the ~1 ms an
// invitation cost (measured with a CPU profile of the dispatch bench). The same options, compiled once.
const toPlainText = compile({ wordwrap: false, selectors: plainTextSelectors });

// C0/C1 controls and Unicode line and paragraph separators: a CR/LF in a header value (an account
// named "Hdr Inc\r\nBcc: ...") would start a header of its own.
const HEADER_BREAKERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A header value as one line: control characters become one space, spaces collapse, ends trimmed. */
export function headerSafe(value: string) {
  return value.replace(HEADER_BREAKERS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** The outbox document of one email: rendered html and text, tags, `queued` (or `captured` in demo mode). */
async function outboxDocument(input: SendEmailInput & { now: Date }) {
  const { key, template, to, subject, react, headers, meta, batchKey, now, from, replyTo } = input;
  const env = getEnv();
  const html = await render(react);
  const text = toPlainText(html);
  const state: EmailState = env.RESEND_API_KEY ? 'queued' : 'captured';
  return {
    idempotencyKey: key,
    template,
    // Every header value Kept builds goes through headerSafe, here, in the one place that stores them.
    to: headerSafe(to),
    from: headerSafe(from || env.EMAIL_FROM),
    ...(replyTo ? { replyTo: headerSafe(replyTo) } : {}),
    subject: headerSafe(subject),
    html, // stored apart, in EmailBody (insert-only, the message's _id)
    text,
    headers: headers && Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.replace(HEADER_BREAKERS, ''), headerSafe(value)])),
    tags: tagsFor(template, meta),
    metadata: meta,
    state,
    attempts: 0,
    nextAttemptAt: now,
    batchKey,
  };
}

/** A stored message with its body (EmailBody; messages from before the split carry `html` themselves). */
async function withBody<T extends { _id: unknown; html?: string | null }>(message: T): Promise<T & { html: string }> {
  if (message.html) return message as T & { html: string };
  const body = await EmailBody.findById(message._id).lean();
  return { ...message, html: body?.html ?? '' };
}

/**
 * The fields of a message to rewrite once it is sent or has failed for good: its text, headers
 * (List-Unsubscribe) and, for messages from before EmailBody, html, with buyer-link tokens masked.
 * Until then the outbox needs them as they are (a retry must be byte-identical); afterwards the
 * buyer has the working links and admins keep what they need to read the email (docs/security.md, "Buyer links in the outbox").
 */
function maskedFields(message: { text: string; headers?: Record<string, string> | null; html?: string | null }) {
  const set: { text?: string; headers?: Record<string, string>; html?: string } = {};
  const text = maskLinkTokens(message.text);
  if (text !== message.text) set.text = text;
  if (message.headers) {
    const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, maskLinkTokens(String(value))]));
    if (Object.entries(headers).some(([name, value]) => value !== message.headers![name])) set.headers = headers;
  }
  if (message.html) {
    const html = maskLinkTokens(message.html);
    if (html !== message.html) set.html = html;
  }
  return set;
}

/** Masks the buyer-link tokens in a sent (or failed) message's stored html; no write when it has none. */
async function maskBody(id: unknown) {
  const body = await EmailBody.findById(id).lean();
  if (!body) return;
  const html = maskLinkTokens(body.html);
  if (html !== body.html) await EmailBody.updateOne({ _id: body._id }, { $set: { html } });
}

/**
 * sendEmail for many emails at once (a batch producer's chunk): one insert for all of them
 * instead of two round trips each, with the same guarantee per key: an email whose key exists
 * already is not recorded again (`duplicate: true`, the first message's id). Results are in input
 * order; throws when the outbox cannot be written (the caller retries the whole chunk).
 */
export async function sendEmails(inputs: SendEmailInput[]): Promise<SendEmailResult[]> {
  if (inputs.length === 0) return [];
  const bad = inputs.find((i) => !i.key || i.key.length > 256);
  if (bad) throw new Error(`invalid idempotency key: ${bad.key}`);
  // Insert first, no lookup: on FerretDB 1.24 a query by key scans the whole outbox, while the
  // unique index refuses a duplicate key cheaply. Only the refused keys (a retry, a racing
  // producer) are looked up, to return the first message.
  const rendered = await Promise.all(inputs.map(async (i) => ({ _id: new Types.ObjectId(), ...(await outboxDocument({ ...i, now: i.now ?? new Date() })) })));
  const docs = rendered.map(({ html: _html, ...doc }) => doc);
  // Bodies first, one insert: a message is only ever stored with a body to send. A refused
  // duplicate leaves its body behind, unread (its _id is new and no message points at it).
  await insertIgnoringDuplicates(
    EmailBody,
    rendered.map(({ _id, html }) => ({ _id, html })),
  );
  if (inputs.some((i) => !i.batchKey)) singlesGate.poke();
  const inserted = await insertIgnoringDuplicates(EmailMessage, docs, { lean: false });
  return Promise.all(
    docs.map(async (doc, index): Promise<SendEmailResult> => {
      if (inserted.has(index)) return { ok: true, id: String(doc._id), state: doc.state, duplicate: false, payload: payloadOf({ ...doc, html: rendered[index].html }) };
      const first = await EmailMessage.findOne({ idempotencyKey: doc.idempotencyKey }).select('_id state batchKey').lean();
      return first
        ? { ok: true, id: String(first._id), state: first.state as EmailState, duplicate: true, batchKey: first.batchKey ?? null }
        : { ok: false, error: 'The email could not be recorded.' };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Typed wrappers

/**
 * The invitation a new staff user receives. Without a link: one per user, ever (key
 * `user:<id>:invitation`, the admin set the password). With a set-password link: one per link
 * (`user:<id>:invitation:<linkId>`), so "Resend invitation" sends a new email with a new link.
 */
export function sendUserInvitation(input: {
  userId: string;
  to: string;
  name: string;
  role: Role;
  invitedBy: string;
  signInUrl: string;
  setPassword?: { url: string; linkId: string; expiresOn: string };
  now?: Date;
}) {
  const role = ROLE_LABELS[input.role] ?? input.role;
  return sendEmail({
    key: input.setPassword ? `user:${input.userId}:invitation:${input.setPassword.linkId}` : `user:${input.userId}:invitation`,
    template: 'user-invitation',
    to: input.to,
    subject: `${input.invitedBy} invited you to Kept`,
    react: createElement(UserInvitationEmail, {
      name: input.name,
      role,
      invitedBy: input.invitedBy,
      signInUrl: input.signInUrl,
      setPasswordUrl: input.setPassword?.url,
      expiresOn: input.setPassword?.expiresOn,
    }),
    meta: { entityType: 'user', entityId: input.userId },
    now: input.now,
  });
}

/** A password reset link (one email per link: key `user:<id>:password-reset:<linkId>`). */
export function sendPasswordReset(input: { userId: string; to: string; name: string; resetUrl: string; linkId: string; validFor: string; now?: Date }) {
  return sendEmail({
    key: `user:${input.userId}:password-reset:${input.linkId}`,
    template: 'password-reset',
    to: input.to,
    subject: 'Choose a new Kept password',
    react: createElement(PasswordResetEmail, { name: input.name, resetUrl: input.resetUrl, validFor: input.validFor }),
    meta: { entityType: 'user', entityId: input.userId },
    now: input.now,
  });
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

/**
 * Keeps one process under `ratePerSecond` requests in any one-second window. A slot is counted
 * from when its response arrived (not when the request left), so network jitter cannot squeeze
 * three requests into the provider's one-second window.
 */
export function createPacer(ratePerSecond: number) {
  const capacity = Math.max(1, Math.floor(ratePerSecond));
  const windowMs = ratePerSecond >= 1 ? 1000 : Math.ceil(1000 / ratePerSecond);
  // `end` is null while the request is in flight.
  const slots: Array<{ end: number | null }> = [];
  let blockedUntil = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return {
    ratePerSecond,
    /** Waits for a free slot; call the returned function when the response has arrived. */
    async take(): Promise<() => void> {
      for (;;) {
        const now = Date.now();
        while (slots.length && slots[0].end !== null && slots[0].end + windowMs <= now) slots.shift();
        const busy = slots.filter((s) => s.end === null || s.end + windowMs > now);
        if (now >= blockedUntil && busy.length < capacity) {
          const slot = { end: null as number | null };
          slots.push(slot);
          return () => {
            slot.end = Date.now();
          };
        }
        const ended = busy.filter((s) => s.end !== null).map((s) => (s.end as number) + windowMs);
        const next = Math.max(blockedUntil, busy.length >= capacity && ended.length ? Math.min(...ended) : now + 5);
        await sleep(Math.max(1, next - now));
      }
    },
    /** Honours the provider's Retry-After for every later request of this process. */
    blockFor(ms: number) {
      blockedUntil = Math.max(blockedUntil, Date.now() + ms);
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;

let processPacer: Pacer | undefined;
function defaultPacer() {
  const rate = getEnv().EMAIL_RATE_PER_SECOND;
  if (processPacer?.ratePerSecond !== rate) processPacer = createPacer(rate);
  return processPacer;
}

// ---------------------------------------------------------------------------------------------
// Dispatching

type ResendError = { name?: string; message?: string; statusCode?: number | null };

type Outcome =
  | { kind: 'sent'; providerIds: string[] }
  | { kind: 'retry'; error: string; delayMs: number; blockMs?: number }
  | { kind: 'failed'; error: string }
  | { kind: 'pause'; error: string; pauseMs: number; reason: string };

/**
 * How a send's outcome moves its lease (one message or a batch): sent and failed are done for good
 * (with `sent` and `done` fields of the caller's), retry waits its delay, pause keeps the retry budget.
 */
function outcomeUpdate(outcome: Outcome, at: Date, fields: { sent: Record<string, unknown>; done: Record<string, unknown> }): LeaseUpdate {
  switch (outcome.kind) {
    case 'sent':
      return { $set: { state: 'sent', ...fields.sent, sentAt: at, lastError: null, ...fields.done }, $inc: { attempts: 1 } };
    case 'retry':
      return { $set: { state: 'queued', lastError: outcome.error, nextAttemptAt: new Date(at.getTime() + outcome.delayMs) }, $inc: { attempts: 1 } };
    case 'failed':
      return { $set: { state: 'failed', lastError: outcome.error, failedAt: at, ...fields.done }, $inc: { attempts: 1 } };
    case 'pause':
      // Not the message's fault: it stays queued and due, and keeps its retry budget.
      return { $set: { state: 'queued', lastError: outcome.error } };
  }
}

function retryAfterMs(headers: Record<string, string> | null): number | null {
  const value = headers?.['retry-after'];
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

const backoffMs = (attempt: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));

/** Resend's error policy: what to do with a message after one answer. */
function classify(error: ResendError, headers: Record<string, string> | null, attempt: number): Outcome {
  const status = error.statusCode ?? null;
  const name = error.name ?? 'application_error';
  const text = `${status ?? 'network'} ${name}: ${error.message ?? ''}`.trim();
  const retryAfter = retryAfterMs(headers);

  if (name === 'daily_quota_exceeded' || name === 'monthly_quota_exceeded') {
    return { kind: 'pause', error: text, reason: name, pauseMs: retryAfter ?? QUOTA_PAUSE_MS };
  }
  // A bad or missing API key affects every message: keep them queued, don't burn their retries.
  if (status === 401 || name === 'missing_api_key' || name === 'invalid_api_key' || name === 'restricted_api_key') {
    return { kind: 'pause', error: text, reason: name, pauseMs: AUTH_PAUSE_MS };
  }
  const retryable = status === null || status === 429 || status >= 500 || name === 'concurrent_idempotent_requests';
  if (!retryable) return { kind: 'failed', error: text };
  if (attempt >= MAX_ATTEMPTS) return { kind: 'failed', error: `gave up after ${attempt} attempts; last: ${text}` };
  if (status === 429) {
    const delayMs = retryAfter ?? backoffMs(attempt);
    return { kind: 'retry', error: text, delayMs, blockMs: delayMs };
  }
  return { kind: 'retry', error: text, delayMs: Math.max(backoffMs(attempt), retryAfter ?? 0) };
}

export type DispatchResult = {
  /** The cycle used its whole request limit; more may be due. */
  more?: boolean;
  /** Messages claimed, alone or as members of a batch. */
  claimed: number;
  /** Batch requests made (each carries up to 100 of the messages counted above). */
  batches: number;
  sent: number;
  retried: number;
  failed: number;
  /** Sends whose outcome could not be recorded because the lease expired meanwhile. */
  leaseLost: number;
  paused: { reason: string; until: string } | null;
  demo: boolean;
};

let pause: { reason: string; until: Date } | null = null;
// Read through a function: noteOutcome() sets the pause behind TypeScript's narrowing.
const currentPause = () => pause;
let lastBatchSweepAt = -Infinity;

// The single-send claim: an outbox scan (1.1 s at 10,000) per dispatch run, while most emails go in batches.
const singlesGate = idleGate(15_000);
// The settle task's scan of every batch: another worker's batches, or one whose sender died, wait a minute.
const settleGate = idleGate(60_000);

/** Forgets this process's pause and rate-limit state (tests; an operator restart does the same). */
export function resetEmailDispatcher() {
  pause = null;
  singlesGate.reset();
  settleGate.reset();
  processPacer = undefined;
  lastBatchSweepAt = -Infinity;
}

type StoredMessage = {
  _id: unknown;
  idempotencyKey: string;
  from: string;
  replyTo?: string | null;
  to: string;
  subject: string;
  html?: string | null;
  text: string;
  headers?: Record<string, string> | null;
  tags?: Array<{ name: string; value: string }>;
  attempts: number;
  template: string;
};
const PAYLOAD_FIELDS = '_id idempotencyKey from replyTo to subject html text headers tags attempts template';

/** The request body of one email, rebuilt from the stored message, so every retry is byte-identical. */
type EmailPayload = ReturnType<typeof payloadOf>;
function payloadOf(message: Pick<StoredMessage, 'from' | 'replyTo' | 'to' | 'subject' | 'text' | 'headers' | 'tags'> & { html: string }) {
  return {
    from: message.from,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    ...(message.headers ? { headers: message.headers } : {}),
    ...(message.tags?.length ? { tags: message.tags.map(({ name, value }) => ({ name, value })) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Batches

/**
 * Freezes the membership of batch `batchKey`: its queued messages (at most 100; `messageIds` when
 * the producer knows them), in a fixed order, are written into one EmailBatch document by a
 * unique insert, before the first send.
 * Idempotent: a second call (or a racing one) returns the membership the first one froze.
 * Messages that join the key later are sent on their own (sweepUnsealedBatches).
 * `holdUntil`: the batch waits until then, or until releaseEmailBatches, before it may be sent
 * (a producer that still has to record what the emails announce).
 */
export async function sealEmailBatch({
  batchKey,
  now,
  messageIds,
  payloads,
  holdUntil,
}: {
  batchKey: string;
  now: Date;
  messageIds?: string[];
  payloads?: Map<string, EmailPayload>;
  holdUntil?: Date;
}) {
  const existing = await EmailBatch.findById(batchKey).select('messageIds').lean();
  if (existing) return { sealed: true, size: existing.messageIds.length };
  // A producer that queued the members itself (sendEmails) names them: no query over the outbox.
  const members = messageIds
    ? [...messageIds]
        .sort()
        .slice(0, MAX_BATCH_SIZE)
        .map((id) => ({ _id: new Types.ObjectId(id) }))
    : await EmailMessage.find({ batchKey, state: 'queued' }).sort({ _id: 1 }).limit(MAX_BATCH_SIZE).select('_id').lean();
  // Demo mode captures instead of queueing: nothing to send.
  if (members.length === 0) return { sealed: false, size: 0 };
  // The producer's rendered emails, frozen with the membership (see EmailBatchPayload).
  const emails = payloads && members.map((m) => payloads.get(String(m._id)));
  if (emails?.every(Boolean)) await insertIgnoringDuplicates(EmailBatchPayload, [{ _id: batchKey, messageIds: members.map((m) => m._id), gz: gzipSync(JSON.stringify(emails)) }]);
  const batch = {
    _id: batchKey,
    messageIds: members.map((m) => m._id),
    idempotencyKey: `batch:${batchKey}`,
    state: 'queued' as const,
    attempts: 0,
    nextAttemptAt: holdUntil ?? now,
  };
  if (await insertOnce(EmailBatch, batch)) return { sealed: true, size: members.length };
  const winner = await EmailBatch.findById(batchKey).select('messageIds').lean();
  return { sealed: true, size: winner?.messageIds.length ?? 0 };
}

/**
 * Lets batches sealed with `holdUntil` go now. Only a batch never tried is moved: a batch waiting
 * out a retry back-off keeps its wait.
 */
export async function releaseEmailBatches({ batchKeys, now }: { batchKeys: string[]; now: Date }) {
  if (batchKeys.length === 0) return;
  await EmailBatch.updateMany({ _id: trusted({ $in: batchKeys }), state: 'queued', attempts: 0, nextAttemptAt: trusted({ $gt: now }) }, { $set: { nextAttemptAt: now } });
}

/**
 * Repairs batches whose producer died before sealing them (seals them now) and hands messages
 * that were queued under a key after it was sealed to the single-send path. Only touches
 * messages queued longer than the grace period, so a live producer is never raced.
 */
async function sweepUnsealedBatches(now: Date) {
  const stale = await EmailMessage.find({
    state: 'queued',
    batchKey: trusted({ $ne: null }),
    nextAttemptAt: trusted({ $lte: new Date(now.getTime() - BATCH_SEAL_GRACE_MS) }),
  })
    .select('_id batchKey')
    .limit(1000)
    .lean();
  const byKey = new Map<string, string[]>();
  for (const m of stale) byKey.set(m.batchKey as string, [...(byKey.get(m.batchKey as string) ?? []), String(m._id)]);
  for (const [batchKey, ids] of byKey) {
    const batch = await EmailBatch.findById(batchKey).select('messageIds').lean();
    if (!batch) {
      await sealEmailBatch({ batchKey, now });
      continue;
    }
    const members = new Set(batch.messageIds.map(String));
    for (const id of ids.filter((id) => !members.has(id))) {
      // Not in the frozen membership: it was never part of this batch, so it goes alone.
      await EmailMessage.updateOne({ _id: id, batchKey }, { $set: { batchKey: null } });
      singlesGate.poke();
      log('warn', 'Email queued after its batch was sealed; sending it on its own', { batchKey, messageId: id });
    }
  }
}

/**
 * Sends due queued messages, one claimed lease at a time, within the rate limit. Retries reuse
 * the message's idempotency key. `now` is the cycle's start; it advances with the wall clock
 * while the cycle runs (pacing takes real time).
 */
export async function dispatchDueEmails(input: { now: Date; owner: string; limit?: number; leaseMs?: number; pacer?: Pacer; signal?: AbortSignal }): Promise<DispatchResult> {
  const { owner, limit = 50, leaseMs = DEFAULT_LEASE_MS, signal } = input;
  const result: DispatchResult = { claimed: 0, batches: 0, sent: 0, retried: 0, failed: 0, leaseLost: 0, paused: null, demo: false };
  const resend = getResend();
  if (!resend) return { ...result, demo: true };

  const started = performance.now();
  const clock = () => new Date(input.now.getTime() + Math.round(performance.now() - started));
  if (pause && pause.until > clock()) return { ...result, paused: { reason: pause.reason, until: pause.until.toISOString() } };
  pause = null;
  const pacer = input.pacer ?? defaultPacer();

  if (input.now.getTime() - lastBatchSweepAt >= BATCH_SWEEP_EVERY_MS) {
    lastBatchSweepAt = input.now.getTime();
    await sweepUnsealedBatches(input.now);
  }
  // Batches first (one request carries up to 100 emails), then single messages; `limit` counts requests.
  let requests = 0;
  while (requests < limit && !signal?.aborted && !currentPause()) {
    const batch = await dispatchOneBatch({ resend, pacer, owner, leaseMs, now: clock(), clock, result });
    if (!batch) break;
    requests++;
  }

  let i = requests;
  for (; i < limit && !signal?.aborted && !currentPause() && singlesGate.open(input.now.getTime()); i++) {
    const now = clock();
    singlesGate.scanning(now.getTime());
    const message = await claim<StoredMessage>({
      model: EmailMessage,
      // 'sending' with an expired lease: a worker died mid-send; resending reuses the key.
      // Batch members are sent by their batch only.
      filter: { state: trusted({ $in: ['queued', 'sending'] }), nextAttemptAt: trusted({ $lte: now }), batchKey: null },
      now,
      owner,
      leaseMs,
      sort: { nextAttemptAt: 1 },
      update: { $set: { state: 'sending' } },
    });
    singlesGate.scanned(input.now.getTime(), !!message);
    if (!message) break;
    result.claimed++;

    const done = await pacer.take();
    const response = await resend.emails
      .send(payloadOf(await withBody(message)), { idempotencyKey: message.idempotencyKey, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) })
      .finally(done);
    const attempt = message.attempts + 1;
    const outcome: Outcome = response.error ? classify(response.error, response.headers, attempt) : { kind: 'sent', providerIds: [response.data.id] };
    const at = clock();

    const update = outcomeUpdate(outcome, at, { sent: outcome.kind === 'sent' ? { providerId: outcome.providerIds[0] } : {}, done: maskedFields(message) });
    if (outcome.kind === 'retry') {
      singlesGate.wakeAt(at.getTime() + outcome.delayMs);
      if (outcome.blockMs) pacer.blockFor(outcome.blockMs);
    }
    const recorded = await complete({ model: EmailMessage, lease: message, now: at, update });
    if (!recorded) {
      // Another worker took the message over; it resends with the same key, so no duplicate.
      result.leaseLost++;
      log('warn', 'Email lease expired before the send was recorded', { key: message.idempotencyKey });
    } else if (outcome.kind === 'sent' || outcome.kind === 'failed') {
      // Done for good (never sent again): the stored body keeps no working link either.
      await maskBody(message._id);
    }

    noteOutcome({ outcome, at, messages: 1, result, fields: { key: message.idempotencyKey, template: message.template, attempt } });
  }
  const paused = currentPause();
  if (paused) result.paused = { reason: paused.reason, until: paused.until.toISOString() };
  // Every request of the cycle was used: more may be due, so the worker goes again at once.
  if (i >= limit && !paused) result.more = true;
  return result;
}

/**
 * Counts one request's outcome for `messages` emails and logs it. A provider rate limit or a
 * quota/auth error sets the process pause, which ends the cycle.
 */
function noteOutcome(input: { outcome: Outcome; at: Date; messages: number; result: DispatchResult; fields: Record<string, unknown> }) {
  const { outcome, at, messages, result, fields } = input;
  if (outcome.kind === 'sent') result.sent += messages;
  else if (outcome.kind === 'retry') {
    result.retried += messages;
    log('warn', 'Email send will be retried', { ...fields, error: outcome.error, delayMs: outcome.delayMs });
    // Rate-limited by the provider: stop this cycle and honour Retry-After before the next one.
    if (outcome.blockMs) pause = { reason: 'rate_limit_exceeded', until: new Date(at.getTime() + outcome.blockMs) };
  } else if (outcome.kind === 'failed') {
    result.failed += messages;
    log('error', 'Email failed without retry', { ...fields, error: outcome.error });
  } else {
    pause = { reason: outcome.reason, until: new Date(at.getTime() + outcome.pauseMs) };
    log('error', 'Email sending paused', { ...fields, reason: outcome.reason, until: pause.until.toISOString(), error: outcome.error });
  }
}

/** The emails of a batch as its producer froze them (EmailBatchPayload), if it did for this membership. */
async function frozenEmails(batchKey: string, ids: string[]): Promise<EmailPayload[] | null> {
  const frozen = await EmailBatchPayload.findById(batchKey).lean();
  if (!frozen || frozen.messageIds.map(String).join() !== ids.join()) return null;
  // lean() gives the driver's Binary for a Buffer field.
  const gz = frozen.gz as unknown as { buffer: Uint8Array } | Buffer | null | undefined;
  if (gz) return JSON.parse(gunzipSync(Buffer.isBuffer(gz) ? gz : Buffer.from(gz.buffer)).toString('utf8')) as EmailPayload[];
  return (frozen.emails as EmailPayload[] | undefined) ?? null;
}

/**
 * The emails of a sealed batch, in its order: as frozen by its producer (one read), else rebuilt
 * from the stored members, one read by _id each (FerretDB 1.24 answers an _id equality from its
 * index but scans the whole outbox for an $in). Null when a member no longer exists.
 */
async function batchEmails(batchKey: string, ids: string[]): Promise<EmailPayload[] | null> {
  const frozen = await frozenEmails(batchKey, ids);
  if (frozen) return frozen;
  const stored = await Promise.all(
    ids.map(async (id) => {
      const m = await EmailMessage.findById(id).select(PAYLOAD_FIELDS).lean();
      return m && withBody(m as StoredMessage);
    }),
  );
  return stored.every(Boolean) ? stored.map((m) => payloadOf(m!)) : null;
}

/**
 * Claims one due sealed batch and sends it with `resend.batch.send` under the batch's own
 * idempotency key; false when there is none. The payload is rebuilt from the frozen membership
 * and the stored messages, so a retry (or another worker after this one died) is byte-identical
 * and Resend answers it with the first result instead of sending again.
 */
async function dispatchOneBatch(input: { resend: Resend; pacer: Pacer; owner: string; leaseMs: number; now: Date; clock: () => Date; result: DispatchResult }): Promise<boolean> {
  const { resend, pacer, owner, leaseMs, now, clock, result } = input;
  const batch = await claim<{ messageIds: unknown[]; idempotencyKey: string; attempts: number }>({
    model: EmailBatch,
    filter: { state: trusted({ $in: ['queued', 'sending'] }), nextAttemptAt: trusted({ $lte: now }) },
    now,
    owner,
    leaseMs,
    sort: { nextAttemptAt: 1 },
    update: { $set: { state: 'sending' } },
  });
  if (!batch) return false;
  const ids = batch.messageIds.map(String);
  const emails = await batchEmails(String(batch._id), ids);
  result.claimed += ids.length;
  result.batches++;
  const attempt = batch.attempts + 1;

  let outcome: Outcome;
  if (!emails) {
    outcome = { kind: 'failed', error: 'a member of the batch no longer exists' };
  } else {
    const done = await pacer.take();
    const response = await resend.batch.send(emails, { idempotencyKey: batch.idempotencyKey, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) }).finally(done);
    outcome = response.error ? classify(response.error, response.headers, attempt) : { kind: 'sent', providerIds: response.data.data.map((d) => d.id) };
  }
  const at = clock();

  // The members' outbox entries are not written here: the batch is the record of what Resend
  // answered (its ids aligned with messageIds), and the email-settle task copies its outcome onto
  // the members when the worker is not busy. Writing them here (100 updateOnes per request, before
  // bulkWrite answered on FerretDB) was a third of the database's work per email sent.
  const update = outcomeUpdate(outcome, at, { sent: outcome.kind === 'sent' ? { providerIds: outcome.providerIds } : {}, done: {} });
  if (outcome.kind === 'retry' && outcome.blockMs) pacer.blockFor(outcome.blockMs);
  const recorded = await complete({ model: EmailBatch, lease: batch, now: at, update });
  if (!recorded) {
    result.leaseLost++;
    log('warn', 'Email batch lease expired before the send was recorded', { batch: String(batch._id) });
  }
  // Done for good: the settle task copies the outcome onto the members (and then drops the payload).
  if (recorded && (outcome.kind === 'sent' || outcome.kind === 'failed')) settleGate.poke();
  noteOutcome({ outcome, at, messages: ids.length, result, fields: { batch: String(batch._id), size: ids.length, attempt } });
  return true;
}

/**
 * Worker task: copies the outcome of finished batches (sent or failed) onto their members' outbox
 * entries, up to `limit` batches a run, masking the members' buyer links (text, headers, body) as
 * it goes; then marks the batch settled. Per batch: the members as sent (the frozen payload, one
 * read), one bulkWrite of the members and one of their bodies. Idempotent: a run cut short is
 * redone, with the same values.
 */
export async function settleBatchMembers({ now, limit = SETTLE_BATCHES }: { now: Date; limit?: number }) {
  const t = now.getTime();
  if (!settleGate.open(t)) return { skipped: true };
  settleGate.scanning(t);
  const batches = await EmailBatch.find({ state: trusted({ $in: ['sent', 'failed'] }), membersSettledAt: null })
    .limit(limit)
    .select('messageIds state attempts lastError sentAt failedAt')
    .lean();
  let members = 0;
  for (const batch of batches) {
    const set = memberState(batch);
    const ids = batch.messageIds.map(String);
    const sent = await sentMembers(String(batch._id), ids);
    // With the outcome, the member's buyer links are masked (its batch is never sent again).
    await EmailMessage.bulkWrite(
      ids.map((_id, i) => ({ updateOne: { filter: { _id, batchKey: batch._id }, update: { $set: { ...set, ...(sent[i] ? maskedFields(sent[i].message) : {}) } } } })),
      { ordered: false },
    );
    const bodies = ids.flatMap((_id, i) => {
      const html = sent[i]?.body;
      const masked = html && maskLinkTokens(html);
      return masked && masked !== html ? [{ updateOne: { filter: { _id }, update: { $set: { html: masked } } } }] : [];
    });
    if (bodies.length) await EmailBody.bulkWrite(bodies, { ordered: false });
    // Done for good: the frozen payload is not needed again (a redo reads the members, masked by now).
    await EmailBatchPayload.deleteOne({ _id: String(batch._id) });
    await EmailBatch.updateOne({ _id: batch._id }, { $set: { membersSettledAt: new Date() } });
    members += ids.length;
  }
  settleGate.scanned(t, batches.length > 0);
  return { batches: batches.length, members, more: batches.length >= limit };
}

/**
 * The members of a finished batch as sent, in its order: each message's text and headers (and
 * html, for messages from before EmailBody), and its EmailBody html. From the frozen payload
 * when there is one (bodies are in EmailBody since before payloads existed), else read by _id.
 */
async function sentMembers(batchKey: string, ids: string[]) {
  type Sent = { message: { text: string; headers?: Record<string, string> | null; html?: string | null }; body: string | null };
  const frozen = await frozenEmails(batchKey, ids);
  if (frozen) return frozen.map((e): Sent => ({ message: { text: e.text, headers: e.headers }, body: e.html }));
  return Promise.all(
    ids.map(async (id): Promise<Sent | null> => {
      const message = await EmailMessage.findById(id).select('text headers html').lean();
      if (!message) return null;
      const body = message.html ? null : ((await EmailBody.findById(id).lean())?.html ?? null);
      return { message: message as Sent['message'], body };
    }),
  );
}

type BatchOutcome = { state: string; attempts: number; lastError?: string | null; sentAt?: Date | null; failedAt?: Date | null; nextAttemptAt?: Date | null };

/** What a member's outbox entry says once its batch has finished (or, while it has not, what readers show). */
function memberState(batch: BatchOutcome) {
  return batch.state === 'sent'
    ? { state: 'sent' as const, sentAt: batch.sentAt, lastError: null, attempts: batch.attempts }
    : batch.state === 'failed'
      ? { state: 'failed' as const, failedAt: batch.failedAt, lastError: batch.lastError ?? null, attempts: batch.attempts }
      : { state: 'queued' as const, lastError: batch.lastError ?? null, attempts: batch.attempts, nextAttemptAt: batch.nextAttemptAt };
}

/**
 * Outbox entries as their readers should see them: a batch member not settled yet takes its
 * state, attempts and error from its batch (one read by _id per batch on the page).
 */
async function withBatchState<T extends { state?: string | null; batchKey?: string | null }>(messages: T[]): Promise<T[]> {
  const keys = [...new Set(messages.flatMap((m) => (m.batchKey && (m.state === 'queued' || m.state === 'sending') ? [m.batchKey] : [])))];
  if (keys.length === 0) return messages;
  const batches = await Promise.all(keys.map((key) => EmailBatch.findById(key).select('state attempts lastError sentAt failedAt nextAttemptAt').lean()));
  const byKey = new Map(batches.flatMap((b) => (b ? [[String(b._id), b] as const] : [])));
  return messages.map((m) => {
    const batch = m.batchKey && (m.state === 'queued' || m.state === 'sending') ? byKey.get(m.batchKey) : undefined;
    return batch ? { ...m, ...memberState(batch), state: batch.state } : m;
  });
}

// ---------------------------------------------------------------------------------------------
// The admin outbox

/** Query string of the admin outbox page. */
export const OutboxQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  state: z
    .enum(EMAIL_STATES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  message: z
    .string()
    .regex(/^[a-f0-9]{24}$/i, 'not a message id')
    .optional(),
  /** Part of the recipient's address (addresses are stored lower-case). */
  to: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .optional()
    .transform((v) => v || undefined),
});

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);

/** One page of the outbox, newest first, as plain objects. */
export async function listOutbox({ page, perPage, state, to }: { page: number; perPage: number; state?: EmailState; to?: string }) {
  const filter: Record<string, unknown> = state ? { state } : {};
  // A typed fragment, matched literally (escaped), anywhere in the address.
  if (to) filter.to = trusted({ $regex: escapeRegex(to) });
  const [rows, total] = await Promise.all([
    EmailMessage.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .skip((page - 1) * perPage)
      .limit(perPage)
      .select('template to subject state attempts lastError providerId batchKey createdAt sentAt nextAttemptAt')
      .lean()
      .then(withBatchState),
    EmailMessage.countDocuments(filter),
  ]);
  return {
    messages: rows.map((m) => ({
      id: String(m._id),
      template: m.template,
      to: m.to,
      subject: m.subject,
      state: m.state as EmailState,
      attempts: m.attempts,
      lastError: m.lastError ?? null,
      providerId: m.providerId ?? null,
      createdAt: iso(m.createdAt),
      sentAt: iso(m.sentAt),
      nextAttemptAt: iso(m.nextAttemptAt),
    })),
    total,
    page,
    perPage,
    pageCount: Math.max(1, Math.ceil(total / perPage)),
  };
}

/** One outbox message with its text version, headers and delivery events; null when missing. */
export async function getOutboxMessage({ id }: { id: string }) {
  const [m] = await withBatchState(
    [
      await EmailMessage.findById(id)
        .select('idempotencyKey template to from replyTo subject text html headers metadata state attempts lastError providerId batchKey createdAt sentAt nextAttemptAt events')
        .lean(),
    ].filter((x) => x !== null),
  );
  if (!m) return null;
  // A batch member's Resend id is kept on its batch (aligned with messageIds).
  let providerId = m.providerId ?? null;
  if (!providerId && m.batchKey) {
    const batch = await EmailBatch.findById(m.batchKey).select('messageIds providerIds').lean();
    providerId = batch?.providerIds[batch.messageIds.findIndex((id) => String(id) === String(m._id))] ?? null;
  }
  // Webhook events live in their own documents (resend-webhook.server.ts), found by Resend's id.
  const [events, body] = await Promise.all([providerId ? EmailEvent.find({ providerId }).sort({ at: 1 }).select('type at').lean() : [], withBody(m)]);
  // Sent or failed: links are shown masked even before the worker has rewritten what is stored
  // (a batch member is rewritten when its batch is settled, a little after the send).
  const linksMasked = m.state === 'sent' || m.state === 'failed';
  const { text, html, headers } = linksMasked ? { ...body, ...maskedFields({ ...body, headers: body.headers as Record<string, string> | null }) } : body;
  return {
    id: String(m._id),
    idempotencyKey: m.idempotencyKey,
    template: m.template,
    to: m.to,
    from: m.from,
    replyTo: m.replyTo ?? null,
    subject: m.subject,
    text,
    /** Shown only inside a sandboxed iframe (no scripts, no same origin). */
    html,
    headers: (headers ?? {}) as Record<string, string>,
    /** Buyer-link tokens are masked (`/s/…Ab3d`): the email is sent or failed for good. */
    linksMasked,
    metadata: (m.metadata ?? {}) as Record<string, string | number | boolean>,
    state: m.state as EmailState,
    attempts: m.attempts,
    lastError: m.lastError ?? null,
    providerId,
    createdAt: iso(m.createdAt),
    sentAt: iso(m.sentAt),
    nextAttemptAt: iso(m.nextAttemptAt),
    events: [...(m.events ?? []), ...events].map((e) => ({ type: e.type, at: iso(e.at) })),
  };
}
