import mongoose from 'mongoose';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { resetEnvCache } from '#app/env.server';
import { sendDueInvitations } from '#app/surveys/survey-delivery.server';
import { scheduleSurveysForDeal } from '#app/surveys/surveys.server';
import { EmailMessage } from '#models/email-message';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';
import { action, loader } from './s.$token';

// The buyer's survey link through the route module, as the browser and mail scanners hit it.
// Each call from its own address, so the per-address rate limits stay out of the way of the races.
let calls = 0;
const ctx = () => ({ nonce: '', clientIp: `10.20.${Math.floor(++calls / 250) % 250}.${calls % 250}` });
type Result = { status: number; location: string | null; data: unknown };

async function call(fn: typeof loader | typeof action, token: string, init?: RequestInit): Promise<Result> {
  const request = new Request(`http://localhost:3000/s/${token}`, init);
  try {
    const result = (await fn({ request, params: { token }, context: ctx() })) as unknown;
    if (result instanceof Response) return { status: result.status, location: result.headers.get('Location'), data: null };
    const { data, init: responseInit } = result as { data: unknown; init?: { status?: number } };
    return { status: responseInit?.status ?? 200, location: null, data };
  } catch (thrown) {
    return { status: (thrown as Response).status, location: null, data: null };
  }
}
const get = (token: string) => call(loader, token);
const post = (token: string, fields: Record<string, string>) =>
  call(action, token, { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

async function invitedSurvey() {
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount();
  await makeContact(account.id);
  // Closed long enough ago that the 6-month wave is due now (the link works for 30 days from today).
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date(Date.now() - 200 * 86_400_000) });
  const now = new Date();
  await scheduleSurveysForDeal({ dealId: deal.id, now: new Date(now.getTime() - 190 * 86_400_000) });
  await sendDueInvitations({ now, owner: 'test' });
  const survey = await Survey.findOne({ dealId: deal.id, wave: 6 }).lean();
  const message = await EmailMessage.findOne({ idempotencyKey: `survey:${survey!._id}:invitation` }).lean();
  const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(message!.text)![1];
  const answer = Object.fromEntries([...deal.promiseIds.map((id) => [`promise.${id}.verdict`, 'delivered']), ['overall', 'yes'], ['nps', '10']]);
  return { surveyId: String(survey!._id), token, answer };
}

/**
 * The database reads made while `fn` runs, by collection, in rounds: a round starts with a read
 * that begins while none is in flight (reads started together are one round trip of waiting).
 */
async function readRounds(fn: () => Promise<unknown>) {
  const rounds: string[][] = [];
  let inFlight = 0;
  const exec = mongoose.Query.prototype.exec;
  const spy = vi.spyOn(mongoose.Query.prototype, 'exec').mockImplementation(function (this: mongoose.Query<unknown, unknown>, ...args: []) {
    if (inFlight === 0) rounds.push([]);
    rounds.at(-1)!.push(this.model.collection.collectionName);
    inFlight++;
    return exec.apply(this, args).finally(() => inFlight--);
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return rounds.map((round) => round.sort());
}

beforeEach(async () => {
  delete process.env.RESEND_API_KEY;
  resetEnvCache();
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

describe('/s/<token>', () => {
  test('three GETs show the form and change nothing; the POST answers and redirects; a second POST finds the link used', async () => {
    const { surveyId, token, answer } = await invitedSurvey();
    const before = await Survey.findById(surveyId).lean();
    for (let i = 0; i < 3; i++) {
      const page = await get(token);
      expect(page.status).toBe(200);
      expect(page.data).toMatchObject({ open: true, survey: { wave: 6 } });
    }
    expect(await Survey.findById(surveyId).lean()).toEqual(before);
    expect(await SurveyResponse.countDocuments({})).toBe(0);

    expect(await post(token, answer)).toMatchObject({ status: 302, location: '/s/thank-you' });
    // A second post and a later visit thank the buyer for the answers already in.
    expect(await post(token, answer)).toEqual({ status: 409, location: null, data: { open: false, answered: true } });
    expect(await get(token)).toEqual({ status: 200, location: null, data: { open: false, answered: true, locale: 'en' } });
    expect(await SurveyResponse.countDocuments({})).toBe(1);
    expect((await Survey.findById(surveyId).lean())!.state).toBe('answered');
  });

  test('an incomplete answer comes back with errors and the values, and does not use the link', async () => {
    const { token, answer } = await invitedSurvey();
    const { overall: _dropped, ...partial } = answer;
    const result = await post(token, { ...partial, comment: 'kept text' });
    expect(result.status).toBe(400);
    expect(result.data).toMatchObject({ errors: { overall: ['Tell us whether we delivered the value we promised.'] }, values: { comment: 'kept text' } });
    expect((await post(token, answer)).status).toBe(302);
  });

  test('concurrent POSTs of one link, 20 times over: one is recorded, the others are told the answer is in, one response stored', async () => {
    for (let round = 0; round < 20; round++) {
      const { surveyId, token, answer } = await invitedSurvey();
      const overalls = ['yes', 'no', 'partly', 'yes'];
      const results = await Promise.all(overalls.map((overall) => post(token, { ...answer, overall })));
      expect(results.map((r) => r.status).sort(), `round ${round}`).toEqual([302, 409, 409, 409]);
      for (const r of results.filter((r) => r.status === 409)) expect(r.data).toEqual({ open: false, answered: true });
      const stored = await SurveyResponse.find({ _id: surveyId }).select('overall').lean();
      expect(stored).toHaveLength(1);
      expect(stored[0].overall).toBe(overalls[results.findIndex((r) => r.status === 302)]);
    }
  });

  test('the page waits for the database twice (the link, then survey, answer, deal and account together); a later visit reads only what can change', async () => {
    // The account's name from the database, as on MongoDB without the in-memory account index.
    process.env.READ_INDEX = 'off';
    resetEnvCache();
    try {
      const { token } = await invitedSurvey();
      expect(await readRounds(() => get(token))).toEqual([['surveytokens'], ['accounts', 'deals', 'surveyresponses', 'surveys']]);
      // The link and the deal's promises never change; the survey, its answer and the account's name can.
      expect(await readRounds(() => get(token))).toEqual([['accounts', 'surveyresponses', 'surveys']]);
      expect((await get(token)).data).toMatchObject({ open: true, survey: { wave: 6, promises: [{ text: expect.stringMatching(/^Promise 1/) }, {}] } });
    } finally {
      delete process.env.READ_INDEX;
      resetEnvCache();
    }
  });

  test('random, malformed and expired tokens get the same page with the same status; a used one thanks the buyer', async () => {
    const { surveyId, token, answer } = await invitedSurvey();
    const random = await get('A'.repeat(43));
    const malformed = await get('short');
    await Survey.updateOne({ _id: surveyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await get(token);
    await Survey.updateOne({ _id: surveyId }, { $set: { expiresAt: new Date(Date.now() + 86_400_000) } });
    await post(token, answer);
    const used = await get(token);
    for (const page of [random, malformed, expired]) expect(page).toEqual({ status: 404, location: null, data: { open: false, answered: false } });
    expect(used).toEqual({ status: 200, location: null, data: { open: false, answered: true, locale: 'en' } });
  });
});
