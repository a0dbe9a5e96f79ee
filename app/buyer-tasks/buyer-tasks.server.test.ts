import mongoose from 'mongoose';
import { beforeEach, describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { BuyerTask } from '#models/buyer-task';
import { BuyerTaskNotice } from '#models/buyer-task-notice';
import { Contact } from '#models/contact';
import { EmailMessage } from '#models/email-message';
import { Journey } from '#models/journey';
import { acceptHandoff, advanceJourney, attachEvidence, getJourneyDetail, journeyIdForDeal, startJourneyForDeal, startMissingJourneys } from '#app/journeys/journey.server';
import { createPlanToken } from '#app/journeys/plan.server';
import { commentAsStaff, getJourneyTasks, getPlanTasks, setTaskDue, setTaskOwners } from '#app/buyer-tasks/tasks.server';
import { openMissingTasks, openStageTasks } from '#app/buyer-tasks/open.server';
import { createManualDeal, parseDealForm } from '#app/deals/deals.server';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import { sendBuyerTaskReminders } from '#app/buyer-tasks/reminders.server';
import { action } from '#app/routes/plan.$token';
import { formRequest, makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

const DAY = 86_400_000;
// A Tuesday; the handoff stage has a 7-day SLA, so its tasks are due Tuesday the 15th.
const T0 = new Date('2026-12-08T10:00:00Z');
const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY + hours * 3_600_000);
const ctx = { nonce: '', clientIp: '10.9.0.1' };

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
});

async function setup({ closedWonAt = T0 }: { closedWonAt?: Date } = {}) {
  const cs = await makeUser({ role: 'cs' });
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount({ csmId: cs.id });
  const nora = await makeContact(account.id, { name: 'Nora Buyer', isPrimary: true });
  const olle = await makeContact(account.id, { name: 'Olle Other' });
  const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt });
  // Starting the journey opens its first stage's tasks: no reaction, no sweep.
  const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: closedWonAt });
  return { cs, account, nora, olle, deal, journeyId };
}

const emailsTo = (to: string) => EmailMessage.find({ to, template: 'buyer-tasks' }).sort({ createdAt: 1 }).lean();

async function post(token: string, fields: Record<string, string>) {
  const request = await formRequest(null, `/plan/${token}`, fields);
  const result = (await action({ request, params: { token }, context: ctx })) as unknown as {
    data: { ok?: boolean; valid?: boolean; message?: string; errors?: Record<string, string[]> };
    init?: { status?: number };
  };
  return { status: result.init?.status ?? 200, body: result.data };
}

