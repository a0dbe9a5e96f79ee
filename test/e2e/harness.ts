// Shared by the hardening specs (injection, fuzzing, secrets and logs): a cookie-keeping HTTP
// client, the route modules of app/routes with their URLs, and a mongoose connection to the e2e
// database for counting documents and minting buyer links the way the worker does.
import { inject } from 'vitest';
import { DEMO_PASSWORD, clientAddress } from './browser';

export type Reply = { status: number; location: string | null; body: string; headers: Headers; setCookie: string | null };

/** A cookie-keeping HTTP client with its own client address (the e2e server trusts X-Forwarded-For). */
export class Client {
  cookie = '';
  readonly address = clientAddress();
  constructor(readonly base = inject('baseUrl')) {}

  async request(method: string, url: string, init: { body?: string | FormData | Uint8Array; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'X-Forwarded-For': this.address, ...init.headers };
    if (this.cookie) headers.Cookie = this.cookie;
    if (method !== 'GET' && method !== 'HEAD' && !('Origin' in headers)) headers.Origin = this.base;
    if (typeof init.body === 'string' && !('Content-Type' in headers)) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.base + url, { method, headers, body: init.body as BodyInit | undefined, redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, location: res.headers.get('location'), body, headers: res.headers, setCookie: res.headers.get('set-cookie') };
  }

  async login(email: string, password = DEMO_PASSWORD) {
    const res = await this.request('POST', '/login', { body: new URLSearchParams({ email, password }).toString() });
    const cookie = res.setCookie?.match(/kept_session=[^;]*/)?.[0];
    if (res.status !== 302 || !cookie) throw new Error(`Signing in as ${email} answered ${res.status}: ${res.body.slice(0, 300)}`);
    this.cookie = cookie;
    return this;
  }
}

export { ROUTES_DIR, exportsAction, exportsLoader, routeModules, urlFor } from '../route-modules';

/** Connects this test process's mongoose to the e2e database (the server's, not a copy). */
export async function connectE2eDb() {
  process.env.MONGODB_URI = inject('mongoUri');
  process.env.APP_URL = inject('baseUrl');
  process.env.SESSION_SECRET ??= 'e2e-hardening-spec-secret-0123456789';
  delete process.env.RESEND_API_KEY;
  const { connectDb, disconnectDb } = await import('#app/platform/db.server');
  const { resetEnvCache } = await import('#app/env.server');
  resetEnvCache();
  const { default: mongoose } = await import('mongoose');
  await connectDb(process.env.MONGODB_URI);
  return { mongoose, disconnect: disconnectDb };
}

/** Document counts of every collection of the e2e database (what "nothing was written" compares). */
export async function countAll(): Promise<Record<string, number>> {
  const { default: mongoose } = await import('mongoose');
  const db = mongoose.connection.db!;
  const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = await db.collection(name).countDocuments({});
  return counts;
}

/**
 * A fresh, answerable link to a seeded survey, minted the way the worker does (only the hash is
 * stored). A scheduled survey is sent first (what the worker's invitation task would do) when the
 * seed left none open. Null when the seed has no survey with a recipient at all.
 */
export async function openSurveyLink(now = new Date()) {
  const { Survey } = await import('#models/survey');
  const { SurveyResponse } = await import('#models/survey-response');
  const { bumpSurveyMetrics, newSurveyLink, saveSurveyLinks, updateSurvey } = await import('#app/surveys/surveys.server');
  const { trusted } = await import('#app/platform/db.server');
  const open = await Survey.find({ state: trusted({ $in: ['sent', 'reminded'] }), expiresAt: trusted({ $gt: now }), contactId: trusted({ $ne: null }) })
    .select('_id cycle contactId')
    .limit(50)
    .lean();
  for (const survey of open) {
    if (await SurveyResponse.exists({ _id: survey._id })) continue;
    const link = newSurveyLink({ survey, contactId: survey.contactId!, now });
    await saveSurveyLinks([link.record]);
    return { token: link.token, surveyId: String(survey._id) };
  }
  const scheduled = await Survey.findOne({ state: 'scheduled', contactId: trusted({ $ne: null }) })
    .select('_id')
    .lean();
  if (!scheduled) return null;
  const expiresAt = new Date(now.getTime() + 14 * 86_400_000);
  // As the invitation task does: the first send sets invitedAt and counts it in survey.funnel, or
  // the answer would be counted for a survey never invited (a response rate above 100 %).
  const sent = await updateSurvey({
    id: scheduled._id,
    now,
    accept: (s) => s.state === 'scheduled',
    change: (s) => ({ $set: { state: 'sent', sentAt: now, expiresAt, invitedAt: s.invitedAt ?? now, held: null } }),
  });
  if (!sent.ok) return null;
  if (!sent.before.invitedAt) await bumpSurveyMetrics({ invited: [sent.before] });
  return openSurveyLink(now);
}

/**
 * A fresh, answerable link to a re-ask of a broken promise (docs/reask.md): a new token for a
 * seeded re-ask that is open, or a new case and re-ask on a seeded "Not yet" answer when none is.
 */
export async function openReaskLink(now = new Date()) {
  const { PromiseReask, PromiseReaskAnswer, PromiseReaskToken } = await import('#models/promise-reask');
  const { SurveyResponse } = await import('#models/survey-response');
  const { newLinkToken } = await import('#app/utils/link-token.server');
  const { trusted } = await import('#app/platform/db.server');
  const { createDemoReask } = await import('#scripts/seed/reask');
  const open = await PromiseReask.find({ state: trusted({ $in: ['sent' as const, 'reminded' as const] }), expiresAt: trusted({ $gt: now }), contactId: trusted({ $ne: null }) })
    .select('_id contactId')
    .limit(20)
    .lean();
  for (const reask of open) {
    if (await PromiseReaskAnswer.exists({ _id: reask._id })) continue;
    const link = newLinkToken();
    await PromiseReaskToken.create({ _id: link.hash, reaskId: reask._id, contactId: reask.contactId!, createdAt: now });
    return { token: link.token, reaskId: String(reask._id) };
  }
  const sources = await SurveyResponse.find({ 'promises.verdict': trusted({ $in: ['not_yet', 'partly'] }) })
    .limit(50)
    .lean();
  for (const source of sources) {
    const made = await createDemoReask({ source, state: 'sent', now });
    if (made?.token) return { token: made.token, reaskId: made.reaskId };
  }
  return null;
}

/** Runs `fn` over `items` with at most `concurrency` at a time; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** A fresh plan link (the buyer's journey page) for a seeded journey and one of its account's contacts. */
export async function planLink(journeyId: string, now = new Date()) {
  const { Journey } = await import('#models/journey');
  const { Contact } = await import('#models/contact');
  const { createPlanToken } = await import('#app/journeys/plan.server');
  const journey = await Journey.findById(journeyId).select('accountId stage').lean();
  if (!journey) throw new Error(`No journey ${journeyId}`);
  const contact = await Contact.findOne({ accountId: journey.accountId }).select('name email').lean();
  if (!contact) throw new Error(`No contact on the account of journey ${journeyId}`);
  const token = await createPlanToken({ journeyId, contact: { id: String(contact._id), name: contact.name, email: contact.email }, stage: journey.stage, now });
  return { token, contactId: String(contact._id) };
}
