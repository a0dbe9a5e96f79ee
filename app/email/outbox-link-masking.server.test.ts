import mongoose from 'mongoose';
import { createElement } from 'react';
import { beforeEach, describe, expect, test } from 'vitest';
import type { SessionUser } from '#app/auth/session.server';
import { dispatchDueEmails, sealEmailBatch, sendEmail, settleBatchMembers } from '#app/email/email.server';
import { getSurveyPage } from '#app/surveys/surveys.server';
import { getUnsubscribeTarget } from '#app/email/unsubscribe.server';
import { runCycle, TASKS } from '#app/worker/worker.server';
import { JourneyConfirmationRequestEmail, PreviewProps } from '#emails/journey-confirmation-request';
import { useFakeResend } from '#test/harness/fake-resend';
import { makeDueSurveys, makeUser, requestAs } from '#test/factories';
import { loader } from '#app/routes/_staff.admin.outbox';

// The outbox keeps a buyer's working links only until the email is sent (docs/security.md, "Buyer links in the outbox").
const fake = useFakeResend({ send: true, env: { EMAIL_RATE_PER_SECOND: '20' } });
let admin: SessionUser;

const TOKEN = /\/(s|u|plan)\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g;
const tokensIn = (text: string) => [...text.matchAll(TOKEN)].map((m) => ({ kind: m[1], token: m[2] }));

/** Every document of every collection, as stored (raw driver, not the models), that contains `needle`. */
async function storedDocumentsContaining(needles: string[]) {
  const db = mongoose.connection.db!;
  const found: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      const raw = JSON.stringify(doc);
      for (const needle of needles) if (raw.includes(needle)) found.push(`${name}/${String(doc._id)}`);
    }
  }
  return found;
}

async function openInOutbox(search: string) {
  const request = await requestAs(admin, `/admin/outbox${search}`);
  return loader({ request, params: {}, context: { nonce: '', clientIp: '127.0.0.1' } });
}

beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  admin = await makeUser({ role: 'admin' });
});

describe('buyer links in the outbox', () => {
  test('survey invitations sent in a batch: the buyer gets working links, the outbox keeps only masked ones', async () => {
    await makeDueSurveys(3);
    expect((await runCycle({ now: new Date(), owner: 'worker-a', tasks: TASKS.filter((t) => t.name === 'survey-invitations') })).ok).toBe(true);
    expect(fake.delivered).toHaveLength(3);

    const delivered = fake.delivered.map((d) => d.body as { text: string; html: string; headers: Record<string, string> });
    const links = delivered.flatMap((e) => tokensIn(`${e.text} ${e.html} ${JSON.stringify(e.headers)}`));
    expect(new Set(links.map((l) => l.kind))).toEqual(new Set(['s', 'u']));
    // What the buyer received works.
    for (const { kind, token } of links) {
      if (kind === 's') expect((await getSurveyPage({ token })).state).toBe('open');
      else expect(await getUnsubscribeTarget({ token })).not.toBeNull();
    }

    await settleBatchMembers({ now: new Date() });
    expect(await storedDocumentsContaining(links.map((l) => l.token))).toEqual([]);

    // The admin still reads the email, with the links masked.
    const list = await openInOutbox('?state=sent');
    expect(list.messages).toHaveLength(3);
    const { selected } = await openInOutbox(`?message=${list.messages[0].id}`);
    expect(selected!.linksMasked).toBe(true);
    expect(selected!.text).toMatch(/\/s\/…[A-Za-z0-9_-]{4}\b/);
    expect(selected!.html).toMatch(/\/s\/…[A-Za-z0-9_-]{4}\b/);
    expect(selected!.headers['List-Unsubscribe']).toMatch(/^<http.*\/u\/…[A-Za-z0-9_-]{4}>$/);
    expect(tokensIn(`${selected!.text}${selected!.html}${JSON.stringify(selected!.headers)}`)).toEqual([]);
  });

  test('a batch sealed without its producer’s frozen payload (the dispatcher’s repair): its members are masked too once it is sent', async () => {
    const tokens = ['Pl4nT0k3n_abcdefghijklmnopqrstuvwxyz-0123a1', 'Pl4nT0k3n_abcdefghijklmnopqrstuvwxyz-0123b2'];
    for (const [i, token] of tokens.entries()) {
      const queued = await sendEmail({
        key: `mask:batch:${i}`,
        template: 'journey-confirmation-request',
        to: `buyer${i}@example.com`,
        subject: 'Please confirm',
        batchKey: 'repaired',
        react: createElement(JourneyConfirmationRequestEmail, { ...PreviewProps, planUrl: `http://localhost:3000/plan/${token}` }),
      });
      expect(queued.ok).toBe(true);
    }
    expect(await sealEmailBatch({ batchKey: 'repaired', now: new Date() })).toEqual({ sealed: true, size: 2 });
    expect((await dispatchDueEmails({ now: new Date(), owner: 'worker-a' })).sent).toBe(2);
    expect(fake.delivered.map((d) => (d.body as { text: string }).text).join()).toContain(`/plan/${tokens[1]}`);

    expect(await settleBatchMembers({ now: new Date() })).toMatchObject({ batches: 1, members: 2 });
    expect(await storedDocumentsContaining(tokens)).toEqual([]);
    const list = await openInOutbox('?state=sent');
    expect(list.messages).toHaveLength(2);
  });

  test('a single email (plan confirmation request): queued with its working link, masked once Resend accepts it', async () => {
    const token = 'Pl4nT0k3n_abcdefghijklmnopqrstuvwxyz-012345';
    expect(token).toHaveLength(43);
    const sent = await sendEmail({
      key: 'mask:plan',
      template: 'journey-confirmation-request',
      to: 'buyer@example.com',
      subject: 'Please confirm',
      react: createElement(JourneyConfirmationRequestEmail, { ...PreviewProps, planUrl: `http://localhost:3000/plan/${token}` }),
    });
    expect(sent.ok).toBe(true);
    // Until it is sent, the outbox needs the link (a retry must send the same bytes).
    expect((await storedDocumentsContaining([token])).length).toBeGreaterThan(0);

    expect((await dispatchDueEmails({ now: new Date(), owner: 'worker-a' })).sent).toBe(1);
    const email = fake.delivered[0].body as { text: string; html: string };
    expect(email.text).toContain(`/plan/${token}`);
    expect(email.html).toContain(`/plan/${token}`);
    expect(await storedDocumentsContaining([token])).toEqual([]);

    const { selected } = await openInOutbox(`?message=${(sent as { id: string }).id}`);
    expect(selected!.state).toBe('sent');
    expect(selected!.text).toContain('/plan/…2345');
  });
});