describe('opening buyer tasks', () => {
  test("a journey's first stage opens a task per criterion the buyer confirms, owned by the primary contact, due at the stage's SLA", async () => {
    const { journeyId, nora } = await setup();
    const tasks = await BuyerTask.find({ journeyId }).sort({ criterionKey: 1 }).lean();
    expect(tasks.map((t) => [t.stage, t.criterionKey, t.status])).toEqual([
      ['handoff', 'handoff-call', 'open'],
      ['handoff', 'kickoff-confirmed', 'open'],
    ]);
    expect(tasks[1].title).toBe('Confirms the kickoff date and the promises recorded in the sale');
    expect(tasks.every((t) => t.ownerIds.map(String).join() === nora.id)).toBe(true);
    expect(tasks[0].dueAt).toEqual(at(7));
  });

  test('once per journey, stage and criterion: again, and twice at once, open nothing more', async () => {
    const { journeyId } = await setup();
    const again = await Promise.all([openStageTasks({ journeyId, now: at(1) }), openStageTasks({ journeyId, now: at(1) }), openStageTasks({ journeyId, now: at(1) })]);
    expect(again).toEqual([0, 0, 0]);
    expect(await BuyerTask.countDocuments({ journeyId })).toBe(2);
  });

  test("the plan link's contact owns the tasks when CS sent one before the stage started", async () => {
    const { journeyId, olle, cs } = await setup();
    await createPlanToken({ journeyId, contact: { id: olle.id, name: 'Olle Other', email: olle.email }, stage: 'handoff', now: T0 });
    await acceptHandoff({ user: cs, journeyId, now: at(1) });
    await attachEvidence({ user: cs, journeyId, input: { criterionKey: 'handoff-call', kind: 'meeting', url: 'https://meet.example.com/r/1', note: '' }, now: at(1) });
    await advanceJourney({ user: cs, journeyId, fromStage: 'handoff', overrideReason: '', now: at(2) }).catch(() => null);
    // kickoff-confirmed still waits for the buyer: the gate holds; an admin override moves on.
    const admin = await makeUser({ role: 'admin' });
    expect(await advanceJourney({ user: admin, journeyId, fromStage: 'handoff', overrideReason: 'Kickoff held by phone, buyer away', now: at(2) })).toMatchObject({
      ok: true,
      to: 'implementation',
    });
    const tasks = await BuyerTask.find({ journeyId }).sort({ stage: -1, criterionKey: 1 }).lean();
    // The stage left stops its open task; the CS evidence had already met handoff-call (no reminder for it).
    expect(tasks.map((t) => [t.stage, t.criterionKey, t.status, t.doneVia ?? null])).toEqual([
      ['implementation', 'plan-signed-off', 'open', null],
      ['implementation', 'production-ready', 'open', null],
      ['handoff', 'handoff-call', 'done', 'stage_left'],
      ['handoff', 'kickoff-confirmed', 'done', 'stage_left'],
    ]);
    expect(tasks[0].ownerIds.map(String)).toEqual([olle.id]);
    expect(tasks[0].dueAt).toEqual(at(2 + 45));
  });
});

