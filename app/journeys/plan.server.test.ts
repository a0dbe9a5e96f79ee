import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmailMessage } from '#models/email-message';
import { Journey } from '#models/journey';
import { PlanToken } from '#models/plan-token';
import { acceptHandoff, advanceJourney, attachEvidence, startJourneyForDeal } from '#app/journeys/journey.server';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser, requestAs } from '#test/factories';
import { action, loader } from '#app/routes/plan.$token';
import { PLAN_TOKEN_DAYS, confirmOnPlan, getPlanView, hashPlanToken, requestBuyerConfirmation } from '#app/journeys/plan.server';

// Plan links expire against the real clock in the route, so the test clock is today (10:00 UTC, so
// "an hour later" is still the same day whenever the suite runs).
const T0 = new Date(`${new Date().toISOString().slice(0, 10)}T10:00:00.000Z`);
const ctx = (ip = '10.8.0.1') => ({ nonce: '', clientIp: ip });

async function setup() {
  const cs = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: cs.id });
  const buyer = await makeContact(account.id, { name: 'Nora Buyer', isPrimary: true });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
  return { cs, buyer, journeyId };
}

/** The plan link from the captured email (demo mode: no RESEND_API_KEY, so the outbox keeps it). */
async function tokenFromOutbox(to: string) {
  const message = await EmailMessage.findOne({ to, template: 'journey-confirmation-request' }).sort({ createdAt: -1 }).lean();
  const match = message?.text.match(/\/plan\/([A-Za-z0-9_-]{43})/);
  if (!match) throw new Error('no plan link in the email');
  return match[1];
}

async function load(token: string, ip?: string) {
  const result = (await loader({ request: new Request(`http://localhost:3000/plan/${token}`), params: { token }, context: ctx(ip) })) as unknown as {
    data: { valid: boolean };
    init?: { status?: number };
  };
  return { status: result.init?.status ?? 200, body: result.data };
}

async function confirm(token: string, criterionKey: string, ip?: string) {
  const request = await formRequest(null, `/plan/${token}`, { criterionKey });
  const result = (await action({ request, params: { token }, context: ctx(ip) })) as unknown as {
    data: { ok?: boolean; valid?: boolean; message?: string };
    init?: { status?: number };
  };
  return { status: result.init?.status ?? 200, body: result.data };
}

describe('buyer confirmation', () => {
  it('CS requests it, the emailed link opens the plan, GET changes nothing, the POST records the evidence and the journey can advance', async () => {
    const { cs, buyer, journeyId } = await setup();
    const requested = await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: T0 });
    expect(requested).toEqual({ ok: true, to: buyer.email });
    const token = await tokenFromOutbox(buyer.email);
    // Only the hash is stored, bound to this journey and contact.
    expect(await PlanToken.countDocuments({ tokenHash: token })).toBe(0);
    const stored = await PlanToken.findOne({ tokenHash: hashPlanToken(token) }).lean();
    expect(String(stored!.journeyId)).toBe(journeyId);
    expect(stored!.expiresAt.getTime() - T0.getTime()).toBe(PLAN_TOKEN_DAYS * 86_400_000);

    const before = await Journey.findById(journeyId).lean();
    const page = await load(token);
    expect(page.status).toBe(200);
    const plan = await getPlanView({ token });
    expect(plan!.waiting.map((w) => [w.key, w.confirmable, w.done])).toEqual([
      ['handoff-call', true, false],
      ['kickoff-confirmed', true, false],
    ]);
    expect(plan!.promises).toHaveLength(2);
    expect(JSON.stringify(await Journey.findById(journeyId).lean())).toBe(JSON.stringify(before));

    const confirmed = await confirm(token, 'kickoff-confirmed');
    expect(confirmed).toMatchObject({ status: 200, body: { ok: true } });
    expect((await confirm(token, 'kickoff-confirmed')).body.message).toMatch(/already/);
    const j = await Journey.findById(journeyId).lean();
    const evidence = j!.evidence.filter((e) => e.kind === 'buyer_confirmation');
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({ criterionKey: 'kickoff-confirmed', contactEmail: buyer.email, contactName: 'Nora Buyer' });

    await acceptHandoff({ user: cs, journeyId, now: T0 });
    await attachEvidence({ user: cs, journeyId, input: { criterionKey: 'handoff-call', kind: 'meeting', url: 'https://meet.example.com/r/1', note: '' }, now: T0 });
    expect(await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', now: T0 })).toMatchObject({ ok: true, to: 'implementation' });
  });

  it('a second request the same day is refused and sends nothing more', async () => {
    const { cs, buyer, journeyId } = await setup();
    await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: T0 });
    const again = await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: new Date(T0.getTime() + 3_600_000) });
    expect(again).toMatchObject({ ok: false, status: 409 });
    expect(await EmailMessage.countDocuments({ to: buyer.email })).toBe(1);
  });

  it('unknown, malformed, expired and revoked links all get the same friendly 404', async () => {
    const { cs, buyer, journeyId } = await setup();
    await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: T0 });
    const token = await tokenFromOutbox(buyer.email);
    const answers = [await load(crypto.randomBytes(32).toString('base64url')), await load('short'), await load(`${token.slice(0, 42)}$`)];
    // Expired: a token whose 30 days are over.
    await PlanToken.updateOne({ tokenHash: hashPlanToken(token) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    answers.push(await load(token));
    for (const a of answers) expect(a).toEqual({ status: 404, body: { valid: false } });
    expect((await confirm(token, 'kickoff-confirmed')).body).toEqual({ valid: false });
    expect(await confirmOnPlan({ token: crypto.randomBytes(32).toString('base64url'), criterionKey: 'kickoff-confirmed' })).toBeNull();
  });

  it('a criterion the buyer cannot confirm, or of another stage, is refused', async () => {
    const { cs, buyer, journeyId } = await setup();
    await requestBuyerConfirmation({ user: cs, journeyId, contactId: buyer.id, now: T0 });
    const token = await tokenFromOutbox(buyer.email);
    expect((await confirm(token, 'cs-accepted')).status).toBe(409);
    expect((await confirm(token, 'production-ready')).status).toBe(409);
    expect((await confirm(token, '$where')).status).toBe(400);
    expect((await Journey.findById(journeyId).lean())!.evidence).toHaveLength(0);
  });

  it('the plan page is rate-limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 125; i++) {
      const r = await loader({ request: await requestAs(null, '/plan/x'), params: { token: 'x' }, context: ctx('10.8.9.9') }).catch((e) => e as Response);
      statuses.push(r instanceof Response ? r.status : 404);
    }
    expect(statuses.slice(0, 120).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