describe("every way a journey starts opens its first stage's tasks at once", () => {
  const HOUR = 3_600_000;
  /** The journey's tasks as a buyer would see them: stage, criterion, state and owners. */
  const tasksOf = async (journeyId: unknown) =>
    (
      await BuyerTask.find({ journeyId: String(journeyId) })
        .sort({ criterionKey: 1 })
        .lean()
    ).map((t) => [t.stage, t.criterionKey, t.status, t.ownerIds.map(String)]);
  const handoffTasks = (ownerId: string) => [
    ['handoff', 'handoff-call', 'open', [ownerId]],
    ['handoff', 'kickoff-confirmed', 'open', [ownerId]],
  ];

  test('a deal from the CRM webhook', async () => {
    await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const { journeyId } = await intakeClosedWonDeal({
      input: {
        source: 'hubspot',
        crmId: 'HS-TASKS-1',
        name: 'Initech rollout',
        closedWonAt: new Date(Date.now() - 2 * DAY),
        arr: 48_000,
        currency: 'USD',
        aeId: rep.id,
        account: { name: 'Initech', domain: 'initech.example', segment: 'mid-market' },
        contact: { name: 'Bill Lumbergh', email: 'bill@initech.example' },
        promises: [{ text: 'Reports in an hour', successCriterion: 'Weekly report under an hour', category: 'time-savings' }],
      },
    });
    const bill = await Contact.findOne({ email: 'bill@initech.example' }).lean();
    expect(await tasksOf(journeyId)).toEqual(handoffTasks(String(bill!._id)));
  });

  test('a deal recorded on the form', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const parsed = parseDealForm({
      accountName: 'Northwind Traders',
      accountDomain: 'northwind.example',
      segment: 'smb',
      contactName: 'Nora Buyer',
      contactEmail: 'nora@northwind.example',
      dealName: 'Northwind — Finance suite',
      closedWonAt: new Date(Date.now() - DAY).toISOString().slice(0, 10),
      arr: '12,000',
      currency: 'USD',
      grossMarginPct: '72',
      cac: '1800',
      aeId: rep.id,
      'promises.0.text': 'Month-end close in 4 days',
      'promises.0.successCriterion': 'Close done within 4 business days',
      'promises.0.category': 'time-savings',
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = await createManualDeal({ user: cs, input: parsed.data });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const nora = await Contact.findOne({ email: 'nora@northwind.example' }).lean();
    expect(await tasksOf(journeyIdForDeal(result.dealId))).toEqual(handoffTasks(String(nora!._id)));
  });

  test("the worker's safety net starting a journey a crash left unstarted", async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const nora = await makeContact(account.id, { isPrimary: true });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: new Date(Date.now() - DAY) });
    expect(await startMissingJourneys({ since: new Date(Date.now() - HOUR) })).toEqual({ started: 1 });
    expect(await tasksOf(journeyIdForDeal(deal.id))).toEqual(handoffTasks(nora.id));
  });

  test('three starts of one journey at once open each task once; the sweep after them opens nothing', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const nora = await makeContact(account.id, { isPrimary: true });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
    const starts = await Promise.all([0, 1, 2].map(() => startJourneyForDeal({ dealId: deal.id, now: T0 })));
    expect(starts.filter((s) => s.created)).toHaveLength(1);
    expect(await tasksOf(starts[0].journeyId)).toEqual(handoffTasks(nora.id));
    expect(await openMissingTasks({ since: new Date(T0.getTime() - 72 * HOUR), now: at(0, 1) })).toEqual({ opened: 0 });
    expect(await BuyerTask.countDocuments()).toBe(2);
  });

  test('the sweep opens what a start left unopened, also when the stage began days before the start', async () => {
    const cs = await makeUser({ role: 'cs' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ csmId: cs.id });
    const nora = await makeContact(account.id, { isPrimary: true });
    // Closed five days ago, recorded today: the handoff stage began at the close, the journey today.
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: at(-5) });
    const { journeyId } = await startJourneyForDeal({ dealId: deal.id, now: T0 });
    expect((await Journey.findById(journeyId).lean())!.stageEnteredAt).toEqual(at(-5));
    // A process that died between starting the journey and opening its tasks.
    await BuyerTask.deleteMany({ journeyId });
    expect(await openMissingTasks({ since: new Date(T0.getTime() - 72 * HOUR), now: at(0, 1) })).toEqual({ opened: 2 });
    expect(await tasksOf(journeyId)).toEqual(handoffTasks(nora.id));
  });
});
describe('the buyer completes a task on the plan page', () => {
  test('the completion records the buyer confirmation once; a double submit is answered "already done"', async () => {
    const { journeyId, nora } = await setup({ closedWonAt: new Date() });
    const token = await createPlanToken({ journeyId, contact: { id: nora.id, name: 'Nora Buyer', email: nora.email }, stage: 'handoff', now: new Date() });
    const view = await getPlanTasks({ token });
    const task = view!.tasks.find((t) => t.criterionKey === 'kickoff-confirmed')!;
    expect(task).toMatchObject({ state: 'open', owners: ['Nora Buyer'], mine: true });

    const [first, second] = await Promise.all([post(token, { intent: 'task-complete', taskId: task.id }), post(token, { intent: 'task-complete', taskId: task.id })]);
    expect([first.body.ok, second.body.ok]).toEqual([true, true]);
    expect((await post(token, { intent: 'task-complete', taskId: task.id })).body.message).toMatch(/already/);

    const j = await Journey.findById(journeyId).lean();
    const confirmations = j!.evidence.filter((e) => e.kind === 'buyer_confirmation');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ stage: 'handoff', criterionKey: 'kickoff-confirmed', contactName: 'Nora Buyer' });
    expect(await AuditEvent.countDocuments({ action: 'journey.buyer_confirmed', entityId: journeyId })).toBe(1);
    expect(await BuyerTask.findById(task.id).lean()).toMatchObject({ status: 'done', doneVia: 'buyer', doneByName: 'Nora Buyer' });
    expect((await getPlanTasks({ token }))!.tasks.find((t) => t.id === task.id)!.state).toBe('done');
  });

  test("a link reaches its own journey's tasks only; a bad link looks like every bad link", async () => {
    const a = await setup({ closedWonAt: new Date() });
    const b = await setup({ closedWonAt: new Date() });
    const token = await createPlanToken({ journeyId: a.journeyId, contact: { id: a.nora.id, name: 'Nora Buyer', email: a.nora.email }, stage: 'handoff', now: new Date() });
    const theirs = await BuyerTask.findOne({ journeyId: b.journeyId }).lean();
    const refused = await post(token, { intent: 'task-complete', taskId: String(theirs!._id) });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toMatch(/not on your plan/);
    expect((await post(token, { intent: 'task-comment', taskId: String(theirs!._id), text: 'hi' })).status).toBe(404);
    expect(await BuyerTask.findById(theirs!._id).lean()).toMatchObject({ status: 'open', comments: [] });
    expect((await Journey.findById(b.journeyId).lean())!.evidence).toHaveLength(0);
    expect((await post('x'.repeat(43), { intent: 'task-complete', taskId: String(theirs!._id) })).body).toEqual({ valid: false });
  });

  test('comments from both sides: plain text kept as typed, capped in length, in the Swedish of a Swedish buyer', async () => {
    const { journeyId, nora, cs } = await setup({ closedWonAt: new Date() });
    await Contact.updateOne({ _id: nora.id }, { $set: { language: 'sv' } });
    const token = await createPlanToken({ journeyId, contact: { id: nora.id, name: 'Nora Buyer', email: nora.email }, stage: 'handoff', now: new Date() });
    const task = (await BuyerTask.findOne({ journeyId, criterionKey: 'kickoff-confirmed' }).lean())!;
    const text = '<script>alert(1)</script> & "kickoff" on Friday';
    const added = await post(token, { intent: 'task-comment', taskId: String(task._id), text });
    expect(added.body).toMatchObject({ ok: true, message: 'Din kommentar är tillagd.' });
    const tooLong = await post(token, { intent: 'task-comment', taskId: String(task._id), text: 'x'.repeat(1001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors?.text?.[0]).toMatch(/högst 1000 tecken/);
    expect(await commentAsStaff({ user: cs, journeyId, input: { taskId: String(task._id), text: 'Friday works for us.' }, now: new Date() })).toEqual({ ok: true });
    const view = await getPlanTasks({ token });
    expect(view!.locale).toBe('sv');
    expect(view!.tasks.find((t) => t.id === String(task._id))!.comments.map((c) => [c.side, c.authorName, c.text])).toEqual([
      ['buyer', 'Nora Buyer', text],
      ['staff', cs.name, 'Friday works for us.'],
    ]);
    expect(await AuditEvent.countDocuments({ action: 'buyer_task.commented', entityId: journeyId })).toBe(1);
  });
});

describe('CS sets owners and the due date', () => {
  test('owners must be contacts of the account; both changes are audited and shown in the table', async () => {
    const { journeyId, nora, olle, cs } = await setup();
    const other = await makeContact((await makeAccount()).id, { name: 'Stranger' });
    const task = (await BuyerTask.findOne({ journeyId, criterionKey: 'kickoff-confirmed' }).lean())!;
    expect(await setTaskOwners({ user: cs, journeyId, input: { taskId: String(task._id), ownerIds: [other.id] }, now: at(1) })).toMatchObject({ ok: false, status: 400 });
    expect(await setTaskOwners({ user: cs, journeyId, input: { taskId: String(task._id), ownerIds: [nora.id, olle.id] }, now: at(1) })).toEqual({ ok: true });
    expect(await setTaskDue({ user: cs, journeyId, input: { taskId: String(task._id), dueOn: '2026-12-20' }, now: at(1) })).toEqual({ ok: true });
    const table = await getJourneyTasks({ journeyId, now: at(3) });
    expect(table!.tasks.find((t) => t.id === String(task._id))).toMatchObject({
      owners: [
        { id: nora.id, name: 'Nora Buyer' },
        { id: olle.id, name: 'Olle Other' },
      ],
      dueAt: '2026-12-20T12:00:00.000Z',
      dueSetBy: 'cs',
      state: 'open',
      openDays: 3,
    });
    expect(await AuditEvent.countDocuments({ action: trustedIn(['buyer_task.owners_set', 'buyer_task.due_set']), entityId: journeyId })).toBe(2);
  });
});

const trustedIn = (values: string[]) => mongoose.trusted({ $in: values }) as unknown as string;

describe('reminders', () => {
  const run = (now: Date, owner = 'worker-a') => sendBuyerTaskReminders({ now, owner });

  test('when a task opens, a day before it is due, a day after: one email per buyer per day, every task in it', async () => {
    const { nora } = await setup();
    await run(at(0, 1));
    await run(at(0, 5)); // later the same day: nothing more
    let emails = await emailsTo(nora.email);
    expect(emails).toHaveLength(1);
    expect(emails[0].subject).toMatch(/^2 tasks wait for you on the .* plan$/);
    expect(emails[0].text).toContain('Attends the handoff call with the implementation team');
    expect(emails[0].text).toContain('Confirms the kickoff date and the promises recorded in the sale');
    expect(emails[0].text).toMatch(/\/plan\/[A-Za-z0-9_-]{43}/);
    expect(emails[0].headers).toHaveProperty('List-Unsubscribe');

    for (const d of [1, 2, 3, 4, 5]) await run(at(d)); // Wed..Sun: nothing owed
    expect(await emailsTo(nora.email)).toHaveLength(1);
    await run(at(6)); // Monday the 14th, the day before due: the digest carries "due soon"
    await run(at(7)); // Tuesday, the due day: "due soon" was sent
    await run(at(8)); // Wednesday: overdue
    await run(at(8, 3));
    await run(at(9)); // nothing more
    emails = await emailsTo(nora.email);
    expect(emails.map((e) => e.idempotencyKey)).toEqual([`buyer-tasks:${nora.id}:2026-12-08`, `buyer-tasks-digest:${nora.id}:2026-W51`, `buyer-tasks:${nora.id}:2026-12-16`]);
    expect(emails[1].subject).toMatch(/Your open tasks this week/);
    expect(emails[1].text).toMatch(/Due soon · Attends the handoff call/);
    expect(emails[2].text).toMatch(/Overdue · Attends the handoff call/);
  });

  test("the journey page lists the reminder's plan link as a task reminder, not a confirmation request", async () => {
    const { journeyId, cs, nora } = await setup();
    await createPlanToken({ journeyId, contact: { id: nora.id, name: 'Nora Buyer', email: nora.email }, stage: 'handoff', now: at(0) });
    await run(at(0, 1));
    const detail = await getJourneyDetail({ user: cs, journeyId, now: at(0, 2) });
    expect(detail!.requests.map((r) => r.purpose).sort()).toEqual(['confirmation request', 'task reminder']);
  });

  test('a Swedish-speaking buyer gets the email in Swedish, with the dates as Swedish writes them', async () => {
    const { nora } = await setup();
    await Contact.updateOne({ _id: nora.id }, { $set: { language: 'sv' } });
    await run(at(0, 1));
    const [email] = await emailsTo(nora.email);
    expect(email.subject).toMatch(/^2 uppgifter väntar på dig i planen för /);
    expect(email.text).toContain('Hej Nora!');
    // Kept's shipped buyer actions are translated too (app/i18n/messages/playbook.ts).
    expect(email.text).toContain('Ny · Bekräftar startdatumet och löftena som registrerades vid köpet');
    expect(email.text).not.toContain('Confirms the kickoff date');
    expect(email.text).toContain('klar senast 15 dec. 2026');
  });

  test('a task opened later the same day waits for the next day: never two emails a day', async () => {
    const { nora, journeyId, account, cs } = await setup();
    await run(at(0, 1));
    const rep = await makeUser({ role: 'sales' });
    const second = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: at(0, 2) });
    await startJourneyForDeal({ dealId: second.id, now: at(0, 2) });
    await run(at(0, 3));
    expect(await emailsTo(nora.email)).toHaveLength(1);
    await run(at(1));
    const emails = await emailsTo(nora.email);
    expect(emails).toHaveLength(2);
    expect(emails[1].text.match(/New · /g)).toHaveLength(2);
    expect(journeyId).toBeTruthy();
    expect(cs).toBeTruthy();
  });

  test('never to bounced, complained or unsubscribed buyers; done tasks are not reminded', async () => {
    const { nora, olle, journeyId, cs } = await setup();
    await setTaskOwners({
      user: cs,
      journeyId,
      input: { taskId: String((await BuyerTask.findOne({ journeyId, criterionKey: 'handoff-call' }))!._id), ownerIds: [olle.id] },
      now: T0,
    });
    for (const status of ['bounced', 'complained', 'unsubscribed'] as const) {
      await Contact.updateOne({ _id: nora.id }, { $set: { emailStatus: status } });
      await Contact.updateOne({ _id: olle.id }, { $set: { emailStatus: status } });
      await run(at(0, 1));
    }
    expect(await EmailMessage.countDocuments({ template: 'buyer-tasks' })).toBe(0);
    await Contact.updateOne({ _id: olle.id }, { $set: { emailStatus: 'ok' } });
    await attachEvidence({ user: cs, journeyId, input: { criterionKey: 'handoff-call', kind: 'meeting', url: 'https://meet.example.com/r/2', note: '' }, now: at(0, 2) });
    await run(at(0, 3));
    // Olle's only task was met by CS's evidence: it is done, and Olle gets nothing.
    expect(await EmailMessage.countDocuments({ template: 'buyer-tasks' })).toBe(0);
    expect(await BuyerTask.findOne({ journeyId, criterionKey: 'handoff-call' }).lean()).toMatchObject({ status: 'done', doneVia: 'evidence' });
  });

  test('two workers running the step at once send one email per buyer', async () => {
    const { nora, olle, journeyId, cs } = await setup();
    const tasks = await BuyerTask.find({ journeyId }).lean();
    await setTaskOwners({ user: cs, journeyId, input: { taskId: String(tasks[0]._id), ownerIds: [nora.id, olle.id] }, now: T0 });
    await Promise.all([run(at(0, 1), 'worker-a'), run(at(0, 1), 'worker-b'), run(at(0, 1), 'worker-c')]);
    await Promise.all([run(at(0, 2), 'worker-a'), run(at(0, 2), 'worker-b')]);
    expect(await emailsTo(nora.email)).toHaveLength(1);
    expect(await emailsTo(olle.email)).toHaveLength(1);
    expect(await BuyerTaskNotice.countDocuments({ sentAt: mongoose.trusted({ $ne: null }) as unknown as Date })).toBe(2);
  });

  test('a worker killed mid-step (before or after queueing the email): another finishes it, still one email a day', async () => {
    const { nora } = await setup();
    // Killed before sending: its plan of the day is written and leased, nothing sent.
    await BuyerTaskNotice.create({
      _id: `buyer-tasks:${nora.id}:2026-12-08`,
      contactId: nora.id,
      day: '2026-12-08',
      emailKey: `buyer-tasks:${nora.id}:2026-12-08`,
      items: (await BuyerTask.find().lean()).map((t) => ({ taskId: t._id, kind: 'opened' })),
      leaseOwner: 'worker-dead',
      leaseExpiresAt: at(0, 1.02),
      leaseGen: 1,
    });
    await run(at(0, 1), 'worker-b'); // the lease still holds: nobody else sends
    expect(await emailsTo(nora.email)).toHaveLength(0);
    await run(at(0, 1.1), 'worker-b'); // the lease ran out: worker b sends it
    expect(await emailsTo(nora.email)).toHaveLength(1);
    expect((await BuyerTask.find().lean()).every((t) => t.notices.some((n) => String(n.contactId) === nora.id && n.kind === 'opened'))).toBe(true);

    // Killed after queueing the email, before marking: the plan is unsent again, the tasks unmarked.
    await BuyerTaskNotice.updateOne({}, { $set: { sentAt: null, leaseOwner: 'worker-dead-2', leaseExpiresAt: at(0, 2) } });
    await BuyerTask.updateMany({}, { $set: { notices: [] } });
    await run(at(0, 3), 'worker-c');
    expect(await emailsTo(nora.email)).toHaveLength(1);
    expect((await BuyerTask.find().lean()).every((t) => t.notices.length > 0)).toBe(true);
    await run(at(0, 4), 'worker-a');
    expect(await emailsTo(nora.email)).toHaveLength(1);
  });
});
